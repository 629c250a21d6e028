// The ECharts charts cost the most to draw: the timeline strip above the overview (on a long run with training scalars
// it cost more than the overview itself) and the charts under it (flow, learning flow, heatmap). Their first drawing
// waits for the overview's paint, so the tab shows the table first (app.js wires it in; README, speed).

/** Those charts' names in app.js's VIEWS. */
export const DRAWN_AFTER_OVERVIEW = new Set(['timeline', 'flow', 'learning', 'heatmap']);

/**
 * The first ready render of the DRAWN_AFTER_OVERVIEW views, run after the next paint (a frame, then a task) instead
 * of in the same task as the overview; later renders are synchronous as before. root's data-charts is 'pending'
 * until that first drawing is done (the e2e tests wait for it).
 */
export function deferFirstDraw(win, root, draw) {
  const waiting = new Set();
  let done = false;
  let frame = null;
  let task = null;
  function run() {
    task = null;
    done = true;
    for (const i of [...waiting].sort((a, b) => a - b)) draw(i);
    waiting.clear();
    root.dataset.charts = 'drawn';
  }
  return {
    defers(name, i) {
      if (done || !DRAWN_AFTER_OVERVIEW.has(name)) return false;
      waiting.add(i);
      if (frame === null && task === null) {
        root.dataset.charts = 'pending';
        const next = () => {
          frame = null;
          task = win.setTimeout(run, 0);
        };
        frame = typeof win.requestAnimationFrame === 'function' ? win.requestAnimationFrame(next) : null;
        if (frame === null) next();
      }
      return true;
    },
    dispose() {
      if (frame !== null) win.cancelAnimationFrame(frame);
      if (task !== null) win.clearTimeout(task);
      frame = task = null;
      done = true;
    },
  };
}
