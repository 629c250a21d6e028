import { test } from 'node:test';
import assert from 'node:assert/strict';
import { naturalCompare, naturalSort } from '../src/natsort.js';

test('numbers inside names sort by value: Exp_2 before Exp_10', () => {
  assert.deepEqual(naturalSort(['Exp_10', 'Exp_2', 'Exp_1']), ['Exp_1', 'Exp_2', 'Exp_10']);
  assert.deepEqual(naturalSort(['run10/train', 'run9/train', 'run100/train']), ['run9/train', 'run10/train', 'run100/train']);
  // several numbers: the first that differs decides
  assert.deepEqual(naturalSort(['lr=0.1,seed=10', 'lr=0.1,seed=9', 'lr=0.01,seed=1']),
    ['lr=0.01,seed=1', 'lr=0.1,seed=9', 'lr=0.1,seed=10']);
  // names without digits keep plain code-unit order (colours of existing runs do not move)
  assert.deepEqual(naturalSort(['vanishing', 'healthy', 'xss', 'weights_only', 'wide_bert']),
    ['healthy', 'vanishing', 'weights_only', 'wide_bert', 'xss']);
});

test('matches numeric order of the embedded number for any values, however long', () => {
  const ns = [0, 1, 2, 3, 9, 10, 11, 99, 100, 101, 999, 1000, 12345678901234567890n];
  const names = ns.map((n) => 'Exp_' + n + '/train');
  const shuffled = [...names].reverse();
  assert.deepEqual(naturalSort(shuffled), names);
});

test('prefixes first, leading zeros tie-broken deterministically, antisymmetric', () => {
  assert.ok(naturalCompare('Exp', 'Exp_1') < 0);
  assert.ok(naturalCompare('a1', 'a1b') < 0);
  assert.equal(naturalCompare('x', 'x'), 0);
  const zeros = naturalSort(['a1', 'a01', 'a001']);
  assert.equal(new Set(zeros).size, 3);
  assert.deepEqual(naturalSort(zeros), zeros);
  const all = ['b', 'a10', 'a2', 'a', 'A', '10', '9', 'a2b', 'a02', ''];
  for (const p of all) {
    for (const q of all) assert.equal(Math.sign(naturalCompare(p, q)) + Math.sign(naturalCompare(q, p)), 0, p + ' ' + q);
  }
  assert.deepEqual(naturalSort(['9', '10', '']), ['', '9', '10']);
});

test('decimals compare by value: learning rates in run names', () => {
  const lrs = ['0.0001', '0.001', '0.003', '0.01', '0.1', '0.25', '0.5', '1', '1.5', '2', '10'];
  const names = lrs.map((v) => 'sweep/lr=' + v + ',seed=1');
  assert.deepEqual(naturalSort([...names].reverse()), names);
  assert.deepEqual(naturalSort(['lr=0.1,seed=1', 'lr=0.001,seed=2']), ['lr=0.001,seed=2', 'lr=0.1,seed=1']);
});
