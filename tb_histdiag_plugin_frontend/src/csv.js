// CSV / JSON export builders. Pure.

import { toNumber } from './format.js';

const BASE_STATS = ['count', 'mean', 'std', 'min', 'max', 'rms', 'l2_norm', 'abs_mean', 'zero_fraction',
  'p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99', 'change'];

/** One CSV field: quoted when needed; text that a spreadsheet would run as a formula gets a leading quote. */
export function csvField(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'number') {
    if (Number.isNaN(v)) return 'NaN';
    if (v === Infinity) return 'Infinity';
    if (v === -Infinity) return '-Infinity';
    return String(v);
  }
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  let s = String(v);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  if (/[",\r\n]/.test(s)) s = '"' + s.replace(/"/g, '""') + '"';
  return s;
}

/** The statistic names of a diagnosis: the documented ones first, then any extra the backend sent, sorted. */
export function statNames(diagnosis) {
  const extra = new Set();
  for (const s of diagnosis.series || []) {
    for (const k of Object.keys(s.stats || {})) if (!BASE_STATS.includes(k)) extra.add(k);
  }
  return [...BASE_STATS, ...[...extra].sort()];
}

/** Long-format CSV: one line per (tag, step). */
export function buildStatsCsv(diagnosis) {
  const stats = statNames(diagnosis);
  const header = ['run', 'tag', 'layer', 'role', 'step', 'wall_time', 'non_finite', ...stats];
  const lines = [header.map(csvField).join(',')];
  for (const s of diagnosis.series || []) {
    const steps = s.steps || [];
    for (let i = 0; i < steps.length; i++) {
      const row = [diagnosis.run, s.tag, s.layer, s.role, toNumber(steps[i]),
        toNumber((s.wall_times || [])[i]), Boolean((s.non_finite || [])[i])];
      for (const k of stats) {
        const arr = (s.stats || {})[k];
        row.push(arr ? toNumber(arr[i]) : null);
      }
      lines.push(row.map(csvField).join(','));
    }
  }
  return lines.join('\r\n') + '\r\n';
}

/** The diagnosis as a pretty JSON document (markers, layers, settings and series as received). */
export function buildDiagnosisJson(diagnosis) {
  return JSON.stringify(diagnosis, null, 2) + '\n';
}

/** A file name safe on every OS, from a run name. */
export function exportFileName(run, suffix) {
  const base = String(run || 'run').replace(/[^A-Za-z0-9._-]+/g, '_').replace(/^[._]+/, '').slice(0, 80) || 'run';
  return 'histdiag-' + base + suffix;
}
