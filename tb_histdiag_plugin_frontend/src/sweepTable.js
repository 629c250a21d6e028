// The sweep table's model, pure (no DOM): rows from the /runs listing (differing name part, key=value columns,
// counts that stay null until a run is analysed, the first sign of trouble and the final loss / accuracy), sorting
// (worst first by default; run names in natural order, missing values last), the window of rows a scroll
// position needs (virtualisation), and the bar heights of the mini depth profile. Tested in test/sweep.test.js;
// drawn by views/sweep.js.

import { SEVERITY_RANK } from './colors.js';
import { differingParts, displayName, keyValueColumns, runFilter, compareValues, isMissingValue } from './runnames.js';
import { naturalCompare } from './natsort.js';

export const OVERSCAN = 6; // rows kept above and below the visible ones
export const PROFILE_DECADES = 3;

/** A count field: an integer once analysed, null before. */
function count(v) {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

/** The final values shown per run (the /runs row's `final`), in column order. */
export const FINAL_KEYS = Object.freeze(['loss', 'val_loss', 'accuracy', 'val_accuracy']);

/** A run's final loss / accuracy values: {loss, val_loss, accuracy, val_accuracy}, each a finite number or null. */
export function finalValues(final) {
  const f = final && typeof final === 'object' ? final : {};
  return Object.fromEntries(FINAL_KEYS.map((k) => [k, count(f[k])]));
}

/** The run's first sign of trouble ({kind, layer, step}; layer null for the run as a whole), or null. */
export function firstSign(v) {
  if (!v || typeof v !== 'object' || typeof v.kind !== 'string') return null;
  return { kind: v.kind, layer: typeof v.layer === 'string' ? v.layer : null, step: count(v.step) };
}

/** Table rows and key=value columns for `runs` (the /runs list), filtered by a regex pattern. */
export function sweepRows(runs, pattern) {
  const list = (runs || []).filter((r) => r && typeof r.run === 'string');
  const names = list.map((r) => r.run);
  const parts = differingParts(names);
  const columns = keyValueColumns(names).filter((c) => !c.constant || names.length === 1);
  const filter = runFilter(pattern);
  const rows = list.filter((r) => filter.test(r.run)).map((r) => {
    const worst = r.worst && typeof r.worst === 'object' ? r.worst : null;
    return {
      run: r.run,
      shown: displayName(parts, r.run),
      kv: Object.fromEntries(columns.map((c) => [c.key, c.values.get(r.run)])),
      critical: count(r.critical),
      warning: count(r.warning),
      info: count(r.info),
      worst,
      layer: worst && typeof worst.layer === 'string' ? worst.layer : null,
      profile: r.profile && Array.isArray(r.profile.values) ? r.profile : null,
      last_step: count(r.last_step),
      first_sign: firstSign(r.first_sign),
      final: finalValues(r.final),
      headline: typeof r.headline === 'string' && r.headline ? r.headline : null,
      status: r.status === 'pending' || r.status === 'error' ? r.status : (count(r.critical) === null ? 'pending' : 'done'),
    };
  });
  return { rows, columns: columns.map((c) => c.key), parts, valid: filter.valid, total: list.length };
}

function byName(a, b) {
  return naturalCompare(a.run, b.run);
}

// Higher = worse; null (not analysed yet) sorts after every analysed run in either direction.
const SORTS = {
  health: (r) => (r.critical === null ? null : [r.critical, r.warning || 0, r.info || 0]),
  critical: (r) => r.critical,
  warning: (r) => r.warning,
  worst: (r) => (r.worst ? [SEVERITY_RANK[r.worst.severity] || 0, r.worst.kind] : null),
  layer: (r) => r.layer,
  last_step: (r) => r.last_step,
  // the earliest onset first (ascending); a run without a first sign (healthy, or not analysed) last
  first_sign: (r) => (r.first_sign ? [r.first_sign.step === null ? Infinity : r.first_sign.step, r.first_sign.kind,
    r.first_sign.layer || ''] : null),
  ...Object.fromEntries(FINAL_KEYS.map((k) => ['final_' + k, (r) => r.final[k]])),
  status: (r) => ({ error: 2, pending: 1, done: 0 })[r.status],
};

function compareKeys(a, b) {
  if (Array.isArray(a)) {
    for (let i = 0; i < a.length; i++) {
      const c = compareKeys(a[i], b[i]);
      if (c) return c;
    }
    return 0;
  }
  if (typeof a === 'number' && typeof b === 'number') return a === b ? 0 : a < b ? -1 : 1; // Infinity - Infinity is NaN
  return naturalCompare(a, b);
}

/**
 * Sort rows by `key` ('health' = critical, then warning, then info counts; 'run'; 'kv:NAME'; 'critical', 'warning',
 * 'worst', 'layer', 'last_step', 'first_sign' (by step, then kind and layer), 'final_loss', 'final_val_loss',
 * 'final_accuracy', 'final_val_accuracy', 'status'), `desc` or ascending; missing values last, ties by run name
 * (natural order).
 */
export function sortRows(rows, key, desc) {
  const sign = desc ? -1 : 1;
  if (key === 'run') return [...rows].sort((a, b) => sign * byName(a, b));
  if (key && key.startsWith('kv:')) {
    const k = key.slice(3);
    return sortBy(rows, (r) => r.kv[k], isMissingValue, compareValues, sign);
  }
  return sortBy(rows, SORTS[key] || SORTS.health, (v) => v === null || v === undefined, compareKeys, sign);
}

/** `rows` by `get`'s value under `compare` (times `sign`); values `isMissing` says are missing last, ties by name. */
function sortBy(rows, get, isMissing, compare, sign) {
  return [...rows].sort((a, b) => {
    const va = get(a);
    const vb = get(b);
    const missing = isMissing(va) - isMissing(vb);
    if (missing) return missing;
    if (isMissing(va)) return byName(a, b);
    return sign * compare(va, vb) || byName(a, b);
  });
}

/** The rows to put in the DOM for a scroll position: [start, end) plus the spacer heights above and below. */
export function rowWindow(scrollTop, viewportHeight, rowHeight, total, overscan = OVERSCAN) {
  const first = Math.max(0, Math.floor(Math.max(0, scrollTop) / rowHeight) - overscan);
  const last = Math.min(total, Math.ceil((Math.max(0, scrollTop) + viewportHeight) / rowHeight) + overscan);
  const start = Math.min(first, total);
  const end = Math.max(start, last);
  return { start, end, top: start * rowHeight, bottom: (total - end) * rowHeight };
}

/**
 * Bar heights (0..1] of a mini depth profile: decades below the run's strongest layer, on a scale of at least
 * PROFILE_DECADES (so a healthy run's few-percent differences stay flat bars, and a layer 1e-6 of the others shows as a
 * stub); null where a layer has no finite positive value.
 */
export function profileBars(values) {
  const logs = (values || []).map((v) => (typeof v === 'number' && Number.isFinite(v) && v > 0 ? Math.log10(v) : null));
  const finite = logs.filter((v) => v !== null);
  if (!finite.length) return logs;
  const hi = Math.max(...finite);
  const span = Math.max(PROFILE_DECADES, hi - Math.min(...finite));
  return logs.map((v) => (v === null ? null : 0.1 + (0.9 * (span - (hi - v))) / span));
}
