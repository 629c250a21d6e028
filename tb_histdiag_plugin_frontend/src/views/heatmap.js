// Layers × steps heatmap of one statistic for the focused run, with marker spans; a click opens that layer's detail
// at that step.

import { el, clear } from '../dom.js';
import { HEATMAP_STATS, heatmapMatrix } from '../model.js';
import { heatmapOption, themeColors } from '../charts.js';
import { focusedModel } from '../select.js';
import { chartIn, memo } from './parts.js';

/** The statistic shown: the chosen one when it is known, else the first. */
export function heatStat(state) {
  return HEATMAP_STATS.some((s) => s.id === state.stat) ? state.stat : HEATMAP_STATS[0].id;
}

/** Chart height for a number of rows: 22 px a row, within 180–900 px. */
export function heatHeight(rows) {
  return Math.max(180, Math.min(900, 60 + rows * 22));
}

export function mount(container, { actions, win }) {
  const select = el('select', { id: 'hd-heat-stat', 'aria-label': 'Statistic' });
  for (const s of HEATMAP_STATS) select.appendChild(el('option', { value: s.id, text: s.label }));
  select.addEventListener('change', () => actions.setStat(select.value));
  const runLabel = el('span', { class: 'hd-hint hd-heat-run' });
  const chartDiv = el('div', { class: 'hd-chart', id: 'hd-heat-chart', role: 'img', 'aria-label': 'Layers by steps heatmap' });
  container.append(el('div', { class: 'hd-section-head' },
    el('h2', { text: 'Layers × steps' }),
    el('span', { class: 'hd-controls' }, el('label', { for: 'hd-heat-stat', text: 'Statistic' }), select),
    runLabel, el('span', { class: 'hd-hint', text: 'lines: warning (orange) and critical (red) marker spans' })), chartDiv);
  const chart = chartIn(chartDiv, win);
  const drawn = memo();
  let matrix = null;
  let clickBound = false;
  return {
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model) return;
      const stat = heatStat(state);
      if (!drawn.changed(model, stat, state.dark)) return;
      select.value = stat;
      runLabel.textContent = 'run: ' + model.run;
      matrix = heatmapMatrix(model, stat);
      chartDiv.style.height = heatHeight(matrix.rows.length) + 'px';
      const c = chart.get();
      c.resize();
      chartDiv.dataset.cells = String(matrix.data.length);
      c.setOption(heatmapOption(themeColors(state.dark), matrix, model.markers), true);
      if (!clickBound) {
        clickBound = true;
        c.on('click', (p) => {
          if (p.componentType !== 'series' || !p.data || !matrix) return;
          const row = matrix.rows[p.data[1]];
          if (row) actions.openDetail(row.key, { step: matrix.xSteps[p.data[0]] });
        });
      }
    },
    dispose() {
      chart.dispose();
      clear(container);
    },
  };
}
