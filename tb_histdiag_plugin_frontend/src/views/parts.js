// Pieces several views share: an ECharts instance bound to a container, the step slider, zoom on a step axis, and
// "did these change".

import { el } from '../dom.js';
import { echarts, STEP_ZOOM_ID } from '../charts.js';
import { indexAtOrBefore } from '../model.js';
import { ZOOM_DEBOUNCE_MS, rangeIndices, windowIndices, zoomDecision } from '../stepzoom.js';

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

/**
 * Zoom on a chart's step axis asks for that window at full resolution (stepzoom.js): once the chart's dataZoom
 * events have been quiet for ZOOM_DEBOUNCE_MS, the window's steps go to actions.setStepRange, a window over every
 * step to actions.clearStepRange. draw(steps, range) is called with the axis of each redraw and returns the index
 * window that shows the state's range (for the option); a redraw cancels a zoom not yet settled, and a window equal
 * to the loaded range asks for nothing, so the redraw that a newly loaded range causes never asks again.
 */
export function stepZoom({ actions, store, win }) {
  let steps = [];
  let chart = null;
  let timer = null;
  const cancel = () => {
    if (timer !== null) win.clearTimeout(timer);
    timer = null;
  };
  const settle = () => {
    timer = null;
    if (!chart || chart.isDisposed()) return;
    const zooms = chart.getOption().dataZoom || [];
    const z = zooms.find((d) => String(d.id).startsWith(STEP_ZOOM_ID));
    const ij = z && windowIndices(steps.length, z);
    const d = ij && zoomDecision(steps, ij[0], ij[1], store.get().stepRange);
    if (!d) return;
    if (d.action === 'clear') actions.clearStepRange();
    else actions.setStepRange(d.range[0], d.range[1]);
  };
  const onZoom = () => {
    cancel();
    timer = win.setTimeout(settle, ZOOM_DEBOUNCE_MS);
  };
  return {
    /** Listen to this chart instance (once per instance). */
    bind(c) {
      if (c === chart) return;
      chart = c;
      c.on('datazoom', onZoom);
    },
    draw(nextSteps, range) {
      cancel();
      steps = nextSteps || [];
      return rangeIndices(steps, range);
    },
    dispose() {
      cancel();
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
