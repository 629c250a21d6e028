// The sweep view: one row per run, worst first, so "which of these runs has a sick layer?" is answered at a glance.
// Rows are virtualised (only the visible rows are in the DOM); names go in as text nodes only. At most VIEW_ROWS rows
// show at once (the table scrolls), so the per-run views below stay in sight; the header's toggle folds the table
// to its header line (state.sweepCollapsed, kept in the URL hash).
// The table's model (rows, sorting, row window, profile bars) is the pure module sweepTable.js.

import { el, clear } from '../dom.js';
import { markerTitle } from '../advice.js';
import { sweepRows, sortRows, rowWindow, profileBars, FINAL_KEYS } from '../sweepTable.js';
import { formatNumber } from '../format.js';

export const ROW_HEIGHT = 28;
const VIEW_ROWS = 8; // rows visible without scrolling (with the sick-layer summary below, on a 900 px window)
const PROFILE_W = 72;
const PROFILE_H = 18;
const PROFILE_LABELS = { gradients: 'gradient flow', weights: 'learning flow' };
const PROFILE_CAPTIONS = { gradients: 'grad.', weights: 'learn.' };

function drawProfile(canvas, values, color, missing) {
  const dpr = (typeof window !== 'undefined' && window.devicePixelRatio) || 1;
  canvas.width = Math.round(PROFILE_W * dpr);
  canvas.height = Math.round(PROFILE_H * dpr);
  const g = canvas.getContext('2d');
  if (!g) return;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  const bars = profileBars(values);
  const n = bars.length;
  if (!n) return;
  const w = PROFILE_W / n;
  bars.forEach((h, i) => {
    g.fillStyle = h === null ? missing : color;
    const bh = h === null ? 2 : Math.max(1, h * (PROFILE_H - 1));
    g.fillRect(i * w + (w > 3 ? 0.5 : 0), PROFILE_H - bh, Math.max(1, w - (w > 3 ? 1 : 0)), bh);
  });
}

function cssVar(node, name, fallback) {
  const v = node.ownerDocument.defaultView.getComputedStyle(node).getPropertyValue(name).trim();
  return v || fallback;
}

const CSS = `
.hd-sweep-scroll { overflow: auto; max-height: ${ROW_HEIGHT * VIEW_ROWS + 32}px; position: relative; }
.hd-sweep-table { width: 100%; border-collapse: collapse; table-layout: fixed; }
.hd-sweep-table th { position: sticky; top: 0; z-index: 1; background: var(--hd-surface); text-align: left;
  font-weight: 500; font-size: 12px; color: var(--hd-text2); padding: 0; border-bottom: 1px solid var(--hd-border); }
.hd-sweep-table th button { background: none; border: 0; padding: 4px 6px; cursor: pointer; width: 100%; text-align: left;
  color: inherit; font: inherit; white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.hd-sweep-table td { height: ${ROW_HEIGHT}px; padding: 0 6px; border-bottom: 1px solid var(--hd-border);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; }
.hd-sweep-row { cursor: pointer; }
.hd-sweep-row:hover { background: var(--hd-hover); }
.hd-sweep-row.hd-focused { background: var(--hd-selected); }
.hd-sweep-pad td { height: auto; padding: 0; border: 0; }
.hd-sweep-num { text-align: right; }
.hd-sweep-profile canvas { display: inline-block; vertical-align: middle; width: ${PROFILE_W}px; height: ${PROFILE_H}px; }
.hd-sweep-caption { font-size: 10px; color: var(--hd-text2); margin-left: 4px; vertical-align: middle; }
.hd-sweep-table th.hd-sweep-num button { text-align: right; }
.hd-sweep-filter { background: var(--hd-surface2); border: 1px solid var(--hd-border); border-radius: 4px; padding: 2px 6px; }
.hd-sweep-filter[aria-invalid="true"] { border-color: var(--hd-critical); }
.hd-sweep-invalid { color: var(--hd-critical); font-size: 12px; }
.hd-sweep-toggle { background: none; border: 0; padding: 0; cursor: pointer; color: inherit; font: inherit;
  display: inline-flex; align-items: center; gap: 4px; }
.hd-sweep-toggle h2 { margin: 0; }
.hd-sweep.hd-collapsed .hd-section-head { margin-bottom: 0; }
.hd-spin { display: inline-block; animation: hd-spin 1s linear infinite; }
@keyframes hd-spin { from { transform: rotate(0deg); } to { transform: rotate(360deg); } }
`;

const FINAL_LABELS = { loss: ['Loss', 'final training loss'], val_loss: ['Val loss', 'final validation loss'],
  accuracy: ['Acc.', 'final training accuracy'], val_accuracy: ['Val acc.', 'final validation accuracy'] };

// desc: the direction of a first click (worst or best first); nulls sort last either way (sweepTable.sortRows)
const FIXED_COLUMNS = [
  { key: 'critical', label: 'Critical', width: '66px', num: true },
  { key: 'warning', label: 'Warning', width: '66px', num: true },
  { key: 'first_sign', label: 'First sign', width: '16%', desc: false, title: 'the earliest sign of the run\'s first problem' },
  { key: 'worst', label: 'Worst marker', width: '12%' },
  { key: 'layer', label: 'Worst layer', width: '10%' },
  ...FINAL_KEYS.map((k) => ({ key: 'final_' + k, label: FINAL_LABELS[k][0], title: FINAL_LABELS[k][1], width: '60px',
    num: true, desc: /accuracy/.test(k) })),
  { key: 'profile', label: 'Depth profile', width: `${PROFILE_W + 48}px`, sortable: false },
  { key: 'last_step', label: 'Last step', width: '64px', num: true },
  { key: 'status', label: 'Status', width: '60px' },
];

/** The first-sign cell's text: "Exploding gradient · dense_2 · step 10" (the run as a whole: "· run ·"). */
export function firstSignText(fs) {
  if (!fs) return '';
  return markerTitle(fs.kind) + ' · ' + (fs.layer === null ? 'run' : fs.layer) + (fs.step === null ? '' : ' · step ' + fs.step);
}

/** Mount the sweep table into `container`; ctx = {store, actions, data}. */
export function mount(container, ctx) {
  const doc = container.ownerDocument;
  const style = el('style', { id: 'hd-sweep-style', text: CSS });
  doc.head.appendChild(style);
  let sortKey = 'health';
  let desc = true;
  let pattern = '';
  let last = null; // {rows, columns, …} of the latest render
  let focused = null;
  let dark = false;
  let scrollTop = 0;
  let colors = null; // profile colours of the current theme
  let drawnFocus;
  let drawnDark;
  let frame = 0;

  const filterInput = el('input', { type: 'search', class: 'hd-sweep-filter', id: 'hd-sweep-filter',
    placeholder: 'Filter runs (regex)', 'aria-label': 'Filter runs by regular expression', spellcheck: 'false' });
  const invalid = el('span', { class: 'hd-sweep-invalid hd-hidden', id: 'hd-sweep-invalid', role: 'alert', text: 'Invalid regex' });
  const countText = el('span', { class: 'hd-hint', id: 'hd-sweep-count' });
  const thead = el('thead');
  const colgroup = el('colgroup');
  const tbody = el('tbody');
  const table = el('table', { class: 'hd-sweep-table', role: 'grid', 'aria-label': 'Runs of the sweep' }, colgroup, thead, tbody);
  const scroller = el('div', { class: 'hd-sweep-scroll', id: 'hd-sweep-scroll' }, table);
  const caret = el('span', { class: 'hd-caret', 'aria-hidden': 'true', text: '▾' });
  const toggle = el('button', { type: 'button', class: 'hd-sweep-toggle', id: 'hd-sweep-toggle', 'aria-expanded': 'true',
    'aria-controls': 'hd-sweep-scroll', title: 'Fold or unfold the sweep table' }, caret, el('h2', { text: 'Sweep' }));
  const onToggle = () => ctx.actions.toggleSweep();
  toggle.addEventListener('click', onToggle);
  const section = el('section', { class: 'hd-section hd-sweep', id: 'hd-sweep', 'aria-label': 'Sweep' },
    el('div', { class: 'hd-section-head' }, toggle, countText, filterInput, invalid), scroller);
  let collapsed = null;
  function fold(next) {
    if (next === collapsed) return;
    collapsed = next;
    section.classList.toggle('hd-collapsed', next);
    scroller.classList.toggle('hd-hidden', next);
    toggle.setAttribute('aria-expanded', next ? 'false' : 'true');
    caret.textContent = next ? '▸' : '▾';
  }
  container.appendChild(section);

  const onInput = () => {
    if (ctx.actions.setRunFilter) ctx.actions.setRunFilter(filterInput.value); // shared with the run list
    else applyFilter(filterInput.value);
  };
  function applyFilter(text) {
    pattern = text;
    scroller.scrollTop = 0;
    scrollTop = 0;
    recompute();
  }
  const onScroll = () => {
    if (frame) return;
    frame = requestAnimationFrame(() => {
      frame = 0;
      scrollTop = scroller.scrollTop;
      drawRows();
    });
  };
  const rowOf = (target) => target && target.closest && target.closest('tr.hd-sweep-row');
  const onClick = (ev) => {
    const tr = rowOf(ev.target);
    if (tr && last) ctx.actions.focusRun(last.rows[Number(tr.dataset.index)].run);
  };
  const onKey = (ev) => {
    const tr = rowOf(ev.target);
    if (tr && last && (ev.key === 'Enter' || ev.key === ' ')) {
      ev.preventDefault();
      ctx.actions.focusRun(last.rows[Number(tr.dataset.index)].run);
    }
  };
  filterInput.addEventListener('input', onInput);
  scroller.addEventListener('scroll', onScroll, { passive: true });
  tbody.addEventListener('click', onClick);
  tbody.addEventListener('keydown', onKey);

  let runs = [];
  function recompute() {
    const model = sweepRows(runs, pattern);
    model.rows = sortRows(model.rows, sortKey, desc);
    last = model;
    nodes = new Map();
    filterInput.setAttribute('aria-invalid', model.valid ? 'false' : 'true');
    invalid.classList.toggle('hd-hidden', model.valid);
    countText.textContent = model.rows.length + ' of ' + model.total + ' runs' +
      (model.parts.prefix ? ' · common prefix “' + model.parts.prefix + '”' : '') +
      (model.parts.suffix ? ' · common suffix “' + model.parts.suffix + '”' : '');
    table.setAttribute('aria-rowcount', String(model.rows.length + 1));
    drawHead(model.columns);
    drawRows();
  }

  let headKey = null;
  function drawHead(kvColumns) {
    const key = JSON.stringify([kvColumns, sortKey, desc]);
    if (key === headKey) return;
    headKey = key;
    clear(thead);
    clear(colgroup);
    const cols = [{ key: 'run', label: 'Run', width: kvColumns.length ? '16%' : '20%' },
      ...kvColumns.map((k) => ({ key: 'kv:' + k, label: k, width: '72px', num: true })), ...FIXED_COLUMNS];
    const tr = el('tr');
    for (const c of cols) {
      colgroup.appendChild(el('col', { style: { width: c.width } }));
      const active = sortKey === c.key || (sortKey === 'health' && c.key === 'critical');
      const th = el('th', { scope: 'col', 'data-col': c.key, class: c.num ? 'hd-sweep-num' : null,
        'aria-sort': active ? (desc ? 'descending' : 'ascending') : 'none' });
      if (c.sortable === false) th.appendChild(el('span', { text: c.label, style: { padding: '4px 6px', display: 'block' } }));
      else {
        th.appendChild(el('button', { type: 'button', title: 'Sort by ' + (c.title || c.label),
          text: c.label + (active ? (desc ? ' ▼' : ' ▲') : ''),
          onclick: () => {
            if (sortKey === c.key || (sortKey === 'health' && c.key === 'critical')) desc = !desc;
            else {
              sortKey = c.key;
              desc = c.desc !== undefined ? c.desc : c.num || ['worst', 'status'].includes(c.key);
              if (c.key.startsWith('kv:') || c.key === 'run' || c.key === 'layer') desc = false;
            }
            recompute();
          } }));
      }
      tr.appendChild(th);
    }
    thead.appendChild(tr);
  }

  function cell(cls, text, title) {
    return el('td', { class: cls, text: text === null || text === undefined ? '' : String(text), title: title || null });
  }

  function rowNode(r, i, colors) {
    const pending = r.status === 'pending';
    const countCell = (sev) => {
      const v = r[sev];
      if (v === null) return el('td', { class: 'hd-sweep-num hd-hint', 'data-count': sev, title: pending ? 'being analysed' : 'no count', text: pending ? '…' : '–' });
      return el('td', { class: 'hd-sweep-num', 'data-count': sev },
        el('span', { class: 'hd-count ' + (v ? 'hd-sev-' + sev : 'hd-zero'), text: String(v) }));
    };
    const worst = r.worst
      ? el('td', { class: 'hd-sweep-worst', 'data-kind': r.worst.kind, 'data-severity': r.worst.severity, title: r.worst.severity },
        el('span', { class: 'hd-badge hd-sev-' + r.worst.severity, text: markerTitle(r.worst.kind) }))
      : cell('hd-sweep-worst', r.status === 'done' ? 'none' : '');
    const fs = r.first_sign;
    const first = fs
      ? el('td', { class: 'hd-sweep-first', 'data-kind': fs.kind, 'data-layer': fs.layer === null ? null : fs.layer,
        'data-step': fs.step === null ? null : String(fs.step), title: r.headline || firstSignText(fs), text: firstSignText(fs) })
      : cell('hd-sweep-first', r.status === 'done' ? 'none' : '', r.headline);
    const finals = FINAL_KEYS.map((k) => el('td', { class: 'hd-sweep-num hd-sweep-final', 'data-final': k,
      'data-value': r.final[k] === null ? null : String(r.final[k]), title: FINAL_LABELS[k][1],
      text: r.final[k] === null ? (pending ? '…' : '–') : formatNumber(r.final[k]) }));
    const prof = el('td', { class: 'hd-sweep-profile' });
    if (r.profile && r.profile.values.length) {
      const label = PROFILE_LABELS[r.profile.source] || r.profile.source;
      const canvas = el('canvas', { 'aria-label': label + ' by depth, input side left', title: label + ' by depth (input → output)' });
      drawProfile(canvas, r.profile.values, colors[r.profile.source] || colors.gradients, colors.missing);
      prof.dataset.source = r.profile.source;
      prof.append(canvas, el('span', { class: 'hd-sweep-caption', text: PROFILE_CAPTIONS[r.profile.source] || '' }));
    }
    const status = pending ? el('td', { class: 'hd-sweep-status', 'data-status': 'pending' }, el('span', { class: 'hd-spin', text: '◌' }), ' …')
      : cell('hd-sweep-status', r.status === 'error' ? 'error' : 'done');
    status.dataset.status = r.status;
    return el('tr', { class: 'hd-sweep-row' + (r.run === focused ? ' hd-focused' : ''), 'data-run': r.run, 'data-index': String(i),
      'aria-rowindex': String(i + 2), tabindex: '0', 'aria-selected': r.run === focused ? 'true' : 'false' },
    cell('hd-sweep-name', r.shown, r.run),
    ...last.columns.map((k) => cell('hd-sweep-num hd-sweep-kv', r.kv[k], k + '=' + (r.kv[k] === null ? '' : r.kv[k]))),
    countCell('critical'), countCell('warning'), first, worst, cell('hd-sweep-layer', r.layer, r.layer), ...finals, prof,
    cell('hd-sweep-num hd-sweep-step', r.last_step), status);
  }

  // Row nodes of the current model, by index; kept while their content is unchanged so that scrolling moves
  // existing nodes instead of rebuilding them (and a click's target survives a re-render).
  let nodes = new Map();
  const padTop = el('tr', { class: 'hd-sweep-pad', 'aria-hidden': 'true', 'data-pad': 'top' }, el('td'));
  const padBottom = el('tr', { class: 'hd-sweep-pad', 'aria-hidden': 'true', 'data-pad': 'bottom' }, el('td'));

  function drawRows() {
    if (!last) return;
    const span = String(last.columns.length + 1 + FIXED_COLUMNS.length);
    // No layout reads here (a store update must not force a layout of the whole page): the viewport is at most
    // VIEW_ROWS rows high (CSS max-height), the scroll position is the one the scroll handler last read.
    const w = rowWindow(scrollTop, ROW_HEIGHT * VIEW_ROWS, ROW_HEIGHT, last.rows.length);
    if (!colors || colors.dark !== dark) {
      colors = { dark, gradients: cssVar(section, '--hd-accent', '#f57c00'), weights: cssVar(section, '--hd-info', '#1976d2'),
        missing: cssVar(section, '--hd-text2', '#888888') };
    }
    const next = new Map();
    const wanted = [padTop];
    for (let i = w.start; i < w.end; i++) {
      const r = last.rows[i];
      const key = (r.run === focused ? 'f' : '') + (dark ? 'd' : ''); // colours follow the theme
      const have = nodes.get(i);
      const node = have && have.row === r && have.key === key ? have.node : rowNode(r, i, colors);
      next.set(i, { row: r, key, node });
      wanted.push(node);
    }
    wanted.push(padBottom);
    nodes = next;
    for (const [pad, h] of [[padTop, w.top], [padBottom, w.bottom]]) {
      pad.firstChild.setAttribute('colspan', span);
      pad.firstChild.style.height = h + 'px';
    }
    const current = [...tbody.children];
    if (current.length !== wanted.length || current.some((n, i) => n !== wanted[i])) tbody.replaceChildren(...wanted);
    section.dataset.rows = String(last.rows.length);
    drawnFocus = focused;
    drawnDark = dark;
  }

  return {
    render(state) {
      const list = state.runs || [];
      focused = state.run || null;
      dark = Boolean(state.dark);
      section.classList.toggle('hd-hidden', list.length < 2); // a sweep needs two runs at least
      fold(Boolean(state.sweepCollapsed));
      const wanted = typeof state.runFilter === 'string' ? state.runFilter : pattern;
      if (filterInput.value !== wanted && doc.activeElement !== filterInput) filterInput.value = wanted;
      if (wanted !== pattern) {
        runs = list;
        applyFilter(wanted);
        return;
      }
      if (list === runs && last) {
        // the store changes often (progress, status): redraw only when focus or theme did
        if (focused !== drawnFocus || dark !== drawnDark) drawRows();
        return;
      }
      runs = list;
      recompute();
    },
    dispose() {
      if (frame) cancelAnimationFrame(frame);
      filterInput.removeEventListener('input', onInput);
      toggle.removeEventListener('click', onToggle);
      scroller.removeEventListener('scroll', onScroll);
      tbody.removeEventListener('click', onClick);
      tbody.removeEventListener('keydown', onKey);
      section.remove();
      style.remove();
    },
  };
}
