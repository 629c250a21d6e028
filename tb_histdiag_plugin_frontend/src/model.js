// Shaping the backend's documents for the views. Pure: no DOM.

import { toNumber, toNumberArray, log10OrNull, finiteOrNull } from './format.js';
import { SEVERITY_RANK } from './colors.js';

export const ROLES = ['weights', 'bias', 'gradient', 'activation'];

export const HEATMAP_STATS = [
  { id: 'grad_rms_log', label: 'log10 gradient RMS', role: 'gradient', stat: 'rms', log: true },
  { id: 'grad_l2_log', label: 'log10 gradient L2 norm', role: 'gradient', stat: 'l2_norm', log: true },
  { id: 'weights_change_log', label: 'log10 weight change', role: 'weights', stat: 'change', log: true },
  { id: 'weights_rms', label: 'weight RMS', role: 'weights', stat: 'rms', log: false },
  { id: 'weights_mean', label: 'weight mean', role: 'weights', stat: 'mean', log: false },
  { id: 'weights_std', label: 'weight std', role: 'weights', stat: 'std', log: false },
  { id: 'grad_zero', label: 'gradient zero fraction', role: 'gradient', stat: 'zero_fraction', log: false },
  { id: 'act_zero', label: 'activation zero fraction', role: 'activation', stat: 'zero_fraction', log: false },
  { id: 'act_abs_mean', label: 'activation |mean|', role: 'activation', stat: 'abs_mean', log: false },
  { id: 'bias_mean', label: 'bias mean', role: 'bias', stat: 'mean', log: false },
];

export function heatmapStat(id) {
  return HEATMAP_STATS.find((s) => s.id === id) || HEATMAP_STATS[0];
}

/**
 * A series' statistics, each coerced to numbers on first read: the overview reads 3 of the document's ~19, and
 * coercing them all cost as much as parsing the document (100 tags x 500 steps).
 */
function lazyStats(raw) {
  const stats = {};
  for (const [k, v] of Object.entries(raw || {})) {
    let value = null;
    Object.defineProperty(stats, k, {
      enumerable: true,
      configurable: true,
      get() {
        if (value === null) value = toNumberArray(v);
        return value;
      },
      set(next) {
        value = next;
      },
    });
  }
  return stats;
}

/** Coerce one series: numbers everywhere (null kept), plus a step index. */
function normalizeSeries(s) {
  const stats = lazyStats(s.stats);
  const steps = toNumberArray(s.steps);
  return {
    tag: String(s.tag),
    layer: s.layer === null || s.layer === undefined ? null : String(s.layer),
    role: s.role || 'other',
    param: s.param || null,
    param_name: s.param_name || null,
    norm: Boolean(s.norm),
    steps,
    wall_times: toNumberArray(s.wall_times),
    non_finite: Array.isArray(s.non_finite) ? s.non_finite.map(Boolean) : steps.map(() => false),
    stats,
  };
}

export function sortMarkers(markers) {
  return markers.slice().sort((a, b) =>
    (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0) ||
    (toNumber(a.first_step) ?? 0) - (toNumber(b.first_step) ?? 0));
}

/**
 * The diagnostics document shaped into rows: one per layer (depth order) and one per tag outside any layer.
 * row = {key, name, depth, kind: 'layer'|'tag', tags: {role: tag}, series: {role: series}, markers}
 */
export function buildModel(doc) {
  const series = (doc.series || []).map(normalizeSeries);
  const byTag = new Map(series.map((s) => [s.tag, s]));
  const markers = (doc.markers || []).map((m) => ({
    ...m, first_step: toNumber(m.first_step), last_step: toNumber(m.last_step),
  }));
  const layers = (doc.layers || []).slice().sort((a, b) => (toNumber(a.depth) ?? 0) - (toNumber(b.depth) ?? 0));
  const rows = [];
  const layerNames = new Set();
  for (const l of layers) {
    const name = String(l.name);
    layerNames.add(name);
    const tags = {};
    const rs = {};
    for (const role of ROLES) {
      let tag = l.tags ? l.tags[role] : null;
      let s = tag ? byTag.get(tag) : null;
      if (!s) {
        s = series.find((x) => x.layer === name && x.role === role) || null;
        tag = s ? s.tag : null;
      }
      tags[role] = tag || null;
      rs[role] = s;
    }
    rows.push({
      key: name, name, depth: toNumber(l.depth), kind: 'layer', tags, series: rs,
      block: typeof l.block === 'string' && l.block ? l.block : null,
      extra: series.filter((x) => x.layer === name && !Object.values(tags).includes(x.tag)),
      markers: sortMarkers(markers.filter((m) => m.layer === name)),
    });
  }
  for (const s of series) {
    if (s.layer !== null && layerNames.has(s.layer)) continue;
    const role = ROLES.includes(s.role) ? s.role : 'weights';
    const tags = { weights: null, bias: null, gradient: null, activation: null };
    const rs = { weights: null, bias: null, gradient: null, activation: null };
    tags[role] = s.tag;
    rs[role] = s;
    rows.push({
      key: 'tag:' + s.tag, name: s.tag, depth: null, kind: 'tag', tags, series: rs, extra: [], otherRole: s.role,
      markers: sortMarkers(markers.filter((m) => m.tag === s.tag)),
    });
  }
  const stepSet = new Set();
  for (const s of series) for (const st of s.steps) if (st !== null && Number.isFinite(st)) stepSet.add(st);
  const steps = [...stepSet].sort((a, b) => a - b);
  const ungrouped = Array.isArray(doc.ungrouped) ? doc.ungrouped.map(String)
    : rows.filter((r) => r.kind === 'tag').map((r) => r.name);
  return { run: String(doc.run), rows, series, byTag, markers: sortMarkers(markers), steps,
    settings: doc.settings || {}, ungrouped, doc };
}

/** Index of the last step <= target (binary search); -1 if none. */
export function indexAtOrBefore(steps, target) {
  let lo = 0;
  let hi = steps.length - 1;
  let best = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] <= target) {
      best = mid;
      lo = mid + 1;
    } else {
      hi = mid - 1;
    }
  }
  return best;
}

/** A statistic of a series at a step (the last logged step at or before it), or null. */
export function valueAtStep(series, stat, step) {
  if (!series || !series.stats[stat]) return null;
  const i = step === null || step === undefined ? series.steps.length - 1 : indexAtOrBefore(series.steps, step);
  return i < 0 ? null : series.stats[stat][i];
}

/** The step of a series actually shown for a chosen step. */
export function stepShown(series, step) {
  if (!series || !series.steps.length) return null;
  const i = step === null || step === undefined ? series.steps.length - 1 : indexAtOrBefore(series.steps, step);
  return i < 0 ? null : series.steps[i];
}

/** The heatmap statistics shown by default, best first: the first one the run has is used. */
export const HEATMAP_DEFAULTS = ['grad_rms_log', 'weights_change_log', 'weights_rms', 'act_zero', 'act_abs_mean', 'bias_mean'];

/** True when some row of the model has a finite value of this heatmap statistic. */
export function hasHeatStat(model, id) {
  const spec = heatmapStat(id);
  return model.rows.some((r) => {
    const s = r.series[spec.role];
    const vals = s && s.stats[spec.stat];
    return Boolean(vals) && vals.some((v) => finiteOrNull(v) !== null);
  });
}

/** The heatmap statistic for a model: the chosen one if known, else the first default the run has. */
export function chooseHeatStat(model, chosen) {
  if (HEATMAP_STATS.some((s) => s.id === chosen)) return chosen;
  return HEATMAP_DEFAULTS.find((id) => hasHeatStat(model, id)) || HEATMAP_STATS[0].id;
}

/**
 * Layers × steps matrix for the heatmap: {xSteps, rows, data: [[xi, yi, value]], min, max, zeros}. Exact zeros of a
 * log statistic (bit-identical weights) sit one decade below the smallest value, listed in zeros ('xi,yi').
 */
export function heatmapMatrix(model, statId) {
  const spec = heatmapStat(statId);
  const xSteps = model.steps;
  const xIndex = new Map(xSteps.map((s, i) => [s, i]));
  const rows = model.rows.filter((r) => r.kind === 'layer' || r.series[spec.role]);
  const data = [];
  const zeroCells = [];
  let min = Infinity;
  let max = -Infinity;
  rows.forEach((row, yi) => {
    const s = row.series[spec.role];
    if (!s || !s.stats[spec.stat]) return;
    const vals = s.stats[spec.stat];
    for (let i = 0; i < s.steps.length; i++) {
      const xi = xIndex.get(s.steps[i]);
      if (xi === undefined) continue;
      if (spec.log && finiteOrNull(vals[i]) === 0) {
        zeroCells.push([xi, yi]);
        continue;
      }
      const v = spec.log ? log10OrNull(vals[i]) : finiteOrNull(vals[i]);
      if (v === null) continue;
      if (v < min) min = v;
      if (v > max) max = v;
      data.push([xi, yi, v]);
    }
  });
  if (zeroCells.length) {
    const floor = (min === Infinity ? 0 : Math.floor(min)) - 1;
    for (const [xi, yi] of zeroCells) data.push([xi, yi, floor]);
    min = floor;
    if (max === -Infinity) max = floor + 1;
  }
  if (min === Infinity) {
    min = 0;
    max = 1;
  } else if (min === max) {
    min -= 0.5;
    max += 0.5;
  }
  return { spec, xSteps, rows, data, min, max, zeros: new Set(zeroCells.map(([x, y]) => x + ',' + y)) };
}

/** Learning-flow points of one run at a step: the weights' relative change per layer (0 kept: unchanged). */
export function learningFlow(model, step) {
  return model.rows.filter((r) => r.kind === 'layer').map((r) => {
    const s = r.series.weights;
    const v = finiteOrNull(valueAtStep(s, 'change', step));
    return { layer: r.name, value: v !== null && v >= 0 ? v : null, step: stepShown(s, step) };
  });
}

/** Gradient-flow points of one run at a step: [{layer, value, step}] in depth order (layers only). */
export function gradientFlow(model, step) {
  return model.rows.filter((r) => r.kind === 'layer').map((r) => {
    const s = r.series.gradient;
    const v = finiteOrNull(valueAtStep(s, 'rms', step));
    return { layer: r.name, value: v !== null && v > 0 ? v : null, step: stepShown(s, step) };
  });
}

/** True when some model has a positive finite gradient RMS (the gradient-flow chart has something to draw). */
export function hasGradientData(models) {
  return models.some((m) => m.series.some((s) => s.role === 'gradient' && (s.stats.rms || []).some((v) => finiteOrNull(v) > 0)));
}

/** Merge layer names of several runs into one depth-ordered axis (first run's order, others inserted). */
export function mergeLayerAxes(lists) {
  const out = [];
  for (const list of lists) {
    for (let i = 0; i < list.length; i++) {
      const name = list[i];
      if (out.includes(name)) continue;
      // insert before the next layer of this list that is already on the axis
      let at = out.length;
      for (let j = i + 1; j < list.length; j++) {
        const k = out.indexOf(list[j]);
        if (k >= 0) {
          at = k;
          break;
        }
      }
      out.splice(at, 0, name);
    }
  }
  return out;
}

/** Sorted union of steps of several models. */
export function unionSteps(models) {
  const set = new Set();
  for (const m of models) for (const s of m.steps) set.add(s);
  return [...set].sort((a, b) => a - b);
}

/** Markers count by severity. */
export function countSeverities(markers) {
  const c = { critical: 0, warning: 0, info: 0 };
  for (const m of markers) if (c[m.severity] !== undefined) c[m.severity] += 1;
  return c;
}
