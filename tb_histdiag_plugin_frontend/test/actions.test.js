import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createActions, markerSummary, clockText } from '../src/actions.js';
import { createStore, initialState } from '../src/store.js';
import { buildModel } from '../src/model.js';
import { normaliseSelection, worstRun } from '../src/select.js';

function doc(run, markers) {
  return { run, layers: [{ name: 'l0', depth: 0, tags: {} }], series: [], markers: markers || [] };
}

const RUNS = [
  { run: 'a', tags: 3, last_step: 4, critical: 0, warning: 1 },
  { run: 'b', tags: 3, last_step: 4, critical: 2, warning: 0 },
];

/** A data module that answers at once from fixed documents; diagnostics with settings {bad: …} fail. */
function fakeData(store, docs) {
  const calls = [];
  const put = (run, entry) => store.set({ models: new Map(store.get().models).set(run, entry) });
  return {
    calls,
    loadRuns: async () => RUNS,
    answered: async () => {},
    loadSettings: () => calls.push(['settings']),
    ensureModels: async (names) => {
      for (const n of names) {
        if (store.get().models.has(n)) continue;
        calls.push(['diagnostics', n]);
        if (docs[n]) put(n, { key: 'k', model: buildModel(docs[n]) });
        else put(n, { key: 'k', error: new Error('no such run') });
      }
    },
    putModel: put,
    diagnostics: async (run, settings) => {
      if (settings.bad) throw new Error('bad is not a setting');
      return doc(run, []);
    },
    forget: () => store.set({ models: new Map() }),
  };
}

function setup(hash, docs) {
  const store = createStore(initialState(hash || ''));
  const data = fakeData(store, docs || { a: doc('a'), b: doc('b', [{ kind: 'x', severity: 'critical', layer: 'l0' }]) });
  const actions = createActions({ store, data, now: () => new Date(2020, 0, 1, 9, 5, 7) });
  return { store, data, actions };
}

test('refresh focuses the worst run and becomes ready', async () => {
  const { store, actions } = setup();
  await actions.refresh();
  const s = store.get();
  assert.equal(s.run, 'b');
  assert.deepEqual(s.compare, ['b']);
  assert.equal(s.phase, 'ready');
  assert.equal(s.status, 'Loaded · 09:05:07');
  assert.equal(s.colors.size, 2);
});

test('a run whose diagnosis fails shows the error phase', async () => {
  const { store, actions } = setup('#run=a', { b: doc('b') });
  await actions.refresh();
  assert.equal(store.get().phase, 'error');
  assert.match(store.get().error.what, /diagnosis of run “a”/);
});

test('focusRun and toggleCompare keep the focused run in the comparison', async () => {
  const { store, actions } = setup('#run=a&layer=l0');
  await actions.refresh();
  await actions.toggleCompare('b', true);
  assert.deepEqual(store.get().compare, ['a', 'b']);
  assert.equal(store.get().layer, 'l0');
  await actions.focusRun('b');
  assert.equal(store.get().run, 'b');
  assert.equal(store.get().layer, null); // another run: the layer detail closes
  await actions.toggleCompare('b', false);
  assert.deepEqual(store.get().compare, ['a']);
  assert.equal(store.get().run, 'a');
  await actions.toggleCompare('a', false);
  assert.deepEqual(store.get().compare, ['a']); // one run always stays
});

test('openDetail with a step moves the step; closeDetail clears the layer', () => {
  const { store, actions } = setup();
  actions.openDetail('l0', { step: 8 });
  assert.equal(store.get().layer, 'l0');
  assert.equal(store.get().step, 8);
  actions.setStep(null);
  assert.equal(store.get().step, null);
  actions.closeDetail();
  assert.equal(store.get().layer, null);
});

test('a layer the focused run does not have is dropped once its model arrives', async () => {
  const { store, actions } = setup('#run=a&layer=nope');
  await actions.refresh();
  assert.equal(store.get().layer, null);
});

test('applySettings: a refused value changes nothing; an accepted one is applied and summarised', async () => {
  const { store, actions } = setup('#run=b');
  await actions.refresh();
  const before = store.get().models.get('b');
  assert.equal(await actions.applySettings({ bad: '1' }), false);
  assert.equal(store.get().thresholdMsg.text, 'Not applied: bad is not a setting');
  assert.equal(store.get().thresholdMsg.error, true);
  assert.deepEqual(store.get().settings, {});
  assert.equal(store.get().models.get('b'), before);
  assert.equal(await actions.applySettings({ vanishing_ratio: '0.1' }), true);
  assert.deepEqual(store.get().settings, { vanishing_ratio: '0.1' });
  assert.equal(store.get().thresholdMsg.text,
    'Markers in b: 1 (1 critical, 0 warning) → 0 (0 critical, 0 warning) with 1 changed setting(s).');
});

test('a hash typed by the user selects runs and reloads on changed settings', async () => {
  const { store, data, actions } = setup('#run=a');
  await actions.refresh();
  await actions.applyHashState(initialState('#run=b&set.x=1'));
  assert.equal(store.get().run, 'b');
  assert.deepEqual(store.get().settings, { x: '1' });
  assert.deepEqual(data.calls.filter((c) => c[0] === 'diagnostics').map((c) => c[1]), ['a', 'b']);
  assert.ok(!store.get().models.has('a')); // forgotten with the old settings
});

test('pure helpers', () => {
  assert.equal(clockText(new Date(2020, 0, 1, 1, 2, 3)), '01:02:03');
  assert.equal(markerSummary('r', [], [], 0), 'Markers in r: 0 (0 critical, 0 warning) → 0 (0 critical, 0 warning) with the defaults.');
  assert.equal(worstRun(RUNS), 'b');
  assert.equal(worstRun([]), null);
  // ties: the first run in natural order (the run list's), not the listing's order
  assert.equal(worstRun([{ run: 'Exp_10', critical: 1, warning: 0 }, { run: 'Exp_2', critical: 1, warning: 0 }]), 'Exp_2');
  const s = { ...initialState('#run=gone&cmp=a&cmp=gone'), runs: RUNS };
  assert.deepEqual(normaliseSelection(s), { run: 'a', compare: ['a'] });
});
