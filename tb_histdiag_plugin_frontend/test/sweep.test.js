import { test } from 'node:test';
import assert from 'node:assert/strict';
import { sweepRows, sortRows, rowWindow, profileBars } from '../src/sweepTable.js';

function run(name, critical, warning, extra) {
  return { run: name, tags: 6, layers: 3, first_step: 0, last_step: 40, critical, warning, info: critical === null ? null : 0,
    status: critical === null ? 'pending' : 'done', ...(extra || {}) };
}

const RUNS = [
  run('sweep/lr=0.1,seed=1', 0, 1),
  run('sweep/lr=1.0,seed=1', 2, 0, { worst: { kind: 'exploding_gradient', severity: 'critical', layer: 'dense_2' } }),
  run('sweep/lr=0.01,seed=2', null, null),
  run('sweep/lr=0.001,seed=2', 0, 3),
  run('sweep/lr=0.1,seed=2', 0, 0),
];

test('rows: differing part, key=value columns, null counts until analysed', () => {
  const { rows, columns, total, valid } = sweepRows(RUNS, '');
  assert.equal(total, 5);
  assert.equal(valid, true);
  assert.deepEqual(columns, ['lr', 'seed']);
  const pending = rows.find((r) => r.run === 'sweep/lr=0.01,seed=2');
  assert.equal(pending.critical, null);
  assert.equal(pending.status, 'pending');
  assert.equal(pending.shown, '…lr=0.01,seed=2');
  assert.deepEqual(pending.kv, { lr: '0.01', seed: '2' });
  const sick = rows.find((r) => r.run === 'sweep/lr=1.0,seed=1');
  assert.equal(sick.layer, 'dense_2');
});

test('default sort is worst first: critical, then warning, pending runs last', () => {
  const { rows } = sweepRows(RUNS, '');
  assert.deepEqual(sortRows(rows, 'health', true).map((r) => r.run), [
    'sweep/lr=1.0,seed=1', 'sweep/lr=0.001,seed=2', 'sweep/lr=0.1,seed=1', 'sweep/lr=0.1,seed=2', 'sweep/lr=0.01,seed=2']);
  // ascending keeps the not-yet-analysed run last as well
  assert.equal(sortRows(rows, 'health', false).at(-1).run, 'sweep/lr=0.01,seed=2');
  assert.equal(sortRows(rows, 'health', false)[0].run, 'sweep/lr=0.1,seed=2');
});

test('sorting by a key=value column is numeric, by warning count and by name', () => {
  const { rows } = sweepRows(RUNS, '');
  assert.deepEqual(sortRows(rows, 'kv:lr', false).map((r) => r.kv.lr), ['0.001', '0.01', '0.1', '0.1', '1.0']);
  assert.deepEqual(sortRows(rows, 'warning', true).map((r) => r.warning), [3, 1, 0, 0, null]);
  assert.deepEqual(sortRows(rows, 'run', false).map((r) => r.run), [...RUNS.map((r) => r.run)].sort());
});

test('the regex filter narrows rows; an invalid one shows none', () => {
  assert.deepEqual(sweepRows(RUNS, 'SEED=2$').rows.map((r) => r.run).sort(),
    ['sweep/lr=0.001,seed=2', 'sweep/lr=0.01,seed=2', 'sweep/lr=0.1,seed=2']);
  const bad = sweepRows(RUNS, '(');
  assert.equal(bad.valid, false);
  assert.equal(bad.rows.length, 0);
  assert.equal(bad.total, 5);
});

test('row window: only the visible rows plus overscan, spacers fill the rest', () => {
  assert.deepEqual(rowWindow(0, 280, 28, 1000, 5), { start: 0, end: 15, top: 0, bottom: 985 * 28 });
  // scrolled to row 500: rows 495..514 (10 visible + 5 either side)
  assert.deepEqual(rowWindow(500 * 28, 280, 28, 1000, 5), { start: 495, end: 515, top: 495 * 28, bottom: 485 * 28 });
  // at the end and past it: never beyond the last row
  const end = rowWindow(1e9, 280, 28, 1000, 5);
  assert.equal(end.end, 1000);
  assert.equal(end.bottom, 0);
  assert.ok(end.start <= end.end);
  assert.deepEqual(rowWindow(0, 280, 28, 0, 5), { start: 0, end: 0, top: 0, bottom: 0 });
  assert.deepEqual(rowWindow(0, 280, 28, 3, 5), { start: 0, end: 3, top: 0, bottom: 0 });
});

test('profile bars: decades below the strongest layer, at least 3 decades of scale, gaps for missing values', () => {
  const bars = profileBars([1e-6, 1e-3, 1, null, 0]);
  assert.equal(bars[0], 0.1); // 6 decades below: the bottom of a 6-decade scale
  assert.ok(Math.abs(bars[1] - (0.1 + 0.9 * 0.5)) < 1e-12);
  assert.equal(bars[2], 1);
  assert.equal(bars[3], null);
  assert.equal(bars[4], null);
  // a healthy run: 10% apart is nearly flat on the 3-decade minimum scale
  const flat = profileBars([0.01, 0.011]);
  assert.equal(flat[1], 1);
  assert.ok(Math.abs(flat[0] - (0.1 + (0.9 * (3 - Math.log10(1.1))) / 3)) < 1e-12);
  assert.ok(flat[0] > 0.97);
  assert.deepEqual(profileBars([2, 2]), [1, 1]);
  assert.deepEqual(profileBars([]), []);
});
