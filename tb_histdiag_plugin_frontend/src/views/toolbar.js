// The toolbar: title, status line, Thresholds toggle, CSV/JSON export of the focused run, Reload.

import { el } from '../dom.js';
import { buildStatsCsv, buildDiagnosisJson, exportFileName } from '../csv.js';
import { focusedModel } from '../select.js';

/** What an export button downloads for a model: {text, name, type}. */
export function exportFile(model, kind) {
  return kind === 'csv'
    ? { text: buildStatsCsv(model.doc), name: exportFileName(model.run, '-statistics.csv'), type: 'text/csv;charset=utf-8' }
    : { text: buildDiagnosisJson(model.doc), name: exportFileName(model.run, '-diagnosis.json'), type: 'application/json' };
}

export function mount(container, { store, actions, win }) {
  const timers = new Set();
  const status = el('span', { class: 'hd-status', role: 'status', 'aria-live': 'polite' });
  const button = (id, text, attrs) => el('button', { class: 'hd-btn', type: 'button', id, ...attrs }, text);
  const thresholdsBtn = button('hd-thresholds-toggle', 'Thresholds', { 'aria-expanded': 'false', 'aria-controls': 'hd-thresholds',
    onclick: () => actions.toggleThresholds() });
  const download = (kind) => {
    const model = focusedModel(store.get());
    if (!model) return;
    const f = exportFile(model, kind);
    const url = URL.createObjectURL(new Blob([f.text], { type: f.type }));
    const a = el('a', { href: url, download: f.name, class: 'hd-hidden' });
    container.appendChild(a);
    a.click();
    a.remove();
    const t = win.setTimeout(() => {
      timers.delete(t);
      URL.revokeObjectURL(url);
    }, 1000);
    timers.add(t);
  };
  const csvBtn = button('hd-export-csv', 'Export CSV', { title: 'Download the statistics of the focused run as CSV',
    onclick: () => download('csv') });
  const jsonBtn = button('hd-export-json', 'Export JSON', { title: 'Download the diagnosis of the focused run as JSON',
    onclick: () => download('json') });
  const reloadBtn = button('hd-reload', 'Reload', { title: 'Reload runs and diagnoses', onclick: () => actions.reload() });
  container.append(el('h1', { text: 'Histogram diagnostics' }), status, el('span', { class: 'hd-spacer' }),
    thresholdsBtn, csvBtn, jsonBtn, reloadBtn);
  return {
    render(state) {
      if (status.textContent !== state.status) status.textContent = state.status;
      thresholdsBtn.setAttribute('aria-expanded', state.thresholdsOpen ? 'true' : 'false');
      csvBtn.disabled = jsonBtn.disabled = !focusedModel(state);
    },
    dispose() {
      for (const t of timers) win.clearTimeout(t);
      container.replaceChildren();
    },
  };
}
