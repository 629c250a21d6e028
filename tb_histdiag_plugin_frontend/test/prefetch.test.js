// The run named in the URL is requested before /runs (actions.js prefetch, data.js adoptable): shown before the
// listing answers, requested once, and a failure before the listing is reported by the request after it; the listing
// is asked once the server is done with that run (or after LISTING_WAIT_MS).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createData } from '../src/data.js';
import { createActions, LISTING_WAIT_MS } from '../src/actions.js';
import { createStore, initialState } from '../src/store.js';
import { modelKey } from '../src/select.js';

const win = { setInterval: () => 1, setTimeout: () => 2, clearInterval() {}, clearTimeout() {} };
const listed = (run) => ({ run, tags: 3, last_step: 9, critical: 0, warning: 0, info: 0, status: 'done' });

/** An api whose /runs answers when release() is called; diagnostics answer at once (or fail for runs in failing). */
function slowListingApi(runs, failing = []) {
  let release;
  const gate = new Promise((resolve) => {
    release = resolve;
  });
  const calls = [];
  return {
    calls,
    release: () => release(),
    runs: async () => {
      await gate;
      return { runs: runs.map(listed) };
    },
    settings: async () => ({ settings: [] }),
    diagnostics: async (run) => {
      calls.push(run);
      if (failing.includes(run)) throw new Error('no run ' + run);
      return { run, layers: [], series: [], markers: [] };
    },
    histogram: async () => ({ buckets: [] }),
  };
}

function setup(hash, api) {
  const store = createStore(initialState(hash));
  const actions = createActions({ store, data: createData({ store, api, win }), now: () => new Date(0) });
  return { store, actions };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

test('the run in the URL is shown before /runs answers, and requested once', async () => {
  const api = slowListingApi(['r', 's']);
  const { store, actions } = setup('run=r', api);
  const done = actions.refresh();
  await tick();
  assert.equal(store.get().phase, 'ready');
  assert.equal(store.get().runs.length, 0);
  api.release();
  await done;
  assert.equal(store.get().runs.length, 2);
  assert.equal(store.get().models.get('r').key, modelKey(store.get(), 'r')); // keyed by the listing now
  assert.deepEqual(api.calls, ['r']);
});

test('a failed request before the listing is not kept; the one after it reports the error', async () => {
  const api = slowListingApi(['r'], ['r']);
  const { store, actions } = setup('run=r', api);
  const done = actions.refresh();
  await tick();
  assert.equal(store.get().phase, 'loading');
  assert.equal(store.get().models.get('r'), undefined);
  api.release();
  await done;
  assert.equal(store.get().phase, 'error');
  assert.deepEqual(api.calls, ['r', 'r']);
});

test('without a run in the URL nothing is requested before the listing', async () => {
  const api = slowListingApi(['a']);
  const { store, actions } = setup('', api);
  const done = actions.refresh();
  await tick();
  assert.deepEqual(api.calls, []);
  api.release();
  await done;
  assert.equal(store.get().run, 'a');
  assert.deepEqual(api.calls, ['a']);
});

/**
 * An api whose /runs lists run r at lastStep() and whose diagnostics answer when answers[i]() is called (the server is
 * done at once, onAnswer: handing the document over is what waits); calls records 'default' or 'range' per request,
 * and each document carries its request's number n.
 */
function answeredByHand(lastStep = () => 9) {
  const answers = [];
  const calls = [];
  return {
    answers,
    calls,
    runs: async () => ({ runs: [{ ...listed('r'), last_step: lastStep() }] }),
    settings: async () => ({ settings: [] }),
    diagnostics(run, params, onAnswer) {
      calls.push(params && params.start_step ? 'range' : 'default');
      const n = calls.length;
      if (onAnswer) onAnswer();
      return new Promise((resolve) => answers.push(() => resolve({ run, layers: [], series: [], markers: [], n })));
    },
    histogram: async () => ({ buckets: [] }),
  };
}

test('a poll that sees new steps while the prefetch is still out asks again, and the older answer does not win', async () => {
  let step = 9;
  const api = answeredByHand(() => step);
  const { answers } = api;
  const { store, actions } = setup('run=r', api);
  const first = actions.refresh();
  await tick();
  assert.deepEqual(api.calls, ['default']); // the prefetch, unanswered
  step = 11; // new data: the poll's listing has moved on
  const poll = actions.refresh({ quiet: true });
  await tick();
  assert.deepEqual(api.calls, ['default', 'default']); // the prefetch stands for the first listing only
  answers[1]();
  await poll;
  answers[0]();
  await first;
  await tick();
  const entry = store.get().models.get('r');
  assert.equal(entry.key, modelKey(store.get(), 'r'));
  assert.equal(entry.model.doc.n, 2);
});

test('a poll whose listing has not moved while the prefetch is still out joins it: one request', async () => {
  const api = answeredByHand();
  const { answers } = api;
  const { store, actions } = setup('run=r', api);
  const first = actions.refresh();
  await tick();
  const poll = actions.refresh({ quiet: true });
  await tick();
  assert.deepEqual(api.calls, ['default']);
  answers[0]();
  await Promise.all([first, poll]);
  assert.equal(store.get().models.get('r').key, modelKey(store.get(), 'r'));
  assert.equal(store.get().phase, 'ready');
});

test('joining a step range request in flight leaves the default document kept: clearing the range asks nothing', async () => {
  const api = answeredByHand();
  const { answers } = api;
  const { store, actions } = setup('run=r', api);
  const first = actions.refresh();
  await tick();
  answers[0]();
  await first;
  const ranged = actions.setStepRange(2, 5);
  const again = actions.applyHashState({ ...store.get() }); // the hash sync asks for the same ranged document
  await tick();
  assert.deepEqual(api.calls, ['default', 'range']);
  answers[1]();
  await Promise.all([ranged, again]);
  await actions.clearStepRange();
  assert.deepEqual(api.calls, ['default', 'range']);
  assert.equal(store.get().models.get('r').key, modelKey(store.get(), 'r'));
});

test('the first listing is asked once the server is done with the run in the URL, or after LISTING_WAIT_MS', async () => {
  const order = [];
  const timers = [];
  const slowWin = { ...win, setTimeout: (fn, ms) => timers.push([fn, ms]) };
  let answer = null;
  const api = {
    runs: async () => {
      order.push('runs');
      return { runs: [listed('r')] };
    },
    settings: async () => ({ settings: [] }),
    diagnostics: (run, params, onAnswer) => {
      order.push('diagnostics');
      answer = onAnswer;
      return new Promise(() => {}); // the document is never handed over: the listing waits for onAnswer only
    },
    histogram: async () => ({ buckets: [] }),
  };
  const store = createStore(initialState('run=r'));
  const actions = createActions({ store, data: createData({ store, api, win: slowWin }), now: () => new Date(0) });
  actions.refresh();
  await tick();
  assert.deepEqual(order, ['diagnostics']); // the listing waits while the server works on the run
  answer();
  await tick();
  assert.deepEqual(order, ['diagnostics', 'runs']);
  assert.equal(store.get().runs.length, 1);

  // a server still analysing the run: the listing is asked after LISTING_WAIT_MS all the same
  order.length = 0;
  timers.length = 0;
  const store2 = createStore(initialState('run=r'));
  const actions2 = createActions({ store: store2, data: createData({ store: store2, api, win: slowWin }), now: () => new Date(0) });
  actions2.refresh();
  await tick();
  assert.deepEqual(order, ['diagnostics']);
  const wait = timers.find(([, ms]) => ms === LISTING_WAIT_MS);
  assert.ok(wait, 'a timer of LISTING_WAIT_MS');
  wait[0]();
  await tick();
  assert.deepEqual(order, ['diagnostics', 'runs']);
});
