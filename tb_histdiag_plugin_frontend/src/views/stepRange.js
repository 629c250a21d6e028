// The step-range line above the per-run views: "full resolution for steps S–E · Reset" while a range is set (zoom on
// a chart's step axis, or this line's two step fields, call actions.setStepRange), or how much of a long run the
// default document keeps.

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
  const from = el('input', { type: 'number', id: 'hd-step-from', 'aria-label': 'First step', step: '1', style: { width: '7em' } });
  const to = el('input', { type: 'number', id: 'hd-step-to', 'aria-label': 'Last step', step: '1', style: { width: '7em' } });
  const onSubmit = (ev) => {
    ev.preventDefault();
    if (from.value !== '' && to.value !== '') actions.setStepRange(Number(from.value), Number(to.value));
  };
  const form = el('form', { class: 'hd-controls', id: 'hd-step-range-form' }, el('span', { class: 'hd-hint', text: 'Steps' }),
    from, el('span', { text: '–' }), to, el('button', { class: 'hd-btn', type: 'submit', id: 'hd-step-range-apply',
      text: 'Full resolution' }));
  form.addEventListener('submit', onSubmit);
  const reset = el('button', { class: 'hd-btn', type: 'button', id: 'hd-step-range-reset',
    title: 'Back to every step (downsampled)', text: 'Reset', onclick: () => actions.clearStepRange() });
  const line = el('div', { class: 'hd-step-range hd-hidden', id: 'hd-step-range', role: 'status' }, text, form, reset);
  line.style.cssText = 'display: flex; align-items: center; gap: 8px; flex-wrap: wrap; margin: 0 0 8px;';
  container.appendChild(line);
  let shownRange = null;
  return {
    render(state) {
      const { mode, text: t } = stepRangeText(state);
      line.classList.toggle('hd-hidden', mode === 'none');
      line.dataset.mode = mode;
      text.textContent = t;
      reset.classList.toggle('hd-hidden', mode !== 'range');
      const range = Array.isArray(state.stepRange) ? state.stepRange : null;
      if (range !== shownRange) {
        shownRange = range;
        from.value = range ? String(range[0]) : '';
        to.value = range ? String(range[1]) : '';
      }
    },
    dispose() {
      form.removeEventListener('submit', onSubmit);
      line.remove();
    },
  };
}
