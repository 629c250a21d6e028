import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  overviewEntries, aggregate, collapseAxis, pointsOnAxis, collapseMatrix, blockSeries,
} from '../src/blocks.js';
import { buildModel, heatmapMatrix, chooseHeatStat, hasHeatStat, learningFlow, hasGradientData } from '../src/model.js';

const row = (key, block, markers) => ({ key, name: key, kind: 'layer', block, markers: markers || [], series: {} });
const warn = { kind: 'vanishing_gradient', severity: 'warning', first_step: 0 };
const crit = { kind: 'non_finite', severity: 'critical', first_step: 5 };

test('layers of a block collapse into one entry with its worst marker first', () => {
  const rows = [row('emb', null), row('b0.q', 'b0', [warn]), row('b0.k', 'b0', [crit]), row('b1.q', 'b1'), row('out', null)];
  const e = overviewEntries(rows);
  assert.deepEqual(e.map((x) => x.type + ':' + (x.block || x.row.key)), ['row:emb', 'block:b0', 'block:b1', 'row:out']);
  assert.equal(e[1].rows.length, 2);
  assert.equal(e[1].markers[0].kind, 'non_finite');
  assert.equal(e[1].open, false);
  // expanded, or holding the selected layer: the block's layers follow its row
  assert.deepEqual(overviewEntries(rows, { expanded: ['b1'] }).map((x) => x.row ? x.row.key : x.block),
    ['emb', 'b0', 'b1', 'b1.q', 'out']);
  assert.deepEqual(overviewEntries(rows, { selected: 'b0.k' }).map((x) => x.row ? x.row.key : x.block),
    ['emb', 'b0', 'b0.q', 'b0.k', 'b1', 'out']);
});

test('only layers with markers: unmarked layers and blocks go, the selected layer stays', () => {
  const rows = [row('emb', null), row('b0.q', 'b0', [warn]), row('b0.k', 'b0'), row('b1.q', 'b1'), row('out', null)];
  const keys = (o) => overviewEntries(rows, o).map((x) => x.row ? x.row.key : x.block);
  assert.deepEqual(keys({ onlyMarked: true }), ['b0']);
  assert.deepEqual(keys({ onlyMarked: true, expanded: ['b0'] }), ['b0', 'b0.q']);
  assert.deepEqual(keys({ onlyMarked: true, selected: 'out' }), ['b0', 'out']);
});

test('aggregate: geometric mean of positive values, zeros counted, nothing finite is null', () => {
  const a = aggregate([1e-2, 1e-4, null, 'NaN']);
  assert.ok(Math.abs(a.value - 1e-3) < 1e-15);
  assert.deepEqual([a.min, a.max, a.n, a.zeros], [1e-4, 1e-2, 2, 0]);
  assert.deepEqual(aggregate([0, 0]), { value: 0, min: 0, max: 0, n: 2, zeros: 2 });
  assert.equal(aggregate([0, 4]).value, 4);
  assert.equal(aggregate([0, 4]).min, 0);
  assert.equal(aggregate([null]), null);
});

test('a depth axis collapses consecutive layers of collapsed blocks only', () => {
  const blocks = new Map([['b0.q', 'b0'], ['b0.k', 'b0'], ['b1.q', 'b1']]);
  const axis = collapseAxis(['emb', 'b0.q', 'b0.k', 'b1.q', 'out'], blocks, ['b1']);
  assert.deepEqual(axis.map((e) => [e.key, e.layers]), [['emb', ['emb']], ['block:b0', ['b0.q', 'b0.k']],
    ['b1.q', ['b1.q']], ['out', ['out']]]);
  const pts = pointsOnAxis(axis, [{ layer: 'emb', value: 2, step: 3 }, { layer: 'b0.q', value: 1e-2, step: 3 },
    { layer: 'b0.k', value: 1e-4, step: 3 }]);
  assert.equal(pts[0].value, 2);
  assert.ok(Math.abs(pts[1].value - 1e-3) < 1e-15);
  assert.equal(pts[1].layers, 2);
  assert.equal(pts[2], null);
});

function series(tag, layer, role, stats, steps) {
  return { tag, layer, role, steps: steps || [0, 1], wall_times: [0, 0], non_finite: [false, false], stats };
}

const doc = {
  run: 'r',
  layers: [
    { name: 'b0.q', depth: 0, block: 'b0', tags: { weights: 'b0.q/w' } },
    { name: 'b0.k', depth: 1, block: 'b0', tags: { weights: 'b0.k/w' } },
    { name: 'out', depth: 2, tags: { weights: 'out/w' } },
  ],
  series: [
    series('b0.q/w', 'b0.q', 'weights', { change: [null, 1e-2], rms: [1, 1] }),
    series('b0.k/w', 'b0.k', 'weights', { change: [null, 0], rms: [3, 3] }),
    series('out/w', 'out', 'weights', { change: [null, 1e-4], rms: [2, 2] }),
  ],
  markers: [{ kind: 'vanishing_gradient', severity: 'warning', layer: 'b0.k', tag: 'b0.k/w', first_step: 1, last_step: 1,
    evidence_from: 'weights' }],
  ungrouped: ['<i>x</i>'],
};

test('a weights-only model: no gradient data, learning flow keeps exact zeros, heatmap defaults to weight change', () => {
  const m = buildModel(doc);
  assert.deepEqual(m.rows.map((r) => r.block), ['b0', 'b0', null]);
  assert.deepEqual(m.ungrouped, ['<i>x</i>']);
  assert.equal(hasGradientData([m]), false);
  assert.deepEqual(learningFlow(m, null).map((p) => p.value), [1e-2, 0, 1e-4]);
  assert.deepEqual(learningFlow(m, 0).map((p) => p.value), [null, null, null]);
  assert.equal(hasHeatStat(m, 'grad_rms_log'), false);
  assert.equal(chooseHeatStat(m, null), 'weights_change_log');
  assert.equal(chooseHeatStat(m, 'weights_rms'), 'weights_rms');
  assert.equal(chooseHeatStat({ rows: [] }, null), 'grad_rms_log');
});

test('heatmap: zeros of a log statistic sit a decade below the smallest value; blocks merge into one row', () => {
  const m = buildModel(doc);
  const h = heatmapMatrix(m, 'weights_change_log');
  assert.deepEqual(h.data.filter((d) => d[0] === 1).sort((a, b) => a[1] - b[1]), [[1, 0, -2], [1, 1, -5], [1, 2, -4]]);
  assert.deepEqual([...h.zeros], ['1,1']);
  assert.equal(h.min, -5);
  const c = collapseMatrix(h, []);
  assert.deepEqual(c.rows.map((r) => r.key), ['block:b0', 'out']);
  assert.deepEqual(c.data.sort((a, b) => a[1] - b[1]), [[1, 0, -3.5], [1, 1, -4]]);
  assert.equal(c.keyOf.get('b0.k'), 'block:b0');
  assert.equal(c.zeros.size, 0); // one of two cells was zero: the block's cell is not
  assert.equal(collapseMatrix(h, ['b0']).rows.length, 3);
});

test('a block sparkline: per step the geometric mean (log statistics) or the mean of its layers', () => {
  const m = buildModel(doc);
  const rows = m.rows.slice(0, 2);
  assert.deepEqual(blockSeries(rows, 'weights', 'rms', false), [2, 2]);
  assert.deepEqual(blockSeries(rows, 'weights', 'rms', true).map((v) => Math.round(v * 1e6) / 1e6), [1.732051, 1.732051]);
  assert.deepEqual(blockSeries(rows, 'gradient', 'rms', true), []);
});
