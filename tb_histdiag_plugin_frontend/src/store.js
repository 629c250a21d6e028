// The tab's one state object: get / set(patch) / subscribe(fn). Views read it in render(state); actions write it.
// The URL hash mirrors the view part of it (hashstate.js) through one subscriber, syncHash.

import { decodeState, encodeState } from './hashstate.js';

/** The state keys the URL hash holds (hashstate.js encodes exactly these). */
export const HASH_KEYS = Object.freeze(['run', 'compare', 'layer', 'stat', 'step', 'settings', 'onlyMarked', 'expanded', 'sweepCollapsed']);

/** The state before anything is loaded: the hash's view state plus what the app learns while running. */
export function initialState(hash) {
  return {
    ...decodeState(hash),
    phase: 'loading', // loading | ready | empty | error
    error: null, // {what, message} when phase is 'error'
    status: '', // the toolbar's status line
    busy: 0, // requests in flight
    dark: false,
    runs: [], // the /runs listing: [{run, tags, layers, first_step, last_step, critical, warning, …}]
    colors: new Map(), // run -> colour (colors.js)
    models: new Map(), // run -> {key, model} | {key, error}; replaced (never mutated) when it changes
    settingsSpec: null, // the /settings listing, or null until loaded
    settingsError: null,
    thresholdsOpen: false,
    thresholdMsg: null, // {text, error} after Apply / Reset
  };
}

export function createStore(initial) {
  let state = { ...initial };
  const subscribers = new Set();
  return {
    get: () => state,
    /** Merge patch into the state; subscribers get (state, previous) when any value changed (by identity). */
    set(patch) {
      const prev = state;
      let changed = false;
      for (const k of Object.keys(patch)) {
        if (!Object.is(prev[k], patch[k])) {
          changed = true;
          break;
        }
      }
      if (!changed) return;
      state = { ...prev, ...patch };
      for (const fn of [...subscribers]) fn(state, prev);
    },
    subscribe(fn) {
      subscribers.add(fn);
      return () => subscribers.delete(fn);
    },
  };
}

/** The hash text of a state (the view part only). */
export function hashOf(state) {
  return encodeState(state);
}

/**
 * Keep the URL hash and the store in step: write the hash when the view state changes (replaceState, so no history
 * entries), and hand a hash typed or pasted by the user to onExternal(decodedViewState). Returns dispose().
 */
export function syncHash(store, win, onExternal) {
  let written = hashOf(store.get());
  const unsubscribe = store.subscribe((state) => {
    const text = hashOf(state);
    if (text === written) return;
    written = text;
    const h = '#' + text;
    if (win.location.hash === h || (h === '#' && !win.location.hash)) return;
    try {
      // absolute URL: a bare '#…' would resolve against the entry page's <base href>
      win.history.replaceState(win.history.state, '', win.location.href.split('#')[0] + h);
    } catch (e) {
      win.location.hash = h;
    }
  });
  const onHashChange = () => {
    const next = decodeState(win.location.hash);
    if (encodeState(next) === hashOf(store.get())) return;
    written = encodeState(next);
    onExternal(next);
  };
  win.addEventListener('hashchange', onHashChange);
  return () => {
    unsubscribe();
    win.removeEventListener('hashchange', onHashChange);
  };
}
