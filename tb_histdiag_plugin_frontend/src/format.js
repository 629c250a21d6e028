// Number formatting and coercion. Pure: no DOM.

/** JSON numbers may be null, or the strings "NaN", "Infinity", "-Infinity" (TensorBoard's json_util). */
export function toNumber(v) {
  if (typeof v === 'number') return v;
  if (v === null || v === undefined) return null;
  if (v === 'NaN') return NaN;
  if (v === 'Infinity' || v === '+Infinity' || v === 'inf') return Infinity;
  if (v === '-Infinity' || v === '-inf') return -Infinity;
  if (typeof v === 'string' && v.trim() !== '') {
    const n = Number(v);
    return Number.isNaN(n) ? null : n;
  }
  return null;
}

/** A finite number, or null. */
export function finiteOrNull(v) {
  const n = toNumber(v);
  return n !== null && Number.isFinite(n) ? n : null;
}

/** Coerce an array of JSON values to numbers (null stays null, "NaN" becomes NaN). */
export function toNumberArray(arr) {
  if (!Array.isArray(arr)) return [];
  const out = new Array(arr.length);
  for (let i = 0; i < arr.length; i++) out[i] = toNumber(arr[i]);
  return out;
}

/**
 * Format a number compactly for tables and tooltips: 3 significant digits, exponent notation for very small or
 * large magnitudes, '—' for missing values, 'NaN' / '∞' / '−∞' for non-finite ones.
 */
export function formatNumber(v, digits = 3) {
  const n = toNumber(v);
  if (n === null) return '—';
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '∞';
  if (n === -Infinity) return '−∞';
  if (n === 0) return '0';
  const a = Math.abs(n);
  let s;
  if (a >= 1e5 || a < 1e-3) {
    s = n.toExponential(Math.max(0, digits - 1));
    // 1.00e-7 → 1e-7, 1.50e+5 → 1.5e+5
    s = s.replace(/\.?0+e/, 'e').replace('e+', 'e');
  } else if (Number.isInteger(n) && a < 1e5) {
    s = String(n);
  } else {
    s = Number(n.toPrecision(digits)).toString();
  }
  return s.replace(/^-/, '−');
}

/** Format a count with thousands separators (deterministic, locale independent). */
export function formatCount(v) {
  const n = toNumber(v);
  if (n === null || !Number.isFinite(n)) return formatNumber(n);
  const r = Math.round(n);
  const s = String(Math.abs(r)).replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return (r < 0 ? '−' : '') + s;
}

/** Format a fraction in [0, 1] as a percentage. */
export function formatPercent(v) {
  const n = finiteOrNull(v);
  if (n === null) return formatNumber(v);
  const p = n * 100;
  if (p !== 0 && Math.abs(p) < 0.1) return (p < 0 ? '−' : '') + '<0.1%';
  return Number(p.toFixed(1)).toString().replace(/^-/, '−') + '%';
}

/** Escape text for contexts that render HTML (ECharts tooltips). */
export function escapeHtml(s) {
  return String(s === null || s === undefined ? '' : s)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** log10 of a positive finite value, else null (for log-scale heatmaps). */
export function log10OrNull(v) {
  const n = finiteOrNull(v);
  return n !== null && n > 0 ? Math.log10(n) : null;
}

/**
 * JSON.parse that also accepts the bare NaN / Infinity / -Infinity tokens Python's json.dumps writes, turning them
 * into the strings TensorBoard's own JSON cleanser uses ("NaN", "Infinity", "-Infinity").
 */
export function parseJsonLenient(text) {
  try {
    return JSON.parse(text);
  } catch (e) {
    const fixed = String(text).replace(/"(?:[^"\\]|\\.)*"|-?Infinity|NaN/g, (m) => (m[0] === '"' ? m : '"' + m + '"'));
    return JSON.parse(fixed);
  }
}
