// Reading the store's state: the focused model, the compared ones, run colours. Pure.

import { encodeState } from './hashstate.js';
import { toNumber } from './format.js';
import { naturalCompare } from './natsort.js';

export function colorOf(state, run) {
  return state.colors.get(run) || '#888888';
}

/** The focused run's loaded model, or null (not loaded yet, or failed). */
export function focusedModel(state) {
  const m = state.models.get(state.run);
  return m && m.model ? m.model : null;
}

/** The loaded models of the compared runs, in comparison order. */
export function comparedModels(state) {
  return state.compare.map((r) => state.models.get(r)).filter((m) => m && m.model).map((m) => m.model);
}

export function runInfo(state, name) {
  return state.runs.find((r) => r.run === name) || null;
}

/** The one key a loaded diagnosis is valid for: settings, the run's last step and its tag count. */
export function modelKey(state, run, settings) {
  const info = runInfo(state, run);
  return encodeState({ settings: settings || state.settings, compare: [] }) + '|' +
    (info ? info.last_step : '') + '|' + (info ? info.tags : '');
}

/** The run to focus first: most critical, then most warning markers; on ties the first in the run list's natural order. */
export function worstRun(runs) {
  let best = null;
  for (const r of runs) {
    const score = (toNumber(r.critical) || 0) * 1e6 + (toNumber(r.warning) || 0);
    if (!best || score > best.score || (score === best.score && naturalCompare(r.run, best.run) < 0)) best = { run: r.run, score };
  }
  return best ? best.run : null;
}

/** The selection restricted to existing runs: a focused run (worst by default) that is part of the comparison. */
export function normaliseSelection(state) {
  const names = state.runs.map((r) => r.run);
  const compare = state.compare.filter((r) => names.includes(r));
  let run = state.run;
  if (!run || !names.includes(run)) run = compare[0] || worstRun(state.runs) || null;
  if (run && !compare.includes(run)) compare.unshift(run);
  const same = compare.length === state.compare.length && compare.every((r, i) => r === state.compare[i]);
  return { run, compare: same ? state.compare : compare };
}
