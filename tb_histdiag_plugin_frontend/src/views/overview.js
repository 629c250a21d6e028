// The health overview: one row per layer in depth order with its markers and sparklines; layers of a repeated block
// collapse into one row (its worst marker first) that expands on click; ungrouped tags last, under their own header.

import { el, clear } from '../dom.js';
import { markerTitle } from '../advice.js';
import { countSeverities } from '../model.js';
import { drawSparkline } from '../sparkline.js';
import { blockOf, blockSeries, overviewEntries } from '../blocks.js';
import { colorOf, focusedModel } from '../select.js';
import { evidenceSource, memo } from './parts.js';

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
  const blocks = new Set(model.rows.map(blockOf).filter(Boolean)).size;
  return model.rows.length + ' rows' + (blocks ? ' in ' + blocks + ' blocks and single layers' : '') + ' · ' +
    c.critical + ' critical, ' + c.warning + ' warning, ' + c.info + ' info · statistics estimated from histogram buckets';
}

export function badgeClass(m) {
  return 'hd-badge hd-sev-' + (SEVERITIES.includes(m.severity) ? m.severity : 'info');
}

export function badgeTitle(m) {
  const source = evidenceSource(m);
  return markerTitle(m.kind) + ' (' + m.severity + ', steps ' + m.first_step + '–' + m.last_step +
    (source ? ', ' + source : '') + '): ' + (m.evidence || '');
}

function badge(m, text) {
  return el('button', { type: 'button', class: badgeClass(m), title: badgeTitle(m), 'data-kind': m.kind,
    'data-severity': m.severity, 'data-layer': m.layer === null || m.layer === undefined ? null : m.layer,
    'data-from': m.evidence_from || null, text: text || markerTitle(m.kind) });
}

/** True when every finite value is exactly 0 (a log sparkline would be blank: say so instead). */
export function allZero(values) {
  const finite = values.filter((v) => v !== null && Number.isFinite(v));
  return finite.length > 0 && finite.every((v) => v === 0);
}

function sparkCells(get) {
  const sparks = [];
  const cells = SPARKS.map(([role, stat, log]) => {
    const values = get(role, stat, log);
    if (!values) return el('td', null, el('span', { class: 'hd-hint', text: '—' }));
    if (log && allZero(values)) return el('td', null, el('span', { class: 'hd-hint hd-unchanged', text: '0: never changed' }));
    const canvas = el('canvas', { class: 'hd-spark', width: '120', height: '24', 'aria-label': ROLE_LABELS[role] + ' ' + stat + ' over steps' });
    sparks.push([canvas, values, log]);
    return el('td', null, canvas);
  });
  return { cells, sparks };
}

export function mount(container, { actions }) {
  const drawn = memo();
  let rowsByKey = new Map();
  let lastLayer = null;
  const onlyBox = el('input', { type: 'checkbox', id: 'hd-only-marked' });
  onlyBox.addEventListener('change', () => actions.setOnlyMarked(onlyBox.checked));

  function activate(tr, ev) {
    if (tr.dataset.block !== undefined && tr.classList.contains('hd-block')) {
      const b = ev && ev.target.closest('.hd-badge');
      if (b && b.dataset.layer) actions.openDetail(b.dataset.layer, { markers: true });
      else actions.toggleBlock(tr.dataset.block);
    } else {
      actions.openDetail(tr.dataset.key, { markers: Boolean(ev && ev.target.closest('.hd-badge')) });
    }
  }
  function onKey(ev) {
    const tr = ev.target.closest('tr[tabindex]');
    if (!tr) return;
    if (ev.key === 'Enter' || ev.key === ' ') {
      ev.preventDefault();
      activate(tr, null);
    } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      let next = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
      while (next && !next.hasAttribute('tabindex')) next = ev.key === 'ArrowDown' ? next.nextElementSibling : next.previousElementSibling;
      if (next) next.focus();
    }
  }
  function onClick(ev) {
    const tr = ev.target.closest('tr[tabindex]');
    if (tr) activate(tr, ev);
  }
  container.addEventListener('keydown', onKey);
  container.addEventListener('click', onClick);

  function layerRow(r, selected, inBlock) {
    const tr = el('tr', { tabindex: '0', 'data-key': r.key, 'data-layer': r.name,
      class: (selected ? 'hd-selected' : '') + (inBlock ? ' hd-in-block' : '') || null,
      'aria-selected': selected ? 'true' : 'false',
      'aria-label': r.name + (r.markers.length ? ', ' + r.markers.length + ' markers' : ', no markers') });
    const badges = el('div', { class: 'hd-badges' });
    const { shown, more } = visibleBadges(r.markers);
    for (const m of shown) badges.appendChild(badge(m));
    if (more) badges.appendChild(el('span', { class: 'hd-hint', text: '+' + more }));
    if (!r.markers.length) badges.appendChild(el('span', { class: 'hd-ok', text: 'ok' }));
    const { cells, sparks } = sparkCells((role, stat) => (r.series[role] && r.series[role].stats[stat]) || null);
    tr.append(el('td', { class: 'hd-depth', text: r.kind === 'layer' ? String(r.depth) : '' }),
      el('td', { class: 'hd-lname', title: r.name, text: r.name }), el('td', null, badges), ...cells);
    return { tr, sparks };
  }

  function blockRow(e) {
    const first = e.rows[0].depth;
    const last = e.rows[e.rows.length - 1].depth;
    const tr = el('tr', { tabindex: '0', class: 'hd-block', 'data-block': e.block, 'aria-expanded': e.open ? 'true' : 'false',
      'aria-label': 'block ' + e.block + ', ' + e.rows.length + ' layers, ' + (e.markers.length ? e.markers.length + ' markers' : 'no markers') });
    const badges = el('div', { class: 'hd-badges' });
    if (e.markers.length) {
      const worst = e.markers[0];
      badges.appendChild(badge(worst, markerTitle(worst.kind) + ' · ' + String(worst.layer || worst.tag || '').replace(e.block, '…')));
      if (e.markers.length > 1) badges.appendChild(el('span', { class: 'hd-hint', text: '+' + (e.markers.length - 1) }));
    } else {
      badges.appendChild(el('span', { class: 'hd-ok', text: 'ok' }));
    }
    const { cells, sparks } = sparkCells((role, stat, log) => {
      const v = blockSeries(e.rows, role, stat, log);
      return v.length ? v : null;
    });
    tr.append(el('td', { class: 'hd-depth', text: first === last ? String(first) : first + '–' + last }),
      el('td', { class: 'hd-lname', title: e.block },
        el('span', { class: 'hd-caret', 'aria-hidden': 'true', text: e.open ? '▾ ' : '▸ ' }),
        el('span', { class: 'hd-bname', text: e.block }),
        el('span', { class: 'hd-hint', text: ' · ' + e.rows.length + ' layers' })),
      el('td', null, badges), ...cells);
    return { tr, sparks };
  }

  function build(state, model) {
    const active = container.ownerDocument.activeElement;
    const refocus = active && container.contains(active) && active.closest('tr') ? active.closest('tr') : null;
    const refocusKey = refocus ? (refocus.dataset.key || 'block:' + refocus.dataset.block) : null;
    clear(container);
    onlyBox.checked = state.onlyMarked;
    container.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', { text: 'Health overview' }),
      el('span', { class: 'hd-swatch', style: { background: colorOf(state, model.run) }, 'aria-hidden': 'true' }),
      el('span', { class: 'hd-run-label', text: model.run }),
      el('span', { class: 'hd-hint', text: summaryText(model) }),
      el('span', { class: 'hd-spacer' }),
      el('label', { class: 'hd-controls hd-hint', for: 'hd-only-marked' }, onlyBox, 'only layers with markers')));
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
    let ungroupedHead = false;
    for (const e of overviewEntries(model.rows, { expanded: state.expanded, onlyMarked: state.onlyMarked, selected: state.layer })) {
      if (e.type === 'row' && e.row.kind === 'tag' && !ungroupedHead) {
        ungroupedHead = true;
        tbody.appendChild(el('tr', { class: 'hd-group' }, el('td', { colspan: '6', text: 'ungrouped · ' +
          model.ungrouped.length + ' tag' + (model.ungrouped.length === 1 ? '' : 's') + ' that belong to no layer' })));
      }
      const made = e.type === 'block' ? blockRow(e) : layerRow(e.row, state.layer === e.row.key, Boolean(e.block));
      if (e.type === 'row') rowsByKey.set(e.row.key, made.tr);
      else rowsByKey.set('block:' + e.block, made.tr);
      sparks.push(...made.sparks);
      tbody.appendChild(made.tr);
    }
    const hiddenTags = model.ungrouped.filter((t) => !model.rows.some((r) => r.kind === 'tag' && r.name === t));
    if (!ungroupedHead && model.ungrouped.length) {
      tbody.appendChild(el('tr', { class: 'hd-group' }, el('td', { colspan: '6', text: 'ungrouped · ' +
        model.ungrouped.length + ' tag(s) that belong to no layer: ' + model.ungrouped.join(', ') })));
    } else if (hiddenTags.length) {
      tbody.appendChild(el('tr', { class: 'hd-group' }, el('td', { colspan: '6', text: 'also ungrouped: ' + hiddenTags.join(', ') })));
    }
    table.appendChild(tbody);
    container.appendChild(table);
    const color = colorOf(state, model.run);
    for (const [canvas, values, log] of sparks) drawSparkline(canvas, values, { color, log });
    if (refocusKey && rowsByKey.has(refocusKey)) rowsByKey.get(refocusKey).focus();
  }

  return {
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model) return;
      const selectedRow = state.layer === null ? null : model.rows.find((r) => r.key === state.layer);
      if (drawn.changed(model, colorOf(state, model.run), state.expanded, state.onlyMarked,
        state.onlyMarked ? state.layer : blockOf(selectedRow))) build(state, model);
      for (const [key, tr] of rowsByKey) {
        if (key.startsWith('block:') && tr.classList.contains('hd-block')) continue;
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
