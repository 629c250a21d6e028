// What the user can do, as functions over the store and the data module. Views call these; they never call each
// other: a heatmap click is openDetail(layer, {step}), and every view redraws from the new state.

import { assignRunColors } from './colors.js';
import { buildModel, countSeverities } from './model.js';
import { encodeState } from './hashstate.js';
import { focusedModel, modelKey, normaliseSelection, worstRun } from './select.js';

export function clockText(d) {
  const p = (n) => String(n).padStart(2, '0');
  return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
}

/** "Markers in RUN: 5 (1 critical, 2 warning) → 3 (…) with 2 changed setting(s)." */
export function markerSummary(run, before, after, changed) {
  const b = countSeverities(before);
  const a = countSeverities(after);
  return 'Markers in ' + run + ': ' + before.length + ' (' + b.critical + ' critical, ' + b.warning + ' warning) → ' +
    after.length + ' (' + a.critical + ' critical, ' + a.warning + ' warning)' +
    (changed ? ' with ' + changed + ' changed setting(s).' : ' with the defaults.');
}

/** How long the first listing waits for the server to answer the run named in the URL (refresh). */
export const LISTING_WAIT_MS = 1000;

export function createActions({ store, data, now = () => new Date() }) {
  let token = 0;
  // No run named in the URL: focus the worst run once every run's counts are in (they arrive progressively), unless
  // the user picked a run before that.
  let autoFocus = !store.get().run;

  function focusWorstWhenAnalysed(list) {
    if (!autoFocus || list.some((r) => r.status === 'pending')) return;
    autoFocus = false;
    const s = store.get();
    const worst = worstRun(list);
    if (worst && worst !== s.run && s.compare.length <= 1) store.set({ run: worst, compare: [worst], layer: null });
  }

  /** After models arrive: show the focused run (or its error), and drop a layer it does not have. */
  function settle() {
    const s = store.get();
    const entry = s.models.get(s.run);
    if (entry && entry.error) {
      store.set({ phase: 'error', status: '',
        error: { what: 'Could not load the diagnosis of run “' + s.run + '”', message: entry.error.message || String(entry.error) } });
      return;
    }
    if (!entry || !entry.model) return;
    const patch = { phase: 'ready', error: null };
    if (s.layer !== null && !entry.model.rows.some((r) => r.key === s.layer)) patch.layer = null;
    store.set(patch);
  }

  /**
   * The run named in the URL is requested before /runs (early.js even starts it as the bundle loads), and shown as
   * soon as it arrives (the listing fills the run list in when it answers). A failure is not kept: the request after
   * the listing reports it.
   */
  async function prefetch(mine) {
    await data.ensureModels(store.get().compare, { keepErrors: false });
    const s = store.get();
    if (mine === token && s.phase === 'loading' && s.models.get(s.run)) settle();
  }

  async function loadCompared() {
    await data.ensureModels(store.get().compare);
    settle();
  }

  /** Reload the run listing and the compared runs' diagnoses. quiet: a poll (no progress bar, keeps errors mild). */
  async function refresh(opts) {
    const quiet = Boolean(opts && opts.quiet);
    const mine = ++token;
    if (!quiet) store.set({ status: 'Loading…' });
    if (!quiet && store.get().run) {
      prefetch(mine);
      // The listing has the server list every run's tags (the Python loader walks every event, holding the GIL): asked
      // beside the run's document it slowed that document down by as much again. So it is asked once the document is
      // in (the server lists while the tab parses and draws it), or after LISTING_WAIT_MS (a run still being analysed
      // must not hold the run list back).
      await data.answered(LISTING_WAIT_MS);
    }
    let list;
    try {
      list = await data.loadRuns(quiet);
    } catch (e) {
      if (quiet && store.get().phase === 'ready') store.set({ status: 'Auto-refresh failed: ' + e.message });
      else store.set({ phase: 'error', status: '', error: { what: 'Could not load the runs', message: e.message || String(e) } });
      return;
    }
    if (mine !== token) return;
    const before = store.get();
    const changed = JSON.stringify(list) !== JSON.stringify(before.runs);
    if (changed) {
      // counts filling in (a poll every second while runs are analysed) keep the colours: no chart redraws for them
      const same = list.length === before.runs.length && list.every((r, i) => r.run === before.runs[i].run);
      store.set(same ? { runs: list } : { runs: list, colors: assignRunColors(list.map((r) => r.run)) });
    }
    if (!list.length) {
      store.set({ phase: 'empty', status: '' });
      return;
    }
    store.set(normaliseSelection(store.get()));
    focusWorstWhenAnalysed(list);
    if (!store.get().settingsSpec && !store.get().settingsError) data.loadSettings();
    await data.ensureModels(store.get().compare);
    if (mine !== token) return;
    if (quiet && !changed && store.get().phase === 'ready') {
      store.set({ status: 'Up to date · ' + clockText(now()) });
      return;
    }
    settle();
    store.set({ status: (quiet ? 'Refreshed · ' : 'Loaded · ') + clockText(now()) });
  }

  function reload() {
    data.forget();
    return refresh();
  }

  async function focusRun(name) {
    autoFocus = false;
    const s = store.get();
    const patch = {};
    if (s.run !== name) Object.assign(patch, { run: name, layer: null });
    if (!s.compare.includes(name)) patch.compare = [...s.compare, name];
    store.set(patch);
    await loadCompared();
  }

  /** Add a run to the comparison or remove it (on: true/false; omitted: flip). One run always stays. */
  async function toggleCompare(name, on) {
    autoFocus = false;
    const s = store.get();
    const add = on === undefined ? !s.compare.includes(name) : on;
    const patch = {};
    if (add && !s.compare.includes(name)) patch.compare = [...s.compare, name];
    if (!add) {
      patch.compare = s.compare.filter((r) => r !== name);
      if (!patch.compare.length) patch.compare = [name];
      if (s.run === name) Object.assign(patch, { run: patch.compare[0], layer: null });
    }
    store.set(patch);
    await loadCompared();
  }

  /** Open a layer's (or ungrouped tag's) detail; opts.step moves the chosen step, opts.markers scrolls to them. */
  function openDetail(key, opts) {
    const patch = { layer: key, reveal: opts && opts.markers ? 'markers' : 'detail' };
    if (opts && opts.step !== undefined) patch.step = opts.step;
    store.set(patch);
  }

  function closeDetail() {
    store.set({ layer: null });
  }

  function setStep(step) {
    store.set({ step });
  }

  /** Full resolution for logged steps start..end (inclusive) of the compared runs; the charts' step-axis zoom. */
  async function setStepRange(start, end) {
    const a = Math.round(Number(start));
    const b = Math.round(Number(end));
    if (!Number.isFinite(a) || !Number.isFinite(b)) return;
    const range = [Math.min(a, b), Math.max(a, b)];
    const cur = store.get().stepRange;
    if (Array.isArray(cur) && cur[0] === range[0] && cur[1] === range[1]) return;
    store.set({ stepRange: range });
    await loadCompared();
  }

  /** Back to the default (downsampled) documents over every step. */
  async function clearStepRange() {
    if (!store.get().stepRange) return;
    store.set({ stepRange: null });
    await loadCompared();
  }

  function setStat(stat) {
    store.set({ stat });
  }

  /** TensorBoard's regex run filter (runnames.runFilter), shared by the sweep table and the run list. */
  function setRunFilter(pattern) {
    store.set({ runFilter: String(pattern || '') });
  }

  /** Expand a collapsed block of the overview and the charts, or collapse it. */
  function toggleBlock(block) {
    const { expanded } = store.get();
    store.set({ expanded: expanded.includes(block) ? expanded.filter((b) => b !== block) : [...expanded, block] });
  }

  /** Fold the sweep table to its header line, or unfold it (kept in the URL hash). */
  function toggleSweep(collapsed) {
    store.set({ sweepCollapsed: collapsed === undefined ? !store.get().sweepCollapsed : Boolean(collapsed) });
  }

  function setOnlyMarked(on) {
    store.set({ onlyMarked: Boolean(on) });
  }

  function toggleThresholds() {
    store.set({ thresholdsOpen: !store.get().thresholdsOpen });
  }

  /**
   * Apply health-rule overrides (name -> string). The focused run is probed first, so a value the server refuses is
   * reported without dropping the loaded diagnoses.
   */
  async function applySettings(next) {
    const s = store.get();
    const before = focusedModel(s);
    const run = s.run;
    let probe;
    try {
      probe = await data.diagnostics(run, next);
    } catch (e) {
      store.set({ thresholdMsg: { text: 'Not applied: ' + e.message, error: true } });
      return false;
    }
    store.set({ settings: next, thresholdMsg: null });
    data.putModel(run, { key: modelKey(store.get(), run), model: buildModel(probe) });
    await loadCompared();
    const after = focusedModel(store.get());
    const text = after && before ? markerSummary(run, before.markers, after.markers, Object.keys(next).length) : 'Applied.';
    store.set({ thresholdMsg: { text, error: false } });
    return true;
  }

  /** A hash typed or pasted by the user (store.syncHash): take its view state, reload what it needs. */
  async function applyHashState(next) {
    if (next.run) autoFocus = false;
    const s = store.get();
    const settingsChanged = encodeState({ settings: next.settings }) !== encodeState({ settings: s.settings });
    store.set({ run: next.run, compare: next.compare, layer: next.layer, stat: next.stat, step: next.step,
      settings: next.settings, onlyMarked: next.onlyMarked, expanded: next.expanded,
      sweepCollapsed: Boolean(next.sweepCollapsed) });
    if (settingsChanged) data.forget('models');
    if (!store.get().runs.length) return;
    store.set(normaliseSelection(store.get()));
    await loadCompared();
  }

  return { refresh, reload, focusRun, toggleCompare, openDetail, closeDetail, setStep, setStepRange, clearStepRange,
    setRunFilter, setStat, toggleBlock, toggleSweep, setOnlyMarked, toggleThresholds,
    applySettings, applyHashState, settle };
}
