// Layer detail: the layer's markers with evidence and advice, and per role (weights, bias, gradient, activation)
// percentile bands over steps (zoom or drag on their step axis loads that window at full resolution, parts.js
// stepZoom), the stored histogram at the chosen step and a statistics table; above them the weight norm over steps,
// one line per compared run (weightNormCard.js).

import { el, clear } from '../dom.js';
import { markerTitle, markerAdvice } from '../advice.js';
import { ROLES, stepShown, unionSteps } from '../model.js';
import { statNames } from '../csv.js';
import { formatNumber, formatCount, formatPercent, toNumber } from '../format.js';
import { bandsOption, histogramOption, redraw, themeColors } from '../charts.js';
import { colorOf, focusedModel } from '../select.js';
import { chartIn, evidenceSource, memo, stepSlider, stepZoom } from './parts.js';
import { badgeClass } from './overview.js';
import { weightNormCard } from './weightNormCard.js';

const ROLE_LABELS = { weights: 'Weights', bias: 'Bias', gradient: 'Gradient', activation: 'Activation' };

/** The statistics table at step index i: [[name, text]] in statNames order, formatted per kind. */
export function statRows(s, i) {
  return statNames({ series: [s] }).filter((k) => s.stats[k]).map((name) => {
    const v = i >= 0 ? s.stats[name][i] : null;
    return [name, name === 'count' ? formatCount(v) : /fraction/.test(name) ? formatPercent(v) : formatNumber(v)];
  });
}

function markerItem(m) {
  const source = evidenceSource(m);
  return el('li', { class: 'hd-marker hd-' + m.severity, 'data-kind': m.kind, 'data-severity': m.severity },
    el('div', null,
      el('span', { class: badgeClass(m), text: m.severity }), ' ',
      el('span', { class: 'hd-marker-title', text: markerTitle(m.kind) }),
      el('span', { class: 'hd-hint', text: ' · steps ' + m.first_step + '–' + m.last_step + ' · ' + (m.tag || '') }),
      source ? el('span', { class: 'hd-source', 'data-from': m.evidence_from, text: source }) : null),
    el('p', { class: 'hd-evidence', text: m.evidence || '' }),
    el('p', { class: 'hd-advice', text: 'What to do: ' + markerAdvice(m.kind) }));
}

export function mount(container, { actions, data, store, win }) {
  const charts = [];
  let cards = [];
  const built = memo();
  const slider = stepSlider('hd-detail-step', (step) => actions.setStep(step));
  const onKey = (ev) => {
    if (ev.key === 'Escape') actions.closeDetail();
  };
  container.addEventListener('keydown', onKey);

  const zooms = [];
  let norm = null;
  function disposeCharts() {
    if (norm) norm.dispose();
    norm = null;
    for (const z of zooms) z.dispose();
    zooms.length = 0;
    for (const c of charts) c.dispose();
    charts.length = 0;
    cards = [];
  }

  function card(state, model, row, role) {
    const s = row.series[role];
    const color = colorOf(state, model.run);
    const bands = el('div', { class: 'hd-chart hd-small hd-bands', 'data-role': role, role: 'img',
      'aria-label': ROLE_LABELS[role] + ' percentile bands over steps' });
    const hist = el('div', { class: 'hd-chart hd-small hd-hist', 'data-role': role, role: 'img',
      'aria-label': ROLE_LABELS[role] + ' histogram at the chosen step' });
    const histTitle = el('div', { class: 'hd-hint hd-hist-title' });
    const table = el('table', { class: 'hd-stats', 'data-role': role });
    const title = row.kind === 'tag' ? (row.otherRole && row.otherRole !== role ? row.otherRole : 'Values') : ROLE_LABELS[role];
    const node = el('div', { class: 'hd-card', 'data-role': role },
      el('h3', { text: title }), el('div', { class: 'hd-tag', text: s.tag }),
      el('div', { class: 'hd-hint', text: 'percentile bands p1–p99, p5–p95, p25–p75; line: median, dotted: mean' }),
      bands, histTitle, hist, table);
    const bc = chartIn(bands, win);
    const hc = chartIn(hist, win);
    charts.push(bc, hc);
    const zoom = stepZoom({ actions, store, win });
    zooms.push(zoom);
    const update = (st) => {
      const step = stepShown(s, st.step);
      const t = themeColors(st.dark);
      const shown = zoom.draw(s.steps, st.stepRange);
      bands.dataset.steps = String(s.steps.length);
      bands.dataset.window = shown ? s.steps[shown[0]] + '-' + s.steps[shown[1]] : '';
      redraw(bc.get(), bandsOption(t, s, color, step, shown));
      zoom.bind(bc.get());
      clear(table);
      const i = step === null ? -1 : s.steps.indexOf(step);
      const rows = statRows(s, i);
      const tbody = el('tbody');
      for (let k = 0; k < rows.length; k += 2) {
        tbody.appendChild(el('tr', null, rows.slice(k, k + 2).map(([n, v]) => [el('td', { text: n }), el('td', { text: v })])));
      }
      if (i >= 0 && s.non_finite[i]) {
        tbody.appendChild(el('tr', null, el('td', { text: 'non-finite', class: 'hd-error' }),
          el('td', { text: 'NaN/Inf at this step', class: 'hd-error' })));
      }
      table.append(el('caption', { class: 'hd-hint', style: { textAlign: 'left' },
        text: 'Statistics at step ' + (step === null ? '—' : step) + ' (estimated from buckets)' }), tbody);
      const hcChart = hc.get();
      if (step === null) {
        histTitle.textContent = 'No data at this step.';
        hcChart.clear();
        return;
      }
      histTitle.textContent = 'Histogram at step ' + step + ' (loading…)';
      data.histogram(model.run, s.tag, step).then((h) => {
        if (hcChart.isDisposed()) return;
        const buckets = (h.buckets || []).map((b) => [toNumber(b[0]), toNumber(b[1]), toNumber(b[2])])
          .filter((b) => b.every((v) => v !== null && Number.isFinite(v)));
        histTitle.textContent = 'Histogram at step ' + step + (buckets.length ? '' : ': no finite values') +
          (h.non_finite ? ' (the tensor held NaN/Inf)' : '');
        hist.dataset.buckets = String(buckets.length);
        hcChart.setOption(histogramOption(t, buckets, color), true);
      }, (e) => {
        if (!hcChart.isDisposed()) histTitle.textContent = 'Histogram at step ' + step + ' could not be loaded: ' + e.message;
      });
    };
    return { node, update };
  }

  function build(state, model, row) {
    disposeCharts();
    clear(container);
    const present = ROLES.filter((r) => row.series[r]);
    const steps = unionSteps([{ steps: [].concat(...present.map((r) => row.series[r].steps)) }]);
    slider.update(steps.length ? steps : model.steps, state.step);
    container.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', null, 'Layer detail: ', el('span', { class: 'hd-detail-name', text: row.name })),
      el('span', { class: 'hd-hint', text: 'run ' + model.run + (row.kind === 'layer' ? ' · depth ' + row.depth : ' · tag outside any layer') }),
      slider.node, el('span', { class: 'hd-spacer' }),
      el('button', { class: 'hd-btn', type: 'button', id: 'hd-detail-close', onclick: () => actions.closeDetail(), text: 'Close' })));
    if (row.markers.length) {
      container.appendChild(el('ul', { class: 'hd-markers', 'aria-label': 'Markers' }, row.markers.map(markerItem)));
    } else {
      container.appendChild(el('p', { class: 'hd-ok', text: 'No markers: nothing unusual found in this layer.' }));
    }
    norm = weightNormCard({ actions, store, win });
    container.appendChild(norm.node);
    const grid = el('div', { class: 'hd-detail-grid' });
    container.appendChild(grid);
    for (const role of present) {
      const c = card(state, model, row, role);
      grid.appendChild(c.node);
      cards.push(c);
    }
  }

  let lastStep;
  let lastKey = null;
  return {
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model) return;
      const row = state.layer === null ? null : model.rows.find((r) => r.key === state.layer);
      if (!row) {
        if (built.changed(null)) {
          disposeCharts();
          clear(container);
        }
        lastKey = null;
        container.classList.add('hd-hidden');
        return;
      }
      container.classList.remove('hd-hidden');
      const rebuilt = built.changed(model, row, state.dark, state.colors);
      if (rebuilt) build(state, model, row);
      if (state.reveal && row.key !== lastKey) { // opened by the user (actions.openDetail), not restored from the URL
        const target = state.reveal === 'markers' ? container.querySelector('.hd-markers') || container : container;
        if (target.scrollIntoView) target.scrollIntoView({ block: 'nearest' });
      }
      if (rebuilt || state.step !== lastStep) {
        slider.update(null, state.step);
        for (const c of cards) c.update(state);
      }
      if (norm) norm.update(state, row); // also when compared runs arrive or change (it keeps its own memo)
      lastStep = state.step;
      lastKey = row.key;
    },
    dispose() {
      container.removeEventListener('keydown', onKey);
      disposeCharts();
      clear(container);
    },
  };
}
