// The layer detail's weight-norm chart, its data: the weights' L2 norm over steps, one line per compared run, and
// the focused run's norm-trend markers as spans (regularisation made visible: L2 decay shows as a steady decline,
// rules_weights.weight_decay_shrink). Pure: no DOM, no ECharts.

import { finiteOrNull } from './format.js';

/** The marker kinds about a weight norm's trend, shaded on the chart. */
export const NORM_MARKER_KINDS = Object.freeze(['weight_decay_shrink', 'weight_growth']);

/**
 * One entry per compared model that has a row `key` with a weights series holding `l2_norm`, in model order:
 * [{run, tag, steps, values}] (values finite or null, one per step).
 */
export function normRuns(models, key) {
  const out = [];
  for (const m of models) {
    const row = m.rows.find((r) => r.key === key);
    const s = row && row.series.weights;
    if (!s || !s.stats.l2_norm) continue;
    out.push({ run: m.run, tag: s.tag, steps: s.steps, values: s.stats.l2_norm.map(finiteOrNull) });
  }
  return out;
}

/**
 * The runs on one step axis (the union of their steps, sorted): {steps, series: [[value|null per axis step]]}; a run
 * has null at the steps it did not log.
 */
export function alignRuns(runs) {
  const set = new Set();
  for (const r of runs) for (const s of r.steps) if (Number.isFinite(s)) set.add(s);
  const steps = [...set].sort((a, b) => a - b);
  const at = new Map(steps.map((s, i) => [s, i]));
  const series = runs.map((r) => {
    const row = steps.map(() => null);
    r.steps.forEach((s, i) => {
      if (at.has(s)) row[at.get(s)] = r.values[i];
    });
    return row;
  });
  return { steps, series };
}

/** A log axis by default when every value is positive and they span a decade or more (growth or collapse). */
export function autoLog(series) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const row of series) {
    for (const v of row) {
      if (v === null) continue;
      if (!(v > 0)) return false;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
  }
  return hi > 0 && hi / lo >= 10;
}

/**
 * The focused run's norm-trend markers on its weights tag as spans of axis indices: [{kind, severity, tag, i0, i1}]
 * (a bias norm's marker is not about the line drawn); a marker step not on the axis snaps inwards.
 */
export function normSpans(markers, steps, tag) {
  const out = [];
  if (!steps.length) return out;
  for (const m of markers || []) {
    if (!NORM_MARKER_KINDS.includes(m.kind) || (tag && m.tag && m.tag !== tag)) continue;
    const first = Number.isFinite(m.first_step) ? m.first_step : steps[0];
    const last = Number.isFinite(m.last_step) ? m.last_step : steps[steps.length - 1];
    let i0 = steps.findIndex((s) => s >= first);
    let i1 = steps.length - 1;
    while (i1 >= 0 && steps[i1] > last) i1--;
    if (i0 < 0 || i1 < 0 || i0 > i1) continue;
    out.push({ kind: m.kind, severity: m.severity, tag: m.tag || '', i0, i1 });
  }
  return out;
}
