// The health rules' settings as a form: Apply probes the focused run first, Reset returns to the defaults.

import { el, clear } from '../dom.js';
import { formatNumber, toNumber } from '../format.js';

/**
 * Read the form: [[setting, raw text]] -> {next: {name: text}} holding only values that differ from the defaults,
 * or {error, name} for the first value that is not a number or out of the setting's range.
 */
export function readSettings(entries) {
  const next = {};
  for (const [s, text] of entries) {
    const raw = String(text).trim();
    const v = Number(raw);
    if (raw === '' || !Number.isFinite(v)) return { name: s.name, error: 'Not applied: ' + s.name + ' needs a number' };
    const lo = toNumber(s.min);
    const hi = toNumber(s.max);
    if ((lo !== null && v < lo) || (hi !== null && v > hi)) {
      return { name: s.name, error: 'Not applied: ' + s.name + ' must be between ' + formatNumber(lo) + ' and ' +
        formatNumber(hi) + ' (got ' + raw + ')' };
    }
    if (v !== Number(s.default)) next[s.name] = raw;
  }
  return { next };
}

export function inputId(name) {
  return 'hd-set-' + String(name).replace(/[^A-Za-z0-9_-]/g, '_');
}

function describe(s) {
  return (s.description || '') + ' (default ' + formatNumber(s.default, 4) +
    (s.min !== undefined && s.max !== undefined ? ', range ' + formatNumber(s.min) + ' to ' + formatNumber(s.max) : '') + ')';
}

export function mount(container, { actions }) {
  let shown = [];
  let inputs = [];
  let msgShown = null;
  const msg = el('p', { class: 'hd-threshold-msg', role: 'status', 'aria-live': 'polite' });
  const say = (m) => {
    msg.textContent = m ? m.text : '';
    msg.className = 'hd-threshold-msg' + (m && m.error ? ' hd-error' : '');
  };

  function build(state) {
    clear(container);
    inputs = [];
    container.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', { text: 'Thresholds' }),
      el('span', { class: 'hd-hint', text: 'Settings of the health rules. Changed values apply to every run shown here.' })));
    if (state.settingsError) {
      container.appendChild(el('p', { class: 'hd-error', text: 'Could not load the settings: ' + state.settingsError.message }));
      return;
    }
    if (!state.settingsSpec) {
      container.appendChild(el('p', { class: 'hd-hint', text: 'Loading settings…' }));
      return;
    }
    const grid = el('div', { class: 'hd-thresholds-grid' });
    for (const s of state.settingsSpec) {
      const id = inputId(s.name);
      const current = state.settings[s.name] !== undefined ? state.settings[s.name] : String(s.default);
      const input = el('input', { type: 'number', step: 'any', id, name: s.name, value: current,
        min: s.min === null || s.min === undefined ? null : String(s.min),
        max: s.max === null || s.max === undefined ? null : String(s.max),
        'data-default': String(s.default), title: s.source || '' });
      input.value = current;
      const mark = () => input.classList.toggle('hd-changed', Number(input.value) !== Number(s.default));
      input.addEventListener('input', mark);
      mark();
      inputs.push([s, input]);
      grid.appendChild(el('div', null, el('label', { for: id, text: s.name }), input, el('div', { class: 'hd-desc', text: describe(s) })));
    }
    const form = el('form', { id: 'hd-thresholds-form', novalidate: true }, grid,
      el('div', { class: 'hd-controls', style: { marginTop: '8px' } },
        el('button', { class: 'hd-btn hd-primary', type: 'submit', id: 'hd-thresholds-apply', text: 'Apply' }),
        el('button', { class: 'hd-btn', type: 'button', id: 'hd-thresholds-reset', text: 'Reset to defaults',
          onclick: () => actions.applySettings({}) })), msg);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const read = readSettings(inputs.map(([s, input]) => [s, input.value]));
      if (read.error) {
        say({ text: read.error, error: true });
        const bad = inputs.find(([s]) => s.name === read.name);
        if (bad) bad[1].focus();
        return;
      }
      actions.applySettings(read.next);
    });
    container.appendChild(form);
  }

  return {
    render(state) {
      container.classList.toggle('hd-hidden', !state.thresholdsOpen);
      if (!state.thresholdsOpen) {
        shown = [];
        return;
      }
      const inputsNow = [state.settingsSpec, state.settingsError, state.settings];
      const opening = !shown.length;
      if (opening || inputsNow.some((v, i) => !Object.is(v, shown[i]))) {
        shown = inputsNow;
        build(state);
        say(state.thresholdMsg);
        msgShown = state.thresholdMsg;
        if (opening) {
          const first = container.querySelector('input');
          if (first) first.focus();
        }
      }
      if (state.thresholdMsg !== msgShown) {
        msgShown = state.thresholdMsg;
        say(msgShown);
      }
    },
    dispose() {
      clear(container);
    },
  };
}
