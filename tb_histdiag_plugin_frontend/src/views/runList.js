// The run summary on the left: every run (natural order) with its colour and marker counts; click focuses, the box
// compares.

import { el, clear } from '../dom.js';
import { countSeverities } from '../model.js';
import { toNumber } from '../format.js';
import { colorOf } from '../select.js';
import { runFilter } from '../runnames.js';
import { naturalCompare } from '../natsort.js';

/**
 * Marker counts shown for a run: the listing's (null while the server is still analysing the run), or the loaded
 * diagnosis' when custom thresholds apply.
 */
export function runCounts(state, r) {
  const custom = Object.keys(state.settings).length > 0;
  const loaded = state.models.get(r.run);
  if (custom && loaded && loaded.model) return { ...countSeverities(loaded.model.markers), custom: true };
  return { critical: toNumber(r.critical), warning: toNumber(r.warning), custom: false };
}

export function mount(container, { actions }) {
  const list = el('ul', { class: 'hd-runlist', 'aria-label': 'Runs' });
  const filtered = el('p', { class: 'hd-hint hd-hidden', id: 'hd-runlist-filtered' });
  container.append(el('h2', { text: 'Runs' }),
    el('p', { class: 'hd-hint', text: 'Click a name to focus a run; tick boxes to compare runs.' }), filtered, list);
  let last = [];
  return {
    render(state) {
      const inputs = [state.runs, state.compare, state.run, state.colors, state.settings, state.phase, state.runFilter,
        Object.keys(state.settings).length ? state.models : null];
      if (inputs.every((v, i) => Object.is(v, last[i]))) return;
      last = inputs;
      // keep keyboard focus on the same control across the rebuild
      const active = container.ownerDocument.activeElement;
      const li = active && list.contains(active) ? active.closest('.hd-run') : null;
      const refocus = li ? [li.dataset.run, active.tagName] : null;
      clear(list);
      if (!state.runs.length) {
        list.appendChild(el('li', { class: 'hd-hint', style: { padding: '0 16px' },
          text: state.phase === 'loading' ? 'Loading…' : 'No runs with histograms.' }));
        return;
      }
      // the sweep's regex filter (TensorBoard's semantics) narrows this list too; names in natural order (Exp_2
      // before Exp_10), the order the run colours are assigned in (colors.js)
      const filter = runFilter(state.runFilter);
      const shown = state.runs.filter((r) => filter.test(r.run)).sort((a, b) => naturalCompare(a.run, b.run));
      filtered.classList.toggle('hd-hidden', shown.length === state.runs.length);
      filtered.textContent = filter.valid ? shown.length + ' of ' + state.runs.length + ' runs match the filter'
        : 'Invalid regex: no run matches';
      for (const r of shown) {
        const counts = runCounts(state, r);
        const checked = state.compare.includes(r.run);
        const cb = el('input', { type: 'checkbox', 'aria-label': 'Compare ' + r.run, checked });
        cb.checked = checked;
        cb.addEventListener('change', () => actions.toggleCompare(r.run, cb.checked));
        const nameBtn = el('button', { class: 'hd-runname', type: 'button', title: r.run, text: r.run,
          'aria-pressed': state.run === r.run ? 'true' : 'false', onclick: () => actions.focusRun(r.run) });
        const badge = (sev) => (counts[sev] === null ? el('span', { class: 'hd-count hd-zero', text: '…',
          title: 'being analysed', 'data-severity': sev, 'data-pending': 'true' }) : el('span', {
          class: 'hd-count ' + (counts[sev] ? 'hd-sev-' + sev : 'hd-zero'), text: String(counts[sev]),
          title: counts[sev] + ' ' + sev + ' marker' + (counts[sev] === 1 ? '' : 's') + (counts.custom ? ' (custom thresholds)' : ''),
          'data-severity': sev,
        }));
        const item = el('li', { class: 'hd-run' + (state.run === r.run ? ' hd-focused' : ''), 'data-run': r.run },
          cb, el('span', { class: 'hd-swatch', style: { background: colorOf(state, r.run) }, 'aria-hidden': 'true' }),
          nameBtn, badge('critical'), badge('warning'));
        list.appendChild(item);
        if (refocus && refocus[0] === r.run) (refocus[1] === 'INPUT' ? cb : nameBtn).focus();
      }
    },
    dispose() {
      container.replaceChildren();
    },
  };
}
