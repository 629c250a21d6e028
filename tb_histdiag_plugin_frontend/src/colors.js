// Run colours, as TensorBoard assigns them: its palette, cycled in the order of the run list (natural order).

import { naturalCompare } from './natsort.js';

export const RUN_PALETTE = Object.freeze(['#ff7043', '#0077bb', '#cc3311', '#33bbee', '#ee3377', '#009988', '#bbbbbb']);

/**
 * Map run name -> colour. Colours depend on the position in the full run list in natural order (runList.js) (not on the selection), so
 * a run keeps its colour while others are selected or deselected.
 */
export function assignRunColors(runNames) {
  const sorted = [...new Set(runNames)].sort(naturalCompare);
  const out = new Map();
  sorted.forEach((name, i) => out.set(name, RUN_PALETTE[i % RUN_PALETTE.length]));
  return out;
}

export const SEVERITY_COLORS = Object.freeze({ critical: '#d32f2f', warning: '#f57c00', info: '#1976d2' });
export const SEVERITY_RANK = Object.freeze({ critical: 3, warning: 2, info: 1 });

/** The worst severity among markers, or null. */
export function worstSeverity(markers) {
  let best = null;
  for (const m of markers || []) {
    if (SEVERITY_RANK[m.severity] && (!best || SEVERITY_RANK[m.severity] > SEVERITY_RANK[best])) best = m.severity;
  }
  return best;
}
