// Zoom on the step axis -> step range (stepzoom.js), and the window spliced into the default document (stepwindow.js).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { windowIndices, isFullRange, windowSteps, zoomDecision, rangeIndices } from '../src/stepzoom.js';
import { mergeWindow } from '../src/stepwindow.js';

// a downsampled axis: the steps a thinned document kept
const STEPS = [0, 10, 20, 35, 50, 80, 120, 160, 200, 299];

test('window indices from dataZoom values or percentages, clamped and ordered', () => {
  assert.deepEqual(windowIndices(10, { startValue: 2, endValue: 6 }), [2, 6]);
  // percent of the extent [0, 9]: 25% -> 2.25 -> 2, 75% -> 6.75 -> 7
  assert.deepEqual(windowIndices(10, { start: 25, end: 75 }), [2, 7]);
  assert.deepEqual(windowIndices(10, { start: 0, end: 100 }), [0, 9]);
  assert.deepEqual(windowIndices(10, { startValue: -3, endValue: 40 }), [0, 9]);
  assert.deepEqual(windowIndices(10, { startValue: 7, endValue: 3 }), [3, 7]);
  assert.deepEqual(windowIndices(10, {}), [0, 9]);
  assert.equal(windowIndices(0, { start: 0, end: 100 }), null);
});

test('full range: only a window over every category', () => {
  assert.equal(isFullRange(10, 0, 9), true);
  assert.equal(isFullRange(10, 1, 9), false);
  assert.equal(isFullRange(10, 0, 8), false);
  assert.deepEqual(windowSteps(STEPS, 3, 7), [35, 160]);
});

test('zoom decision: set a new window, clear at full range, nothing for the window already loaded', () => {
  assert.deepEqual(zoomDecision(STEPS, 3, 7, null), { action: 'set', range: [35, 160] });
  assert.deepEqual(zoomDecision(STEPS, 3, 7, [10, 20]), { action: 'set', range: [35, 160] });
  // the redraw after the window [35, 160] arrived shows exactly that window: no second request
  assert.equal(zoomDecision(STEPS, 3, 7, [35, 160]), null);
  assert.deepEqual(zoomDecision(STEPS, 0, 9, [35, 160]), { action: 'clear' });
  assert.equal(zoomDecision(STEPS, 0, 9, null), null);
  assert.equal(zoomDecision([], 0, 0, null), null);
  assert.deepEqual(zoomDecision(STEPS, 4, 4, null), { action: 'set', range: [50, 50] });
});

test('range indices: the categories a loaded range covers', () => {
  assert.deepEqual(rangeIndices(STEPS, [35, 160]), [3, 7]);
  assert.deepEqual(rangeIndices(STEPS, [30, 170]), [3, 7]); // range edges between kept steps
  assert.deepEqual(rangeIndices(STEPS, [0, 299]), [0, 9]);
  assert.equal(rangeIndices(STEPS, [21, 34]), null); // no logged step inside
  assert.equal(rangeIndices(STEPS, null), null);
  // round trip: the indices of a decided range give that range back
  const d = zoomDecision(STEPS, 2, 5, null);
  assert.deepEqual(rangeIndices(STEPS, d.range), [2, 5]);
});

test('a window spliced into the default document: base steps outside, every window step inside', () => {
  const base = { run: 'r', downsampled: true, total_steps: 300, markers: [{ kind: 'old' }], series: [
    { tag: 'a', steps: [0, 100, 200, 299], wall_times: [1, 2, 3, 4], non_finite: [false, true, false, false],
      stats: { rms: [1, 2, 3, 4], mean: [5, 6, 7, 8] } },
    { tag: 'only_base', steps: [0], stats: { rms: [9] } },
  ] };
  const win = { run: 'r', downsampled: false, total_steps: 300, step_range: [100, 102], markers: [{ kind: 'full' }],
    series: [{ tag: 'a', steps: [100, 101, 102], wall_times: [2, 2.1, 2.2], non_finite: [true, false, false],
      stats: { rms: [20, 21, 22] } }] };
  const frozen = JSON.stringify([base, win]);
  const m = mergeWindow(base, win, [100, 102]);
  assert.equal(JSON.stringify([base, win]), frozen); // inputs untouched
  const a = m.series.find((s) => s.tag === 'a');
  assert.deepEqual(a.steps, [0, 100, 101, 102, 200, 299]);
  assert.deepEqual(a.wall_times, [1, 2, 2.1, 2.2, 3, 4]);
  assert.deepEqual(a.non_finite, [false, true, false, false, false, false]);
  assert.deepEqual(a.stats.rms, [1, 20, 21, 22, 3, 4]);
  assert.deepEqual(a.stats.mean, [5, null, null, null, 7, 8]); // a statistic the window lacks stays a gap
  assert.deepEqual(m.series.find((s) => s.tag === 'only_base').steps, [0]);
  assert.deepEqual(m.markers, [{ kind: 'full' }]);
  assert.deepEqual(m.step_range, [100, 102]);
  assert.equal(m.downsampled, true);
  assert.equal(mergeWindow(null, win, [100, 102]), win);
});

test('the zoom controller: debounced, one setStepRange for a burst of events, none after the redraw', async () => {
  const { stepZoom } = await import('../src/views/parts.js');
  const timers = new Map();
  let next = 1;
  const win = { setTimeout: (fn, ms) => (timers.set(next, { fn, ms }), next++), clearTimeout: (id) => timers.delete(id) };
  const fire = () => {
    for (const [id, t] of [...timers]) {
      timers.delete(id);
      t.fn();
    }
  };
  let state = { stepRange: null };
  const calls = [];
  const actions = { setStepRange: (a, b) => calls.push(['set', a, b]), clearStepRange: () => calls.push(['clear']) };
  let zoomWindow = { id: 'hd-step-slider-1', start: 0, end: 100 };
  let handler = null;
  const chart = { on: (name, fn) => (handler = fn), isDisposed: () => false, getOption: () => ({ dataZoom: [zoomWindow] }) };
  const zoom = stepZoom({ actions, store: { get: () => state }, win });
  assert.equal(zoom.draw(STEPS, null), null);
  zoom.bind(chart);
  zoomWindow = { id: 'hd-step-slider-1', startValue: 1, endValue: 4 };
  handler();
  handler();
  handler(); // a drag: many events
  assert.equal(timers.size, 1);
  assert.deepEqual([...timers.values()].map((t) => t.ms), [300]);
  fire();
  assert.deepEqual(calls, [['set', 10, 50]]);
  // the window arrives: the redraw shows it, and its own events ask for nothing
  state = { stepRange: [10, 50] };
  assert.deepEqual(zoom.draw(STEPS, state.stepRange), [1, 4]);
  handler();
  fire();
  assert.equal(calls.length, 1);
  // a redraw cancels a zoom that has not settled
  zoomWindow = { id: 'hd-step-slider-1', startValue: 2, endValue: 3 };
  handler();
  zoom.draw(STEPS, state.stepRange);
  assert.equal(timers.size, 0);
  // zoomed back out to every step: clear
  zoomWindow = { id: 'hd-step-slider-1', start: 0, end: 100 };
  handler();
  fire();
  assert.deepEqual(calls, [['set', 10, 50], ['clear']]);
});
