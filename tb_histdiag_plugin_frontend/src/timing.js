// User Timing marks (performance.measure 'hd:…') around the tab's phases, for profiling in DevTools or Playwright
// (bench/browser.py reads only the time the overview is drawn). Costs nothing when the API is missing.

const perf = typeof performance !== 'undefined' && typeof performance.measure === 'function' ? performance : null;

/** fn(), recorded as a measure named name when it takes 1 ms or more (renders that do nothing stay unrecorded). */
export function timed(name, fn) {
  if (!perf) return fn();
  const start = perf.now();
  try {
    return fn();
  } finally {
    if (perf.now() - start >= 1) perf.measure(name, { start });
  }
}

/** A named point in time (e.g. 'hd:start'). */
export function mark(name) {
  if (perf && typeof perf.mark === 'function') perf.mark(name);
}
