// The step-range line above the per-run views: "full resolution for steps S–E · Reset" while a range is set (zoom on
// a chart's step axis calls actions.setStepRange), or how much of a long run the default document keeps.

import { el } from '../dom.js';
import { focusedModel } from '../select.js';
import { formatCount } from '../format.js';

/** What the line says, from the state: {mode: 'range'|'downsampled'|'none', text}. Pure. */
export function stepRangeText(state) {
  const r = state.stepRange;
  if (Array.isArray(r) && r.length === 2) {
    return { mode: 'range', text: 'Full resolution for steps ' + formatCount(r[0]) + '–' + formatCount(r[1]) };
  }
  const model = focusedModel(state);
  const doc = model && model.doc;
  if (doc && doc.downsampled) {
    const kept = Math.max(0, ...model.series.map((s) => s.steps.length));
    return { mode: 'downsampled', text: 'Showing ' + formatCount(kept) + ' of ' + formatCount(doc.total_steps) +
      ' logged steps (each window’s extremes, markers and NaN steps kept); zoom on a chart’s step axis for full resolution' };
  }
  return { mode: 'none', text: '' };
}

export function mount(container, { actions }) {
  const text = el('span', { class: 'hd-hint hd-step-range-text' });
  const reset = el('button', { class: 'hd-btn', type: 'button', id: 'hd-step-range-reset',
    title: 'Back to every step (downsampled)', text: 'Reset', onclick: () => actions.clearStepRange() });
  const line = el('div', { class: 'hd-step-range hd-hidden', id: 'hd-step-range', role: 'status' }, text, reset);
  line.style.cssText = 'display: flex; align-items: center; gap: 8px; margin: 0 0 8px;';
  container.appendChild(line);
  return {
    render(state) {
      const { mode, text: t } = stepRangeText(state);
      line.classList.toggle('hd-hidden', mode === 'none');
      line.dataset.mode = mode;
      text.textContent = t;
      reset.classList.toggle('hd-hidden', mode !== 'range');
    },
    dispose() {
      line.remove();
    },
  };
}
