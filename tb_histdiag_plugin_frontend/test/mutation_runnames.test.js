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

// Second round (tests/mutation/survivors/frontend.runnames.txt): where a piece starts and ends, the bounds of the
// shared prefix and suffix, and missing values against words that sort after the text 'undefined'.

test('an underscore after the = of the same piece does not end it', () => {
  assert.deepEqual(parts(['lr=0.1_run1', 'lr=0.1_run2']), ['', '', ['lr=0.1_run1', 'lr=0.1_run2']]);
});

test('an = in another piece does not keep an underscore from ending this one', () => {
  assert.deepEqual(parts(['lr=0.1/run_1', 'lr=0.1/run_2']), ['lr=0.1/run_', '', ['1', '2']]);
  // a key with an empty value just before the path separator
  assert.deepEqual(parts(['tag=/run_1', 'tag=/run_2']), ['tag=/run_', '', ['1', '2']]);
});

test('names that share only a last letter keep their whole names', () => {
  assert.deepEqual(parts(['cnn/adam', 'mlp/sgdm']), ['', '', ['cnn/adam', 'mlp/sgdm']]);
});

test('a shared suffix reaching into the shared prefix of a shorter name starts after that prefix', () => {
  assert.deepEqual(parts(['runs/train/loss', 'runs/b/train/loss']), ['runs/', '/loss', ['train', 'b/train']]);
});

test('the shared prefix ends where any name first differs, even when a later name shares more', () => {
  assert.deepEqual(parts(['exp/1', 'expand', 'exp/2']), ['', '', ['exp/1', 'expand', 'exp/2']]);
});

test('an empty run name stays empty and elides nothing', () => {
  assert.deepEqual(parts(['', 'run']), ['', '', ['', 'run']]);
});

test('a prefix that would empty a name moves back over a whole longer piece', () => {
  assert.deepEqual(parts(['sweep/base/', 'sweep/base/lr=0.1']), ['sweep/', '', ['base/', 'base/lr=0.1']]);
});

test('a missing value sorts after words that come after the text "undefined"', () => {
  assert.ok(compareValues(undefined, 'zz') > 0);
  assert.ok(compareValues('zz', undefined) < 0);
  assert.ok(compareValues(null, 'zz') > 0);
  assert.ok(compareValues('zz', null) < 0);
});
