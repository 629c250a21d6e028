import { test } from 'node:test';
import assert from 'node:assert/strict';
import { encodeState, decodeState, DEFAULT_STATE } from '../src/hashstate.js';

test('empty hash gives the default state', () => {
  const s = decodeState('');
  assert.equal(s.run, null);
  assert.deepEqual(s.compare, []);
  assert.equal(s.stat, DEFAULT_STATE.stat);
  assert.equal(s.step, null);
  assert.deepEqual(s.settings, {});
  assert.equal(encodeState(s), '');
});

test('round trip with awkward names', () => {
  const state = {
    run: 'a&b=c #1', compare: ['a&b=c #1', 'run,with,commas', '<img src=x onerror=alert(1)>'],
    layer: 'tag:dense/kernel?x', stat: 'act_zero', step: 40, settings: { vanishing_ratio: '0.1', dead_fraction: '1e-3' },
    onlyMarked: true, expanded: ['encoder.layer.3', '<b>blk</b>&x=1'], sweepCollapsed: true,
  };
  const hash = '#' + encodeState(state);
  const back = decodeState(hash);
  assert.deepEqual(back, state);
  assert.ok(!hash.includes('<'));
});

test('focused run is always part of the comparison, duplicates dropped', () => {
  const s = decodeState('#run=b&cmp=a&cmp=a');
  assert.deepEqual(s.compare, ['b', 'a']);
});

test('malformed values are ignored', () => {
  const s = decodeState('#step=abc&set.=1&set.x=&layer=');
  assert.equal(s.step, null);
  assert.deepEqual(s.settings, {});
  assert.equal(s.layer, null);
  assert.equal(decodeState('#step=-5').step, -5);
});

test('encoding is deterministic (settings sorted)', () => {
  const a = encodeState({ run: 'r', compare: ['r'], settings: { b: '1', a: '2' } });
  const b = encodeState({ run: 'r', compare: ['r'], settings: { a: '2', b: '1' } });
  assert.equal(a, b);
  assert.equal(a, 'run=r&cmp=r&set.a=2&set.b=1');
});
