// The progressive run list (fast polling while runs are analysed, the worst run focused once counts are in) and the
// step range (full-resolution windows): data.js, actions.js and views/stepRange.js.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createData, hasPending, rangeParams, rangedKey, FAST_POLL_MS } from '../src/data.js';
import { createActions } from '../src/actions.js';
import { createStore, initialState } from '../src/store.js';
import { buildModel } from '../src/model.js';
import { modelKey } from '../src/select.js';
import { stepRangeText } from '../src/views/stepRange.js';

const pending = (run) => ({ run, tags: 3, last_step: 9, critical: null, warning: null, info: null, status: 'pending' });
const done = (run, critical, warning) => ({ run, tags: 3, last_step: 9, critical, warning, info: 0, status: 'done' });

/** A fake window whose timers run when the test says so. */
function fakeWin() {
  const timers = new Map();
  let next = 1;
  const add = (fn, ms, repeat) => {
    const id = next++;
    timers.set(id, { fn, ms, repeat });
    return id;
  };
  return {
    timers,
    setInterval: (fn, ms) => add(fn, ms, true),
    setTimeout: (fn, ms) => add(fn, ms, false),
    clearInterval: (id) => timers.delete(id),
    clearTimeout: (id) => timers.delete(id),
    /** Run the one-shot timers (the fast poll). */
    fireTimeouts() {
      for (const [id, t] of [...timers]) {
        if (!t.repeat) {
          timers.delete(id);
          t.fn();
        }
      }
    },
  };
}

function fakeApi(listings) {
  const calls = [];
  let i = 0;
  return {
    calls,
    runs: async () => ({ runs: listings[Math.min(i++, listings.length - 1)] }),
    settings: async () => ({ settings: [] }),
    diagnostics: async (run, params) => {
      calls.push([run, params]);
      return { run, layers: [], series: [], markers: [] };
    },
    histogram: async () => ({ buckets: [] }),
  };
}

test('hasPending: any run still being analysed', () => {
  assert.equal(hasPending([done('a', 0, 0), pending('b')]), true);
  assert.equal(hasPending([done('a', 0, 0), done('b', 1, 0)]), false);
  assert.equal(hasPending([{ run: 'old server, no status', critical: 0 }]), false);
  assert.equal(hasPending([]), false);
});

test('a listing with pending runs schedules one fast poll; a finished one does not', async () => {
  const store = createStore(initialState(''));
  const win = fakeWin();
  const api = fakeApi([[pending('a'), done('b', 0, 0)], [pending('a'), done('b', 0, 0)], [done('a', 1, 0), done('b', 0, 0)]]);
  const data = createData({ store, api, win });
  let fast = 0;
  data.startPolling(() => {}, 30000, () => fast++);
  const slow = [...win.timers.values()].filter((t) => t.repeat);
  assert.deepEqual(slow.map((t) => t.ms), [30000]);
  await data.loadRuns(true);
  await data.loadRuns(true); // still pending: no second timer while one is scheduled
  const oneShots = [...win.timers.values()].filter((t) => !t.repeat);
  assert.deepEqual(oneShots.map((t) => t.ms), [FAST_POLL_MS]);
  win.fireTimeouts();
  assert.equal(fast, 1);
  await data.loadRuns(true); // all done: back to the slow poll only
  assert.equal([...win.timers.values()].filter((t) => !t.repeat).length, 0);
  data.stopPolling();
  assert.equal(win.timers.size, 0);
});

test('the step range goes into the request and the model key; without one the key is modelKey', async () => {
  const store = createStore(initialState(''));
  store.set({ runs: [done('r', 0, 0)] });
  assert.deepEqual(rangeParams(store.get()), {});
  assert.equal(rangedKey(store.get(), 'r'), modelKey(store.get(), 'r'));
  const api = fakeApi([[done('r', 0, 0)]]);
  const data = createData({ store, api, win: fakeWin() });
  await data.ensureModels(['r']);
  store.set({ stepRange: [100, 250] });
  assert.deepEqual(rangeParams(store.get()), { start_step: '100', end_step: '250' });
  assert.notEqual(rangedKey(store.get(), 'r'), modelKey(store.get(), 'r'));
  await data.ensureModels(['r']);
  await data.ensureModels(['r']); // cached under the ranged key
  store.set({ settings: { vanishing_ratio: '1e-3' } });
  await data.ensureModels(['r']);
  assert.deepEqual(api.calls, [
    ['r', {}],
    ['r', { start_step: '100', end_step: '250' }],
    ['r', { vanishing_ratio: '1e-3' }], // the default document the window is spliced into (stepwindow.js)
    ['r', { vanishing_ratio: '1e-3', start_step: '100', end_step: '250' }],
  ]);
});

/** Actions over a fake data module whose listing changes from call to call. */
function setup(hash, listings) {
  const store = createStore(initialState(hash));
  const api = fakeApi(listings);
  const data = createData({ store, api, win: fakeWin() });
  const actions = createActions({ store, data, now: () => new Date(0) });
  return { store, api, actions };
}

test('without a run in the URL, the worst run is focused once every count is in', async () => {
  const { store, actions } = setup('', [[pending('a'), pending('b')], [done('a', 0, 1), pending('b')], [done('a', 0, 1), done('b', 2, 0)]]);
  await actions.refresh();
  assert.equal(store.get().run, 'a'); // nothing known yet: the first run
  await actions.refresh({ quiet: true });
  assert.equal(store.get().run, 'a'); // b still pending: no jumping around
  await actions.refresh({ quiet: true });
  assert.equal(store.get().run, 'b');
  assert.deepEqual(store.get().compare, ['b']);
});

test('a run picked by the user, or named in the URL, stays focused when counts arrive', async () => {
  const lists = [[pending('a'), pending('b')], [done('a', 0, 0), done('b', 3, 0)]];
  const picked = setup('', lists);
  await picked.actions.refresh();
  await picked.actions.focusRun('a');
  await picked.actions.refresh({ quiet: true });
  assert.equal(picked.store.get().run, 'a');
  const named = setup('run=a', lists);
  await named.actions.refresh();
  await named.actions.refresh({ quiet: true });
  assert.equal(named.store.get().run, 'a');
});

test('setStepRange loads the window at full resolution; clearStepRange goes back without a request', async () => {
  const { store, api, actions } = setup('run=r', [[done('r', 0, 0)]]);
  await actions.refresh();
  const base = store.get().models.get('r');
  await actions.setStepRange(300, 120.4); // reversed and fractional (a zoom's edges)
  assert.deepEqual(store.get().stepRange, [120, 300]);
  assert.notEqual(store.get().models.get('r'), base);
  await actions.setStepRange(120, 300); // same window: nothing fetched
  await actions.clearStepRange();
  assert.equal(store.get().stepRange, null);
  assert.equal(store.get().models.get('r'), base); // the kept default document
  assert.deepEqual(api.calls.map((c) => c[1]), [{}, { start_step: '120', end_step: '300' }]);
  assert.equal(store.get().phase, 'ready');
});

test('the step-range line: the window while one is set, else what the downsampled document keeps', () => {
  const doc = (extra) => ({ run: 'r', layers: [], markers: [], ...extra,
    series: [{ tag: 't', layer: null, role: 'other', steps: [0, 5, 9], wall_times: [0, 0, 0], stats: {} }] });
  const state = (model, stepRange) => ({ stepRange, run: 'r', models: new Map([['r', { key: 'k', model }]]) });
  assert.deepEqual(stepRangeText(state(buildModel(doc({})), [1000, 2500])),
    { mode: 'range', text: 'Full resolution for steps 1,000–2,500' });
  const thin = stepRangeText(state(buildModel(doc({ downsampled: true, total_steps: 5000 })), null));
  assert.equal(thin.mode, 'downsampled');
  assert.match(thin.text, /^Showing 3 of 5,000 logged steps/);
  assert.equal(stepRangeText(state(buildModel(doc({ downsampled: false, total_steps: 3 })), null)).mode, 'none');
});

test('setRunFilter keeps the regex text in the state, shared by the sweep table and the run list', async () => {
  const { store, actions } = setup('', [[done('a', 0, 0)]]);
  actions.setRunFilter('seed=(1|2)$');
  assert.equal(store.get().runFilter, 'seed=(1|2)$');
  actions.setRunFilter(null);
  assert.equal(store.get().runFilter, '');
});
