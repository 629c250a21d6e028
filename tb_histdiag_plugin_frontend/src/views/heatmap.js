// Layers × steps heatmap of one statistic for the focused run, with marker spans. Collapsed blocks are one row
// (the geometric mean of their layers); a click on a layer opens its detail at that step, on a block expands it.
// Zoom or drag on the step axis loads that window at full resolution (parts.js stepZoom).

import { el, clear } from '../dom.js';
import { HEATMAP_STATS, chooseHeatStat, hasHeatStat, heatmapMatrix } from '../model.js';
import { heatmapOption, redraw, themeColors } from '../charts.js';
import { collapseMatrix } from '../blocks.js';
import { focusedModel } from '../select.js';
import { chartIn, memo, stepZoom } from './parts.js';
import { STEP_ZOOM_ROOM } from '../charts.js';

/** Chart height for a number of rows: 22 px a row, within 180–900 px, plus the step axis' zoom slider. */
export function heatHeight(rows) {
  return Math.max(180, Math.min(900, 60 + rows * 22)) + STEP_ZOOM_ROOM;
}

/** The matrix drawn: blocks collapsed, markers moved onto the row that shows their layer. */
export function heatData(model, stat, expanded) {
  const matrix = collapseMatrix(heatmapMatrix(model, stat), expanded);
  const markers = model.markers.map((m) => (matrix.keyOf.has(m.layer) ? { ...m, layer: matrix.keyOf.get(m.layer) } : m));
  return { matrix, markers };
}

export function mount(container, { actions, store, win }) {
  const select = el('select', { id: 'hd-heat-stat', 'aria-label': 'Statistic' });
  const options = HEATMAP_STATS.map((s) => el('option', { value: s.id, text: s.label }));
  select.append(...options);
  select.addEventListener('change', () => actions.setStat(select.value));
  const runLabel = el('span', { class: 'hd-hint hd-heat-run' });
  const chartDiv = el('div', { class: 'hd-chart', id: 'hd-heat-chart', role: 'img', 'aria-label': 'Layers by steps heatmap' });
  container.append(el('div', { class: 'hd-section-head' },
    el('h2', { text: 'Layers × steps' }),
    el('span', { class: 'hd-controls' }, el('label', { for: 'hd-heat-stat', text: 'Statistic' }), select),
    runLabel, el('span', { class: 'hd-hint', text: 'lines: warning (orange) and critical (red) marker spans; ' +
      'the slider under the steps (or Ctrl+wheel) zooms to full resolution' })), chartDiv);
  const chart = chartIn(chartDiv, win);
  const zoom = stepZoom({ actions, store, win });
  const drawn = memo();
  let matrix = null;
  let clickBound = false;
  return {
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model) return;
      const stat = chooseHeatStat(model, state.stat);
      if (!drawn.changed(model, stat, state.dark, state.expanded, state.stepRange)) return;
      HEATMAP_STATS.forEach((s, i) => {
        options[i].textContent = s.label + (hasHeatStat(model, s.id) ? '' : ' (no data)');
      });
      select.value = stat;
      runLabel.textContent = 'run: ' + model.run;
      const d = heatData(model, stat, state.expanded);
      matrix = d.matrix;
      const height = heatHeight(matrix.rows.length);
      chartDiv.style.height = height + 'px';
      chartDiv.dataset.cells = String(matrix.data.length);
      chartDiv.dataset.rows = String(matrix.rows.length);
      chartDiv.dataset.zeros = String(matrix.zeros.size);
      chartDiv.dataset.stat = stat;
      chartDiv.dataset.steps = String(matrix.xSteps.length);
      const c = chart.get();
      c.resize();
      const shown = zoom.draw(matrix.xSteps, state.stepRange);
      chartDiv.dataset.window = shown ? matrix.xSteps[shown[0]] + '-' + matrix.xSteps[shown[1]] : '';
      redraw(c, heatmapOption(themeColors(state.dark), matrix, d.markers, height, shown));
      zoom.bind(c);
      if (!clickBound) {
        clickBound = true;
        c.on('click', (p) => {
          if (p.componentType !== 'series' || !p.data || !matrix) return;
          const row = matrix.rows[p.data[1]];
          if (row && row.kind === 'block') actions.toggleBlock(row.block);
          else if (row) actions.openDetail(row.key, { step: matrix.xSteps[p.data[0]] });
        });
      }
    },
    dispose() {
      zoom.dispose();
      chart.dispose();
      clear(container);
    },
  };
}
