// The layer detail's weight-norm chart, its pure part: per-run series from diagnostics documents, one step axis,
// the auto log scale and the marker spans; and the chart option built from them.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { buildModel } from '../src/model.js';
import { alignRuns, autoLog, normRuns, normSpans } from '../src/weightnorm.js';
import { weightNormOption, themeColors } from '../src/charts.js';

const w = (tag, layer, steps, l2) => ({ tag, layer, role: 'weights', steps, stats: { l2_norm: l2, rms: l2 } });
const b = (tag, layer, steps, l2) => ({ tag, layer, role: 'bias', steps, stats: { l2_norm: l2 } });
const layers = [{ name: 'dense', depth: 0, tags: {} }, { name: 'out', depth: 1, tags: {} }];
// run a: L2 decay, the norm falls 10 -> 5 (a shrink marker on the weights, another on the bias)
const docA = { run: 'a', layers, series: [w('dense/w', 'dense', [0, 10, 20, 30], [10, 8, 'NaN', 5]),
  b('dense/b', 'dense', [0, 10, 20, 30], [1, 1, 1, 1]), w('out/w', 'out', [0, 10, 20, 30], [1, 1, 1, 1])],
markers: [{ kind: 'weight_decay_shrink', severity: 'info', layer: 'dense', tag: 'dense/w', first_step: 10, last_step: 30 },
  { kind: 'weight_decay_shrink', severity: 'info', layer: 'dense', tag: 'dense/b', first_step: 0, last_step: 30 },
  { kind: 'dead_units', severity: 'warning', layer: 'dense', tag: 'dense/w', first_step: 0, last_step: 30 }] };
// run b: no decay, logged at other steps
const docB = { run: 'b', layers, series: [w('dense/w', 'dense', [0, 15, 30], [10, 10.5, 11])], markers: [] };
// run c: no layer "dense" at all
const docC = { run: 'c', layers: [{ name: 'other', depth: 0, tags: {} }], series: [w('other/w', 'other', [0], [3])], markers: [] };

test('one entry per compared run that has the layer, its values the documents\' l2_norm', () => {
  const models = [docA, docB, docC].map(buildModel);
  const runs = normRuns(models, 'dense');
  assert.deepEqual(runs.map((r) => r.run), ['a', 'b']);
  assert.deepEqual(runs[0], { run: 'a', tag: 'dense/w', steps: [0, 10, 20, 30], values: [10, 8, null, 5] });
  assert.deepEqual(runs[1].values, [10, 10.5, 11]);
  assert.deepEqual(normRuns([buildModel(docA)], 'dense').map((r) => r.run), ['a']); // a single run: one line
  assert.deepEqual(normRuns(models, 'nope'), []);
});

test('runs share one step axis; a run is null where it did not log', () => {
  const { steps, series } = alignRuns(normRuns([docA, docB].map(buildModel), 'dense'));
  assert.deepEqual(steps, [0, 10, 15, 20, 30]);
  assert.deepEqual(series, [[10, 8, null, null, 5], [10, null, 10.5, null, 11]]);
});

test('log scale by default only when every value is positive and they span a decade', () => {
  assert.equal(autoLog([[10, 8, null, 5], [10, 11]]), false);
  assert.equal(autoLog([[1, 0.5], [null, 0.09]]), true);
  assert.equal(autoLog([[1, 0, 1e-3]]), false); // zero norm: a log axis cannot show it
  assert.equal(autoLog([[null]]), false);
});

test('spans: the focused run\'s norm-trend markers on the weights tag, as axis indices', () => {
  const m = buildModel(docA);
  const steps = [0, 10, 15, 20, 30];
  assert.deepEqual(normSpans(m.rows[0].markers, steps, 'dense/w'),
    [{ kind: 'weight_decay_shrink', severity: 'info', tag: 'dense/w', i0: 1, i1: 4 }]);
  // a marker step off the axis snaps inwards
  assert.deepEqual(normSpans([{ kind: 'weight_growth', severity: 'warning', tag: 't', first_step: 5, last_step: 17 }],
    steps, 't').map((s) => [s.i0, s.i1]), [[1, 2]]);
  assert.deepEqual(normSpans([{ kind: 'weight_growth', severity: 'warning', first_step: 31, last_step: 40 }], steps), []);
});

test('the chart option: one line per run with its values, the spans shaded, names escaped in the tooltip', () => {
  const t = themeColors(false);
  const runs = [{ run: '<b>a</b>', color: '#0077bb', data: [10, 8, null, 5] }, { run: 'b', color: '#ff7043', data: [1, 0, 2, 3] }];
  const opt = weightNormOption(t, [0, 10, 20, 30], runs, [{ kind: 'weight_decay_shrink', severity: 'info', i0: 1, i1: 3 }],
    { log: false, step: 20, zoom: null });
  assert.equal(opt.series.length, 2);
  assert.deepEqual(opt.series.map((s) => s.data), [[10, 8, null, 5], [1, 0, 2, 3]]);
  assert.equal(opt.yAxis.type, 'value');
  assert.deepEqual(opt.xAxis.data, ['0', '10', '20', '30']);
  assert.deepEqual(opt.series[0].markArea.data.map((d) => [d[0].xAxis, d[1].xAxis]), [['10', '30']]);
  assert.equal(opt.series[1].markArea, undefined);
  const html = opt.tooltip.formatter([{ dataIndex: 2 }]);
  assert.ok(html.includes('&lt;b&gt;a&lt;/b&gt;: —') && !html.includes('<b>a'), html);
  assert.ok(html.includes('info: weight decay shrink'), html);
  // log axis: a zero norm is left out
  const log = weightNormOption(t, [0, 10, 20, 30], runs, [], { log: true });
  assert.equal(log.yAxis.type, 'log');
  assert.deepEqual(log.series[1].data, [1, null, 2, 3]);
});
