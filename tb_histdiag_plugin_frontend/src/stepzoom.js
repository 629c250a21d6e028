// Zoom on a chart's step axis -> the step range to load at full resolution. Pure: no DOM, no ECharts.
// A step-axis chart (heatmap, detail bands) is a category axis over logged steps; ECharts' dataZoom reports the
// window as category indices (startValue/endValue) or percentages (start/end). The window's steps go to
// actions.setStepRange, a window covering every step to actions.clearStepRange (the wiring is views/parts.js stepZoom).

/** Quiet time after the last zoom event before the range is requested (a wheel or a drag fires many events). */
export const ZOOM_DEBOUNCE_MS = 300;

/**
 * The category indices [i, j] (inclusive, i <= j) a dataZoom window covers on an axis of `total` categories.
 * zoom: {startValue, endValue} (indices) or {start, end} (percent of the axis extent [0, total - 1]); null if total is 0.
 */
export function windowIndices(total, zoom) {
  if (!(total > 0)) return null;
  const last = total - 1;
  const z = zoom || {};
  const fromPercent = (p, fallback) => (Number.isFinite(p) ? (p / 100) * last : fallback);
  let a = Number.isFinite(z.startValue) ? z.startValue : fromPercent(z.start, 0);
  let b = Number.isFinite(z.endValue) ? z.endValue : fromPercent(z.end, last);
  a = Math.min(last, Math.max(0, Math.round(a)));
  b = Math.min(last, Math.max(0, Math.round(b)));
  return a <= b ? [a, b] : [b, a];
}

/** Does the window [i, j] cover every one of `total` categories? */
export function isFullRange(total, i, j) {
  return i <= 0 && j >= total - 1;
}

/** The first and last logged step of the window [i, j] over the axis' steps. */
export function windowSteps(steps, i, j) {
  return [steps[i], steps[j]];
}

/**
 * What a settled zoom asks for: {action: 'set', range: [first, last]}, {action: 'clear'} (back to every step) or
 * null (nothing to do: the window is the range already loaded, or full while no range is set). `current` is the
 * state's stepRange (null without one). The "nothing to do" case is what keeps a redraw with a newly loaded window
 * from requesting it again.
 */
export function zoomDecision(steps, i, j, current) {
  if (!steps || !steps.length || i === undefined || j === undefined) return null;
  const hasRange = Array.isArray(current) && current.length === 2;
  if (isFullRange(steps.length, i, j)) return hasRange ? { action: 'clear' } : null;
  const range = windowSteps(steps, i, j);
  if (!range.every(Number.isFinite)) return null;
  if (hasRange && current[0] === range[0] && current[1] === range[1]) return null;
  return { action: 'set', range };
}

/**
 * The category indices [i, j] that show a step range on an axis of steps (sorted): the first step >= start to the
 * last step <= end; null without a range, or when no logged step falls inside it (the chart then shows everything).
 */
export function rangeIndices(steps, range) {
  if (!Array.isArray(range) || range.length !== 2 || !steps || !steps.length) return null;
  let i = 0;
  while (i < steps.length && steps[i] < range[0]) i++;
  let j = steps.length - 1;
  while (j >= 0 && steps[j] > range[1]) j--;
  return i <= j ? [i, j] : null;
}
