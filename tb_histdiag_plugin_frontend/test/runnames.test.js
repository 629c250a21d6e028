import { test } from 'node:test';
import assert from 'node:assert/strict';
import { differingParts, displayName, parseKeyValues, keyValueColumns, runFilter, compareValues } from '../src/runnames.js';

const shownOf = (names) => names.map((n) => differingParts(names).shown.get(n));

test('a shared path prefix is elided at the last separator, key=value pieces stay whole', () => {
  const names = ['sweep/lr=0.1,seed=1', 'sweep/lr=0.1,seed=2', 'sweep/lr=0.01,seed=1'];
  const parts = differingParts(names);
  assert.equal(parts.prefix, 'sweep/');
  assert.deepEqual(shownOf(names), ['lr=0.1,seed=1', 'lr=0.1,seed=2', 'lr=0.01,seed=1']);
  // only the seed differs: the shared lr piece is elided with its comma, never the digits of a value
  const seeds = ['sweep/lr=0.1,seed=1', 'sweep/lr=0.1,seed=2'];
  assert.equal(differingParts(seeds).prefix, 'sweep/lr=0.1,');
  assert.deepEqual(shownOf(seeds), ['seed=1', 'seed=2']);
  assert.equal(displayName(differingParts(seeds), 'sweep/lr=0.1,seed=2'), '…seed=2');
});

test('a shared suffix is elided from its first separator', () => {
  const names = ['exp/a/train', 'exp/b/train', 'exp/c/train'];
  const parts = differingParts(names);
  assert.equal(parts.prefix, 'exp/');
  assert.equal(parts.suffix, '/train');
  assert.deepEqual(shownOf(names), ['a', 'b', 'c']);
  assert.equal(displayName(parts, 'exp/b/train'), '…b…');
});

test('underscores and dashes are boundaries outside key=value pieces only', () => {
  assert.deepEqual(shownOf(['run_2024-01-01_adam', 'run_2024-01-01_sgd']), ['adam', 'sgd']);
  // inside `learning_rate=…` the underscore is part of the key: nothing is cut inside the piece
  assert.deepEqual(shownOf(['learning_rate=0.1', 'learning_rate=0.2']), ['learning_rate=0.1', 'learning_rate=0.2']);
  // no separator inside the shared part: nothing elided (not "1" and "2")
  assert.deepEqual(shownOf(['run1', 'run2']), ['run1', 'run2']);
});

test('no name is left empty, a single run is shown in full', () => {
  assert.deepEqual(shownOf(['a/b', 'a/b/c']), ['b', 'b/c']);
  assert.deepEqual(shownOf(['logs/x', 'logs/x/']), ['x', 'x/']);
  const one = differingParts(['only/run']);
  assert.equal(one.prefix, '');
  assert.equal(one.shown.get('only/run'), 'only/run');
  assert.deepEqual(shownOf(['same/p/x', 'same/p/y', 'same/p/x/eval']), ['x', 'y', 'x/eval']);
});

test('key=value pieces are parsed in order, one piece or several joined by underscores', () => {
  assert.deepEqual(parseKeyValues('lr=0.01,seed=3'), [['lr', '0.01'], ['seed', '3']]);
  assert.deepEqual(parseKeyValues('sweep/opt=adam_w/lr=1e-3'), [['opt', 'adam_w'], ['lr', '1e-3']]);
  assert.deepEqual(parseKeyValues('lr=0.1_seed=3'), [['lr', '0.1'], ['seed', '3']]);
  assert.deepEqual(parseKeyValues('learning_rate=0.1_batch_size=32'), [['learning_rate', '0.1'], ['batch_size', '32']]);
  assert.deepEqual(parseKeyValues('plain_run'), []);
  assert.deepEqual(parseKeyValues('=3,a='), [['a', '']]);
});

test('columns: keys held by most runs first, then by first appearance; missing values null; constant keys flagged', () => {
  const odd = keyValueColumns(['<img src=x onerror=y>', 'lr=0.1,seed=1', 'lr=0.2,seed=2']);
  assert.deepEqual(odd.map((c) => c.key), ['lr', 'seed', 'src', 'onerror']);
  const cols = keyValueColumns(['g/lr=0.1,seed=1', 'g/lr=0.2,seed=1', 'g/lr=0.3,seed=1,wd=1e-4']);
  assert.deepEqual(cols.map((c) => c.key), ['lr', 'seed', 'wd']);
  assert.deepEqual(cols.map((c) => c.constant), [false, true, false]);
  assert.equal(cols[2].values.get('g/lr=0.1,seed=1'), null);
  assert.equal(cols[2].values.get('g/lr=0.3,seed=1,wd=1e-4'), '1e-4');
});

test('regex filter: case-insensitive search, empty matches all, invalid matches nothing', () => {
  const names = ['lr=0.1,seed=1', 'LR=0.01,seed=2', 'baseline'];
  assert.deepEqual(names.filter(runFilter('lr=0\\.1').test), ['lr=0.1,seed=1']);
  assert.deepEqual(names.filter(runFilter('lr').test), ['lr=0.1,seed=1', 'LR=0.01,seed=2']);
  assert.deepEqual(names.filter(runFilter('^base|seed=2$').test), ['LR=0.01,seed=2', 'baseline']);
  assert.equal(names.filter(runFilter('').test).length, 3);
  const bad = runFilter('lr=(');
  assert.equal(bad.valid, false);
  assert.deepEqual(names.filter(bad.test), []);
  assert.equal(runFilter('a[').valid, false);
  assert.equal(runFilter('a').valid, true);
});

test('values compare as numbers when both are numbers, missing last', () => {
  const vals = ['0.1', '1e-3', '0.01', null, '10', 'adam'];
  assert.deepEqual([...vals].sort(compareValues), ['1e-3', '0.01', '0.1', '10', 'adam', null]);
});

test('key = value pieces with spaces (PyTorch SummaryWriter(comment=…)) read like key=value ones', () => {
  assert.deepEqual(parseKeyValues('batch_size=10 lr = 0.01'), [['batch_size', '10'], ['lr', '0.01']]);
  assert.deepEqual(parseKeyValues('runs/Dec02_16-00-00_host batch_size = 32  lr =0.1 opt= adam'),
    [['batch_size', '32'], ['lr', '0.1'], ['opt', 'adam']]);
  // the same columns as the key=value spelling of the same names
  const spaced = ['runs/a batch_size=10 lr = 0.01', 'runs/a batch_size=20 lr = 0.1'];
  const tight = ['runs/a batch_size=10 lr=0.01', 'runs/a batch_size=20 lr=0.1'];
  const cols = (names) => keyValueColumns(names).map((c) => [c.key, names.map((n) => c.values.get(n))]);
  assert.deepEqual(cols(spaced), cols(tight));
  assert.deepEqual(cols(spaced), [['batch_size', ['10', '20']], ['lr', ['0.01', '0.1']]]);
});

test('a spaced key = value piece stays whole when the shared part is elided', () => {
  const names = ['runs/x batch_size=10 lr = 0.01', 'runs/x batch_size=10 lr = 0.1'];
  const parts = differingParts(names);
  assert.equal(parts.prefix, 'runs/x batch_size=10 ');
  assert.deepEqual(names.map((n) => parts.shown.get(n)), ['lr = 0.01', 'lr = 0.1']);
});

test('non-numeric values compare in natural order', () => {
  assert.deepEqual(['net10', 'net2', null, 'net1'].sort(compareValues), ['net1', 'net2', 'net10', null]);
});
