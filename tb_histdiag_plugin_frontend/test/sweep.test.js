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

// A sweep as the /runs listing gives it once the training's scalars are read: headline, first sign, final values.
const TRAINED = [
  run('Exp_10/train', 1, 0, { headline: 'First sign: loss diverging at step 7.',
    first_sign: { kind: 'loss_diverging', layer: null, step: 7 },
    final: { loss: 9.5, val_loss: null, accuracy: 0.1, val_accuracy: 0.12 } }),
  run('Exp_2/train', 0, 0, { headline: 'Learns: loss 2.3 → 0.2.', first_sign: null,
    final: { loss: 0.2, val_loss: 0.25, accuracy: 0.95, val_accuracy: 0.93 } }),
  run('Exp_1/train', 2, 1, { first_sign: { kind: 'exploding_gradient', layer: 'dense_2', step: 3 },
    final: { loss: 'NaN', val_loss: null, accuracy: null, val_accuracy: null } }),
  run('Exp_3/train', null, null, { headline: null, first_sign: null, final: null }), // not analysed yet
  run('Exp_20/train', 0, 1, { first_sign: { kind: 'saturation', layer: 'dense', step: 3 },
    final: { loss: 0.9, val_loss: 1.1, accuracy: 0.6, val_accuracy: 0.55 } }),
];
const names = (rows) => rows.map((r) => r.run.replace('/train', ''));

test('rows carry the first sign and the final values; missing or non-finite values are null', () => {
  const { rows } = sweepRows(TRAINED, '');
  const by = Object.fromEntries(rows.map((r) => [r.run, r]));
  assert.deepEqual(by['Exp_10/train'].first_sign, { kind: 'loss_diverging', layer: null, step: 7 });
  assert.equal(by['Exp_10/train'].headline, 'First sign: loss diverging at step 7.');
  assert.deepEqual(by['Exp_1/train'].final, { loss: null, val_loss: null, accuracy: null, val_accuracy: null });
  assert.deepEqual(by['Exp_3/train'].final, { loss: null, val_loss: null, accuracy: null, val_accuracy: null });
  assert.equal(by['Exp_3/train'].first_sign, null);
  assert.equal(by['Exp_2/train'].first_sign, null);
  // an older backend without these fields
  const old = sweepRows([run('a', 0, 0)], '').rows[0];
  assert.equal(old.first_sign, null);
  assert.equal(old.headline, null);
  assert.equal(old.final.loss, null);
});

test('sorting by first sign: earliest onset first, then kind and layer; runs without one last either way', () => {
  const { rows } = sweepRows(TRAINED, '');
  // steps 3 (exploding_gradient), 3 (saturation), 7; then Exp_2 and Exp_3 (none) by name
  assert.deepEqual(names(sortRows(rows, 'first_sign', false)), ['Exp_1', 'Exp_20', 'Exp_10', 'Exp_2', 'Exp_3']);
  assert.deepEqual(names(sortRows(rows, 'first_sign', true)), ['Exp_10', 'Exp_20', 'Exp_1', 'Exp_2', 'Exp_3']);
});

test('sorting by final loss, val loss, accuracy and val accuracy: numeric, nulls last in both directions', () => {
  const { rows } = sweepRows(TRAINED, '');
  assert.deepEqual(names(sortRows(rows, 'final_loss', false)), ['Exp_2', 'Exp_20', 'Exp_10', 'Exp_1', 'Exp_3']);
  assert.deepEqual(names(sortRows(rows, 'final_loss', true)), ['Exp_10', 'Exp_20', 'Exp_2', 'Exp_1', 'Exp_3']);
  assert.deepEqual(names(sortRows(rows, 'final_val_loss', false)), ['Exp_2', 'Exp_20', 'Exp_1', 'Exp_3', 'Exp_10']);
  assert.deepEqual(names(sortRows(rows, 'final_accuracy', true)), ['Exp_2', 'Exp_20', 'Exp_10', 'Exp_1', 'Exp_3']);
  assert.deepEqual(names(sortRows(rows, 'final_val_accuracy', false)), ['Exp_10', 'Exp_20', 'Exp_2', 'Exp_1', 'Exp_3']);
});

test('run names sort naturally: Exp_2 before Exp_10, also as the tie-break', () => {
  const { rows } = sweepRows(TRAINED, '');
  assert.deepEqual(names(sortRows(rows, 'run', false)), ['Exp_1', 'Exp_2', 'Exp_3', 'Exp_10', 'Exp_20']);
  assert.deepEqual(names(sortRows(rows, 'run', true)), ['Exp_20', 'Exp_10', 'Exp_3', 'Exp_2', 'Exp_1']);
  // equal warning counts (0: Exp_10, Exp_2) tie-break by natural name
  assert.deepEqual(names(sortRows(rows, 'warning', false)), ['Exp_2', 'Exp_10', 'Exp_1', 'Exp_20', 'Exp_3']);
});

test('the first-sign cell names the kind, the layer (or the run) and the step', async () => {
  const { firstSignText } = await import('../src/views/sweep.js');
  assert.equal(firstSignText({ kind: 'exploding_gradient', layer: 'dense_2', step: 10 }), 'Exploding gradient · dense_2 · step 10');
  assert.equal(firstSignText({ kind: 'loss_diverging', layer: null, step: 7 }), 'Loss diverging · run · step 7');
  assert.equal(firstSignText({ kind: 'new_kind', layer: 'a', step: null }), 'new kind · a');
  assert.equal(firstSignText(null), '');
});
