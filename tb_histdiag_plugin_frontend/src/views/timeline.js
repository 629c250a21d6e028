// The timeline strip at the top of a run's view: the training's loss, validation loss, accuracy and learning rate on
// one step axis, with each marker's onset on its layer's lane, episodes shaded and the first sign highlighted
// (timeline.js builds it, charts.js timelineOption draws it). Compared runs overlay their loss curves. Hover a mark
// for its evidence; a click opens its layer's detail at that step (actions.openDetail), on the run's lane it moves
// the chosen step (actions.setStep). Without scalars only the lanes show; with neither, a short note.

import { el, clear } from '../dom.js';
import { timelineModel, stripLayout, markAction, episodeChains } from '../timeline.js';
import { markerTitle } from '../advice.js';
import { formatNumber } from '../format.js';
import { TIMELINE_MARKS_ID, redraw, signalStyle, themeColors, timelineOption } from '../charts.js';
import { colorOf, comparedModels, focusedModel } from '../select.js';
import { chartIn, memo } from './parts.js';

/** The strip's input for the state: the focused model's timeline with the other compared runs' loss curves. */
export function stripData(state) {
  const model = focusedModel(state);
  if (!model) return null;
  const others = comparedModels(state).filter((m) => m.run !== model.run);
  return timelineModel(model.doc, {
    layerOrder: model.rows.filter((r) => r.kind === 'layer').map((r) => r.name),
    compared: others.map((m) => ({ run: m.run, doc: m.doc })),
  });
}

/** The note under the strip: what is missing, or how many lanes were left out. */
export function stripNote(tm, run) {
  if (tm.empty) return 'No training scalars (loss, accuracy, learning rate) and no markers in ' + run + '.';
  const parts = [];
  if (!tm.signals.length) parts.push('No loss, accuracy or learning-rate scalars found for ' + run + ': markers only.');
  if (!tm.marks.length) parts.push('No markers in ' + run + '.');
  if (tm.hiddenLanes) parts.push(tm.hiddenLanes + ' more layer' + (tm.hiddenLanes === 1 ? '' : 's') + ' with info markers only: see the overview.');
  return parts.join(' ');
}

export function mount(container, { actions, win }) {
  const legend = el('div', { class: 'hd-legend hd-tl-legend' });
  const note = el('p', { class: 'hd-hint hd-tl-note hd-hidden', id: 'hd-timeline-note' });
  const chains = el('ol', { class: 'hd-tl-chains', 'aria-label': 'Episodes, in order of onset' });
  const chartDiv = el('div', { class: 'hd-chart hd-tl-chart', id: 'hd-timeline-chart', role: 'img',
    'aria-label': 'Training timeline: loss, accuracy and learning rate over steps, and each marker\'s onset per layer' });
  container.append(el('div', { class: 'hd-section-head' }, el('h2', { text: 'Training timeline' }),
    el('span', { class: 'hd-hint', text: 'scalars over steps; marks: each marker\'s onset on its layer\'s lane (◆ first sign), ' +
      'shaded: episodes; hover for the evidence, click for the layer at that step' })), legend, chartDiv, note, chains);
  const chart = chartIn(chartDiv, win);
  const drawn = memo();
  let tm = null;
  let rowKeys = new Set();
  let clickBound = false;

  /** A mark opens its layer's (or tag's) detail at its onset, or moves the chosen step (the run's lane). */
  function open(mark) {
    const a = markAction(mark, rowKeys);
    if (a.detail !== null) actions.openDetail(a.detail, { step: a.step, markers: true });
    else actions.setStep(a.step);
  }

  /** The episodes as text, each marker a button (the strip's keyboard access). */
  function drawChains() {
    clear(chains);
    episodeChains(tm).forEach((c, k) => {
      const li = el('li', { class: 'hd-tl-chain', 'data-episode': String(c.episode), 'data-severity': c.severity },
        el('span', { class: 'hd-hint', text: 'Episode ' + (k + 1) + ' · steps ' + formatNumber(c.first_step) + '–' +
          formatNumber(c.last_step) + ': ' }));
      c.marks.forEach((m, i) => {
        if (i) li.appendChild(el('span', { class: 'hd-tl-arrow', 'aria-hidden': 'true', text: ' → ' }));
        li.appendChild(el('button', { type: 'button', class: 'hd-tl-step hd-' + m.severity, 'data-marker': String(m.marker),
          'data-kind': m.kind, 'data-step': String(m.step), title: m.evidence, onclick: () => open(m),
          text: markerTitle(m.kind) + ' · ' + (m.layer !== null ? m.layer : m.tag !== null && m.evidence_from !== 'scalars'
            ? m.tag : 'run') + ' · step ' + formatNumber(m.step) + (m.first ? ' (first sign)' : '') }));
      });
      if (c.more) li.appendChild(el('span', { class: 'hd-hint', text: ' +' + c.more + ' more' }));
      chains.appendChild(li);
    });
  }

  return {
    /** Before the deferred first drawing (firstdraw.js): the strip's box at its final height, so the overview
     *  painted under it does not jump down when the chart arrives a frame later. */
    reserve(state) {
      if (state.phase !== 'ready' || !focusedModel(state)) return;
      const planned = stripData(state);
      chartDiv.classList.toggle('hd-hidden', planned.empty);
      if (!planned.empty) chartDiv.style.height = stripLayout(planned).height + 'px';
    },
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model) return;
      const compared = comparedModels(state);
      if (!drawn.changed(model, state.dark, state.colors, ...compared)) return;
      tm = stripData(state);
      rowKeys = new Set(model.rows.map((r) => r.key));
      container.dataset.empty = String(tm.empty);
      container.dataset.signals = tm.signals.filter((s) => !s.compared).map((s) => s.key).join(' ');
      container.dataset.compared = [...new Set(tm.signals.filter((s) => s.compared).map((s) => s.run))].length + '';
      container.dataset.lanes = String(tm.lanes.length);
      container.dataset.marks = String(tm.marks.length);
      container.dataset.bands = String(tm.bands.length);
      container.dataset.log = tm.axes.filter((a) => a.log).map((a) => a.id).join(' ');
      const first = tm.marks.find((m) => m.first);
      container.dataset.first = first ? String(first.marker) : '';
      const text = stripNote(tm, model.run);
      note.textContent = text;
      note.classList.toggle('hd-hidden', !text);
      chartDiv.classList.toggle('hd-hidden', tm.empty);
      drawChains();
      const t = themeColors(state.dark);
      clear(legend);
      for (const s of tm.signals) {
        const style = signalStyle(t, s, colorOf(state, s.run));
        legend.appendChild(el('span', { 'data-signal': s.key, 'data-run': s.run },
          el('span', { class: 'hd-tl-key', style: { borderTopColor: style.color, borderTopStyle: style.type } }),
          (s.compared ? s.run + ' ' : '') + s.label + (s.tag ? ' (' + s.tag + ')' : '')));
      }
      if (tm.chance !== null) {
        legend.appendChild(el('span', { 'data-signal': 'chance' },
          el('span', { class: 'hd-tl-key', style: { borderTopColor: t.text2, borderTopStyle: 'dotted' } }),
          'loss at chance ' + formatNumber(tm.chance) + (tm.classes !== null ? ' (' + tm.classes + ' classes)' : '')));
      }
      if (tm.empty) return; // the chart stays hidden
      chartDiv.style.height = stripLayout(tm).height + 'px';
      const c = chart.get();
      c.resize();
      redraw(c, timelineOption(t, tm, (run) => colorOf(state, run)));
      if (!clickBound) {
        clickBound = true;
        c.on('click', (p) => {
          if (p.componentType !== 'series' || p.seriesId !== TIMELINE_MARKS_ID || !tm) return;
          const mark = tm.marks[p.dataIndex];
          if (mark) open(mark);
        });
      }
    },
    dispose() {
      chart.dispose();
      clear(container);
    },
  };
}
