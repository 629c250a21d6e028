// The layer detail's "Weight norm" card: the weights' L2 norm over steps, one line per compared run that has the
// layer (weightnorm.js), the focused run's weight_decay_shrink / weight_growth spans shaded, a log-scale switch (auto
// until the user sets it) and zoom on the step axis like the band charts (parts.js stepZoom).

import { el, clear } from '../dom.js';
import { redraw, themeColors, weightNormOption } from '../charts.js';
import { stepShown } from '../model.js';
import { colorOf, comparedModels } from '../select.js';
import { alignRuns, autoLog, normRuns, normSpans } from '../weightnorm.js';
import { chartIn, memo, stepZoom } from './parts.js';

let ids = 0;

/** The card for the row `key` of the focused model; update(state, row) redraws when its inputs changed. */
export function weightNormCard({ actions, store, win }) {
  const id = 'hd-wnorm-log-' + ++ids;
  const chartDiv = el('div', { class: 'hd-chart hd-small hd-wnorm-chart', role: 'img',
    'aria-label': 'Weight L2 norm over steps, one line per compared run' });
  const legend = el('div', { class: 'hd-legend hd-wnorm-legend' });
  const logBox = el('input', { type: 'checkbox', id, class: 'hd-wnorm-log' });
  const hint = el('div', { class: 'hd-hint hd-wnorm-hint' });
  const node = el('div', { class: 'hd-card hd-wnorm', id: 'hd-wnorm' },
    el('div', { class: 'hd-section-head' }, el('h3', { text: 'Weight norm' }),
      el('span', { class: 'hd-controls' }, logBox, el('label', { for: id, text: 'log scale' }))),
    hint, chartDiv, legend);
  const chart = chartIn(chartDiv, win);
  const zoom = stepZoom({ actions, store, win });
  const drawn = memo();
  let logChoice = null; // null: autoLog decides
  let last = null;

  function draw(state, row, force) {
    const models = comparedModels(state);
    const focused = models.find((m) => m.run === state.run);
    if (!force && !drawn.changed(row, state.step, state.dark, state.colors, state.stepRange, ...models)) return;
    const runs = normRuns(models, row.key);
    node.classList.toggle('hd-hidden', !runs.length);
    node.dataset.runs = String(runs.length);
    if (!runs.length) return;
    const { steps, series } = alignRuns(runs);
    const mine = runs.find((r) => r.run === state.run);
    const spans = mine && focused ? normSpans(row.markers, steps, mine.tag) : [];
    // the focused run first: its line carries the marker spans
    const order = runs.map((r, k) => k).sort((a, b) => (runs[b].run === state.run) - (runs[a].run === state.run));
    const lines = order.map((k) => ({ run: runs[k].run, color: colorOf(state, runs[k].run), data: series[k] }));
    const log = logChoice === null ? autoLog(series) : logChoice;
    logBox.checked = log;
    chartDiv.dataset.log = String(log);
    chartDiv.dataset.spans = spans.map((s) => s.kind).join(' ');
    hint.textContent = 'L2 norm of ' + (mine ? mine.tag : runs[0].tag) + ' over steps' +
      (runs.length > 1 ? ', one line per compared run' : '') +
      (spans.length ? '; shaded: ' + spans.map((s) => s.kind.replace(/_/g, ' ')).join(', ') : '');
    clear(legend);
    for (const r of lines) {
      legend.appendChild(el('span', { 'data-run': r.run },
        el('span', { class: 'hd-swatch', style: { background: r.color } }), r.run));
    }
    const shown = zoom.draw(steps, state.stepRange);
    chartDiv.dataset.steps = String(steps.length);
    const step = state.step === null ? null : stepShown({ steps }, state.step);
    const c = chart.get();
    redraw(c, weightNormOption(themeColors(state.dark), steps, lines, spans, { log, step, zoom: shown }));
    zoom.bind(c);
  }

  logBox.addEventListener('change', () => {
    logChoice = logBox.checked;
    if (last) draw(last.state, last.row, true);
  });

  return {
    node,
    update(state, row) {
      last = { state, row };
      draw(state, row, false);
    },
    dispose() {
      zoom.dispose();
      chart.dispose();
      last = null;
    },
  };
}
