// The sweep table's model on malformed /runs rows and in every sort, added for mutation testing (tests/mutation/).
// Expected rows and orders are written out by hand from the docstrings of src/sweepTable.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { finalValues, firstSign, profileBars, sortRows, sweepRows } from '../src/sweepTable.js';

test('final values: finite numbers or null', () => {
  const none = { loss: null, val_loss: null, accuracy: null, val_accuracy: null };
  assert.deepEqual(finalValues(null), none);
  assert.deepEqual(finalValues('x'), none);
  assert.deepEqual(finalValues({ loss: 1.5, val_loss: 'x', accuracy: NaN, val_accuracy: Infinity }),
    { loss: 1.5, val_loss: null, accuracy: null, val_accuracy: null });
});

test('first sign: a kind is required; layer and step only when well formed', () => {
  assert.equal(firstSign(null), null);
  assert.equal(firstSign('exploding'), null);
  assert.equal(firstSign({ kind: 3 }), null);
  assert.deepEqual(firstSign({ kind: 'k', layer: 5, step: 'x' }), { kind: 'k', layer: null, step: null });
  assert.deepEqual(firstSign({ kind: 'k', layer: 'l', step: 4 }), { kind: 'k', layer: 'l', step: 4 });
});

test('rows from a /runs list with odd entries', () => {
  const runs = [
    null,
    { run: 5 },
    { run: 'a=1,b=1', critical: 2, warning: 0, info: 1, worst: 'bad', profile: { values: 'x' }, headline: '',
      status: 'weird', last_step: 9 },
    { run: 'a=2,b=1', critical: null, worst: { layer: 'l', severity: 'warning', kind: 'k' }, profile: { values: [1] },
      headline: 'h', status: 'error' },
    { run: 'a=3,b=1', critical: 0, worst: { layer: 7 }, headline: 5, status: 'pending' },
    { run: 'a=4,b=1', critical: null },
  ];
  const { rows, columns, total, valid } = sweepRows(runs, '');
  assert.equal(total, 4);
  assert.equal(valid, true);
  assert.deepEqual(columns, ['a']); // b is the same in every run
  assert.deepEqual(rows.map((r) => r.run), ['a=1,b=1', 'a=2,b=1', 'a=3,b=1', 'a=4,b=1']);
  assert.deepEqual(rows.map((r) => r.status), ['done', 'error', 'pending', 'pending']);
  assert.deepEqual(rows.map((r) => r.worst === null), [true, false, false, true]);
  assert.deepEqual(rows.map((r) => r.layer), [null, 'l', null, null]);
  assert.deepEqual(rows.map((r) => r.profile), [null, { values: [1] }, null, null]);
  assert.deepEqual(rows.map((r) => r.headline), [null, 'h', null, null]);
  assert.deepEqual(rows.map((r) => r.kv.a), ['1', '2', '3', '4']);
  assert.equal(rows[0].last_step, 9);
  assert.deepEqual(sweepRows([{ run: 'a=1,b=1' }], '').columns, ['a', 'b']); // one run: every column
  assert.equal(sweepRows(null, '').total, 0);
  assert.deepEqual(sweepRows(runs, 'A=2').rows.map((r) => r.run), ['a=2,b=1']);
});

const row = (run, fields) => ({ run, kv: {}, critical: null, warning: null, info: null, worst: null, layer: null,
  last_step: null, first_sign: null, final: { loss: null, val_loss: null, accuracy: null, val_accuracy: null },
  status: 'done', ...fields });

const order = (rows, key, desc) => sortRows(rows, key, desc).map((r) => r.run);

test('key=value columns: missing values last in either direction, ties by name', () => {
  const rows = [row('r3', { kv: { lr: '0.1' } }), row('r1', { kv: { lr: null } }), row('r2', { kv: { lr: '0.01' } }),
    row('r10', { kv: { lr: null } }), row('r0', { kv: { lr: '0.1' } })];
  assert.deepEqual(order(rows, 'kv:lr', false), ['r2', 'r0', 'r3', 'r1', 'r10']);
  assert.deepEqual(order(rows, 'kv:lr', true), ['r0', 'r3', 'r2', 'r1', 'r10']);
  assert.deepEqual(order(rows, 'run', true), ['r10', 'r3', 'r2', 'r1', 'r0']);
  assert.deepEqual(order(rows, 'run', false), ['r0', 'r1', 'r2', 'r3', 'r10']);
  const absent = [row('x', { kv: {} }), row('y', { kv: { lr: '1' } })];
  assert.deepEqual(order(absent, 'kv:lr', false), ['y', 'x']);
  assert.deepEqual(order(absent, 'kv:lr', true), ['y', 'x']);
  assert.deepEqual(order([absent[1], absent[0]], 'kv:lr', false), ['y', 'x']);
});

test('counts: not analysed last in either direction, ties by name', () => {
  const rows = [row('b', { critical: 1, warning: 0 }), row('n', {}), row('a', { critical: 1, warning: 2 }),
    row('c', { critical: 0, warning: 5, info: 9 }), row('m', {})];
  assert.deepEqual(order(rows, 'health', true), ['a', 'b', 'c', 'm', 'n']);
  assert.deepEqual(order(rows, 'health', false), ['c', 'b', 'a', 'm', 'n']);
  assert.deepEqual(order(rows, 'critical', false), ['c', 'a', 'b', 'm', 'n']);
  assert.deepEqual(order(rows, 'nonsense', true), ['a', 'b', 'c', 'm', 'n']); // health
});

test('worst marker, layer, last step, status and first sign', () => {
  const rows = [
    row('a', { worst: { severity: 'warning', kind: 'x' }, layer: 'l2', last_step: 10, status: 'pending',
      first_sign: { step: 5, kind: 'b', layer: null } }),
    row('b', { worst: { severity: 'critical', kind: 'a' }, layer: 'l10', last_step: 3, status: 'error',
      first_sign: { step: null, kind: 'a', layer: 'z' } }),
    row('c', { worst: { severity: 'warning', kind: 'a' }, layer: 'l1', last_step: 10, status: 'done',
      first_sign: { step: 5, kind: 'b', layer: 'x' } }),
    row('d', {}),
  ];
  assert.deepEqual(order(rows, 'worst', true), ['b', 'a', 'c', 'd']);
  assert.deepEqual(order(rows, 'layer', false), ['c', 'a', 'b', 'd']);
  assert.deepEqual(order(rows, 'last_step', false), ['b', 'a', 'c', 'd']);
  assert.deepEqual(order(rows, 'status', true), ['b', 'a', 'c', 'd']);
  // earliest step first; a sign without a step after every step; then kind and layer
  assert.deepEqual(order(rows, 'first_sign', false), ['a', 'c', 'b', 'd']);
});

test('first signs without a step tie on the step and go on to kind', () => {
  const rows = [row('a', { first_sign: { step: null, kind: 'z', layer: null } }),
    row('b', { first_sign: { step: null, kind: 'y', layer: null } })];
  assert.deepEqual(order(rows, 'first_sign', false), ['b', 'a']);
});

test('final values sort like numbers, missing last', () => {
  const f = (loss) => ({ final: { loss, val_loss: null, accuracy: null, val_accuracy: null } });
  const rows = [row('a', f(0.5)), row('b', f(null)), row('c', f(0.25)), row('d', f(2))];
  assert.deepEqual(order(rows, 'final_loss', false), ['c', 'a', 'd', 'b']);
  assert.deepEqual(order(rows, 'final_loss', true), ['d', 'a', 'c', 'b']);
});

test('profile bars: decades below the strongest layer, at least three decades of scale', () => {
  const bars = profileBars([10, 'x', -1, 0, NaN, 1000, Infinity]);
  assert.equal(bars.length, 7);
  assert.ok(Math.abs(bars[0] - 0.4) < 1e-12); // two decades below on a 3-decade scale: 0.1 + 0.9 * 1/3
  assert.deepEqual(bars.slice(1, 5), [null, null, null, null]);
  assert.equal(bars[5], 1);
  assert.equal(bars[6], null);
  assert.deepEqual(profileBars([]), []);
  assert.deepEqual(profileBars(undefined), []);
  assert.deepEqual(profileBars([0, null]), [null, null]);
  const wide = profileBars([1e-6, 1]); // six decades: the weak layer is a stub
  assert.ok(Math.abs(wide[0] - 0.1) < 1e-12);
  assert.equal(wide[1], 1);
});

// Second round (tests/mutation/survivors/frontend.sweepTable.txt): every input order in both directions, rows
// without a field, ties broken by the info count and the first sign's layer, numbers that only read right as numbers.

const permutations = (xs) => (xs.length <= 1 ? [xs] : xs.flatMap((x, i) =>
  permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((rest) => [x, ...rest])));

/** The order of sortRows for every input order of `rows` must be `expected`. */
const sortsTo = (rows, key, desc, expected) => {
  for (const p of permutations(rows)) assert.deepEqual(order(p, key, desc), expected, p.map((r) => r.run).join());
};

test('a run without the field (undefined) is missing like null: last in either direction, ties by name', () => {
  const rows = [row('a', { critical: undefined }), row('b', { critical: null }), row('c', { critical: 1 })];
  sortsTo(rows, 'critical', false, ['c', 'a', 'b']);
  sortsTo(rows, 'critical', true, ['c', 'a', 'b']);
});

test('a key=value column: absent values last whatever the input order', () => {
  const rows = [row('a', { kv: {} }), row('b', { kv: {} }), row('c', { kv: { lr: '1' } }), row('d', { kv: { lr: '2' } })];
  sortsTo(rows, 'kv:lr', false, ['c', 'd', 'a', 'b']);
  sortsTo(rows, 'kv:lr', true, ['d', 'c', 'a', 'b']);
});

// `lr=` (an empty value) is missing like no `lr` at all: last in either direction (descending order had put it
// first, turning compareValues' "missing last" round), ties among missing values by run name.
test('a key=value column: an empty value is missing, last in descending order too', () => {
    const rows = [row('a', { kv: { lr: '' } }), row('b', { kv: { lr: null } }), row('c', { kv: { lr: '1' } })];
    sortsTo(rows, 'kv:lr', false, ['c', 'a', 'b']);
    sortsTo(rows, 'kv:lr', true, ['c', 'a', 'b']);
  });

test('health: with equal critical and warning counts, more info is worse', () => {
  const rows = [row('a', { critical: 1, warning: 1, info: 0 }), row('b', { critical: 1, warning: 1, info: 3 })];
  sortsTo(rows, 'health', true, ['b', 'a']);
  sortsTo(rows, 'health', false, ['a', 'b']);
});

test('first sign: at the same step and kind, the run as a whole first, then layers in natural order', () => {
  const sign = (layer) => ({ first_sign: { step: 5, kind: 'k', layer } });
  const rows = [row('a', sign('dense')), row('b', sign('Conv')), row('c', sign(null))];
  sortsTo(rows, 'first_sign', false, ['c', 'b', 'a']);
});

test('first sign: negative steps sort by value, the earliest first', () => {
  const sign = (step) => ({ first_sign: { step, kind: 'k', layer: null } });
  sortsTo([row('a', sign(-9)), row('b', sign(-10)), row('c', sign(2))], 'first_sign', false, ['b', 'a', 'c']);
});

test('final values written in exponent notation sort by value', () => {
  const f = (loss) => ({ final: { loss, val_loss: null, accuracy: null, val_accuracy: null } });
  const rows = [row('a', f(2e-7)), row('b', f(0.001)), row('c', f(0.5)), row('d', f(-10)), row('e', f(-2))];
  sortsTo(rows, 'final_loss', false, ['d', 'e', 'a', 'b', 'c']);
});

test('rows with the same run name keep their input order in either direction', () => {
  const rows = [row('r', { critical: 1 }), row('r', { critical: 2 }), row('q', { critical: 3 })];
  assert.deepEqual(sortRows(rows, 'run', false).map((r) => r.critical), [3, 1, 2]);
  assert.deepEqual(sortRows(rows, 'run', true).map((r) => r.critical), [1, 2, 3]);
});

test('profile bars of values all below 1: the strongest layer is full height', () => {
  const bars = profileBars([0.01, 0.1, 0]); // one decade below on the 3-decade scale: 0.1 + 0.9 * 2/3
  assert.ok(Math.abs(bars[0] - 0.7) < 1e-12);
  assert.ok(Math.abs(bars[1] - 1) < 1e-12);
  assert.equal(bars[2], null);
});
