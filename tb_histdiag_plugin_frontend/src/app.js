// The histdiag tab, wired: a store (store.js), the data module (data.js), actions (actions.js) and one view per
// part of the page (views/). Views draw from the state and call actions; nothing else talks to anything.

import { el } from './dom.js';
import { timed } from './timing.js';
import { api } from './api.js';
import { injectStyles } from './styles.js';
import { createStore, initialState, syncHash } from './store.js';
import { createData } from './data.js';
import { createActions } from './actions.js';
import { watchTheme } from './theme.js';
import { deferFirstDraw } from './firstdraw.js';
import * as toolbar from './views/toolbar.js';
import * as runList from './views/runList.js';
import * as message from './views/message.js';
import * as thresholds from './views/thresholds.js';
import * as overview from './views/overview.js';
import * as sick from './views/sick.js';
import * as timeline from './views/timeline.js';
import * as flow from './views/flow.js';
import * as learning from './views/learning.js';
import * as heatmap from './views/heatmap.js';
import * as detail from './views/detail.js';
import * as sweep from './views/sweep.js';
import * as stepRange from './views/stepRange.js';

/** The page's skeleton: every view's container, in page order. */
function skeleton() {
  const section = (id, label, hidden) => el('section', { class: 'hd-section' + (hidden ? ' hd-hidden' : ''), id, 'aria-label': label });
  const parts = {
    toolbar: el('header', { class: 'hd-toolbar' }),
    progress: el('div', { class: 'hd-progress', 'aria-hidden': 'true' }),
    runList: el('aside', { class: 'hd-side', 'aria-label': 'Runs' }),
    message: el('div', { class: 'hd-messages' }),
    thresholds: el('section', { class: 'hd-section hd-thresholds hd-hidden', id: 'hd-thresholds', 'aria-label': 'Thresholds' }),
    overview: section('hd-overview', 'Health overview'),
    timeline: section('hd-timeline', 'Training timeline'),
    sick: section('hd-sick', 'Which layers are sick'),
    flow: section('hd-flow', 'Gradient flow'),
    learning: section('hd-learn', 'Learning flow', true),
    heatmap: section('hd-heatmap', 'Layers by steps heatmap'),
    detail: section('hd-detail', 'Layer detail', true),
    sweep: el('div', { class: 'hd-sweep-host' }),
    stepRange: el('div', { class: 'hd-step-range-host' }),
  };
  parts.sections = el('div', { class: 'hd-sections hd-hidden' }, parts.thresholds, parts.stepRange, parts.timeline, parts.sick,
    parts.overview, el('div', { class: 'hd-row2' }, parts.flow, parts.learning, parts.heatmap), parts.detail);
  parts.main = el('main', { class: 'hd-main', id: 'hd-main' }, parts.sweep, parts.message, parts.sections);
  parts.root = el('div', { class: 'hd-root', id: 'histdiag', 'data-state': 'loading' }, parts.toolbar, parts.progress,
    el('div', { class: 'hd-body' }, parts.runList, parts.main));
  return parts;
}

/** The views in render order (the overview before the detail: closing the detail hands focus back to a row). */
const VIEWS = [['toolbar', toolbar], ['runList', runList], ['sweep', sweep], ['message', message],
  ['thresholds', thresholds], ['stepRange', stepRange], ['timeline', timeline], ['sick', sick], ['overview', overview], ['flow', flow], ['learning', learning],
  ['heatmap', heatmap], ['detail', detail]];

export function createApp(doc, win) {
  const style = injectStyles(doc);
  const store = createStore(initialState(win.location.hash));
  const data = createData({ store, api, win });
  const actions = createActions({ store, data });
  const parts = skeleton();
  doc.body.appendChild(parts.root);

  /** The page-level state: phase, progress, theme, and the sections shown only once a run is ready. */
  function layout(state) {
    parts.root.dataset.state = state.phase;
    parts.root.dataset.busy = state.busy > 0 ? 'true' : 'false';
    parts.root.dataset.theme = state.dark ? 'dark' : 'light';
    parts.progress.classList.toggle('hd-on', state.busy > 0);
    doc.documentElement.classList.toggle('hd-dark', state.dark);
    parts.sections.classList.toggle('hd-hidden', state.phase !== 'ready');
  }

  const ctx = { store, actions, data, win, doc };
  const views = VIEWS.map(([name, view]) => view.mount(parts[name], ctx));
  const later = deferFirstDraw(win, parts.root, (i) => {
    const state = store.get();
    timed('hd:render ' + VIEWS[i][0], () => views[i].render(state, state));
  });
  const render = (state, prev) => {
    layout(state);
    views.forEach((v, i) => {
      if (state.phase === 'ready' && later.defers(VIEWS[i][0], i)) {
        if (v.reserve) v.reserve(state); // its box at its final size now, drawn after the overview's paint
        return;
      }
      timed('hd:render ' + VIEWS[i][0], () => v.render(state, prev));
    });
  };
  const unsubscribe = store.subscribe(render);
  render(store.get());
  const unsyncHash = syncHash(store, win, (next) => actions.applyHashState(next));
  const theme = watchTheme(win, (dark) => store.set({ dark }));
  data.startPolling(() => {
    theme.check();
    if (store.get().phase !== 'loading') actions.refresh({ quiet: true });
  }, undefined, () => actions.refresh({ quiet: true })); // fast while runs are being analysed (data.js)
  store.set({ status: 'Loading…' });
  actions.refresh();

  return {
    store,
    actions,
    get state() {
      return store.get();
    },
    refresh: actions.refresh,
    /** Remove everything the tab added: timers, listeners, observers, charts, nodes and styles. */
    dispose() {
      later.dispose();
      data.dispose();
      theme.dispose();
      unsyncHash();
      unsubscribe();
      for (const v of views) v.dispose();
      parts.root.remove();
      if (style) style.remove();
      doc.documentElement.classList.remove('hd-dark');
    },
  };
}
