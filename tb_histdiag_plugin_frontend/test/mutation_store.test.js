// The store's defaults, its hash keys and syncHash's quiet cases, added for mutation testing (tests/mutation/).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeState, encodeState } from '../src/hashstate.js';
import { HASH_KEYS, createStore, initialState, syncHash } from '../src/store.js';

test('HASH_KEYS are the keys of the view state the hash decodes to', () => {
  assert.deepEqual([...HASH_KEYS].sort(), Object.keys(decodeState('')).sort());
  assert.equal(HASH_KEYS.length, 9);
  assert.ok(Object.isFrozen(HASH_KEYS));
});

test('the state before anything is loaded', () => {
  const s = initialState('');
  assert.equal(s.phase, 'loading');
  assert.equal(s.error, null);
  assert.equal(s.status, '');
  assert.equal(s.busy, 0);
  assert.equal(s.dark, false);
  assert.deepEqual(s.runs, []);
  assert.equal(s.colors.size, 0);
  assert.equal(s.settingsSpec, null);
  assert.equal(s.settingsError, null);
  assert.equal(s.thresholdsOpen, false);
  assert.equal(s.thresholdMsg, null);
  assert.equal(s.run, null);
});

function fakeWindow(hash, { throws = false } = {}) {
  const listeners = new Map();
  const win = {
    location: { hash, href: 'http://x/page' + hash },
    history: {
      state: 'kept',
      replaceState(state, title, url) {
        if (throws) throw new Error('SecurityError');
        win.writes.push([state, title, url]);
        win.location.href = url;
        win.location.hash = url.slice(url.indexOf('#'));
      },
    },
    writes: [],
    addEventListener: (name, fn) => listeners.set(name, fn),
    removeEventListener: (name) => listeners.delete(name),
    fire: (name) => listeners.get(name)(),
  };
  return win;
}

test('no write when the address already shows the hash', () => {
  const win = fakeWindow('#run=a&cmp=a&layer=x');
  const store = createStore(initialState('#run=a'));
  syncHash(store, win, () => {});
  store.set({ layer: 'x' });
  assert.deepEqual(win.writes, []);
});

test('an empty view state writes "#" only over a hash that is there', () => {
  let win = fakeWindow('');
  let store = createStore(initialState('#run=a'));
  syncHash(store, win, () => {});
  store.set({ run: null, compare: [] });
  assert.deepEqual(win.writes, []);

  win = fakeWindow('#run=a');
  store = createStore(initialState('#run=a'));
  syncHash(store, win, () => {});
  store.set({ run: null, compare: [] });
  assert.deepEqual(win.writes, [['kept', '', 'http://x/page#']]);

  win = fakeWindow('');
  store = createStore(initialState(''));
  syncHash(store, win, () => {});
  store.set({ run: 'b', compare: ['b'] });
  assert.deepEqual(win.writes, [['kept', '', 'http://x/page#run=b&cmp=b']]);
});

test('writes replace the entry with an absolute URL and keep the history state', () => {
  const win = fakeWindow('#run=a');
  win.location.href = 'http://x/page?q=1#run=a';
  const store = createStore(initialState('#run=a'));
  syncHash(store, win, () => {});
  store.set({ layer: 'l' });
  assert.deepEqual(win.writes, [['kept', '', 'http://x/page?q=1#run=a&cmp=a&layer=l']]);
});

test('where replaceState is refused the hash is set', () => {
  const win = fakeWindow('#run=a', { throws: true });
  const store = createStore(initialState('#run=a'));
  syncHash(store, win, () => {});
  store.set({ layer: 'l' });
  assert.equal(win.location.hash, '#run=a&cmp=a&layer=l');
});

test('a hash that says what the store already holds is not reported', () => {
  const win = fakeWindow('#run=a');
  const store = createStore(initialState('#run=a'));
  const external = [];
  syncHash(store, win, (next) => external.push(next));
  win.location.hash = '#cmp=a&run=a';  // the same state, written differently
  win.fire('hashchange');
  assert.equal(external.length, 0);
  win.location.hash = '#run=b';
  win.fire('hashchange');
  assert.equal(external.length, 1);
  assert.equal(encodeState(external[0]), 'run=b&cmp=b');
});
