// The heatmap statistics and matrix, and series defaults, added for mutation testing (tests/mutation/). What each
// heatmap statistic shows is restated from its id (grad_rms_log: log10 of the gradients' RMS, ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  HEATMAP_STATS, HEATMAP_DEFAULTS, buildModel, heatmapMatrix, heatmapStat, countSeverities, unionSteps, sortMarkers,
  valueAtStep, indexAtOrBefore, stepShown, chooseHeatStat, hasHeatStat, learningFlow, gradientFlow, hasGradientData,
  mergeLayerAxes,
} from '../src/model.js';

const ROLE_WORD = { gradient: 'gradient', weights: 'weight', activation: 'activation', bias: 'bias' };
const SHOWS = {
  grad_rms_log: ['gradient', 'rms', true],
  grad_l2_log: ['gradient', 'l2_norm', true],
  weights_change_log: ['weights', 'change', true],
  weights_rms: ['weights', 'rms', false],
  weights_mean: ['weights', 'mean', false],
  weights_std: ['weights', 'std', false],
  grad_zero: ['gradient', 'zero_fraction', false],
  act_zero: ['activation', 'zero_fraction', false],
  act_abs_mean: ['activation', 'abs_mean', false],
  bias_mean: ['bias', 'mean', false],
};
const STATS = ['rms', 'l2_norm', 'change', 'mean', 'std', 'zero_fraction', 'abs_mean'];
const ROLES = ['weights', 'bias', 'gradient', 'activation'];

// one layer; role r's statistic s is 10^(10 r + s + 1) at its one step
function doc() {
  const series = ROLES.map((role, r) => ({
    tag: 'l/' + role, layer: 'l', role, steps: [5],
    stats: Object.fromEntries(STATS.map((stat, s) => [stat, [10 ** (10 * r + s + 1)]])),
  }));
  return { run: 'x', series, layers: [{ name: 'l', depth: 0, tags: {} }] };
}

test('every heatmap statistic shows its role and statistic, on a log scale where its id says so', () => {
  assert.deepEqual(HEATMAP_STATS.map((s) => s.id).sort(), Object.keys(SHOWS).sort());
  const model = buildModel(doc());
  for (const spec of HEATMAP_STATS) {
    const [role, stat, log] = SHOWS[spec.id];
    assert.equal(spec.role, role, spec.id);
    assert.equal(spec.stat, stat, spec.id);
    assert.equal(spec.log, log, spec.id);
    assert.ok(spec.label.includes(ROLE_WORD[role]), spec.id);
    assert.equal(spec.label.startsWith('log10 '), log, spec.id);
    const exponent = 10 * ROLES.indexOf(role) + STATS.indexOf(stat) + 1;
    const m = heatmapMatrix(model, spec.id);
    assert.deepEqual(m.data, [[0, 0, log ? exponent : 10 ** exponent]], spec.id);
  }
  assert.equal(new Set(HEATMAP_STATS.map((s) => s.label)).size, HEATMAP_STATS.length);
  assert.equal(heatmapStat('nonsense').id, 'grad_rms_log');
});

function oneRole(values, steps) {
  return buildModel({ run: 'r', series: [{ tag: 'l/g', layer: 'l', role: 'gradient', steps, stats: { rms: values } }],
    layers: [{ name: 'l', depth: 0, tags: { gradient: 'l/g' } }] });
}

test('exact zeros of a log statistic sit one decade below the smallest value', () => {
  const m = heatmapMatrix(oneRole([0, 100, 1000], [1, 2, 3]), 'grad_rms_log');
  assert.deepEqual(m.data, [[1, 0, 2], [2, 0, 3], [0, 0, 1]]);
  assert.deepEqual([m.min, m.max], [1, 3]);
  assert.deepEqual([...m.zeros], ['0,0']);
  const zeros = heatmapMatrix(oneRole([0, 0], [1, 2]), 'grad_rms_log');
  assert.deepEqual(zeros.data, [[0, 0, -1], [1, 0, -1]]);
  assert.deepEqual([zeros.min, zeros.max], [-1, 0]);
});

test('a matrix of one value or none gets a range around it', () => {
  const one = heatmapMatrix(oneRole([100, 100], [1, 2]), 'grad_rms_log');
  assert.deepEqual([one.min, one.max], [1.5, 2.5]);
  const none = heatmapMatrix(oneRole([null, NaN], [1, 2]), 'grad_rms_log');
  assert.deepEqual(none.data, []);
  assert.deepEqual([none.min, none.max], [0, 1]);
  // on a log scale a negative value is no value, a zero is a zero cell
  const neg = heatmapMatrix(oneRole([0, -2], [1, 2]), 'grad_rms_log');
  assert.deepEqual(neg.data, [[0, 0, -1]]);
  assert.equal(neg.zeros.size, 1);
});

test('series defaults: role other, no layer, no non-finite steps, string tags', () => {
  const model = buildModel({ run: 7, series: [{ tag: 3, steps: [1, 2], stats: {} }] });
  const s = model.series[0];
  assert.equal(s.tag, '3');
  assert.equal(s.role, 'other');
  assert.equal(s.layer, null);
  assert.equal(s.param, null);
  assert.equal(s.param_name, null);
  assert.equal(s.norm, false);
  assert.deepEqual(s.non_finite, [false, false]);
  assert.equal(model.run, '7');
  assert.deepEqual(model.rows.map((r) => [r.key, r.kind]), [['tag:3', 'tag']]);
  assert.equal(model.rows[0].series.weights, s); // a tag of no known role is shown as weights
  assert.deepEqual(model.ungrouped, ['3']);
  assert.deepEqual(model.settings, {});
});

test('severity counts and step unions', () => {
  assert.deepEqual(countSeverities([{ severity: 'critical' }, { severity: 'info' }, { severity: 'odd' },
    { severity: 'critical' }]), { critical: 2, warning: 0, info: 1 });
  assert.deepEqual(unionSteps([{ steps: [3, 1] }, { steps: [2, 3] }]), [1, 2, 3]);
  assert.deepEqual(unionSteps([{ steps: [10, 9] }]), [9, 10]);
});

// ---- rows, series and markers of buildModel, the step helpers and the flows (second mutation round) ----

test('a series\' statistics read like a plain object of numbers: listed, kept, assignable, deletable', () => {
  const s = buildModel({ run: 'r', series: [{ tag: 't', steps: [1, 2], stats: { rms: ['1', 'NaN'], mean: [null, 2] } }] })
    .series[0];
  assert.deepEqual(Object.keys(s.stats), ['rms', 'mean']);
  assert.deepEqual(s.stats.rms, [1, NaN]);
  assert.equal(s.stats.rms, s.stats.rms); // coerced once, the same array on every read
  s.stats.mean = [7, 8];
  assert.deepEqual(s.stats.mean, [7, 8]);
  delete s.stats.rms;
  assert.deepEqual(Object.keys(s.stats), ['mean']);
});

test('a series with layer null belongs to no layer', () => {
  const model = buildModel({ run: 'r', series: [{ tag: 't', layer: null, role: 'weights', steps: [1], stats: {} }],
    layers: [{ name: 'null', depth: 0, tags: {} }] });
  assert.equal(model.series[0].layer, null);
  assert.deepEqual(model.rows.map((r) => r.key), ['null', 'tag:t']);
});

test('markers: worst severity first, then earliest first step (a missing step counts as 0), input left as it was', () => {
  const mk = (severity, first_step) => ({ severity, first_step, kind: severity + first_step });
  const input = [mk('info', 1), mk('warning', 10), mk('warning', 20), mk('critical', 5), mk('warning', null)];
  const before = input.slice();
  assert.deepEqual(sortMarkers(input).map((m) => m.kind), ['critical5', 'warningnull', 'warning10', 'warning20', 'info1']);
  assert.deepEqual(input, before);
  assert.deepEqual(sortMarkers([mk('warning', 10), mk('warning', 20)]).map((m) => m.first_step), [10, 20]);
  assert.deepEqual(sortMarkers([mk('warning', 20), mk('warning', 10)]).map((m) => m.first_step), [10, 20]);
  assert.deepEqual(sortMarkers([mk('info', '30'), mk('info', 4), mk('info', 12)]).map((m) => m.first_step),
    [4, 12, '30']);
});

test('an empty document gives an empty model', () => {
  const model = buildModel({ run: 'r' });
  assert.deepEqual(model.series, []);
  assert.deepEqual(model.rows, []);
  assert.deepEqual(model.markers, []);
  assert.deepEqual(model.steps, []);
  assert.deepEqual(model.ungrouped, []);
});

test('buildModel leaves the document\'s layer order as it was', () => {
  const doc = { run: 'r', series: [], layers: [{ name: 'b', depth: 1 }, { name: 'a', depth: 0 }] };
  const model = buildModel(doc);
  assert.deepEqual(model.rows.map((r) => r.name), ['a', 'b']);
  assert.deepEqual(doc.layers.map((l) => l.name), ['b', 'a']);
  assert.equal(model.doc, doc);
});

function ser(tag, layer, role, steps = [1]) {
  return { tag, layer, role, steps, stats: { rms: steps.map(() => 1) } };
}

test('a layer\'s tag for a role wins over another series of the same layer and role, which goes to extra', () => {
  const model = buildModel({ run: 'r', series: [ser('l/w1', 'l', 'weights'), ser('l/w2', 'l', 'weights'),
    ser('l/g', 'l', 'gradient'), ser('m/w', 'm', 'weights')],
  layers: [{ name: 'l', depth: 0, tags: { weights: 'l/w2' } }, { name: 'm', depth: 1, tags: {} }] });
  const [l, m] = model.rows;
  assert.deepEqual(l.tags, { weights: 'l/w2', bias: null, gradient: 'l/g', activation: null });
  assert.equal(l.series.weights.tag, 'l/w2');
  assert.equal(l.series.gradient.tag, 'l/g');
  assert.equal(l.series.bias, null);
  assert.deepEqual(l.extra.map((s) => s.tag), ['l/w1']);
  assert.deepEqual(m.tags, { weights: 'm/w', bias: null, gradient: null, activation: null });
  assert.deepEqual(m.extra, []);
});

test('a layer\'s block is its non-empty block name, else null', () => {
  const layers = [{ name: 'a', depth: 0, block: 'enc' }, { name: 'b', depth: 1 }, { name: 'c', depth: 2, block: '' },
    { name: 'd', depth: 3, block: 5 }];
  const model = buildModel({ run: 'r', series: [], layers });
  assert.deepEqual(model.rows.map((r) => r.block), ['enc', null, null, null]);
});

test('a series of an unknown layer gets its own tag row, with all four roles and its markers', () => {
  const model = buildModel({ run: 'r', series: [ser('ghost/g', 'ghost', 'gradient'), ser('x', null, 'weights')],
    layers: [{ name: 'l', depth: 0, tags: {} }],
    markers: [{ tag: 'ghost/g', severity: 'info', first_step: 1 }, { tag: 'x', severity: 'warning', first_step: 1 },
      { tag: 'ghost/g', severity: 'critical', first_step: 2 }] });
  assert.deepEqual(model.rows.map((r) => r.key), ['l', 'tag:ghost/g', 'tag:x']);
  const ghost = model.rows[1];
  assert.deepEqual(ghost.tags, { weights: null, bias: null, gradient: 'ghost/g', activation: null });
  assert.deepEqual(Object.keys(ghost.series).sort(), ['activation', 'bias', 'gradient', 'weights']);
  assert.equal(ghost.series.gradient.tag, 'ghost/g');
  assert.equal(ghost.series.weights, null);
  assert.equal(ghost.series.activation, null);
  assert.deepEqual(ghost.extra, []);
  assert.equal(ghost.otherRole, 'gradient');
  assert.deepEqual(ghost.markers.map((m) => m.severity), ['critical', 'info']);
  assert.deepEqual(model.rows[2].markers.map((m) => m.severity), ['warning']);
  assert.deepEqual(model.ungrouped, ['ghost/g', 'x']);
});

test('the model\'s steps: the numeric union of the finite steps of every series', () => {
  const model = buildModel({ run: 'r', series: [ser('a', null, 'weights', [10, 9, 100, null]),
    ser('b', null, 'weights', [2, 'NaN', 'Infinity', 9])] });
  assert.deepEqual(model.steps, [2, 9, 10, 100]);
});

test('ungrouped: the document\'s list when given, else the tag rows only', () => {
  const layers = [{ name: 'l', depth: 0, tags: {} }];
  const series = [ser('l/w', 'l', 'weights'), ser('t', null, 'other')];
  assert.deepEqual(buildModel({ run: 'r', series, layers }).ungrouped, ['t']);
  assert.deepEqual(buildModel({ run: 'r', series, layers, ungrouped: ['t', 4] }).ungrouped, ['t', '4']);
});

test('a value at no given step is the last one', () => {
  const g = { steps: [0, 10, 20], stats: { rms: [1, 2, 3] } };
  assert.equal(valueAtStep(g, 'rms'), 3);
  assert.equal(valueAtStep(g, 'rms', undefined), 3);
  assert.equal(valueAtStep(g, 'mean', 10), null);
  assert.equal(valueAtStep(null, 'rms', 10), null);
});

test('indexAtOrBefore past either end and on an exact step', () => {
  assert.equal(indexAtOrBefore([0, 10, 20], 100), 2);
  assert.equal(indexAtOrBefore([0, 10, 20], 20), 2);
  assert.equal(indexAtOrBefore([0, 10, 20], 0), 0);
  assert.equal(indexAtOrBefore([5], 10), 0);
  assert.equal(indexAtOrBefore([], 10), -1);
});

test('stepShown: the last logged step at or before the chosen one, the last one when none is chosen', () => {
  const s = { steps: [0, 10, 20] };
  assert.equal(stepShown(s, null), 20);
  assert.equal(stepShown(s, undefined), 20);
  assert.equal(stepShown(s), 20);
  assert.equal(stepShown(s, 15), 10);
  assert.equal(stepShown(s, 0), 0);
  assert.equal(stepShown(s, 20), 20);
  assert.equal(stepShown(s, 99), 20);
  assert.equal(stepShown(s, -1), null);
  assert.equal(stepShown({ steps: [] }, 5), null);
  assert.equal(stepShown({ steps: [] }, null), null);
  assert.equal(stepShown(null, 5), null);
  assert.equal(stepShown(undefined, null), null);
});

function layerModel(role, stats) {
  return buildModel({ run: 'r', series: [{ tag: 'l/' + role, layer: 'l', role, steps: [1, 2], stats }],
    layers: [{ name: 'l', depth: 0, tags: {} }] });
}

test('the default heatmap statistic is the first of the defaults the run has', () => {
  assert.equal(chooseHeatStat(layerModel('gradient', { rms: [1, 2] }), null), 'grad_rms_log');
  assert.equal(chooseHeatStat(layerModel('weights', { change: [1, 2], rms: [1, 2] }), null), 'weights_change_log');
  assert.equal(chooseHeatStat(layerModel('weights', { rms: [1, 2], mean: [1, 2] }), null), 'weights_rms');
  assert.equal(chooseHeatStat(layerModel('activation', { zero_fraction: [0, 0.5], abs_mean: [1, 2] }), null),
    'act_zero');
  assert.equal(chooseHeatStat(layerModel('activation', { abs_mean: [1, 2] }), null), 'act_abs_mean');
  assert.equal(chooseHeatStat(layerModel('bias', { mean: [1, 2] }), null), 'bias_mean');
  assert.equal(chooseHeatStat(layerModel('bias', { std: [1, 2] }), null), 'grad_rms_log');
  assert.equal(chooseHeatStat(layerModel('bias', { mean: [1, 2] }), 'weights_std'), 'weights_std');
});

test('every default heatmap statistic names a heatmap statistic, each once', () => {
  const ids = HEATMAP_STATS.map((s) => s.id);
  for (const id of HEATMAP_DEFAULTS) assert.ok(ids.includes(id), JSON.stringify(id));
  assert.equal(new Set(HEATMAP_DEFAULTS).size, HEATMAP_DEFAULTS.length);
});

test('hasHeatStat: some row has a finite value of it', () => {
  const model = buildModel({ run: 'r', series: [ser('b/g', 'b', 'gradient'),
    { tag: 'c/g', layer: 'c', role: 'gradient', steps: [1, 2], stats: { rms: [null, 'NaN'], l2_norm: [null, 'NaN'] } }],
  layers: [{ name: 'a', depth: 0, tags: {} }, { name: 'b', depth: 1, tags: {} }, { name: 'c', depth: 2, tags: {} }] });
  assert.equal(hasHeatStat(model, 'grad_rms_log'), true);
  assert.equal(hasHeatStat(model, 'grad_l2_log'), false);
  assert.equal(hasHeatStat(model, 'weights_rms'), false);
});

test('heatmap rows: every layer, and the tag rows that have the statistic\'s role', () => {
  const model = buildModel({ run: 'r', series: [ser('a/w', 'a', 'weights'), ser('b/g', 'b', 'gradient'),
    ser('t/g', null, 'gradient'), ser('t/w', null, 'weights')],
  layers: [{ name: 'a', depth: 0, tags: {} }, { name: 'b', depth: 1, tags: {} }] });
  const m = heatmapMatrix(model, 'grad_rms_log');
  assert.deepEqual(m.rows.map((r) => r.key), ['a', 'b', 'tag:t/g']);
  assert.deepEqual(m.data, [[0, 1, 0], [0, 2, 0]]);
});

test('heatmap: a value at a step that is not on the axis is left out; the range spans every value', () => {
  const m = heatmapMatrix(oneRole([10, 100], [1, null]), 'grad_rms_log');
  assert.deepEqual(m.xSteps, [1]);
  assert.deepEqual(m.data, [[0, 0, 1]]);
  const down = heatmapMatrix(oneRole([1000, 10, 100], [1, 2, 3]), 'grad_rms_log');
  assert.deepEqual(down.data, [[0, 0, 3], [1, 0, 1], [2, 0, 2]]);
  assert.deepEqual([down.min, down.max], [1, 3]);
});

test('learning flow: per layer, the weights\' relative change at the step, 0 kept, negative or missing null', () => {
  const model = buildModel({ run: 'r', series: [
    { tag: 'a/w', layer: 'a', role: 'weights', steps: [0, 10], stats: { change: [-0.5, 0] } },
    { tag: 'b/w', layer: 'b', role: 'weights', steps: [0, 10], stats: { change: [0.2, 'NaN'] } },
    { tag: 't/w', layer: null, role: 'weights', steps: [0, 10], stats: { change: [0.3, 0.3] } }],
  layers: [{ name: 'a', depth: 0, tags: {} }, { name: 'b', depth: 1, tags: {} }, { name: 'c', depth: 2, tags: {} }] });
  assert.deepEqual(learningFlow(model, 0), [{ layer: 'a', value: null, step: 0 }, { layer: 'b', value: 0.2, step: 0 },
    { layer: 'c', value: null, step: null }]);
  assert.deepEqual(learningFlow(model, 15), [{ layer: 'a', value: 0, step: 10 }, { layer: 'b', value: null, step: 10 },
    { layer: 'c', value: null, step: null }]);
});

test('gradient flow: per layer, a positive gradient RMS only (0 and negative are null), with the step shown', () => {
  const model = buildModel({ run: 'r', series: [
    { tag: 'a/g', layer: 'a', role: 'gradient', steps: [0, 10], stats: { rms: [0, 2] } },
    { tag: 'b/g', layer: 'b', role: 'gradient', steps: [5], stats: { rms: [-1] } },
    { tag: 't/g', layer: null, role: 'gradient', steps: [0], stats: { rms: [4] } }],
  layers: [{ name: 'a', depth: 0, tags: {} }, { name: 'b', depth: 1, tags: {} }] });
  assert.deepEqual(gradientFlow(model, 0), [{ layer: 'a', value: null, step: 0 }, { layer: 'b', value: null, step: null }]);
  assert.deepEqual(gradientFlow(model, null), [{ layer: 'a', value: 2, step: 10 }, { layer: 'b', value: null, step: 5 }]);
});

test('hasGradientData: some model has a gradient series with a positive finite RMS', () => {
  const g = (rms, role = 'gradient') => ({ series: [{ role, stats: rms === undefined ? {} : { rms } }] });
  assert.equal(hasGradientData([g([0, 0])]), false);
  assert.equal(hasGradientData([g([0, -1, 'NaN', 'Infinity', null])]), false);
  assert.equal(hasGradientData([g([0, 1e-3])]), true);
  assert.equal(hasGradientData([g([0]), g([2])]), true);
  assert.equal(hasGradientData([g(undefined)]), false);
  assert.equal(hasGradientData([g([5], 'weights')]), false);
  assert.equal(hasGradientData([]), false);
});

test('mergeLayerAxes puts a new layer before the next one of its list already on the axis, even the first', () => {
  assert.deepEqual(mergeLayerAxes([['b'], ['a', 'b']]), ['a', 'b']);
  assert.deepEqual(mergeLayerAxes([['b', 'c'], ['a', 'x', 'c']]), ['b', 'a', 'x', 'c']);
  assert.deepEqual(mergeLayerAxes([['a'], ['z']]), ['a', 'z']);
});
