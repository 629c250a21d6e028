// A full-resolution step window spliced into the run's default (downsampled) document. Pure: works on documents.
// The step-axis charts keep showing the whole run (so zooming back out, or dragging the window along the axis,
// stays possible) with every logged step inside the window; markers are the same in both documents (always
// computed on every step, see tb_histdiag_plugin/diagnosis.py), the window's are kept.

/** Per-step arrays of a series (steps first); every other field is per series. */
function perStep(s) {
  const keys = ['steps', 'wall_times', 'non_finite'].filter((k) => Array.isArray(s[k]));
  return keys;
}

/** The indices of a sorted-or-not step list outside [lo, hi] before the window, and after it. */
function outside(steps, lo, hi) {
  const before = [];
  const after = [];
  (steps || []).forEach((st, i) => {
    const v = Number(st);
    if (v < lo) before.push(i);
    else if (v > hi) after.push(i);
  });
  return { before, after };
}

function splice(baseArr, winArr, before, after, winLen) {
  const b = Array.isArray(baseArr) ? baseArr : [];
  const w = Array.isArray(winArr) ? winArr : new Array(winLen).fill(null);
  return [...before.map((i) => (i < b.length ? b[i] : null)), ...w, ...after.map((i) => (i < b.length ? b[i] : null))];
}

/**
 * The document to draw while a step range is loaded: windowDoc's top level and markers, and per series the base
 * document's steps before `range[0]`, every step of the window, then the base's steps after `range[1]`. Series only
 * in one document are kept as they are. Neither input is modified.
 */
export function mergeWindow(baseDoc, windowDoc, range) {
  if (!baseDoc || !windowDoc || !Array.isArray(range)) return windowDoc;
  const [lo, hi] = range;
  const baseByTag = new Map((baseDoc.series || []).map((s) => [s.tag, s]));
  const seen = new Set();
  const series = (windowDoc.series || []).map((w) => {
    seen.add(w.tag);
    const b = baseByTag.get(w.tag);
    if (!b) return w;
    const { before, after } = outside(b.steps, lo, hi);
    const n = (w.steps || []).length;
    const out = { ...w };
    for (const k of new Set([...perStep(w), ...perStep(b)])) out[k] = splice(b[k], w[k], before, after, n);
    const stats = {};
    for (const k of new Set([...Object.keys(w.stats || {}), ...Object.keys(b.stats || {})])) {
      stats[k] = splice((b.stats || {})[k], (w.stats || {})[k], before, after, n);
    }
    out.stats = stats;
    return out;
  });
  for (const b of baseDoc.series || []) if (!seen.has(b.tag)) series.push(b);
  return { ...windowDoc, series, downsampled: Boolean(baseDoc.downsampled), total_steps: windowDoc.total_steps ?? baseDoc.total_steps };
}
