// Gradient flow: gradient RMS per layer (log scale) at the chosen step, one line per compared run.

import { el, clear } from '../dom.js';
import { gradientFlow, mergeLayerAxes, unionSteps } from '../model.js';
import { gradientFlowOption, themeColors } from '../charts.js';
import { colorOf, comparedModels } from '../select.js';
import { chartIn, memo, stepSlider } from './parts.js';

export const NO_GRADIENTS = 'No gradient histograms in the selected runs: log gradients (tf.summary.histogram in a ' +
  'GradientTape loop, or writer.add_histogram(name + ".grad", p.grad, step) in PyTorch) to see gradient flow.';

/** The chart's input for compared models at a step: {layers, runs: [{run, color, points}], hasAny}. */
export function flowData(state, models) {
  const layers = mergeLayerAxes(models.map((m) => m.rows.filter((r) => r.kind === 'layer').map((r) => r.name)));
  const runs = models.map((m) => ({ run: m.run, color: colorOf(state, m.run), points: gradientFlow(m, state.step) }));
  return { layers, runs, hasAny: runs.some((r) => r.points.some((p) => p.value !== null)) };
}

export function mount(container, { actions, win }) {
  const slider = stepSlider('hd-flow-step', (step) => actions.setStep(step));
  const chartDiv = el('div', { class: 'hd-chart', id: 'hd-flow-chart', role: 'img',
    'aria-label': 'Gradient RMS per layer, log scale, input side on the left' });
  const legend = el('div', { class: 'hd-legend' });
  const note = el('p', { class: 'hd-hint hd-flow-note hd-hidden', text: NO_GRADIENTS });
  container.append(el('div', { class: 'hd-section-head' },
    el('h2', { text: 'Gradient flow' }),
    el('span', { class: 'hd-hint', text: 'gradient RMS per layer (log scale) at the chosen step' }), slider.node),
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
      if (drawn.changed(list, state.step, state.dark, state.colors)) {
        slider.update(unionSteps(list), state.step);
        clear(legend);
        for (const m of list) {
          legend.appendChild(el('span', { 'data-run': m.run },
            el('span', { class: 'hd-swatch', style: { background: colorOf(state, m.run) } }), m.run));
        }
        const d = flowData(state, list);
        chartDiv.dataset.empty = d.hasAny ? 'false' : 'true';
        note.classList.toggle('hd-hidden', d.hasAny);
        chart.get().setOption(gradientFlowOption(themeColors(state.dark), d.layers, d.runs), true);
      }
    },
    dispose() {
      chart.dispose();
      clear(container);
    },
  };
}
