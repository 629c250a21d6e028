// Collapsed blocks in the heatmap and a block's series, added for mutation testing (tests/mutation/). Every
// expected row, cell and value is worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  aggregate, blockMap, blockOf, blockSeries, collapseAxis, collapseMatrix, overviewEntries,
} from '../src/blocks.js';

const layer = (key, block) => ({ key, name: key, kind: 'layer', block: block || null, markers: [] });

function matrix() {
  // rows: in, b.0, b.1, mid, b.2 (block b again, after another layer), out; two steps (xi 0 and 1)
  const rows = [layer('in'), layer('b.0', 'b'), layer('b.1', 'b'), layer('mid'), layer('b.2', 'b'), layer('out')];
  const data = [];
  const values = { 0: [1, 2, 4, 8, 16, 32], 1: [0, 0, 0, 1, 3, 5] };
  for (const xi of [0, 1]) rows.forEach((_, yi) => data.push([xi, yi, values[xi][yi]]));
  const zeros = new Set(['1,0', '1,1', '1,2', '0,1']);
  return { rows, data, zeros, steps: [10, 20] };
}

test('a collapsed block is one row per run of its layers, with the mean of their cells', () => {
  const m = collapseMatrix(matrix());
  assert.deepEqual(m.rows.map((r) => r.key), ['in', 'block:b', 'mid', 'block:b', 'out']);
  const block = m.rows[1];
  assert.equal(block.kind, 'block');
  assert.equal(block.block, 'b');
  assert.equal(block.count, 2);
  assert.equal(m.rows[3].count, 1);
  assert.equal(block.name, '▸ b');
  assert.equal(block.title, 'b (block of 2 layers, mean of their cells; click to expand)');
  const cell = (xi, yi) => m.data.find(([x, y]) => x === xi && y === yi)[2];
  assert.equal(cell(0, 1), 3); // (2 + 4) / 2
  assert.equal(cell(1, 1), 0);
  assert.equal(cell(0, 3), 16);
  assert.equal(cell(0, 4), 32);
  assert.equal(m.data.length, 10);
  // a merged cell is all-zero only when every layer's cell was zero
  assert.deepEqual([...m.zeros].sort(), ['1,0', '1,1']);
  assert.equal(m.keyOf.get('b.1'), 'block:b');
  assert.equal(m.keyOf.get('mid'), 'mid');
  assert.deepEqual(m.steps, [10, 20]);
  assert.equal(m.rows[0].name, 'in'); // layers keep their names
});

test('an expanded block keeps its layers; a matrix without zeros has none', () => {
  const src = matrix();
  delete src.zeros;
  const m = collapseMatrix(src, ['b']);
  assert.deepEqual(m.rows.map((r) => r.key), ['in', 'b.0', 'b.1', 'mid', 'b.2', 'out']);
  assert.equal(m.keyOf.get('b.1'), 'b.1');
  assert.equal(m.zeros.size, 0);
  assert.equal(m.data.length, 12);
});

test('blockOf: only layers with a block', () => {
  assert.equal(blockOf(layer('x', 'b')), 'b');
  assert.equal(blockOf(layer('x')), null);
  assert.equal(blockOf({ kind: 'block', block: 'b' }), null);
  assert.equal(blockOf(null), null);
  assert.equal(blockOf(undefined), null);
});

test('overview entries: a block reaching the last row, and expanded blocks by default none', () => {
  const rows = [layer('in'), layer('b.0', 'b'), layer('b.1', 'b')];
  const out = overviewEntries(rows);
  assert.deepEqual(out.map((e) => e.type + ':' + (e.block || e.row.key)), ['row:in', 'block:b']);
  assert.equal(out[1].rows.length, 2);
  assert.equal(out[1].open, false);
  const open = overviewEntries(rows, { expanded: ['b'] });
  assert.deepEqual(open.map((e) => e.type + ':' + (e.type === 'row' ? e.row.key : e.block)),
    ['row:in', 'block:b', 'row:b.0', 'row:b.1']);
  assert.equal(open[2].block, 'b');
});

test('aggregate skips negative values', () => {
  assert.deepEqual(aggregate([-1, 4]), { value: 4, min: 4, max: 4, n: 1, zeros: 0 });
  assert.equal(aggregate([-1, null]), null);
});

test("a block's series: per step, over the layers that have a value, in step order", () => {
  const rows = [
    { series: { gradient: { steps: [20, 10], stats: { rms: [4, 1] } } } },
    { series: { gradient: { steps: [10, 20, 30], stats: { rms: [100, null, 9] } } } },
    { series: { gradient: { steps: [10], stats: {} } } },
    { series: {} },
  ];
  assert.deepEqual(blockSeries(rows, 'gradient', 'rms', false), [50.5, 4, 9]);
  const log = blockSeries(rows, 'gradient', 'rms', true);
  assert.equal(log.length, 3);
  assert.ok(Math.abs(log[0] - 10) < 1e-12); // sqrt(1 * 100)
  assert.deepEqual(log.slice(1), [4, 9]);
  assert.deepEqual(blockSeries(rows, 'gradient', 'mean', false), []);
});

// StrykerJS replaces a default `expanded = []` by ['Stryker was here']; a block may be named anything (its name comes
// from the run's layer names), so a block of exactly that name shows whether the default really expands nothing.
const anyName = 'Stryker was here';

test('overview entries: by default no block is expanded, whatever its name', () => {
  const out = overviewEntries([layer('s.0', anyName), layer('s.1', anyName)]);
  assert.deepEqual(out.map((e) => e.type), ['block']);
  assert.equal(out[0].open, false);
});

test('a depth axis: by default every block is collapsed, whatever its name', () => {
  const axis = collapseAxis(['s.0', 's.1'], new Map([['s.0', anyName], ['s.1', anyName]]));
  assert.deepEqual(axis, [{ key: 'block:' + anyName, label: anyName, block: anyName, layers: ['s.0', 's.1'] }]);
});

test('a heatmap: by default every block is one row, whatever its name', () => {
  const m = collapseMatrix({ rows: [layer('s.0', anyName), layer('s.1', anyName)], data: [[0, 0, 1], [0, 1, 3]] });
  assert.deepEqual(m.rows.map((r) => r.key), ['block:' + anyName]);
  assert.deepEqual(m.data, [[0, 0, 2]]); // (1 + 3) / 2
});

test('blockMap: only layers with a block, and a layer without one in another run keeps the block', () => {
  const tag = { key: 't', name: 't', kind: 'tag', block: 'enc', markers: [] };
  const map = blockMap([{ rows: [layer('enc.0', 'enc'), layer('out'), tag] }, { rows: [layer('enc.0'), layer('dec.0', 'dec')] }]);
  assert.deepEqual([...map], [['enc.0', 'enc'], ['dec.0', 'dec']]);
});
