// Run names' edges, added for mutation testing (tests/mutation/): names the elision would leave empty, spaces
// around `=`, minor separators, the filter's missing pattern, missing and equal values. Expectations follow the
// docstrings of src/runnames.js, worked out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compareValues, differingParts, displayName, keyValueColumns, parseKeyValues, runFilter } from '../src/runnames.js';

const parts = (names) => {
  const r = differingParts(names);
  return [r.prefix, r.suffix, names.map((n) => r.shown.get(n))];
};

test('a name the shared prefix would empty moves the prefix back to the separator before', () => {
  assert.deepEqual(parts(['x/a/', 'x/a/b']), ['x/', '', ['a/', 'a/b']]);
  assert.deepEqual(parts(['a/', 'a/b']), ['', '', ['a/', 'a/b']]);
});

test('a name the shared suffix would empty drops the suffix', () => {
  assert.deepEqual(parts(['/', 'a/']), ['', '', ['/', 'a/']]);
});

test('an underscore ends a piece outside key=value, a path separator always', () => {
  assert.deepEqual(parts(['exp/run_1/train', 'exp/run_2/train']), ['exp/run_', '/train', ['1', '2']]);
});

test('spaces around = (even several) join a key = value piece', () => {
  assert.deepEqual(parts(['sweep/lr  =  0.1', 'sweep/lr  =  0.2']), ['sweep/', '', ['lr  =  0.1', 'lr  =  0.2']]);
  assert.deepEqual(parts(['p/lr = 1/q', 'p/lr = 2/q']), ['p/', '/q', ['lr = 1', 'lr = 2']]);
  assert.deepEqual(parseKeyValues('run lr  =  0.1,seed=2'), [['lr', '0.1'], ['seed', '2']]);
});

test('display: an ellipsis only where something was elided', () => {
  const r = differingParts(['x/a', 'x/b']);
  assert.equal(displayName(r, 'x/a'), '…a');
  const s = differingParts(['a/x', 'b/x']);
  assert.equal(displayName(s, 'a/x'), 'a…');
  assert.equal(displayName(differingParts(['solo']), 'solo'), 'solo');
  assert.equal(displayName(r, 'unknown'), '…unknown');
});

test('a piece with one = that is not key=value is skipped; several pairs split at _', () => {
  assert.deepEqual(parseKeyValues('=1/9=2/lr=0.1_seed=3'), [['lr', '0.1'], ['seed', '3']]);
  assert.deepEqual(parseKeyValues('a=1//b=2'), [['a', '1'], ['b', '2']]);
});

test('columns held by as many runs keep their order of first appearance', () => {
  const cols = keyValueColumns(['a=1,b=1,c=1', 'c=2,b=2,a=2']);
  assert.deepEqual(cols.map((c) => c.key), ['a', 'b', 'c']);
});

test('the filter: no pattern matches every run; an invalid one matches none', () => {
  for (const p of [null, undefined, '']) {
    const f = runFilter(p);
    assert.equal(f.valid, true);
    assert.equal(f.test('null'), true);
    assert.equal(f.test('anything'), true);
  }
  const bad = runFilter('(');
  assert.equal(bad.valid, false);
  assert.equal(typeof bad.error, 'string');
  assert.equal(bad.test('('), false);
  assert.equal(runFilter(0).test('run0'), true);
  assert.equal(runFilter(0).test('run1'), false);
});

test('values: equal ones tie, missing ones last, numbers only when both are numbers', () => {
  assert.equal(compareValues(null, null), 0);
  assert.equal(compareValues('', ''), 0);
  assert.equal(compareValues('x', 'x'), 0);
  assert.ok(compareValues(undefined, '1') > 0);
  assert.ok(compareValues('', '1') > 0);
  assert.ok(compareValues(null, '1') > 0);
  assert.ok(compareValues('1', undefined) < 0);
  assert.ok(compareValues('1', '') < 0);
  assert.ok(compareValues('1', null) < 0);
  assert.ok(compareValues('1.0', '1') > 0); // the same number written differently: natural order, '1' first
  assert.ok(compareValues('a', '2') > 0); // a word after a number, not NaN
  assert.ok(compareValues('2', 'a') < 0);
  assert.ok(compareValues('10', '9') > 0);
});
