// Loading from the backend into the store: the run listing, one diagnosis per run (cached under select.modelKey and
// the step range; a step range's full-resolution window is spliced into the run's default document, stepwindow.js,
// which is kept so that clearing the range needs no request), histograms at a step (a size-bounded cache), the settings listing, and the polling timers: a slow
// one, and a fast one while the server is still analysing runs (their counts are null until then; see http_api.md).

import { buildModel } from './model.js';
import { modelKey } from './select.js';
import { mergeWindow } from './stepwindow.js';
import { timed } from './timing.js';

export const POLL_MS = 30000;
export const FAST_POLL_MS = 1000;
export const HISTOGRAM_CACHE_SIZE = 200;

/** A Map that forgets its least recently used entries beyond max. */
export function createLru(max) {
  const map = new Map();
  return {
    get(key) {
      if (!map.has(key)) return undefined;
      const v = map.get(key);
      map.delete(key);
      map.set(key, v);
      return v;
    },
    set(key, value) {
      map.delete(key);
      map.set(key, value);
      while (map.size > max) map.delete(map.keys().next().value);
    },
    delete: (key) => map.delete(key),
    clear: () => map.clear(),
    get size() {
      return map.size;
    },
  };
}

/** Is any run of a /runs listing still being analysed? */
export function hasPending(runs) {
  return (runs || []).some((r) => r && r.status === 'pending');
}

/** The query parameters of the state's step range (full resolution for that window), or {} without one. */
export function rangeParams(state) {
  const r = state.stepRange;
  return Array.isArray(r) && r.length === 2 ? { start_step: String(r[0]), end_step: String(r[1]) } : {};
}

/** A loaded diagnosis is valid for its model key plus its step range ('' without one, so keys stay modelKey's). */
export function rangedKey(state, run) {
  const p = rangeParams(state);
  return modelKey(state, run) + (p.start_step === undefined ? '' : '|steps ' + p.start_step + '-' + p.end_step);
}

export function createData({ store, api, win }) {
  const histograms = createLru(HISTOGRAM_CACHE_SIZE);
  const inflight = new Map(); // run -> {key, promise}
  const bases = new Map(); // run -> {key, model} of its default document (select.modelKey)
  const newest = new Map(); // run -> seq of its latest diagnosis request
  let seq = 0;
  let pending = 0;
  let timer = null;
  let fastTimer = null;
  let fastPoll = null;
  const unanswered = new Set(); // diagnostics requests the server has not answered yet (see answered)

  function busy(delta) {
    pending += delta;
    store.set({ busy: pending });
  }

  async function tracked(promise) {
    busy(1);
    try {
      return await promise;
    } finally {
      busy(-1);
    }
  }

  function putModel(run, entry) {
    const models = new Map(store.get().models);
    models.set(run, entry);
    store.set({ models });
  }

  /** The /runs listing (entries without a run name dropped). quiet: no progress bar (polling). */
  async function loadRuns(quiet) {
    const body = await (quiet ? api.runs() : tracked(api.runs()));
    const list = Array.isArray(body.runs) ? body.runs.filter((r) => r && typeof r.run === 'string') : [];
    // An object-storage logdir TensorBoard could not read (a missing bucket, bad keys): an error, not "no runs".
    if (!list.length && body && typeof body.error === 'string' && body.error) throw new Error(body.error);
    if (hasPending(list)) pollSoon();
    return list;
  }

  /** A diagnostics request, counted in unanswered until the server answers it. */
  function requestDiagnostics(name, settings) {
    let answer;
    const heard = new Promise((resolve) => {
      answer = resolve;
    });
    unanswered.add(heard);
    heard.then(() => unanswered.delete(heard));
    const promise = api.diagnostics(name, settings, answer);
    promise.then(answer, answer);
    return promise;
  }

  /** Resolves once the server is done with every diagnostics request out (their bodies are in), or after ms. */
  function answered(ms) {
    if (!unanswered.size) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = win.setTimeout(resolve, ms);
      Promise.all([...unanswered]).then(() => {
        win.clearTimeout(timer);
        resolve();
      });
    });
  }

  /** The run's default (unranged) diagnosis for the current settings: the kept one, or a request for it. */
  function baseEntry(name, key, settings) {
    const have = bases.get(name);
    if (have && have.key === key) return Promise.resolve(have);
    return requestDiagnostics(name, settings).then((doc) => {
      const entry = { key, model: timed('hd:model', () => buildModel(doc)) };
      bases.set(name, entry);
      return entry;
    });
  }

  /** One run's entry for the state: its default document, or a step range's window spliced into it. */
  function load(name, state) {
    const settings = { ...state.settings };
    const baseKey = modelKey(state, name);
    const range = rangeParams(state);
    if (range.start_step === undefined) return baseEntry(name, baseKey, settings);
    const win = [Number(range.start_step), Number(range.end_step)];
    const base = baseEntry(name, baseKey, settings).catch(() => null); // without it the window alone is shown
    return Promise.all([requestDiagnostics(name, { ...settings, ...range }), base]).then(([doc, b]) => ({
      key: rangedKey(state, name), model: buildModel(b ? mergeWindow(b.model.doc, doc, win) : doc) }));
  }

  /**
   * Fetch the diagnosis of each named run unless the one loaded is still valid; failures are kept as {error} (unless
   * opts.keepErrors is false: a prefetch before the listing confirms the run).
   */
  async function ensureModels(names, opts) {
    const keepErrors = !opts || opts.keepErrors !== false;
    await Promise.all(names.map((name) => {
      const state = store.get();
      const key = rangedKey(state, name);
      const have = state.models.get(name);
      if (have && have.key === key) return null;
      const base = bases.get(name);
      if (base && base.key === key) { // back to the default document (a step range cleared): no request
        putModel(name, base);
        return null;
      }
      const running = inflight.get(name);
      if (running && running.key === key) return running.promise; // the same request, already out: join it
      if (running && adoptable(running, state)) {
        // the prefetch's document, keyed now that the listing is in; its failure is this caller's to keep. Only the
        // first listing adopts it, and gives it its key (a later listing with the same key joins it above); one
        // that saw new steps asks again.
        running.adopted = true;
        running.key = key;
        return running.promise.then((loaded) => {
          if (running.seq !== newest.get(name)) return; // a newer request for this run answers instead
          if (loaded) putModel(name, rekey(name, loaded, key));
          else if (keepErrors && running.failed) putModel(name, { key, error: running.failed });
        });
      }
      if (have && !have.error && adoptable(have, state)) {
        putModel(name, rekey(name, have, key));
        return null;
      }
      const entry = { key, promise: null, failed: null, provisional: !state.runs.length, adopted: false, seq: ++seq };
      newest.set(name, entry.seq);
      const promise = tracked(load(name, state)).then(
        (loaded) => {
          if (entry.seq !== newest.get(name)) return null; // superseded: an older answer must not replace a newer one
          const kept = entry.provisional ? { ...loaded, provisional: true } : loaded;
          putModel(name, kept);
          return kept;
        },
        (error) => {
          if (entry.seq !== newest.get(name)) return null;
          entry.failed = error;
          if (keepErrors) putModel(name, { key, error });
          return null;
        },
      ).finally(() => {
        if (inflight.get(name) === entry) inflight.delete(name);
      });
      entry.promise = promise;
      inflight.set(name, entry);
      return promise;
    }));
  }

  /** A document requested before the listing (no step range) stands for the listing's default document. */
  function adoptable(entry, state) {
    return Boolean(entry.provisional) && !entry.adopted && rangeParams(state).start_step === undefined;
  }

  function rekey(name, entry, key) {
    const kept = { key, model: entry.model };
    bases.set(name, kept);
    return kept;
  }

  /** One diagnosis with explicit settings, not cached (to probe settings before applying them). */
  function diagnostics(run, settings) {
    return tracked(api.diagnostics(run, settings));
  }

  /** The stored buckets of a tag at a step; the promise is cached, a failed one forgotten. */
  function histogram(run, tag, step) {
    const key = JSON.stringify([run, tag, step]);
    let p = histograms.get(key);
    if (!p) {
      p = api.histogram(run, tag, step);
      histograms.set(key, p);
      p.catch(() => histograms.delete(key));
    }
    return p;
  }

  async function loadSettings() {
    try {
      const body = await api.settings();
      store.set({ settingsSpec: Array.isArray(body.settings) ? body.settings : [] });
    } catch (e) {
      store.set({ settingsError: e });
    }
  }

  /** Forget every loaded diagnosis and histogram (Reload, changed settings from the hash). */
  function forget(what) {
    if (what !== 'models') histograms.clear();
    inflight.clear();
    bases.clear();
    store.set({ models: new Map() });
  }

  /** Call fn every ms (default POLL_MS); fast(), if given, FAST_POLL_MS after a listing with pending runs. */
  function startPolling(fn, ms, fast) {
    stopPolling();
    timer = win.setInterval(fn, ms || POLL_MS);
    fastPoll = fast || null;
  }

  function pollSoon() {
    if (!fastPoll || fastTimer !== null) return;
    fastTimer = win.setTimeout(() => {
      fastTimer = null;
      if (fastPoll) fastPoll();
    }, FAST_POLL_MS);
  }

  function stopPolling() {
    if (timer !== null) win.clearInterval(timer);
    if (fastTimer !== null) win.clearTimeout(fastTimer);
    timer = fastTimer = fastPoll = null;
  }

  return { loadRuns, ensureModels, answered, putModel, diagnostics, histogram, loadSettings, forget, startPolling,
    stopPolling, dispose: stopPolling };
}
