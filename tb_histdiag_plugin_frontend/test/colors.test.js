import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RUN_PALETTE, assignRunColors, worstSeverity } from '../src/colors.js';

test('TensorBoard palette in sorted run order, cycling', () => {
  assert.deepEqual(RUN_PALETTE, ['#ff7043', '#0077bb', '#cc3311', '#33bbee', '#ee3377', '#009988', '#bbbbbb']);
  const names = ['b', 'a', 'c', 'd', 'e', 'f', 'g', 'h'];
  const c = assignRunColors(names);
  assert.equal(c.get('a'), '#ff7043');
  assert.equal(c.get('b'), '#0077bb');
  assert.equal(c.get('h'), '#ff7043');
});

test('a run keeps its colour whatever the input order', () => {
  const x = assignRunColors(['z', 'y', 'x']);
  const y = assignRunColors(['x', 'y', 'z', 'x']);
  for (const r of ['x', 'y', 'z']) assert.equal(x.get(r), y.get(r));
});

test('worstSeverity', () => {
  assert.equal(worstSeverity([]), null);
  assert.equal(worstSeverity([{ severity: 'info' }, { severity: 'critical' }, { severity: 'warning' }]), 'critical');
});

test('colours follow the run list in natural order: Exp_2 before Exp_10', () => {
  const c = assignRunColors(['Exp_10/train', 'Exp_2/train', 'Exp_1/train']);
  assert.deepEqual(['Exp_1/train', 'Exp_2/train', 'Exp_10/train'].map((r) => c.get(r)), RUN_PALETTE.slice(0, 3));
});
