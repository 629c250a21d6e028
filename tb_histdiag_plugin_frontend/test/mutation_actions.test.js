// What the user's actions do to the state at their edges (a poll vs a refresh, a stale answer, an unchanged listing,
// toggles given and not given a value), added for mutation testing (tests/mutation/). The data module is a fake that
// records what it is asked, and whose listing / diagnoses answer when the test says so.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActions, LISTING_WAIT_MS } from '../src/actions.js';
import { createStore, initialState } from '../src/store.js';
import { createData } from '../src/data.js';
import { buildModel } from '../src/model.js';
import { RUN_PALETTE } from '../src/colors.js';

const NOW = new Date(2021, 5, 7, 13, 4, 9);
const CLOCK = '13:04:09';

function doc(run, layers = ['l0'], markers = []) {
  return { run, layers: layers.map((name, depth) => ({ name, depth, tags: {} })), series: [], markers };
}

const done = (run, critical, warning) => ({ run, tags: 3, last_step: 9, critical, warning, status: 'done' });
const pending = (run) => ({ run, tags: 3, last_step: 9, critical: null, warning: null, status: 'pending' });

function deferred() {
  let resolve;
  let reject;
  const promise = new Promise((a, b) => {
    resolve = a;
    reject = b;
  });
  return { promise, resolve, reject };
}

/**
 * A data module over fixed documents. listings: the /runs answers in turn (the last one repeats); an entry may be a
 * function (called for the answer: it may throw, or return a promise). Each answer is a fresh copy, as off the wire.
 * hold(names, opts): a promise ensureModels waits for before it fills the models in (or nothing).
 */
function fakeData(store, { listings, docs = { a: doc('a'), b: doc('b') }, hold } = {}) {
  const calls = [];
  let i = 0;
  const put = (run, entry) => store.set({ models: new Map(store.get().models).set(run, entry) });
  return {
    calls,
    loadRuns: async (quiet) => {
      calls.push(['runs', quiet]);
      const next = listings[Math.min(i++, listings.length - 1)];
      const list = await (typeof next === 'function' ? next() : next);
      return list.map((r) => ({ ...r }));
    },
    answered: async (ms) => {
      calls.push(['answered', ms]);
    },
    loadSettings: () => calls.push(['settings']),
    ensureModels: async (names, opts) => {
      calls.push(['models', [...names], opts]);
      if (hold) await hold(names, opts);
      for (const n of names) {
        if (store.get().models.has(n)) continue;
        if (docs[n]) put(n, { key: 'k', model: buildModel(docs[n]) });
        else if (!opts || opts.keepErrors !== false) put(n, { key: 'k', error: new Error('no diagnosis of ' + n) });
      }
    },
    putModel: put,
    diagnostics: async (run) => doc(run, ['l0'], []),
    forget: (what) => {
      calls.push(['forget', what]);
      store.set({ models: new Map() });
    },
  };
}

function setup(hash, opts = {}) {
  const store = createStore(initialState(hash));
  const data = fakeData(store, { listings: [[done('a', 0, 0), done('b', 0, 0)]], ...opts });
  const actions = createActions({ store, data, now: opts.now || (() => NOW) });
  return { store, data, actions };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 0));
const kinds = (calls) => calls.map((c) => c[0]);

test('without a clock given, the status shows the time of day', async () => {
  const store = createStore(initialState('#run=a'));
  const data = fakeData(store, { listings: [[done('a', 0, 0)]] });
  await createActions({ store, data }).refresh();
  assert.match(store.get().status, /^Loaded · \d\d:\d\d:\d\d$/);
});

test('a refresh shows "Loading…" while the listing is out; a poll leaves the status alone', async () => {
  const gate = deferred();
  const { store, actions } = setup('#run=a', { listings: [[done('a', 0, 0)], () => gate.promise] });
  await actions.refresh();
  assert.equal(store.get().status, 'Loaded · ' + CLOCK);
  const poll = actions.refresh({ quiet: true });
  await tick();
  assert.equal(store.get().status, 'Loaded · ' + CLOCK);
  gate.resolve([done('a', 0, 0)]);
  await poll;
  const again = deferred();
  const s2 = setup('#run=a', { listings: [() => again.promise] });
  const first = s2.actions.refresh();
  await tick();
  assert.equal(s2.store.get().status, 'Loading…');
  again.resolve([done('a', 0, 0)]);
  await first;
  assert.equal(s2.store.get().status, 'Loaded · ' + CLOCK);
});

test('a refresh with a run in the URL asks its diagnosis first and the listing after LISTING_WAIT_MS at most', async () => {
  const { data, actions } = setup('#run=a');
  await actions.refresh();
  assert.deepEqual(data.calls.slice(0, 3), [['models', ['a'], { keepErrors: false }], ['answered', LISTING_WAIT_MS],
    ['runs', false]]);
});

test('without a run in the URL, or on a poll, the listing is asked at once', async () => {
  const { data, actions } = setup('');
  await actions.refresh();
  assert.deepEqual(data.calls[0], ['runs', false]);
  assert.ok(!kinds(data.calls).includes('answered'));
  data.calls.length = 0;
  await actions.refresh({ quiet: true });
  assert.deepEqual(data.calls[0], ['runs', true]);
  assert.ok(!kinds(data.calls).includes('answered'));
  assert.ok(!data.calls.some((c) => c[0] === 'models' && c[2] && c[2].keepErrors === false));
});

test('a listing that fails: the error phase on a refresh, a mild status on a poll of a ready tab', async () => {
  const { store, actions } = setup('#run=a', { listings: [() => {
    throw new Error('offline');
  }] });
  await actions.refresh();
  assert.equal(store.get().phase, 'error');
  assert.equal(store.get().status, '');
  assert.deepEqual(store.get().error, { what: 'Could not load the runs', message: 'offline' });

  // a thrown value without a message is shown as text
  const bare = setup('', { listings: [() => Promise.reject('HTTP 502')] });
  await bare.actions.refresh();
  assert.deepEqual(bare.store.get().error, { what: 'Could not load the runs', message: 'HTTP 502' });

  // a poll of a ready tab keeps the tab, and says so in the status line
  let fail = false;
  const polled = setup('#run=a', { listings: [() => {
    if (fail) throw new Error('timeout');
    return [done('a', 0, 0)];
  }] });
  await polled.actions.refresh();
  assert.equal(polled.store.get().phase, 'ready');
  fail = true;
  await polled.actions.refresh({ quiet: true });
  assert.equal(polled.store.get().phase, 'ready');
  assert.equal(polled.store.get().error, null);
  assert.equal(polled.store.get().status, 'Auto-refresh failed: timeout');

  // ... but a refresh asked by the user of a ready tab shows the error
  await polled.actions.refresh();
  assert.equal(polled.store.get().phase, 'error');
  assert.deepEqual(polled.store.get().error, { what: 'Could not load the runs', message: 'timeout' });
  assert.equal(polled.store.get().status, '');

  // a poll of a tab showing an error replaces the error
  await polled.actions.refresh({ quiet: true });
  assert.equal(polled.store.get().phase, 'error');
  assert.equal(polled.store.get().status, '');
  fail = false;
  await polled.actions.refresh({ quiet: true });
  assert.equal(polled.store.get().phase, 'ready');
});

test('a poll after a failed listing replaces the error with its own', async () => {
  let message = 'offline';
  const { store, actions } = setup('', { listings: [() => {
    throw new Error(message);
  }] });
  await actions.refresh();
  message = 'still offline';
  await actions.refresh({ quiet: true });
  assert.equal(store.get().phase, 'error');
  assert.deepEqual(store.get().error, { what: 'Could not load the runs', message: 'still offline' });
  assert.equal(store.get().status, '');
});

test('an empty listing: the empty phase, no diagnosis asked', async () => {
  const { store, data, actions } = setup('', { listings: [[]] });
  await actions.refresh();
  assert.equal(store.get().phase, 'empty');
  assert.equal(store.get().status, '');
  assert.deepEqual(kinds(data.calls), ['runs']);
});

test('the status after a poll: up to date when nothing changed, refreshed when the listing moved', async () => {
  const lists = [[done('a', 0, 0)], [done('a', 0, 0)], [done('a', 1, 0)]];
  const { store, actions } = setup('#run=a', { listings: lists });
  await actions.refresh();
  assert.equal(store.get().status, 'Loaded · ' + CLOCK);
  await actions.refresh({ quiet: true });
  assert.equal(store.get().status, 'Up to date · ' + CLOCK);
  await actions.refresh({ quiet: true });
  assert.equal(store.get().status, 'Refreshed · ' + CLOCK);
});

test('a refresh asked by the user of a ready tab with nothing new loads and settles all the same', async () => {
  const { store, actions } = setup('#run=a&layer=nope', { listings: [[done('a', 0, 0)]] });
  await actions.refresh();
  store.set({ layer: 'gone' }); // a layer the run does not have (a hash from another run)
  await actions.refresh();
  assert.equal(store.get().status, 'Loaded · ' + CLOCK);
  assert.equal(store.get().layer, null);
});

test('an unchanged poll of a tab not ready settles it and says refreshed', async () => {
  const { store, actions } = setup('#run=a', { listings: [[done('a', 0, 0)]] });
  await actions.refresh();
  store.set({ phase: 'loading' });
  await actions.refresh({ quiet: true });
  assert.equal(store.get().phase, 'ready');
  assert.equal(store.get().status, 'Refreshed · ' + CLOCK);
});

test('an unchanged listing keeps the run list; counts filling in keep the colours; a renamed run gets one', async () => {
  const lists = [[done('a', 0, 0), done('b', 0, 0)], [done('a', 0, 0), done('b', 0, 0)], [done('a', 0, 0), done('b', 2, 0)],
    [done('a', 0, 0), done('c', 0, 0)]];
  const { store, actions } = setup('#run=a', { listings: lists });
  await actions.refresh();
  const runs = store.get().runs;
  const colors = store.get().colors;
  assert.deepEqual([...colors], [['a', RUN_PALETTE[0]], ['b', RUN_PALETTE[1]]]);
  await actions.refresh({ quiet: true });
  assert.equal(store.get().runs, runs); // same content: not replaced, no redraw
  await actions.refresh({ quiet: true });
  assert.equal(store.get().runs[1].critical, 2);
  assert.equal(store.get().colors, colors);
  await actions.refresh({ quiet: true });
  assert.deepEqual([...store.get().colors], [['a', RUN_PALETTE[0]], ['c', RUN_PALETTE[1]]]);
});

test('the settings listing is asked only while neither it nor its error is in', async () => {
  const { data, actions, store } = setup('#run=a');
  await actions.refresh();
  assert.equal(data.calls.filter((c) => c[0] === 'settings').length, 1);
  store.set({ settingsSpec: [] });
  await actions.refresh({ quiet: true });
  assert.equal(data.calls.filter((c) => c[0] === 'settings').length, 1);
  store.set({ settingsSpec: null, settingsError: new Error('HTTP 500') });
  await actions.refresh({ quiet: true });
  assert.equal(data.calls.filter((c) => c[0] === 'settings').length, 1);
  store.set({ settingsError: null });
  await actions.refresh({ quiet: true });
  assert.equal(data.calls.filter((c) => c[0] === 'settings').length, 2);
});

test('an older refresh answering after a newer one changes nothing', async () => {
  // its listing comes in last: the newer listing stays
  const slow = deferred();
  const lists = [() => slow.promise, [done('a', 0, 0), done('b', 0, 0)]];
  const one = setup('', { listings: lists });
  const first = one.actions.refresh();
  const second = one.actions.refresh({ quiet: true });
  await second;
  slow.resolve([done('a', 0, 0)]);
  await first;
  assert.deepEqual(one.store.get().runs.map((r) => r.run), ['a', 'b']);

  // its diagnoses come in last: the newer status stays
  const held = deferred();
  let n = 0;
  const two = setup('', { hold: () => (++n === 1 ? held.promise : null) });
  const older = two.actions.refresh();
  await tick();
  await two.actions.refresh({ quiet: true });
  assert.equal(two.store.get().status, 'Refreshed · ' + CLOCK);
  held.resolve();
  await older;
  assert.equal(two.store.get().status, 'Refreshed · ' + CLOCK); // not the older refresh's "Loaded · …"
});

test('a prefetch outdated by a reload does not show its run', async () => {
  const answers = [];
  const list = deferred();
  const { store, actions } = setup('#run=a', {
    listings: [() => list.promise],
    hold: () => {
      const d = deferred();
      answers.push(d);
      return d.promise;
    },
  });
  actions.refresh();
  await tick();
  actions.reload();
  await tick();
  assert.equal(answers.length, 2);
  answers[0].resolve();
  await tick();
  assert.equal(store.get().phase, 'loading');
  answers[1].resolve();
  await tick();
  assert.equal(store.get().phase, 'ready'); // the reload's own prefetch, before the listing
  assert.deepEqual(store.get().runs, []);
});

test('after a failed listing, a reload keeps the error up until the listing answers', async () => {
  const second = deferred();
  const { store, data, actions } = setup('#run=a', { listings: [() => Promise.reject(new Error('offline')), () => second.promise] });
  await actions.refresh();
  assert.equal(store.get().phase, 'error');
  const reloading = actions.reload();
  await tick();
  assert.deepEqual(data.calls.filter((c) => c[0] === 'forget'), [['forget', undefined]]);
  assert.ok(store.get().models.get('a').model); // prefetched
  assert.equal(store.get().phase, 'error');
  second.resolve([done('a', 0, 0)]);
  await reloading;
  assert.equal(store.get().phase, 'ready');
  assert.equal(store.get().error, null);
});

test('reload forgets the loaded diagnoses and asks them again', async () => {
  const { store, data, actions } = setup('#run=a');
  await actions.refresh();
  const before = store.get().models.get('a');
  await actions.reload();
  assert.notEqual(store.get().models.get('a'), before);
  assert.ok(store.get().models.get('a').model);
  assert.equal(store.get().status, 'Loaded · ' + CLOCK);
});

test('settle: a failed diagnosis is shown with its message (or its text) and an empty status', async () => {
  const { store, actions } = setup('#run=a', { docs: { a: doc('a') } });
  await actions.refresh();
  assert.equal(store.get().status, 'Loaded · ' + CLOCK);
  await actions.focusRun('b');
  assert.equal(store.get().phase, 'error');
  assert.equal(store.get().status, '');
  assert.deepEqual(store.get().error, { what: 'Could not load the diagnosis of run “b”', message: 'no diagnosis of b' });
  store.set({ models: new Map([['b', { key: 'k', error: 'HTTP 404' }]]) });
  actions.settle();
  assert.equal(store.get().error.message, 'HTTP 404');
});

test('settle: nothing to show yet while the focused run has no model', () => {
  const { store, actions } = setup('#run=a');
  actions.settle();
  assert.equal(store.get().phase, 'loading');
  store.set({ models: new Map([['a', { key: 'k' }]]) });
  actions.settle();
  assert.equal(store.get().phase, 'loading');
});

test('settle keeps a layer the run has among several, and drops one it does not', async () => {
  const { store, actions } = setup('#run=a&layer=l1', { docs: { a: doc('a', ['l0', 'l1', 'l2']), b: doc('b', ['l0']) } });
  await actions.refresh();
  assert.equal(store.get().layer, 'l1');
  await actions.focusRun('b');
  assert.equal(store.get().layer, null);
});

test('the worst run is focused once, when the counts are in', async () => {
  // already focused: the open layer stays
  const kept = setup('#layer=l0', { listings: [[done('a', 0, 0), done('b', 1, 0)]] });
  await kept.actions.refresh();
  assert.equal(kept.store.get().run, 'b');
  assert.equal(kept.store.get().layer, 'l0');
  // counts that change later do not move the focus again
  const lists = [[done('a', 0, 1), done('b', 0, 0)], [done('a', 0, 1), done('b', 5, 0)]];
  const once = setup('', { listings: lists });
  await once.actions.refresh();
  assert.equal(once.store.get().run, 'a');
  await once.actions.refresh({ quiet: true });
  assert.equal(once.store.get().run, 'a');
  assert.deepEqual(once.store.get().compare, ['a']);
});

test('a comparison from the URL is not replaced by the worst run', async () => {
  const { store, actions } = setup('#cmp=a&cmp=b', { listings: [[done('a', 0, 0), done('b', 4, 0)]] });
  await actions.refresh();
  assert.equal(store.get().run, 'a');
  assert.deepEqual(store.get().compare, ['a', 'b']);
});

test('a run compared and removed again by the user is a pick: counts arriving do not move the focus', async () => {
  const lists = [[pending('a'), pending('b')], [done('a', 0, 0), done('b', 3, 0)]];
  const { store, actions } = setup('', { listings: lists });
  await actions.refresh();
  assert.equal(store.get().run, 'a');
  await actions.toggleCompare('b', true);
  await actions.toggleCompare('b', false);
  await actions.refresh({ quiet: true });
  assert.equal(store.get().run, 'a');
});

test('a hash naming a run is a pick; one naming none still lets the worst run be focused', async () => {
  const lists = [[pending('a'), pending('b')], [done('a', 0, 0), done('b', 3, 0)]];
  const named = setup('', { listings: lists });
  await named.actions.refresh();
  await named.actions.applyHashState(initialState('#run=a&stat=grad_rms'));
  await named.actions.refresh({ quiet: true });
  assert.equal(named.store.get().run, 'a');
  const unnamed = setup('', { listings: lists });
  await unnamed.actions.refresh();
  await unnamed.actions.applyHashState(initialState('#stat=grad_rms'));
  assert.equal(unnamed.store.get().run, 'a');
  await unnamed.actions.refresh({ quiet: true });
  assert.equal(unnamed.store.get().run, 'b');
});

test('focusRun: the focused run keeps its layer; another run joins the comparison once', async () => {
  const { store, actions } = setup('#run=a&layer=l0');
  await actions.refresh();
  await actions.focusRun('a');
  assert.equal(store.get().layer, 'l0');
  assert.deepEqual(store.get().compare, ['a']);
  await actions.focusRun('b');
  assert.deepEqual(store.get().compare, ['a', 'b']);
  assert.equal(store.get().run, 'b');
  await actions.focusRun('a');
  assert.deepEqual(store.get().compare, ['a', 'b']);
  assert.equal(store.get().run, 'a');
});

test('toggleCompare: on / off as asked whatever the current state, a flip without it', async () => {
  const { store, actions } = setup('#run=a&layer=l0');
  await actions.refresh();
  await actions.toggleCompare('b');
  assert.deepEqual(store.get().compare, ['a', 'b']);
  await actions.toggleCompare('b', true);
  assert.deepEqual(store.get().compare, ['a', 'b']);
  await actions.toggleCompare('b');
  assert.deepEqual(store.get().compare, ['a']);
  await actions.toggleCompare('b', false);
  assert.deepEqual(store.get().compare, ['a']);
  await actions.toggleCompare('b', true);
  await actions.toggleCompare('b', false); // not the focused run: focus and layer stay
  assert.equal(store.get().run, 'a');
  assert.equal(store.get().layer, 'l0');
});

test('openDetail: where to scroll, and the step only when given', () => {
  const { store, actions } = setup('');
  actions.openDetail('l0');
  assert.equal(store.get().layer, 'l0');
  assert.equal(store.get().reveal, 'detail');
  actions.setStep(8);
  actions.openDetail('l1', { markers: true });
  assert.equal(store.get().reveal, 'markers');
  assert.equal(store.get().step, 8);
  actions.openDetail('l0', { step: 3 });
  assert.equal(store.get().reveal, 'detail');
  assert.equal(store.get().step, 3);
});

test('setStepRange: a window needs two numeric edges; the same window again, or no window to clear, asks nothing', async () => {
  const { store, data, actions } = setup('#run=a');
  await actions.refresh();
  data.calls.length = 0;
  await actions.setStepRange('x', 5);
  await actions.setStepRange(5, undefined);
  assert.equal(store.get().stepRange ?? null, null); // no window
  await actions.clearStepRange();
  assert.deepEqual(data.calls, []);
  await actions.setStepRange(100, 300);
  const state = store.get();
  assert.deepEqual(state.stepRange, [100, 300]);
  assert.equal(data.calls.length, 1);
  await actions.setStepRange(300, 100);
  assert.equal(store.get(), state);
  assert.equal(data.calls.length, 1);
  await actions.setStepRange(120, 300);
  assert.deepEqual(store.get().stepRange, [120, 300]);
  await actions.setStepRange(120, 250);
  assert.deepEqual(store.get().stepRange, [120, 250]);
});

test('the view toggles and setters', () => {
  const { store, actions } = setup('');
  actions.setStat('grad_rms');
  assert.equal(store.get().stat, 'grad_rms');
  actions.toggleBlock('enc');
  actions.toggleBlock('dec');
  assert.deepEqual(store.get().expanded, ['enc', 'dec']);
  actions.toggleBlock('enc');
  assert.deepEqual(store.get().expanded, ['dec']);
  actions.toggleSweep();
  assert.equal(store.get().sweepCollapsed, true);
  actions.toggleSweep(1);
  assert.equal(store.get().sweepCollapsed, true);
  actions.toggleSweep();
  assert.equal(store.get().sweepCollapsed, false);
  actions.toggleSweep(0);
  assert.equal(store.get().sweepCollapsed, false);
  actions.setOnlyMarked(1);
  assert.equal(store.get().onlyMarked, true);
  actions.setOnlyMarked(0);
  assert.equal(store.get().onlyMarked, false);
  actions.toggleThresholds();
  assert.equal(store.get().thresholdsOpen, true);
  actions.toggleThresholds();
  assert.equal(store.get().thresholdsOpen, false);
});

test('applySettings on a run whose diagnosis had failed: applied, no summary to give', async () => {
  const { store, actions } = setup('#run=a', { docs: {} });
  await actions.refresh();
  assert.equal(store.get().phase, 'error');
  assert.equal(await actions.applySettings({ vanishing_ratio: '0.1' }), true);
  assert.deepEqual(store.get().thresholdMsg, { text: 'Applied.', error: false });
  assert.equal(store.get().phase, 'ready');
});

test('applySettings summarises the markers before and after, not as an error', async () => {
  const { store, actions } = setup('#run=a', { docs: { a: doc('a', ['l0'], [{ kind: 'x', severity: 'warning', layer: 'l0' }]) } });
  await actions.refresh();
  assert.equal(await actions.applySettings({ vanishing_ratio: '0.1', exploding_ratio: '9' }), true);
  assert.deepEqual(store.get().thresholdMsg, {
    text: 'Markers in a: 1 (0 critical, 1 warning) → 0 (0 critical, 0 warning) with 2 changed setting(s).', error: false });
});

test('a hash typed before the listing answers keeps its runs for it', async () => {
  const { store, data, actions } = setup('');
  await actions.applyHashState(initialState('#run=b&cmp=a'));
  assert.equal(store.get().run, 'b');
  assert.deepEqual(store.get().compare, ['b', 'a']);
  assert.deepEqual(data.calls, []);
});

test('a hash with the same settings keeps the loaded diagnoses and histograms; other settings keep the histograms', async () => {
  const histogramCalls = [];
  const api = {
    runs: async () => ({ runs: [done('a', 0, 0)] }),
    settings: async () => ({ settings: [] }),
    diagnostics: async (run) => doc(run),
    histogram: async (run, tag, step) => {
      histogramCalls.push([run, tag, step]);
      return { buckets: [] };
    },
  };
  const win = { setInterval: () => 1, setTimeout: () => 2, clearInterval() {}, clearTimeout() {} };
  const store = createStore(initialState('#run=a&set.x=1'));
  const data = createData({ store, api, win });
  const actions = createActions({ store, data, now: () => NOW });
  await actions.refresh();
  const model = store.get().models.get('a');
  await data.histogram('a', 't', 3);
  await actions.applyHashState(initialState('#run=a&set.x=1&layer=l0'));
  assert.equal(store.get().layer, 'l0');
  assert.equal(store.get().models.get('a'), model);
  await actions.applyHashState(initialState('#run=a&set.x=2&layer=l0'));
  assert.notEqual(store.get().models.get('a'), model);
  await data.histogram('a', 't', 3);
  assert.deepEqual(histogramCalls, [['a', 't', 3]]);
});
