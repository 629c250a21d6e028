// Pieces several views share: an ECharts instance bound to a container, the step slider, and "did these change".

import { el } from '../dom.js';
import { echarts } from '../charts.js';
import { indexAtOrBefore } from '../model.js';

/** One chart in a container: created on first use, resized with the window, disposed with its view. */
export function chartIn(div, win) {
  let chart = null;
  const onResize = () => {
    if (chart && !chart.isDisposed()) chart.resize();
  };
  win.addEventListener('resize', onResize);
  return {
    get() {
      if (!chart || chart.isDisposed()) chart = echarts.init(div, null, { renderer: 'canvas' });
      return chart;
    },
    dispose() {
      win.removeEventListener('resize', onResize);
      if (chart && !chart.isDisposed()) chart.dispose();
      chart = null;
    },
  };
}

/** The slider position for a chosen step (null = the last step): the last logged step at or before it. */
export function sliderIndex(steps, step) {
  if (!steps.length) return 0;
  return Math.max(0, indexAtOrBefore(steps, step === null || step === undefined ? steps[steps.length - 1] : step));
}

/** A range input over logged steps; onStep(step) gets null for the last step (the default, "follow new data"). */
export function stepSlider(id, onStep) {
  let steps = [];
  const label = el('span', { class: 'hd-step-label', text: 'step —' });
  const input = el('input', { type: 'range', min: '0', max: '0', step: '1', value: '0', id, class: 'hd-step',
    'aria-label': 'Step' });
  input.addEventListener('input', () => {
    const s = steps[Number(input.value)];
    label.textContent = 'step ' + s;
    onStep(s === steps[steps.length - 1] ? null : s);
  });
  return {
    node: el('span', { class: 'hd-controls' }, el('label', { for: id, text: 'Step' }), input, label),
    /** Show step on nextSteps (null: keep the steps it has). */
    update(nextSteps, step) {
      if (nextSteps) steps = nextSteps;
      const i = sliderIndex(steps, step);
      input.max = String(Math.max(0, steps.length - 1));
      input.disabled = steps.length < 2;
      input.value = String(i);
      label.textContent = 'step ' + (steps.length ? steps[i] : '—');
    },
  };
}

/** A memo of the inputs a view last drew with: changed(...values) is true when any differs (by identity). */
export function memo() {
  let last = null;
  return {
    changed(...values) {
      const same = last && last.length === values.length && values.every((v, i) => Object.is(v, last[i]));
      last = values;
      return !same;
    },
    reset() {
      last = null;
    },
  };
}

/** Where a marker's evidence came from, as a phrase: "inferred from weights" for gradient kinds read from weights. */
export function evidenceSource(m) {
  if (!m || !m.evidence_from) return '';
  return m.evidence_from === 'weights' && /gradient/.test(m.kind) ? 'inferred from weights' : 'from ' + m.evidence_from;
}
