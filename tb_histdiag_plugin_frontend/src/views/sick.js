// The first thing on the page: the run's headline (one sentence from the server: its first problem and what followed,
// or that it learns), then which layers are sick. One chip per layer with a warning or critical marker, worst first;
// a click opens the layer's markers.

import { el, clear } from '../dom.js';
import { markerTitle } from '../advice.js';
import { SEVERITY_RANK } from '../colors.js';
import { countSeverities } from '../model.js';
import { focusedModel } from '../select.js';
import { evidenceSource, memo } from './parts.js';

export const MAX_CHIPS = 10;

/** Rows with a warning or critical marker, worst first (then depth): [{key, name, severity, worst, count}]. */
export function sickLayers(model) {
  const out = [];
  model.rows.forEach((r, order) => {
    const bad = r.markers.filter((m) => m.severity === 'critical' || m.severity === 'warning');
    if (bad.length) out.push({ key: r.key, name: r.name, severity: bad[0].severity, worst: bad[0], count: bad.length, order });
  });
  return out.sort((a, b) => (SEVERITY_RANK[b.severity] || 0) - (SEVERITY_RANK[a.severity] || 0) || a.order - b.order);
}

export function mount(container, { actions }) {
  const drawn = memo();
  return {
    render(state) {
      const model = focusedModel(state);
      if (state.phase !== 'ready' || !model || !drawn.changed(model)) return;
      clear(container);
      const sick = sickLayers(model);
      const c = countSeverities(model.markers);
      const layers = model.rows.filter((r) => r.kind === 'layer').length;
      container.dataset.sick = String(sick.length);
      const headline = typeof model.doc.headline === 'string' ? model.doc.headline.trim() : '';
      if (headline) container.appendChild(el('p', { class: 'hd-headline', id: 'hd-headline', text: headline }));
      const head = el('div', { class: 'hd-sick-head' }, el('h2', { text: 'Which layers are sick?' }));
      container.appendChild(head);
      if (!sick.length) {
        head.appendChild(el('span', { class: 'hd-ok', text: 'None: no warning or critical marker in ' + model.run +
          ' (' + layers + ' layers' + (c.info ? ', ' + c.info + ' info' : '') + ').' }));
        return;
      }
      head.appendChild(el('span', { class: 'hd-hint', text: c.critical + ' critical, ' + c.warning + ' warning in ' +
        sick.length + ' of ' + model.rows.length + ' rows' }));
      const list = el('div', { class: 'hd-chips' });
      for (const s of sick.slice(0, MAX_CHIPS)) {
        const source = evidenceSource(s.worst);
        list.appendChild(el('button', { type: 'button', class: 'hd-chip hd-' + s.severity, 'data-key': s.key,
          'data-severity': s.severity, 'data-kind': s.worst.kind, title: s.name + ': ' + (s.worst.evidence || ''),
          onclick: () => actions.openDetail(s.key, { markers: true }) },
        el('span', { class: 'hd-chip-name', text: s.name }),
        el('span', { class: 'hd-chip-kind', text: markerTitle(s.worst.kind) + (s.count > 1 ? ' +' + (s.count - 1) : '') +
          (source ? ' · ' + source : '') })));
      }
      if (sick.length > MAX_CHIPS) {
        list.appendChild(el('button', { type: 'button', class: 'hd-btn hd-chip-more', text: '+' + (sick.length - MAX_CHIPS) +
          ' more: show only layers with markers', onclick: () => actions.setOnlyMarked(true) }));
      }
      container.appendChild(list);
    },
    dispose() {
      clear(container);
    },
  };
}
