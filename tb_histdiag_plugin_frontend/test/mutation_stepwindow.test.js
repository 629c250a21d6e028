// mergeWindow's edges, added for mutation testing (tests/mutation/): the window's bounds, base arrays shorter
// than their steps, series in one document only, per-step keys a series lacks, missing fields. Every expected
// document is written out by hand.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mergeWindow } from '../src/stepwindow.js';

const base = () => ({
  total_steps: 100,
  downsampled: 1,
  series: [
    { tag: 'a', steps: [0, 10, 20, 30, 40], non_finite: [false, false, false, false, true],
      stats: { rms: [1, 2, 3, 4], mean: [5, 6, 7, 8, 9] } },
    { tag: 'only_base', steps: [0, 40], stats: { rms: [1, 1] } },
  ],
});

const win = () => ({
  total_steps: 50,
  markers: ['m'],
  series: [
    { tag: 'a', steps: [10, 15, 20, 25, 30], non_finite: [false, false, false, false, false],
      stats: { rms: [20, 21, 22, 23, 24] } },
    { tag: 'only_window', steps: [12], stats: { rms: [7] } },
  ],
});

test('the window replaces the base steps inside [lo, hi], bounds included', () => {
  const doc = mergeWindow(base(), win(), [10, 30]);
  const a = doc.series.find((s) => s.tag === 'a');
  assert.deepEqual(a.steps, [0, 10, 15, 20, 25, 30, 40]);
  assert.deepEqual(a.non_finite, [false, false, false, false, false, false, true]);
  // the base's rms has no value at index 4 (step 40): null, not undefined
  assert.deepEqual(a.stats.rms, [1, 20, 21, 22, 23, 24, null]);
  // mean is only in the base: nulls over the window
  assert.deepEqual(a.stats.mean, [5, null, null, null, null, null, 9]);
  assert.equal('wall_times' in a, false);
  assert.deepEqual(doc.markers, ['m']);
  assert.equal(doc.downsampled, true);
  assert.equal(doc.total_steps, 50);
});

test('series in one document only are kept once, as they are', () => {
  const w = win();
  const doc = mergeWindow(base(), w, [10, 30]);
  assert.deepEqual(doc.series.map((s) => s.tag), ['a', 'only_window', 'only_base']);
  assert.equal(doc.series[1], w.series[1]);
});

test('a stat only in the window gets nulls outside it', () => {
  const w = win();
  w.series[0].stats.p50 = [1, 1, 1, 1, 1];
  const doc = mergeWindow(base(), w, [10, 30]);
  assert.deepEqual(doc.series[0].stats.p50, [null, 1, 1, 1, 1, 1, null]);
});

test('a window series without steps or stats', () => {
  const w = { series: [{ tag: 'a' }] };
  const doc = mergeWindow(base(), w, [10, 30]);
  const a = doc.series[0];
  assert.deepEqual(a.steps, [0, 40]);
  assert.deepEqual(a.stats.mean, [5, 9]);
  assert.deepEqual(a.stats.rms, [1, null]);
  assert.equal(doc.total_steps, 100);
});

test('documents without series', () => {
  assert.deepEqual(mergeWindow(base(), { total_steps: 3 }, [0, 1]).series.map((s) => s.tag), ['a', 'only_base']);
  assert.deepEqual(mergeWindow({}, win(), [0, 1]).series.map((s) => s.tag), ['a', 'only_window']);
  assert.equal(mergeWindow({}, win(), [0, 1]).downsampled, false);
});

test('a base series without steps keeps only the window', () => {
  const b = { series: [{ tag: 'a', stats: { rms: [9] } }] };
  const doc = mergeWindow(b, win(), [10, 30]);
  assert.deepEqual(doc.series[0].steps, [10, 15, 20, 25, 30]);
  assert.deepEqual(doc.series[0].stats.rms, [20, 21, 22, 23, 24]);
});

test('no base, no window or no range: the window document as it is', () => {
  const w = win();
  assert.equal(mergeWindow(null, w, [0, 1]), w);
  assert.equal(mergeWindow(base(), w, null), w);
  assert.equal(mergeWindow(base(), null, [0, 1]), null);
});
