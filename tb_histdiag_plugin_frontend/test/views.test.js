// The views' pure parts (no DOM needed).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { visibleBadges, badgeTitle, summaryText, allZero } from '../src/views/overview.js';
import { sickLayers } from '../src/views/sick.js';
import { statRows } from '../src/views/detail.js';
import { readSettings, inputId } from '../src/views/thresholds.js';
import { runCounts } from '../src/views/runList.js';
import { exportFile } from '../src/views/toolbar.js';
import { heatHeight, heatData } from '../src/views/heatmap.js';
import { profileData } from '../src/views/profile.js';
import { FLOW } from '../src/views/flow.js';
import { LEARNING } from '../src/views/learning.js';
import { sliderIndex, memo, evidenceSource } from '../src/views/parts.js';
import { buildModel } from '../src/model.js';
import { initialState } from '../src/store.js';

const m = (severity, kind, extra) => ({ severity, kind: kind || 'dead_units', first_step: 0, last_step: 9, evidence: 'e', ...extra });

test('overview badges: info hidden among many markers, at most four shown', () => {
  assert.deepEqual(visibleBadges([m('info'), m('warning')]).shown.length, 2);
  const many = [m('critical'), m('warning'), m('warning'), m('warning'), m('warning'), m('info')];
  const v = visibleBadges(many);
  assert.equal(v.shown.length, 4);
  assert.equal(v.more, 1);
  assert.ok(v.shown.every((x) => x.severity !== 'info'));
  assert.equal(badgeTitle(m('warning', 'vanishing_gradient', { evidence_from: 'weights' })),
    'Vanishing gradient (warning, steps 0–9, inferred from weights): e');
});

test('a log sparkline of exact zeros is replaced by words', () => {
  assert.equal(allZero([null, 0, 0]), true);
  assert.equal(allZero([null, 0, 1e-9]), false);
  assert.equal(allZero([null, NaN]), false);
});

test('evidence source phrases', () => {
  assert.equal(evidenceSource(m('warning', 'vanishing_gradient', { evidence_from: 'weights' })), 'inferred from weights');
  assert.equal(evidenceSource(m('info', 'weight_decay_shrink', { evidence_from: 'weights' })), 'from weights');
  assert.equal(evidenceSource(m('info', 'dead_units', { evidence_from: 'gradients' })), 'from gradients');
  assert.equal(evidenceSource(m('info')), ''); // an older backend without evidence_from
});

const doc = {
  run: 'r',
  layers: [{ name: 'a', depth: 0, tags: {} }, { name: 'b', depth: 1, tags: {} }, { name: 'c', depth: 2, tags: {} }],
  series: [
    { tag: 'a/g', layer: 'a', role: 'gradient', steps: [0, 5], stats: { rms: [1e-6, 2e-6], count: [10, 10], zero_fraction: [0, 0.5] } },
    { tag: 'c/g', layer: 'c', role: 'gradient', steps: [0, 5], stats: { rms: [1, 2] } },
  ],
  markers: [m('warning', 'x', { layer: 'c' }), m('critical', 'y', { layer: 'b' }), m('info', 'z', { layer: 'a' }),
    m('warning', 'w', { layer: 'b' })],
};

test('sick layers: warning and critical only, worst first, then depth', () => {
  const s = sickLayers(buildModel(doc));
  assert.deepEqual(s.map((x) => [x.key, x.severity, x.count]), [['b', 'critical', 2], ['c', 'warning', 1]]);
  assert.equal(summaryText(buildModel(doc)), '3 rows · 1 critical, 2 warning, 1 info · statistics estimated from histogram buckets');
});

test('detail statistics table: counts, percentages and numbers', () => {
  const s = buildModel(doc).byTag.get('a/g');
  assert.deepEqual(statRows(s, 1), [['count', '10'], ['rms', '2e-6'], ['zero_fraction', '50%']]);
  assert.deepEqual(statRows(s, -1).map((r) => r[1]), ['—', '—', '—']);
});

test('threshold form: numbers in range, only values that differ from the defaults', () => {
  const spec = { name: 'ratio', default: 0.01, min: 0, max: 1 };
  assert.deepEqual(readSettings([[spec, ' 0.1 ']]), { next: { ratio: '0.1' } });
  assert.deepEqual(readSettings([[spec, '1e-2']]), { next: {} });
  assert.deepEqual(readSettings([[spec, 'x']]), { name: 'ratio', error: 'Not applied: ratio needs a number' });
  assert.equal(readSettings([[spec, '5']]).error, 'Not applied: ratio must be between 0 and 1 (got 5)');
  assert.equal(inputId('a b<c>'), 'hd-set-a_b_c_');
});

test('run counts: the listing, or the loaded diagnosis under custom thresholds', () => {
  const state = { ...initialState(''), models: new Map([['r', { model: buildModel(doc) }]]) };
  const r = { run: 'r', critical: 5, warning: null };
  assert.equal(runCounts(state, r).critical, 5);
  assert.deepEqual(runCounts({ ...state, settings: { x: '1' } }, r), { critical: 1, warning: 2, info: 1, custom: true });
});

test('exports are named after the run', () => {
  const model = buildModel({ ...doc, run: '../a b' });
  assert.equal(exportFile(model, 'csv').name, 'histdiag-a_b-statistics.csv');
  assert.equal(exportFile(model, 'json').type, 'application/json');
  assert.equal(JSON.parse(exportFile(model, 'json').text).run, '../a b');
});

test('heatmap size and data; depth profiles choose gradient or learning flow', () => {
  // 22 px a row within 180-900 px, plus 26 px for the step axis' zoom slider
  assert.equal(heatHeight(1), 180 + 26);
  assert.equal(heatHeight(20), 500 + 26);
  assert.equal(heatHeight(200), 900 + 26);
  const model = buildModel(doc);
  const d = heatData(model, 'grad_rms_log', []);
  assert.equal(d.matrix.data.length, 4);
  assert.deepEqual(d.markers.map((x) => x.layer), ['b', 'c', 'b', 'a']); // severity, then first step
  const state = { ...initialState(''), colors: new Map([['r', '#123456']]) };
  const p = profileData(state, [model], FLOW);
  assert.deepEqual(p.axis.map((e) => e.key), ['a', 'b', 'c']);
  assert.deepEqual(p.runs[0].points.map((x) => x && x.value), [2e-6, null, 2]);
  assert.equal(p.runs[0].color, '#123456');
  assert.equal(p.hasAny, true);
  assert.equal(profileData(state, [model], LEARNING).hasAny, false);
  const weightsOnly = buildModel({ run: 'w', layers: doc.layers, series: [], markers: [] });
  assert.deepEqual([FLOW.shown([model]), LEARNING.shown([model])], [true, false]);
  assert.deepEqual([FLOW.shown([weightsOnly]), LEARNING.shown([weightsOnly])], [false, true]);
  assert.deepEqual([FLOW.shown([model, weightsOnly]), LEARNING.shown([model, weightsOnly])], [true, true]);
});

test('slider index and memo', () => {
  assert.equal(sliderIndex([0, 5, 10], null), 2);
  assert.equal(sliderIndex([0, 5, 10], 7), 1);
  assert.equal(sliderIndex([0, 5, 10], -3), 0);
  assert.equal(sliderIndex([], 3), 0);
  const mm = memo();
  const a = [];
  assert.equal(mm.changed(a, 1), true);
  assert.equal(mm.changed(a, 1), false);
  assert.equal(mm.changed([], 1), true);
});
