// The health overview: one row per layer in depth order (ungrouped tags last) with its markers and sparklines.

import { el, clear } from '../dom.js';
import { markerTitle } from '../advice.js';
import { countSeverities } from '../model.js';
import { drawSparkline } from '../sparkline.js';
import { colorOf, focusedModel } from '../select.js';
import { memo } from './parts.js';

const ROLE_LABELS = { weights: 'Weights', bias: 'Bias', gradient: 'Gradient', activation: 'Activation' };
const SEVERITIES = ['critical', 'warning', 'info'];
export const SPARKS = [['gradient', 'rms', true], ['weights', 'rms', false], ['weights', 'change', true]];

/** The marker badges a row shows: info ones only when there are few markers; at most 4, plus how many more. */
export function visibleBadges(markers) {
  const visible = markers.filter((m) => m.severity !== 'info' || markers.length < 4);
  return { shown: visible.slice(0, 4), more: Math.max(0, visible.length - 4) };
}

export function summaryText(model) {
  const c = countSeverities(model.markers);
  return model.rows.length + ' rows · ' + c.critical + ' critical, ' + c.warning + ' warning, ' + c.info +
    ' info · statistics estimated from histogram buckets';
}

export function badgeClass(m) {
  return 'hd-badge hd-sev-' + (SEVERITIES.includes(m.severity) ? m.severity : 'info');
}

export function mount(container, { actions }) {
  const drawn = memo();
  let rowsByKey = new Map();
  let lastLayer = null;

  function onKey(ev) {
    const tr = ev.target.closest('tr[data-key]');
    if (!tr) return;
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      actions.openDetail(tr.dataset.key);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      const next = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
      if (next) next.focus();
    }
  }
  function onClick(ev) {
    const tr = ev.target.closest('tr[data-key]');
    if (!tr) return;
    actions.openDetail(tr.dataset.key, { markers: Boolean(ev.target.closest('.hd-badge')) });
  }
  container.addEventListener('keydown', onKey);
  container.addEventListener('click', onClick);

  function row(r, selected) {
    const tr = el('tr', { tabindex: '0', 'data-key': r.key, 'data-layer': r.name, class: selected ? 'hd-selected' : null,
      'aria-selected': selected ? 'true' : 'false',
      'aria-label': r.name + (r.markers.length ? ', ' + r.markers.length + ' markers' : ', no markers') });
    const badges = el('div', { class: 'hd-badges' });
    const { shown, more } = visibleBadges(r.markers);
    for (const m of shown) {
      badges.appendChild(el('button', { type: 'button', class: badgeClass(m),
        title: markerTitle(m.kind) + ' (' + m.severity + ', steps ' + m.first_step + '–' + m.last_step + '): ' + (m.evidence || ''),
        'data-kind': m.kind, 'data-severity': m.severity, text: markerTitle(m.kind) }));
    }
    if (more) badges.appendChild(el('span', { class: 'hd-hint', text: '+' + more }));
    if (!r.markers.length) badges.appendChild(el('span', { class: 'hd-ok', text: 'ok' }));
    const sparks = [];
    const cells = SPARKS.map(([role, stat, log]) => {
      const s = r.series[role];
      const canvas = el('canvas', { class: 'hd-spark', width: '120', height: '24',
        'aria-label': s ? ROLE_LABELS[role] + ' ' + stat + ' over steps' : 'no data' });
      if (s && s.stats[stat]) sparks.push([canvas, s.stats[stat], log]);
      return el('td', null, s ? canvas : el('span', { class: 'hd-hint', text: '—' }));
    });
    tr.append(el('td', { class: 'hd-depth', text: r.kind === 'layer' ? String(r.depth) : '' }),
      el('td', { class: 'hd-lname', title: r.name, text: r.name }), el('td', null, badges), ...cells);
    return { tr, sparks };
  }

  function build(state, model) {
    clear(container);
    container.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', { text: 'Health overview' }),
      el('span', { class: 'hd-swatch', style: { background: colorOf(state, model.run) }, 'aria-hidden': 'true' }),
      el('span', { class: 'hd-run-label', text: model.run }),
      el('span', { class: 'hd-hint', text: summaryText(model) })));
    rowsByKey = new Map();
    if (!model.rows.length) {
      container.appendChild(el('p', { class: 'hd-hint', text: 'This run has no histogram series.' }));
      return;
    }
    const table = el('table', { class: 'hd-overview', role: 'grid', 'aria-label': 'Layers in depth order' });
    table.appendChild(el('thead', null, el('tr', null,
      el('th', { text: 'Depth' }), el('th', { text: 'Layer' }), el('th', { text: 'Markers' }),
      el('th', { text: 'Gradient RMS (log)' }), el('th', { text: 'Weight RMS' }), el('th', { text: 'Weight change (log)' }))));
    const tbody = el('tbody');
    const sparks = [];
    for (const r of model.rows) {
      const made = row(r, state.layer === r.key);
      rowsByKey.set(r.key, made.tr);
      sparks.push(...made.sparks);
      tbody.appendChild(made.tr);
    }
    table.appendChild(tbody);
    container.appendChild(table);
    const color = colorOf(state, model.run);
    for (const [canvas, values, log] of sparks) drawSparkline(canvas, values, { color, log });
  }

  return {
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model) return;
      if (drawn.changed(model, colorOf(state, model.run))) build(state, model);
      for (const [key, tr] of rowsByKey) {
        const on = key === state.layer;
        tr.classList.toggle('hd-selected', on);
        tr.setAttribute('aria-selected', on ? 'true' : 'false');
      }
      // closing the detail gives the keyboard focus back to the layer's row
      if (lastLayer !== null && state.layer === null) {
        const doc = container.ownerDocument;
        const active = doc.activeElement;
        const tr = rowsByKey.get(lastLayer);
        if (tr && (!active || active === doc.body || active.closest('#hd-detail'))) tr.focus();
      }
      lastLayer = state.layer;
    },
    dispose() {
      container.removeEventListener('keydown', onKey);
      container.removeEventListener('click', onClick);
      clear(container);
    },
  };
}
