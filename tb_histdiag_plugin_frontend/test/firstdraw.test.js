// The charts' first drawing waits for a frame and a task after the overview (firstdraw.js); later drawings do not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { deferFirstDraw } from '../src/firstdraw.js';

function fakeWindow() {
  const frames = [];
  const tasks = [];
  return {
    frames,
    tasks,
    requestAnimationFrame: (fn) => frames.push(fn),
    cancelAnimationFrame: (id) => { frames[id - 1] = null; },
    setTimeout: (fn) => tasks.push(fn),
    clearTimeout: (id) => { tasks[id - 1] = null; },
  };
}

test('the first drawing of the charts waits for a frame and a task, in view order; the overview does not wait', () => {
  const win = fakeWindow();
  const root = { dataset: {} };
  const drawn = [];
  const later = deferFirstDraw(win, root, (i) => drawn.push(i));
  assert.equal(later.defers('overview', 1), false);
  assert.equal(later.defers('heatmap', 5), true);
  assert.equal(later.defers('flow', 3), true);
  assert.equal(root.dataset.charts, 'pending');
  assert.equal(win.frames.length, 1);
  win.frames[0]();
  assert.deepEqual(drawn, []);
  win.tasks[0]();
  assert.deepEqual(drawn, [3, 5]);
  assert.equal(root.dataset.charts, 'drawn');
  assert.equal(later.defers('flow', 3), false); // later renders are synchronous
});

test('the timeline strip above the overview waits too, and draws before the charts under it', () => {
  const win = fakeWindow();
  const drawn = [];
  const later = deferFirstDraw(win, { dataset: {} }, (i) => drawn.push(i));
  assert.equal(later.defers('sick', 7), false);
  assert.equal(later.defers('heatmap', 11), true);
  assert.equal(later.defers('timeline', 6), true);
  win.frames[0]();
  win.tasks[0]();
  assert.deepEqual(drawn, [6, 11]);
});

test('dispose cancels a pending first drawing', () => {
  const win = fakeWindow();
  const drawn = [];
  const later = deferFirstDraw(win, { dataset: {} }, (i) => drawn.push(i));
  later.defers('learning', 4);
  later.dispose();
  assert.equal(win.frames[0], null);
  assert.equal(later.defers('learning', 4), false);
  assert.deepEqual(drawn, []);
});

test('without requestAnimationFrame the drawing waits for a task only', () => {
  const tasks = [];
  const drawn = [];
  const later = deferFirstDraw({ setTimeout: (fn) => tasks.push(fn) }, { dataset: {} }, (i) => drawn.push(i));
  later.defers('heatmap', 2);
  assert.equal(tasks.length, 1);
  tasks[0]();
  assert.deepEqual(drawn, [2]);
});
