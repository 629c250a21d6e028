// data.js's edges, added for mutation testing (tests/mutation/): the LRU's delete, step range keys, the progress count,
// the listing's odd bodies, answered(), the window spliced into the default document, errors kept or not, answers
// that come back out of order, the settings listing, forget, and the fast poll's timer.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createData, createLru, hasPending, rangeParams } from '../src/data.js';
import { createStore, initialState } from '../src/store.js';

const listed = (run, extra = {}) => ({ run, tags: 3, last_step: 9, critical: 0, warning: 0, info: 0, status: 'done', ...extra });
const doc = (run, extra = {}) => ({ run, layers: [], series: [], markers: [], ...extra });
const tick = () => new Promise((resolve) => setTimeout(resolve, 0));

/**
 * An api whose diagnostics answer when the test says so: out[i].resolve(doc) / out[i].reject(error); out[i].params is
 * what request i asked for. onAnswer (the server is done) is called with the answer.
 */
function handApi(extra = {}) {
  const out = [];
  return {
    out,
    runs: async () => ({ runs: [listed('r')] }),
    settings: async () => ({ settings: [] }),
    diagnostics(run, params, onAnswer) {
      let resolve;
      let reject;
      const p = new Promise((res, rej) => {
        resolve = res;
        reject = rej;
      });
      out.push({ run, params, resolve, reject });
      if (onAnswer) p.then(onAnswer, onAnswer);
      return p;
    },
    histogram: async () => ({ buckets: [] }),
    ...extra,
  };
}

/** A window whose timers only run when the test says so; cleared ones are gone, started lists every one started. */
function fakeWin() {
  const timers = new Map();
  const started = [];
  let next = 1;
  const add = (fn, ms, repeat) => {
    const id = next++;
    timers.set(id, { fn, ms, repeat });
    started.push(ms);
    return id;
  };
  return {
    timers,
    started,
    setInterval: (fn, ms) => add(fn, ms, true),
    setTimeout: (fn, ms) => add(fn, ms, false),
    clearInterval: (id) => timers.delete(id),
    clearTimeout: (id) => timers.delete(id),
  };
}

/** The data layer under test over a fresh store, a handApi(apiExtra) and a fakeWin(). */
function setup(apiExtra) {
  const store = createStore(initialState(''));
  const api = handApi(apiExtra);
  const win = fakeWin();
  return { store, api, win, data: createData({ store, api, win }) };
}

test('the LRU forgets a deleted entry', () => {
  const lru = createLru(3);
  lru.set('a', 1);
  lru.set('b', 2);
  lru.delete('a');
  assert.equal(lru.get('a'), undefined);
  assert.equal(lru.size, 1);
  assert.equal(lru.get('b'), 2);
});

test('hasPending is false without a listing', () => {
  assert.equal(hasPending(undefined), false);
  assert.equal(hasPending(null), false);
  assert.equal(hasPending([null, { run: 'a', status: 'done' }]), false);
  assert.equal(hasPending([{ run: 'a', status: 'pending' }]), true);
});

test('a step range that is not a pair of steps asks for no window', () => {
  assert.deepEqual(rangeParams({ stepRange: [5] }), {});
  assert.deepEqual(rangeParams({ stepRange: [1, 2, 3] }), {});
  assert.deepEqual(rangeParams({ stepRange: null }), {});
  assert.deepEqual(rangeParams({ stepRange: [1, 2] }), { start_step: '1', end_step: '2' });
});

test('step ranges 1-234 and 12-34 are different windows: each is requested', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r')] });
  store.set({ stepRange: [1, 234] });
  const first = data.ensureModels(['r']);
  await tick();
  for (const o of api.out) o.resolve(doc('r'));
  await first;
  const asked = api.out.length;
  store.set({ stepRange: [12, 34] });
  const second = data.ensureModels(['r']);
  await tick();
  assert.equal(api.out.length, asked + 1);
  assert.deepEqual(api.out[asked].params, { start_step: '12', end_step: '34' });
  api.out[asked].resolve(doc('r'));
  await second;
});

test('a window of a listing with 3 tags is not the one of a listing with 31 tags at the same last step', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r', { tags: 3 })], stepRange: [12, 34] });
  const first = data.ensureModels(['r']);
  await tick();
  for (const o of api.out) o.resolve(doc('r'));
  await first;
  const asked = api.out.length;
  store.set({ runs: [listed('r', { tags: 31 })], stepRange: [2, 34] });
  const second = data.ensureModels(['r']);
  await tick();
  assert.ok(api.out.length > asked, 'the new window is requested');
  assert.ok(api.out.slice(asked).some((o) => o.params.start_step === '2' && o.params.end_step === '34'));
  for (const o of api.out.slice(asked)) o.resolve(doc('r'));
  await second;
});

test('the progress count is 1 while a request is out and 0 once it is answered', async () => {
  const { store, api, data } = setup();
  const probe = data.diagnostics('r', { vanishing_ratio: '1e-3' });
  assert.equal(store.get().busy, 1);
  assert.deepEqual(api.out.map((o) => [o.run, o.params]), [['r', { vanishing_ratio: '1e-3' }]]);
  const answer = doc('r', { n: 7 });
  api.out[0].resolve(answer);
  assert.equal(await probe, answer);
  assert.equal(store.get().busy, 0);
});

test('diagnostics with explicit settings are not cached: each call asks', async () => {
  const { store, api, data } = setup();
  const a = data.diagnostics('r', {});
  const b = data.diagnostics('r', {});
  assert.equal(store.get().busy, 2);
  assert.equal(api.out.length, 2);
  api.out[0].resolve(doc('r'));
  api.out[1].resolve(doc('r'));
  await Promise.all([a, b]);
  assert.equal(store.get().busy, 0);
  assert.equal(store.get().models.size, 0);
});

test('a listing without a runs array is an empty listing', async () => {
  const store = createStore(initialState(''));
  for (const body of [{}, { runs: 'r' }, { runs: null }]) {
    const data = createData({ store, api: handApi({ runs: async () => body }), win: fakeWin() });
    assert.deepEqual(await data.loadRuns(true), []);
  }
});

test('an error field that is not a message does not fail an empty listing', async () => {
  const store = createStore(initialState(''));
  for (const error of [true, 1, { message: 'x' }, '']) {
    const data = createData({ store, api: handApi({ runs: async () => ({ runs: [], error }) }), win: fakeWin() });
    assert.deepEqual(await data.loadRuns(true), []);
  }
});

test('a listing that is not quiet counts in the progress', async () => {
  const store = createStore(initialState(''));
  const seen = [];
  store.subscribe((s) => seen.push(s.busy));
  const data = createData({ store, api: handApi(), win: fakeWin() });
  await data.loadRuns(false);
  assert.deepEqual(seen, [1, 0]);
});

test('answered() with no diagnostics request out resolves without a timer', async () => {
  const { win, data } = setup();
  await data.answered(5000);
  assert.deepEqual(win.started, []);
});

test('answered() once the server has answered every request resolves without a timer', async () => {
  const { win, store, api, data } = setup();
  const loading = data.ensureModels(['r']);
  api.out[0].resolve(doc('r'));
  await loading;
  await tick();
  await data.answered(5000);
  assert.deepEqual(win.started, []);
});

test('answered() waits for a request out, with a timer of ms that is cleared when the answer comes', async () => {
  const { win, store, api, data } = setup();
  const loading = data.ensureModels(['r']);
  let done = false;
  const waiting = data.answered(5000).then(() => {
    done = true;
  });
  await tick();
  assert.equal(done, false);
  assert.deepEqual([...win.timers.values()].map((t) => t.ms), [5000]);
  api.out[0].resolve(doc('r'));
  await waiting;
  assert.equal(win.timers.size, 0);
  await loading;
});

test('building a loaded model is measured as hd:model (timing.js)', async () => {
  let t = 0;
  performance.now = () => (t += 10); // every build takes 10 ms
  try {
    performance.clearMeasures();
    const { store, api, data } = setup();
    const loading = data.ensureModels(['r']);
    api.out[0].resolve(doc('r'));
    await loading;
    assert.equal(performance.getEntriesByName('hd:model', 'measure').length, 1);
  } finally {
    delete performance.now;
  }
});

test('a step range window is spliced into the default document at the range', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r')], stepRange: [10, 20] });
  const loading = data.ensureModels(['r']);
  await tick();
  const ranged = api.out.find((o) => o.params.start_step !== undefined);
  const base = api.out.find((o) => o.params.start_step === undefined);
  base.resolve(doc('r', { series: [{ tag: 't', steps: [0, 10, 20, 30, 40] }] }));
  ranged.resolve(doc('r', { series: [{ tag: 't', steps: [10, 15, 20] }] }));
  await loading;
  const entry = store.get().models.get('r');
  assert.deepEqual(entry.model.byTag.get('t').steps, [0, 10, 15, 20, 30, 40]);
});

test('a window is shown alone when its default document fails', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r')], stepRange: [10, 20] });
  const loading = data.ensureModels(['r']);
  await tick();
  api.out.find((o) => o.params.start_step === undefined).reject(new Error('no default'));
  api.out.find((o) => o.params.start_step !== undefined).resolve(doc('r', { series: [{ tag: 't', steps: [10, 15] }] }));
  await loading;
  assert.deepEqual(store.get().models.get('r').model.byTag.get('t').steps, [10, 15]);
});

test('an explicit keepErrors: true (or any opts without keepErrors: false) keeps a failure', async () => {
  for (const opts of [{ keepErrors: true }, {}]) {
    const { store, api, data } = setup();
    store.set({ runs: [listed('r')] });
    const loading = data.ensureModels(['r'], opts);
    const error = new Error('broken');
    api.out[0].reject(error);
    await loading;
    assert.equal(store.get().models.get('r').error, error);
  }
});

test('clearing a step range puts the kept default document back at once, without a request or progress', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r')] });
  const first = data.ensureModels(['r']);
  api.out[0].resolve(doc('r', { n: 1 }));
  await first;
  const defaultEntry = store.get().models.get('r');
  store.set({ stepRange: [2, 5] });
  const ranged = data.ensureModels(['r']);
  await tick();
  api.out[1].resolve(doc('r', { n: 2 }));
  await ranged;
  assert.notEqual(store.get().models.get('r'), defaultEntry);
  const busy = [];
  store.subscribe((s, prev) => {
    if (s.busy !== prev.busy) busy.push(s.busy);
  });
  store.set({ stepRange: null });
  const back = data.ensureModels(['r']);
  assert.equal(store.get().models.get('r'), defaultEntry); // before any await
  await back;
  assert.deepEqual(busy, []);
  assert.equal(api.out.length, 2);
});

test('a prefetch that fails after the listing adopted it keeps its error under the listing key', async () => {
  const { store, api, data } = setup();
  const prefetch = data.ensureModels(['r'], { keepErrors: false });
  store.set({ runs: [listed('r')] });
  const listing = data.ensureModels(['r']);
  assert.equal(api.out.length, 1); // adopted, not asked again
  const error = new Error('no run r');
  api.out[0].reject(error);
  await Promise.all([prefetch, listing]);
  const entry = store.get().models.get('r');
  assert.deepEqual(Object.keys(entry).sort(), ['error', 'key']);
  assert.equal(entry.error, error);
  assert.equal(entry.key.endsWith('|9|3'), true); // the listing's last step and tag count
});

test('a prefetch adopted by a caller that keeps no errors leaves no error behind', async () => {
  const { store, api, data } = setup();
  const first = data.ensureModels(['r'], { keepErrors: false });
  store.set({ settings: { vanishing_ratio: '1e-3' } }); // another key, still before the listing
  const second = data.ensureModels(['r'], { keepErrors: false });
  assert.equal(api.out.length, 1); // adopted
  api.out[0].reject(new Error('no run r'));
  await Promise.all([first, second]);
  assert.equal(store.get().models.get('r'), undefined);
});

test('an older request failing after a newer one answered does not replace the newer document', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r')] });
  const older = data.ensureModels(['r']);
  store.set({ runs: [listed('r', { last_step: 11 })] });
  const newer = data.ensureModels(['r']);
  assert.equal(api.out.length, 2);
  api.out[1].resolve(doc('r', { n: 2 }));
  await newer;
  api.out[0].reject(new Error('late failure'));
  await older;
  const entry = store.get().models.get('r');
  assert.equal(entry.error, undefined);
  assert.equal(entry.model.doc.n, 2);
});

test('an older request answered while a newer one is out leaves the newer one to join', async () => {
  const { store, api, data } = setup();
  store.set({ runs: [listed('r')] });
  const older = data.ensureModels(['r']);
  store.set({ runs: [listed('r', { last_step: 11 })] });
  const newer = data.ensureModels(['r']);
  api.out[0].resolve(doc('r', { n: 1 }));
  await older;
  const joined = data.ensureModels(['r']); // the newer key: join its request
  assert.equal(api.out.length, 2);
  api.out[1].resolve(doc('r', { n: 2 }));
  await Promise.all([newer, joined]);
  assert.equal(store.get().models.get('r').model.doc.n, 2);
});

test('a document requested before the listing does not stand for a step range', async () => {
  const { store, api, data } = setup();
  const prefetch = data.ensureModels(['r'], { keepErrors: false });
  api.out[0].resolve(doc('r'));
  await prefetch;
  assert.equal(store.get().models.get('r').provisional, true);
  store.set({ runs: [listed('r')], stepRange: [2, 5] });
  const ranged = data.ensureModels(['r']);
  await tick();
  const windows = api.out.filter((o) => o.params.start_step === '2' && o.params.end_step === '5');
  assert.equal(windows.length, 1);
  for (const o of api.out.slice(1)) o.resolve(doc('r'));
  await ranged;
  assert.equal(store.get().models.get('r').key.endsWith('|steps 2-5'), true);
});

test('a document requested before the listing and still out does not stand for a step range', async () => {
  const { store, api, data } = setup();
  const prefetch = data.ensureModels(['r'], { keepErrors: false });
  store.set({ runs: [listed('r')], stepRange: [2, 5] });
  const ranged = data.ensureModels(['r']);
  await tick();
  assert.equal(api.out.filter((o) => o.params.start_step === '2').length, 1);
  for (const o of api.out) o.resolve(doc('r'));
  await Promise.all([prefetch, ranged]);
});

test('a failed histogram is forgotten: the next call asks again', async () => {
  let calls = 0;
  const api = handApi({
    histogram: async () => {
      calls++;
      if (calls === 1) throw new Error('busy');
      return { buckets: [1] };
    },
  });
  const data = createData({ store: createStore(initialState('')), api, win: fakeWin() });
  await assert.rejects(data.histogram('r', 't', 1), /busy/);
  await tick();
  assert.deepEqual(await data.histogram('r', 't', 1), { buckets: [1] });
  assert.equal(calls, 2);
});

test('the settings listing goes into settingsSpec; anything but a list is no settings', async () => {
  const spec = [{ name: 'vanishing_ratio', default: 1e-3 }];
  let store = createStore(initialState(''));
  await createData({ store, api: handApi({ settings: async () => ({ settings: spec }) }), win: fakeWin() }).loadSettings();
  assert.equal(store.get().settingsSpec, spec);
  assert.equal(store.get().settingsError, null);
  store = createStore(initialState(''));
  await createData({ store, api: handApi({ settings: async () => ({ settings: 'x' }) }), win: fakeWin() }).loadSettings();
  assert.deepEqual(store.get().settingsSpec, []);
});

test('a failed settings listing is kept as settingsError', async () => {
  const store = createStore(initialState(''));
  const error = new Error('no settings');
  const api = handApi({
    settings: async () => {
      throw error;
    },
  });
  await createData({ store, api, win: fakeWin() }).loadSettings();
  assert.equal(store.get().settingsError, error);
  assert.equal(store.get().settingsSpec, null);
});

test("forget('models') keeps the histograms; forget() forgets the models too", async () => {
  const store = createStore(initialState(''));
  store.set({ runs: [listed('r')] });
  let calls = 0;
  const api = handApi({
    histogram: async () => {
      calls++;
      return { buckets: [] };
    },
  });
  const data = createData({ store, api, win: fakeWin() });
  await data.histogram('r', 't', 1);
  data.forget('models');
  await data.histogram('r', 't', 1);
  assert.equal(calls, 1);
  const loading = data.ensureModels(['r']);
  api.out[0].resolve(doc('r'));
  await loading;
  assert.equal(store.get().models.size, 1);
  data.forget();
  assert.equal(store.get().models.size, 0);
  await data.histogram('r', 't', 1);
  assert.equal(calls, 2);
});

test('stopping the polling drops a fast poll that is scheduled', async () => {
  const { win, store, api, data } = setup({ runs: async () => ({ runs: [listed('r', { status: 'pending' })] }) });
  let fast = 0;
  data.startPolling(() => {}, 30000, () => fast++);
  await data.loadRuns(true);
  assert.deepEqual([...win.timers.values()].map((t) => [t.ms, t.repeat]), [[30000, true], [1000, false]]);
  data.stopPolling();
  assert.equal(win.timers.size, 0);
  assert.equal(fast, 0);
});

test('an adopted prefetch answered after a newer request for the run went out leaves the run to the newer one', async () => {
  const { store, api, data } = setup();
  const prefetch = data.ensureModels(['r'], { keepErrors: false });
  store.set({ runs: [listed('r')] });
  const listing = data.ensureModels(['r']); // adopts the prefetch
  let shown = null;
  let newer = null;
  store.subscribe((s) => {
    if (!shown && s.models.has('r')) { // the prefetch's document is in: the user picks a step range right then
      shown = s.models.get('r');
      store.set({ stepRange: [2, 5] });
      newer = data.ensureModels(['r']);
    }
  });
  api.out[0].resolve(doc('r', { n: 1 }));
  await Promise.all([prefetch, listing]);
  assert.ok(newer, 'the newer request went out');
  assert.equal(store.get().models.get('r'), shown); // not re-put by the adopting listing
  for (const o of api.out.slice(1)) o.resolve(doc('r', { n: 2 }));
  await newer;
  assert.equal(store.get().models.get('r').key.endsWith('|steps 2-5'), true);
});
