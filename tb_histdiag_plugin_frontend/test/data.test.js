import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLru, createData } from '../src/data.js';
import { createStore, initialState } from '../src/store.js';

test('the LRU keeps the most recently used entries only', () => {
  const lru = createLru(2);
  lru.set('a', 1);
  lru.set('b', 2);
  assert.equal(lru.get('a'), 1); // a is now the most recent
  lru.set('c', 3);
  assert.equal(lru.get('b'), undefined);
  assert.equal(lru.get('a'), 1);
  assert.equal(lru.get('c'), 3);
  assert.equal(lru.size, 2);
});

function fakeApi() {
  const calls = [];
  return {
    calls,
    runs: async () => ({ runs: [{ run: 'r', tags: 2, last_step: 4 }, { nope: 1 }] }),
    settings: async () => ({ settings: [] }),
    diagnostics: async (run, settings) => {
      calls.push(['diagnostics', run, settings]);
      return { run, layers: [], series: [], markers: [] };
    },
    histogram: async (run, tag, step) => {
      calls.push(['histogram', run, tag, step]);
      return { buckets: [] };
    },
  };
}

test('a diagnosis is fetched once per key and again when the run moves on', async () => {
  const store = createStore(initialState(''));
  const api = fakeApi();
  const data = createData({ store, api, win: {} });
  store.set({ runs: await data.loadRuns(true) });
  assert.deepEqual(store.get().runs.map((r) => r.run), ['r']);
  await Promise.all([data.ensureModels(['r']), data.ensureModels(['r'])]);
  await data.ensureModels(['r']);
  assert.equal(api.calls.length, 1);
  assert.equal(store.get().models.get('r').model.run, 'r');
  store.set({ runs: [{ run: 'r', tags: 2, last_step: 6 }] });
  await data.ensureModels(['r']);
  assert.equal(api.calls.length, 2);
  assert.equal(store.get().busy, 0);
});

test('histograms are cached per run, tag and step', async () => {
  const api = fakeApi();
  const data = createData({ store: createStore(initialState('')), api, win: {} });
  await data.histogram('r', 't', 1);
  await data.histogram('r', 't', 1);
  await data.histogram('r', 't', 2);
  assert.equal(api.calls.length, 2);
  data.forget();
  await data.histogram('r', 't', 1);
  assert.equal(api.calls.length, 3);
});

test('polling starts one timer and stops it', () => {
  const timers = [];
  const win = { setInterval: (fn, ms) => timers.push(ms) && timers.length, clearInterval: (id) => timers.splice(id - 1, 1) };
  const data = createData({ store: createStore(initialState('')), api: fakeApi(), win });
  data.startPolling(() => {});
  assert.deepEqual(timers, [30000]);
  data.dispose();
  assert.deepEqual(timers, []);
});

test('a run listing with an error and no runs (an unreadable object-storage logdir) is an error, not an empty logdir', async () => {
  const store = createStore(initialState(''));
  const api = { ...fakeApi(), runs: async () => ({ runs: [], error: 'cannot read s3://b/x: NoSuchBucket' }) };
  const data = createData({ store, api, win: {} });
  await assert.rejects(() => data.loadRuns(true), /NoSuchBucket/);
  const quiet = { ...fakeApi(), runs: async () => ({ runs: [] }) };
  assert.deepEqual(await createData({ store, api: quiet, win: {} }).loadRuns(true), []);
  // runs listed beside an error are shown: the error only explains an empty listing
  const both = { ...fakeApi(), runs: async () => ({ runs: [{ run: 'r' }], error: 'x' }) };
  assert.deepEqual((await createData({ store, api: both, win: {} }).loadRuns(true)).map((r) => r.run), ['r']);
});
