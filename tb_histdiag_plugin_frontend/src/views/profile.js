// A per-layer quantity against depth at the chosen step, one line per compared run, collapsed blocks as one point:
// the frame of the gradient-flow and learning-flow views (flow.js, learning.js).

import { el, clear } from '../dom.js';
import { mergeLayerAxes, unionSteps } from '../model.js';
import { depthProfileOption, themeColors } from '../charts.js';
import { blockMap, collapseAxis, pointsOnAxis } from '../blocks.js';
import { colorOf, comparedModels } from '../select.js';
import { chartIn, memo, stepSlider } from './parts.js';

/** The chart's input: {axis, runs: [{run, color, points}], hasAny}; spec.points(model, step) -> [{layer, value, step}]. */
export function profileData(state, models, spec) {
  const names = mergeLayerAxes(models.map((m) => m.rows.filter((r) => r.kind === 'layer').map((r) => r.name)));
  const axis = collapseAxis(names, blockMap(models), state.expanded);
  const runs = models.map((m) => ({ run: m.run, color: colorOf(state, m.run),
    points: pointsOnAxis(axis, spec.points(m, state.step)) }));
  return { axis, runs, hasAny: runs.some((r) => r.points.some((p) => p !== null)) };
}

/** spec: {id, title, hint, label, yName, ref, note, points, shown(compared models)} */
export function mountProfile(container, { actions, win }, spec) {
  const slider = stepSlider(spec.id + '-step', (step) => actions.setStep(step));
  const chartDiv = el('div', { class: 'hd-chart', id: spec.id + '-chart', role: 'img', 'aria-label': spec.label });
  const legend = el('div', { class: 'hd-legend' });
  const note = el('p', { class: 'hd-hint hd-flow-note hd-hidden', text: spec.note });
  container.append(el('div', { class: 'hd-section-head' },
    el('h2', { text: spec.title }), el('span', { class: 'hd-hint', text: spec.hint }), slider.node),
  chartDiv, legend, note);
  const chart = chartIn(chartDiv, win);
  const models = memo();
  const drawn = memo();
  let list = [];
  return {
    render(state) {
      if (state.phase !== 'ready') return;
      const next = comparedModels(state);
      if (!next.length) return;
      if (models.changed(...next)) list = next;
      const shown = spec.shown(list);
      container.classList.toggle('hd-hidden', !shown);
      if (!shown) {
        drawn.reset();
        return;
      }
      if (!drawn.changed(list, state.step, state.dark, state.colors, state.expanded)) return;
      slider.update(unionSteps(list), state.step);
      clear(legend);
      for (const m of list) {
        legend.appendChild(el('span', { 'data-run': m.run },
          el('span', { class: 'hd-swatch', style: { background: colorOf(state, m.run) } }), m.run));
      }
      const d = profileData(state, list, spec);
      chartDiv.dataset.empty = d.hasAny ? 'false' : 'true';
      chartDiv.dataset.points = String(d.axis.length);
      chartDiv.dataset.zeros = String(d.runs.reduce((n, r) => n + r.points.filter((p) => p && p.value === 0).length, 0));
      note.classList.toggle('hd-hidden', d.hasAny && !spec.alwaysNote);
      const c = chart.get();
      c.resize();
      c.setOption(depthProfileOption(themeColors(state.dark), d.axis, d.runs, { yName: spec.yName, ref: spec.ref,
        width: chartDiv.clientWidth }), true);
    },
    dispose() {
      chart.dispose();
      clear(container);
    },
  };
}
