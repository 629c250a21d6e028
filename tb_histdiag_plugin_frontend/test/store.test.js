import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStore, initialState, syncHash } from '../src/store.js';

test('set merges a patch and notifies with the new and previous state', () => {
  const store = createStore({ a: 1, b: 2 });
  const seen = [];
  const off = store.subscribe((s, prev) => seen.push([s.a, s.b, prev.a]));
  store.set({ a: 5 });
  assert.deepEqual(store.get(), { a: 5, b: 2 });
  assert.deepEqual(seen, [[5, 2, 1]]);
  off();
  store.set({ a: 6 });
  assert.equal(seen.length, 1);
});

test('a patch that changes nothing notifies nobody', () => {
  const list = [1];
  const store = createStore({ a: 1, list });
  let n = 0;
  store.subscribe(() => n++);
  store.set({ a: 1, list });
  assert.equal(n, 0);
  store.set({ list: [1] }); // a new array is a change (identity)
  assert.equal(n, 1);
});

test('initial state takes the view state from the hash', () => {
  const s = initialState('#run=a&cmp=b&layer=l&step=4');
  assert.equal(s.run, 'a');
  assert.deepEqual(s.compare, ['a', 'b']);
  assert.equal(s.layer, 'l');
  assert.equal(s.step, 4);
  assert.equal(s.phase, 'loading');
  assert.equal(s.models.size, 0);
});

function fakeWindow(hash) {
  const listeners = new Map();
  const win = {
    location: { hash, href: 'http://x/page' + hash },
    history: {
      state: null,
      replaceState(_s, _t, url) {
        win.location.href = url;
        win.location.hash = url.slice(url.indexOf('#'));
        win.writes.push(url);
      },
    },
    writes: [],
    addEventListener: (name, fn) => listeners.set(name, fn),
    removeEventListener: (name, fn) => {
      if (listeners.get(name) === fn) listeners.delete(name);
    },
    fire(name) {
      listeners.get(name)();
    },
    listeners,
  };
  return win;
}

test('hash sync writes the view state, ignores the rest, and reports hashes typed by the user', () => {
  const win = fakeWindow('#run=a');
  const store = createStore(initialState(win.location.hash));
  const external = [];
  const dispose = syncHash(store, win, (next) => external.push(next));
  store.set({ busy: 3, status: 'x' });
  assert.deepEqual(win.writes, []);
  store.set({ layer: 'dense<1>' });
  assert.deepEqual(win.writes, ['http://x/page#run=a&cmp=a&layer=dense%3C1%3E']);
  win.location.hash = '#run=b';
  win.fire('hashchange');
  assert.equal(external.length, 1);
  assert.equal(external[0].run, 'b');
  dispose();
  assert.equal(win.listeners.size, 0);
  store.set({ layer: 'other' });
  assert.equal(win.writes.length, 1);
});
