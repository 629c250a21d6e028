// The histdiag tab: run summary, health overview, gradient flow, heatmap, layer detail, thresholds, export.

import { el, clear } from './dom.js';
import { api } from './api.js';
import { injectStyles } from './styles.js';
import { decodeState, encodeState } from './hashstate.js';
import { assignRunColors, SEVERITY_COLORS } from './colors.js';
import { formatNumber, formatCount, formatPercent, toNumber } from './format.js';
import { buildStatsCsv, buildDiagnosisJson, exportFileName, statNames } from './csv.js';
import { markerTitle, markerAdvice } from './advice.js';
import {
  ROLES, HEATMAP_STATS, buildModel, heatmapMatrix, gradientFlow, mergeLayerAxes, unionSteps, valueAtStep,
  stepShown, countSeverities, indexAtOrBefore,
} from './model.js';
import { drawSparkline } from './sparkline.js';
import { echarts, themeColors, gradientFlowOption, heatmapOption, bandsOption, histogramOption } from './charts.js';

const POLL_MS = 30000;
const ROLE_LABELS = { weights: 'Weights', bias: 'Bias', gradient: 'Gradient', activation: 'Activation' };
const SEVERITY_LABELS = { critical: 'critical', warning: 'warning', info: 'info' };

export function createApp(doc, win) {
  const state = decodeState(win.location.hash);
  let runs = [];
  let runColors = new Map();
  const models = new Map(); // run -> {key, model} | {key, error}
  let settingsSpec = null;
  let settingsError = null;
  let phase = 'loading';
  let dark = false;
  let pending = 0;
  let lastMarkerSummary = null;
  const charts = { flow: null, heat: null, detail: [] };
  const histCache = new Map();
  let renderToken = 0;

  // ---------- skeleton ----------
  injectStyles(doc);
  const status = el('span', { class: 'hd-status', role: 'status', 'aria-live': 'polite' });
  const progress = el('div', { class: 'hd-progress', 'aria-hidden': 'true' });
  const reloadBtn = el('button', { class: 'hd-btn', type: 'button', id: 'hd-reload', title: 'Reload runs and diagnoses' }, 'Reload');
  const thresholdsBtn = el('button', { class: 'hd-btn', type: 'button', id: 'hd-thresholds-toggle', 'aria-expanded': 'false',
    'aria-controls': 'hd-thresholds' }, 'Thresholds');
  const csvBtn = el('button', { class: 'hd-btn', type: 'button', id: 'hd-export-csv', title: 'Download the statistics of the focused run as CSV' }, 'Export CSV');
  const jsonBtn = el('button', { class: 'hd-btn', type: 'button', id: 'hd-export-json', title: 'Download the diagnosis of the focused run as JSON' }, 'Export JSON');
  const toolbar = el('header', { class: 'hd-toolbar' },
    el('h1', { text: 'Histogram diagnostics' }), status, el('span', { class: 'hd-spacer' }),
    thresholdsBtn, csvBtn, jsonBtn, reloadBtn);
  const runList = el('ul', { class: 'hd-runlist', 'aria-label': 'Runs' });
  const side = el('aside', { class: 'hd-side', 'aria-label': 'Runs' },
    el('h2', { text: 'Runs' }),
    el('p', { class: 'hd-hint', text: 'Click a name to focus a run; tick boxes to compare runs.' }), runList);
  const main = el('main', { class: 'hd-main', id: 'hd-main' });
  const body = el('div', { class: 'hd-body' }, side, main);
  const root = el('div', { class: 'hd-root', id: 'histdiag', 'data-state': 'loading' }, toolbar, progress, body);
  doc.body.appendChild(root);

  const thresholdsSection = el('section', { class: 'hd-section hd-thresholds hd-hidden', id: 'hd-thresholds', 'aria-label': 'Thresholds' });
  const overviewSection = el('section', { class: 'hd-section', id: 'hd-overview', 'aria-label': 'Health overview' });
  const flowSection = el('section', { class: 'hd-section', id: 'hd-flow', 'aria-label': 'Gradient flow' });
  const heatSection = el('section', { class: 'hd-section', id: 'hd-heatmap', 'aria-label': 'Layers by steps heatmap' });
  const detailSection = el('section', { class: 'hd-section hd-hidden', id: 'hd-detail', 'aria-label': 'Layer detail' });
  const chartsRow = el('div', { class: 'hd-row2' }, flowSection, heatSection);

  // ---------- helpers ----------
  function setPhase(p) {
    phase = p;
    root.dataset.state = p;
  }
  function busy(delta) {
    pending += delta;
    progress.classList.toggle('hd-on', pending > 0);
    root.dataset.busy = pending > 0 ? 'true' : 'false';
  }
  function saveHash() {
    const h = '#' + encodeState(state);
    if (win.location.hash !== h && !(h === '#' && !win.location.hash)) {
      try {
        // absolute URL: a bare '#…' would resolve against the entry page's <base href>
        win.history.replaceState(win.history.state, '', win.location.href.split('#')[0] + h);
      } catch (e) {
        win.location.hash = h;
      }
    }
  }
  function settingsKey() {
    return encodeState({ settings: state.settings, compare: [] });
  }
  function runInfo(name) {
    return runs.find((r) => r.run === name) || null;
  }
  function colorOf(run) {
    return runColors.get(run) || '#888888';
  }
  function focusedModel() {
    const m = models.get(state.run);
    return m && m.model ? m.model : null;
  }
  function download(text, name, type) {
    const blob = new Blob([text], { type });
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: name, class: 'hd-hidden' });
    doc.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 1000);
  }
  function makeChart(container) {
    const c = echarts.init(container, null, { renderer: 'canvas' });
    return c;
  }
  function disposeDetailCharts() {
    for (const c of charts.detail) c.dispose();
    charts.detail = [];
  }

  // ---------- theme ----------
  function parentDark() {
    try {
      if (win.parent && win.parent !== win && win.parent.document && win.parent.document.body) {
        return win.parent.document.body.classList.contains('dark-mode');
      }
    } catch (e) {
      // cross-origin parent: ignore
    }
    return null;
  }
  function computeDark() {
    const p = parentDark();
    if (p === true) return true;
    return Boolean(win.matchMedia && win.matchMedia('(prefers-color-scheme: dark)').matches);
  }
  function applyTheme(force) {
    const d = computeDark();
    if (d === dark && !force) return;
    dark = d;
    doc.documentElement.classList.toggle('hd-dark', dark);
    root.dataset.theme = dark ? 'dark' : 'light';
    if (!force && phase === 'ready') renderCharts();
  }
  function watchTheme() {
    if (win.matchMedia) {
      const mq = win.matchMedia('(prefers-color-scheme: dark)');
      const onChange = () => applyTheme(false);
      if (mq.addEventListener) mq.addEventListener('change', onChange);
      else if (mq.addListener) mq.addListener(onChange);
    }
    try {
      if (win.parent && win.parent !== win && win.parent.document && win.parent.document.body) {
        const Obs = win.parent.MutationObserver || win.MutationObserver;
        new Obs(() => applyTheme(false)).observe(win.parent.document.body, { attributes: true, attributeFilter: ['class'] });
      }
    } catch (e) {
      // cross-origin parent: prefers-color-scheme only
    }
  }

  // ---------- data ----------
  async function loadRuns(quiet) {
    if (!quiet) busy(1);
    try {
      const body = await api.runs();
      const list = Array.isArray(body.runs) ? body.runs.filter((r) => r && typeof r.run === 'string') : [];
      return list;
    } finally {
      if (!quiet) busy(-1);
    }
  }

  async function ensureModels(names) {
    const key = settingsKey();
    const jobs = names.map(async (name) => {
      const info = runInfo(name);
      const full = key + '|' + (info ? info.last_step : '') + '|' + (info ? info.tags : '');
      const have = models.get(name);
      if (have && have.key === full) return;
      busy(1);
      try {
        const doc2 = await api.diagnostics(name, state.settings);
        models.set(name, { key: full, model: buildModel(doc2) });
      } catch (e) {
        models.set(name, { key: full, error: e });
      } finally {
        busy(-1);
      }
    });
    await Promise.all(jobs);
  }

  function normaliseSelection() {
    const names = runs.map((r) => r.run);
    state.compare = state.compare.filter((r) => names.includes(r));
    if (!state.run || !names.includes(state.run)) state.run = state.compare[0] || worstRun() || null;
    if (state.run && !state.compare.includes(state.run)) state.compare.unshift(state.run);
  }

  /** The run to focus first: most critical, then most warning markers; the first run on ties. */
  function worstRun() {
    let best = null;
    for (const r of runs) {
      const score = (toNumber(r.critical) || 0) * 1e6 + (toNumber(r.warning) || 0);
      if (!best || score > best.score) best = { run: r.run, score };
    }
    return best ? best.run : null;
  }

  async function refresh(opts) {
    const quiet = opts && opts.quiet;
    const token = ++renderToken;
    if (!quiet) setStatus('Loading…');
    let list;
    try {
      list = await loadRuns(quiet);
    } catch (e) {
      if (quiet && phase === 'ready') {
        setStatus('Auto-refresh failed: ' + e.message);
        return;
      }
      showError('Could not load the runs', e);
      return;
    }
    if (token !== renderToken) return;
    const changed = JSON.stringify(list) !== JSON.stringify(runs);
    runs = list;
    runColors = assignRunColors(runs.map((r) => r.run));
    if (!runs.length) {
      showEmpty();
      return;
    }
    normaliseSelection();
    if (!settingsSpec && !settingsError) loadSettings();
    await ensureModels(state.compare);
    if (token !== renderToken) return;
    if (quiet && !changed && phase === 'ready') {
      setStatus('Up to date · ' + timeNow());
      return;
    }
    renderAll();
    setStatus((quiet ? 'Refreshed · ' : 'Loaded · ') + timeNow());
  }

  function timeNow() {
    const d = new Date();
    const p = (n) => String(n).padStart(2, '0');
    return p(d.getHours()) + ':' + p(d.getMinutes()) + ':' + p(d.getSeconds());
  }
  function setStatus(text) {
    status.textContent = text;
  }

  async function loadSettings() {
    try {
      const body = await api.settings();
      settingsSpec = Array.isArray(body.settings) ? body.settings : [];
    } catch (e) {
      settingsError = e;
    }
    if (!thresholdsSection.classList.contains('hd-hidden')) renderThresholds();
  }

  // ---------- states ----------
  function showMessage(node, p) {
    disposeAllCharts();
    clear(main);
    main.appendChild(node);
    setPhase(p);
    renderRuns();
  }
  function showEmpty() {
    setStatus('');
    const code = (t) => el('pre', { class: 'hd-code' }, el('code', { text: t }));
    showMessage(el('div', { class: 'hd-message', id: 'hd-empty' },
      el('h2', { text: 'No histogram data was found' }),
      el('p', { text: 'This tab diagnoses gradient health from histogram summaries of weights, biases, gradients ' +
        'and activations. Log some histograms into the log directory TensorBoard is reading, then press Reload ' +
        '(this tab also checks again every 30 seconds).' }),
      el('h3', { text: 'Keras' }),
      el('p', { text: 'The TensorBoard callback logs weight histograms every histogram_freq epochs:' }),
      code('model.fit(x, y, epochs=10,\n          callbacks=[tf.keras.callbacks.TensorBoard(log_dir="logs/run1", histogram_freq=1)])'),
      el('h3', { text: 'TensorFlow, with gradients (custom loop)' }),
      code('writer = tf.summary.create_file_writer("logs/run1")\nwith tf.GradientTape() as tape:\n    loss = loss_fn(y, model(x, training=True))\n' +
        'grads = tape.gradient(loss, model.trainable_variables)\noptimizer.apply_gradients(zip(grads, model.trainable_variables))\n' +
        'with writer.as_default():\n    for v, g in zip(model.trainable_variables, grads):\n        tf.summary.histogram(v.name, v, step=step)\n' +
        '        tf.summary.histogram(v.name + "/grad", g, step=step)'),
      el('h3', { text: 'PyTorch' }),
      code('from torch.utils.tensorboard import SummaryWriter\nwriter = SummaryWriter("logs/run1")\n# after loss.backward():\n' +
        'for name, p in model.named_parameters():\n    writer.add_histogram(name, p, step)\n    if p.grad is not None:\n' +
        '        writer.add_histogram(name + ".grad", p.grad, step)')), 'empty');
  }
  function showError(what, e) {
    setStatus('');
    const retry = el('button', { class: 'hd-btn hd-primary', type: 'button', onclick: () => refresh() }, 'Retry');
    showMessage(el('div', { class: 'hd-message', id: 'hd-error', role: 'alert' },
      el('h2', { class: 'hd-error', text: what }),
      el('p', { text: e && e.message ? e.message : String(e) }),
      el('p', { class: 'hd-hint', text: 'Check that TensorBoard is still running, then retry.' }), retry), 'error');
  }

  // ---------- run list ----------
  function renderRuns() {
    clear(runList);
    if (!runs.length) {
      runList.appendChild(el('li', { class: 'hd-hint', style: { padding: '0 16px' },
        text: phase === 'loading' ? 'Loading…' : 'No runs with histograms.' }));
      return;
    }
    const custom = Object.keys(state.settings).length > 0;
    for (const r of runs) {
      const loaded = models.get(r.run);
      let counts = { critical: toNumber(r.critical) || 0, warning: toNumber(r.warning) || 0 };
      if (custom && loaded && loaded.model) counts = countSeverities(loaded.model.markers);
      const checked = state.compare.includes(r.run);
      const cb = el('input', { type: 'checkbox', 'aria-label': 'Compare ' + r.run, checked: checked });
      cb.checked = checked;
      cb.addEventListener('change', () => toggleCompare(r.run, cb.checked));
      const nameBtn = el('button', { class: 'hd-runname', type: 'button', title: r.run, text: r.run,
        'aria-pressed': state.run === r.run ? 'true' : 'false', onclick: () => focusRun(r.run) });
      const badge = (sev) => el('span', {
        class: 'hd-count ' + (counts[sev] ? 'hd-sev-' + sev : 'hd-zero'), text: String(counts[sev]),
        title: counts[sev] + ' ' + sev + ' marker' + (counts[sev] === 1 ? '' : 's') + (custom && loaded ? ' (custom thresholds)' : ''),
        'data-severity': sev,
      });
      runList.appendChild(el('li', { class: 'hd-run' + (state.run === r.run ? ' hd-focused' : ''), 'data-run': r.run },
        cb, el('span', { class: 'hd-swatch', style: { background: colorOf(r.run) }, 'aria-hidden': 'true' }),
        nameBtn, badge('critical'), badge('warning')));
    }
  }

  async function focusRun(name) {
    if (state.run !== name) {
      state.run = name;
      state.layer = null;
    }
    if (!state.compare.includes(name)) state.compare.push(name);
    saveHash();
    renderRuns();
    await ensureModels(state.compare);
    renderAll();
  }
  async function toggleCompare(name, on) {
    if (on && !state.compare.includes(name)) state.compare.push(name);
    if (!on) {
      state.compare = state.compare.filter((r) => r !== name);
      if (!state.compare.length) state.compare = [name]; // keep one run
      if (state.run === name) {
        state.run = state.compare[0];
        state.layer = null;
      }
    }
    saveHash();
    renderRuns();
    await ensureModels(state.compare);
    renderAll();
  }

  // ---------- main ----------
  function disposeAllCharts() {
    if (charts.flow) charts.flow.dispose();
    if (charts.heat) charts.heat.dispose();
    charts.flow = charts.heat = null;
    disposeDetailCharts();
  }

  function renderAll() {
    renderRuns();
    const entry = models.get(state.run);
    if (entry && entry.error) {
      showError('Could not load the diagnosis of run “' + state.run + '”', entry.error);
      return;
    }
    if (!entry || !entry.model) return;
    if (!main.contains(overviewSection)) {
      disposeAllCharts();
      clear(main);
      main.append(thresholdsSection, overviewSection, chartsRow, detailSection);
    }
    const t0 = win.performance.now();
    setPhase('ready');
    const model = entry.model;
    if (state.layer !== null && !model.rows.some((r) => r.key === state.layer)) state.layer = null;
    renderOverview(model);
    renderFlowSection();
    renderHeatSection(model);
    renderDetail(model);
    if (!thresholdsSection.classList.contains('hd-hidden')) renderThresholds();
    csvBtn.disabled = jsonBtn.disabled = false;
    saveHash();
    root.dataset.renderMs = (win.performance.now() - t0).toFixed(1);
  }

  function renderCharts() {
    renderFlowSection();
    const model = focusedModel();
    if (model) {
      renderHeatSection(model);
      renderDetail(model);
    }
  }

  // ---------- overview ----------
  function renderOverview(model) {
    const t0 = win.performance.now();
    clear(overviewSection);
    const counts = countSeverities(model.markers);
    overviewSection.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', { text: 'Health overview' }),
      el('span', { class: 'hd-swatch', style: { background: colorOf(model.run) }, 'aria-hidden': 'true' }),
      el('span', { class: 'hd-run-label', text: model.run }),
      el('span', { class: 'hd-hint', text: model.rows.length + ' rows · ' + counts.critical + ' critical, ' +
        counts.warning + ' warning, ' + counts.info + ' info · statistics estimated from histogram buckets' })));
    if (!model.rows.length) {
      overviewSection.appendChild(el('p', { class: 'hd-hint', text: 'This run has no histogram series.' }));
      return;
    }
    const table = el('table', { class: 'hd-overview', role: 'grid', 'aria-label': 'Layers in depth order' });
    table.appendChild(el('thead', null, el('tr', null,
      el('th', { text: 'Depth' }), el('th', { text: 'Layer' }), el('th', { text: 'Markers' }),
      el('th', { text: 'Gradient RMS (log)' }), el('th', { text: 'Weight RMS' }), el('th', { text: 'Weight change (log)' }))));
    const tbody = el('tbody');
    const spark = [];
    const color = colorOf(model.run);
    for (const row of model.rows) {
      const tr = el('tr', { tabindex: '0', 'data-key': row.key, 'data-layer': row.name,
        class: state.layer === row.key ? 'hd-selected' : null,
        'aria-selected': state.layer === row.key ? 'true' : 'false',
        'aria-label': row.name + (row.markers.length ? ', ' + row.markers.length + ' markers' : ', no markers') });
      tr.addEventListener('click', () => openDetail(row.key));
      tr.addEventListener('keydown', (ev) => {
        if (ev.key === 'Enter' || ev.key === ' ') {
          ev.preventDefault();
          openDetail(row.key);
        } else if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
          ev.preventDefault();
          const next = ev.key === 'ArrowDown' ? tr.nextElementSibling : tr.previousElementSibling;
          if (next) next.focus();
        }
      });
      const badges = el('div', { class: 'hd-badges' });
      const visible = row.markers.filter((m) => m.severity !== 'info' || row.markers.length < 4);
      for (const m of visible.slice(0, 4)) {
        badges.appendChild(el('button', {
          type: 'button', class: 'hd-badge hd-sev-' + (SEVERITY_LABELS[m.severity] ? m.severity : 'info'),
          title: markerTitle(m.kind) + ' (' + m.severity + ', steps ' + m.first_step + '–' + m.last_step + '): ' + (m.evidence || ''),
          'data-kind': m.kind, 'data-severity': m.severity, text: markerTitle(m.kind),
          onclick: (ev) => {
            ev.stopPropagation();
            openDetail(row.key, true);
          },
        }));
      }
      if (visible.length > 4) badges.appendChild(el('span', { class: 'hd-hint', text: '+' + (visible.length - 4) }));
      if (!row.markers.length) badges.appendChild(el('span', { class: 'hd-ok', text: 'ok' }));
      const cells = [];
      for (const [role, stat, log] of [['gradient', 'rms', true], ['weights', 'rms', false], ['weights', 'change', true]]) {
        const s = row.series[role];
        const canvas = el('canvas', { class: 'hd-spark', width: '120', height: '24',
          'aria-label': s ? ROLE_LABELS[role] + ' ' + stat + ' over steps' : 'no data' });
        if (s && s.stats[stat]) spark.push([canvas, s.stats[stat], log]);
        cells.push(el('td', null, s ? canvas : el('span', { class: 'hd-hint', text: '—' })));
      }
      tr.append(
        el('td', { class: 'hd-depth', text: row.kind === 'layer' ? String(row.depth) : '' }),
        el('td', { class: 'hd-lname', title: row.name, text: row.name }),
        el('td', null, badges), ...cells);
      tbody.appendChild(tr);
    }
    table.appendChild(tbody);
    overviewSection.appendChild(table);
    for (const [canvas, values, log] of spark) drawSparkline(canvas, values, { color, log });
    const ms = win.performance.now() - t0;
    root.dataset.overviewMs = ms.toFixed(1);
  }

  // ---------- gradient flow ----------
  function comparedModels() {
    return state.compare.map((r) => models.get(r)).filter((m) => m && m.model).map((m) => m.model);
  }

  function stepSlider(steps, onInput, id) {
    const shownStep = state.step === null ? steps[steps.length - 1] : state.step;
    let i = indexAtOrBefore(steps, shownStep);
    if (i < 0) i = 0;
    const label = el('span', { class: 'hd-step-label', text: 'step ' + (steps.length ? steps[i] : '—') });
    const input = el('input', { type: 'range', min: '0', max: String(Math.max(0, steps.length - 1)), step: '1',
      value: String(i), id, class: 'hd-step', 'aria-label': 'Step', disabled: steps.length < 2 });
    input.value = String(i);
    input._steps = steps;
    input.addEventListener('input', () => {
      const s = steps[Number(input.value)];
      label.textContent = 'step ' + s;
      state.step = s === steps[steps.length - 1] ? null : s;
      onInput();
    });
    input.addEventListener('change', () => saveHash());
    return el('span', { class: 'hd-controls' }, el('label', { for: id, text: 'Step' }), input, label);
  }

  function renderFlowSection() {
    const list = comparedModels();
    if (!list.length) return;
    const steps = unionSteps(list);
    let chartDiv = flowSection.querySelector('.hd-chart');
    if (!chartDiv) {
      clear(flowSection);
      chartDiv = el('div', { class: 'hd-chart', id: 'hd-flow-chart', role: 'img',
        'aria-label': 'Gradient RMS per layer, log scale, input side on the left' });
      flowSection.append(el('div', { class: 'hd-section-head' }), chartDiv, el('div', { class: 'hd-legend' }));
    }
    const head = flowSection.querySelector('.hd-section-head');
    clear(head);
    head.append(el('h2', { text: 'Gradient flow' }),
      el('span', { class: 'hd-hint', text: 'gradient RMS per layer (log scale) at the chosen step' }),
      stepSlider(steps, () => {
        drawFlow();
        syncDetailStep();
      }, 'hd-flow-step'));
    const legend = flowSection.querySelector('.hd-legend');
    clear(legend);
    for (const m of list) {
      legend.appendChild(el('span', { 'data-run': m.run }, el('span', { class: 'hd-swatch', style: { background: colorOf(m.run) } }), m.run));
    }
    drawFlow();
  }

  function drawFlow() {
    const list = comparedModels();
    const chartDiv = flowSection.querySelector('.hd-chart');
    if (!chartDiv || !list.length) return;
    const layers = mergeLayerAxes(list.map((m) => m.rows.filter((r) => r.kind === 'layer').map((r) => r.name)));
    const runsData = list.map((m) => ({ run: m.run, color: colorOf(m.run), points: gradientFlow(m, state.step) }));
    if (!charts.flow || charts.flow.isDisposed() || charts.flow.getDom() !== chartDiv) charts.flow = makeChart(chartDiv);
    const hasAny = runsData.some((r) => r.points.some((p) => p.value !== null));
    chartDiv.dataset.empty = hasAny ? 'false' : 'true';
    charts.flow.setOption(gradientFlowOption(themeColors(dark), layers, runsData), true);
    let note = flowSection.querySelector('.hd-flow-note');
    if (!hasAny) {
      if (!note) {
        note = el('p', { class: 'hd-hint hd-flow-note' });
        flowSection.appendChild(note);
      }
      note.textContent = 'No gradient histograms in the selected runs: log gradients (tf.summary.histogram in a ' +
        'GradientTape loop, or writer.add_histogram(name + ".grad", p.grad, step) in PyTorch) to see gradient flow.';
    } else if (note) {
      note.remove();
    }
  }

  // ---------- heatmap ----------
  function renderHeatSection(model) {
    let chartDiv = heatSection.querySelector('.hd-chart');
    if (!chartDiv) {
      clear(heatSection);
      const select = el('select', { id: 'hd-heat-stat', 'aria-label': 'Statistic' });
      for (const s of HEATMAP_STATS) select.appendChild(el('option', { value: s.id, text: s.label }));
      select.addEventListener('change', () => {
        state.stat = select.value;
        saveHash();
        drawHeat(focusedModel());
      });
      chartDiv = el('div', { class: 'hd-chart', id: 'hd-heat-chart', role: 'img', 'aria-label': 'Layers by steps heatmap' });
      heatSection.append(el('div', { class: 'hd-section-head' },
        el('h2', { text: 'Layers × steps' }),
        el('span', { class: 'hd-controls' }, el('label', { for: 'hd-heat-stat', text: 'Statistic' }), select),
        el('span', { class: 'hd-hint hd-heat-run' }),
        el('span', { class: 'hd-hint', text: 'lines: warning (orange) and critical (red) marker spans' })), chartDiv);
    }
    heatSection.querySelector('#hd-heat-stat').value = HEATMAP_STATS.some((s) => s.id === state.stat) ? state.stat : HEATMAP_STATS[0].id;
    heatSection.querySelector('.hd-heat-run').textContent = 'run: ' + model.run;
    drawHeat(model);
  }

  function drawHeat(model) {
    if (!model) return;
    const chartDiv = heatSection.querySelector('.hd-chart');
    const matrix = heatmapMatrix(model, state.stat);
    chartDiv.style.height = Math.max(180, Math.min(900, 60 + matrix.rows.length * 22)) + 'px';
    if (!charts.heat || charts.heat.isDisposed() || charts.heat.getDom() !== chartDiv) charts.heat = makeChart(chartDiv);
    else charts.heat.resize();
    chartDiv.dataset.cells = String(matrix.data.length);
    charts.heat.setOption(heatmapOption(themeColors(dark), matrix, model.markers), true);
    charts.heat.off('click');
    charts.heat.on('click', (p) => {
      if (p.componentType === 'series' && p.data) {
        const row = matrix.rows[p.data[1]];
        if (row) {
          state.step = matrix.xSteps[p.data[0]];
          openDetail(row.key);
          renderFlowSection();
        }
      }
    });
  }

  // ---------- detail ----------
  function openDetail(key, toMarkers) {
    state.layer = key;
    saveHash();
    const model = focusedModel();
    if (!model) return;
    for (const tr of overviewSection.querySelectorAll('tbody tr')) {
      const on = tr.dataset.key === key;
      tr.classList.toggle('hd-selected', on);
      tr.setAttribute('aria-selected', on ? 'true' : 'false');
    }
    renderDetail(model);
    const target = toMarkers ? detailSection.querySelector('.hd-markers') || detailSection : detailSection;
    if (target.scrollIntoView) target.scrollIntoView({ block: 'nearest' });
  }

  function closeDetail() {
    const key = state.layer;
    state.layer = null;
    saveHash();
    disposeDetailCharts();
    detailSection.classList.add('hd-hidden');
    clear(detailSection);
    for (const tr of overviewSection.querySelectorAll('tbody tr')) {
      tr.classList.remove('hd-selected');
      tr.setAttribute('aria-selected', 'false');
      if (tr.dataset.key === key) tr.focus();
    }
  }

  function renderDetail(model) {
    disposeDetailCharts();
    clear(detailSection);
    const row = state.layer === null ? null : model.rows.find((r) => r.key === state.layer);
    if (!row) {
      detailSection.classList.add('hd-hidden');
      return;
    }
    detailSection.classList.remove('hd-hidden');
    detailSection.onkeydown = (ev) => {
      if (ev.key === 'Escape') closeDetail();
    };
    const color = colorOf(model.run);
    const present = ROLES.filter((r) => row.series[r]);
    const steps = unionSteps([{ steps: [].concat(...present.map((r) => row.series[r].steps)) }]);
    detailSection.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', null, 'Layer detail: ', el('span', { class: 'hd-detail-name', text: row.name })),
      el('span', { class: 'hd-hint', text: 'run ' + model.run + (row.kind === 'layer' ? ' · depth ' + row.depth : ' · tag outside any layer') }),
      stepSlider(steps.length ? steps : model.steps, () => {
        syncDetailStep();
        drawFlow();
      }, 'hd-detail-step'),
      el('span', { class: 'hd-spacer' }),
      el('button', { class: 'hd-btn', type: 'button', id: 'hd-detail-close', onclick: closeDetail, text: 'Close' })));
    // markers
    if (row.markers.length) {
      const ul = el('ul', { class: 'hd-markers', 'aria-label': 'Markers' });
      for (const m of row.markers) {
        ul.appendChild(el('li', { class: 'hd-marker hd-' + m.severity, 'data-kind': m.kind, 'data-severity': m.severity },
          el('div', null,
            el('span', { class: 'hd-badge hd-sev-' + (SEVERITY_LABELS[m.severity] ? m.severity : 'info'), text: m.severity }), ' ',
            el('span', { class: 'hd-marker-title', text: markerTitle(m.kind) }),
            el('span', { class: 'hd-hint', text: ' · steps ' + m.first_step + '–' + m.last_step + ' · ' + (m.tag || '') })),
          el('p', { class: 'hd-evidence', text: m.evidence || '' }),
          el('p', { class: 'hd-advice', text: 'What to do: ' + markerAdvice(m.kind) })));
      }
      detailSection.appendChild(ul);
    } else {
      detailSection.appendChild(el('p', { class: 'hd-ok', text: 'No markers: nothing unusual found in this layer.' }));
    }
    const grid = el('div', { class: 'hd-detail-grid' });
    detailSection.appendChild(grid);
    const t = themeColors(dark);
    for (const role of present) {
      const s = row.series[role];
      const bands = el('div', { class: 'hd-chart hd-small hd-bands', 'data-role': role, role: 'img',
        'aria-label': ROLE_LABELS[role] + ' percentile bands over steps' });
      const hist = el('div', { class: 'hd-chart hd-small hd-hist', 'data-role': role, role: 'img',
        'aria-label': ROLE_LABELS[role] + ' histogram at the chosen step' });
      const histTitle = el('div', { class: 'hd-hint hd-hist-title' });
      const table = el('table', { class: 'hd-stats', 'data-role': role });
      const title = row.kind === 'tag' ? (row.otherRole && row.otherRole !== role ? row.otherRole : 'Values') : ROLE_LABELS[role];
      const card = el('div', { class: 'hd-card', 'data-role': role },
        el('h3', { text: title }), el('div', { class: 'hd-tag', text: s.tag }),
        el('div', { class: 'hd-hint', text: 'percentile bands p1–p99, p5–p95, p25–p75; line: median, dotted: mean' }),
        bands, histTitle, hist, table);
      grid.appendChild(card);
      const bc = makeChart(bands);
      charts.detail.push(bc);
      bc.setOption(bandsOption(t, s, color, stepShown(s, state.step)), true);
      const hc = makeChart(hist);
      charts.detail.push(hc);
      card._update = () => updateCard(model, s, bc, hc, histTitle, table, color);
      card._update();
    }
  }

  function syncDetailStep() {
    const model = focusedModel();
    if (model && !detailSection.classList.contains('hd-hidden')) {
      for (const card of detailSection.querySelectorAll('.hd-card')) if (card._update) card._update();
    }
    syncSliders();
  }

  function syncSliders() {
    for (const input of main.querySelectorAll('input.hd-step')) {
      const steps = input._steps || [];
      if (!steps.length) continue;
      const target = state.step === null ? steps[steps.length - 1] : state.step;
      const i = Math.max(0, indexAtOrBefore(steps, target));
      input.value = String(i);
      const label = input.parentNode.querySelector('.hd-step-label');
      if (label) label.textContent = 'step ' + steps[i];
    }
  }

  function updateCard(model, s, bandsChart, histChart, histTitle, table, color) {
    const step = stepShown(s, state.step);
    const t = themeColors(dark);
    bandsChart.setOption(bandsOption(t, s, color, step), true);
    // statistics table at the step
    clear(table);
    const i = step === null ? -1 : s.steps.indexOf(step);
    const names = statNames({ series: [s] }).filter((k) => s.stats[k]);
    const tbody = el('tbody');
    for (let k = 0; k < names.length; k += 2) {
      const tr = el('tr');
      for (const name of names.slice(k, k + 2)) {
        const v = i >= 0 ? s.stats[name][i] : null;
        const text = name === 'count' ? formatCount(v) : /fraction/.test(name) ? formatPercent(v) : formatNumber(v);
        tr.append(el('td', { text: name }), el('td', { text }));
      }
      tbody.appendChild(tr);
    }
    if (i >= 0 && s.non_finite[i]) {
      tbody.appendChild(el('tr', null, el('td', { text: 'non-finite', class: 'hd-error' }),
        el('td', { text: 'NaN/Inf at this step', class: 'hd-error' })));
    }
    table.appendChild(el('caption', { class: 'hd-hint', style: { textAlign: 'left' },
      text: 'Statistics at step ' + (step === null ? '—' : step) + ' (estimated from buckets)' }));
    table.appendChild(tbody);
    // histogram at the step
    if (step === null) {
      histTitle.textContent = 'No data at this step.';
      histChart.clear();
      return;
    }
    histTitle.textContent = 'Histogram at step ' + step + ' (loading…)';
    const key = JSON.stringify([model.run, s.tag, step]);
    let p = histCache.get(key);
    if (!p) {
      p = api.histogram(model.run, s.tag, step);
      histCache.set(key, p);
      p.catch(() => histCache.delete(key));
    }
    p.then((h) => {
      if (histChart.isDisposed()) return;
      const buckets = (h.buckets || []).map((b) => [toNumber(b[0]), toNumber(b[1]), toNumber(b[2])])
        .filter((b) => b.every((v) => v !== null && Number.isFinite(v)));
      histTitle.textContent = 'Histogram at step ' + step + (buckets.length ? '' : ': no finite values') +
        (h.non_finite ? ' (the tensor held NaN/Inf)' : '');
      histChart.getDom().dataset.buckets = String(buckets.length);
      histChart.setOption(histogramOption(t, buckets, color), true);
    }, (e) => {
      if (histChart.isDisposed()) return;
      histTitle.textContent = 'Histogram at step ' + step + ' could not be loaded: ' + e.message;
    });
  }

  // ---------- thresholds ----------
  function toggleThresholds() {
    const open = thresholdsSection.classList.toggle('hd-hidden') === false;
    thresholdsBtn.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (open) {
      renderThresholds();
      const first = thresholdsSection.querySelector('input');
      if (first) first.focus();
    }
  }

  function renderThresholds() {
    clear(thresholdsSection);
    thresholdsSection.appendChild(el('div', { class: 'hd-section-head' },
      el('h2', { text: 'Thresholds' }),
      el('span', { class: 'hd-hint', text: 'Settings of the health rules. Changed values apply to every run shown here.' })));
    if (settingsError) {
      thresholdsSection.appendChild(el('p', { class: 'hd-error', text: 'Could not load the settings: ' + settingsError.message }));
      return;
    }
    if (!settingsSpec) {
      thresholdsSection.appendChild(el('p', { class: 'hd-hint', text: 'Loading settings…' }));
      return;
    }
    const form = el('form', { id: 'hd-thresholds-form', novalidate: true });
    const grid = el('div', { class: 'hd-thresholds-grid' });
    const inputs = [];
    for (const s of settingsSpec) {
      const id = 'hd-set-' + String(s.name).replace(/[^A-Za-z0-9_-]/g, '_');
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
      grid.appendChild(el('div', null,
        el('label', { for: id, text: s.name }), input,
        el('div', { class: 'hd-desc', text: (s.description || '') + ' (default ' + formatNumber(s.default, 4) +
          (s.min !== undefined && s.max !== undefined ? ', range ' + formatNumber(s.min) + ' to ' + formatNumber(s.max) : '') + ')' })));
    }
    const msg = el('p', { class: 'hd-threshold-msg', role: 'status', 'aria-live': 'polite' });
    if (lastMarkerSummary) msg.textContent = lastMarkerSummary;
    const apply = el('button', { class: 'hd-btn hd-primary', type: 'submit', id: 'hd-thresholds-apply', text: 'Apply' });
    const reset = el('button', { class: 'hd-btn', type: 'button', id: 'hd-thresholds-reset', text: 'Reset to defaults' });
    form.append(grid, el('div', { class: 'hd-controls', style: { marginTop: '8px' } }, apply, reset), msg);
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      const next = {};
      for (const [s, input] of inputs) {
        const raw = input.value.trim();
        const v = Number(raw);
        if (raw === '' || !Number.isFinite(v)) {
          msg.textContent = 'Not applied: ' + s.name + ' needs a number';
          msg.className = 'hd-threshold-msg hd-error';
          input.focus();
          return;
        }
        const lo = toNumber(s.min);
        const hi = toNumber(s.max);
        if ((lo !== null && v < lo) || (hi !== null && v > hi)) {
          msg.textContent = 'Not applied: ' + s.name + ' must be between ' + formatNumber(lo) + ' and ' +
            formatNumber(hi) + ' (got ' + raw + ')';
          msg.className = 'hd-threshold-msg hd-error';
          input.focus();
          return;
        }
        if (v !== Number(s.default)) next[s.name] = raw;
      }
      applySettings(next, msg);
    });
    reset.addEventListener('click', () => applySettings({}, msg));
    thresholdsSection.appendChild(form);
  }

  async function applySettings(next, msg) {
    const before = focusedModel();
    const beforeCounts = before ? countSeverities(before.markers) : null;
    const beforeTotal = before ? before.markers.length : 0;
    const previous = state.settings;
    state.settings = next;
    const focused = state.run;
    // Probe the focused run first so a bad value is reported without dropping the loaded diagnoses.
    busy(1);
    let probe;
    try {
      probe = await api.diagnostics(focused, next);
    } catch (e) {
      state.settings = previous;
      msg.textContent = 'Not applied: ' + e.message;
      msg.className = 'hd-threshold-msg hd-error';
      return;
    } finally {
      busy(-1);
    }
    const info = runInfo(focused);
    models.set(focused, { key: settingsKey() + '|' + (info ? info.last_step : '') + '|' + (info ? info.tags : ''),
      model: buildModel(probe) });
    await ensureModels(state.compare);
    saveHash();
    const after = focusedModel();
    if (after && beforeCounts) {
      const c = countSeverities(after.markers);
      lastMarkerSummary = 'Markers in ' + focused + ': ' + beforeTotal + ' (' + beforeCounts.critical + ' critical, ' +
        beforeCounts.warning + ' warning) → ' + after.markers.length + ' (' + c.critical + ' critical, ' + c.warning +
        ' warning)' + (Object.keys(next).length ? ' with ' + Object.keys(next).length + ' changed setting(s).' : ' with the defaults.');
    }
    renderAll();
    const m2 = thresholdsSection.querySelector('.hd-threshold-msg');
    if (m2) {
      m2.className = 'hd-threshold-msg';
      m2.textContent = lastMarkerSummary || 'Applied.';
    }
  }

  // ---------- export ----------
  function exportCsv() {
    const model = focusedModel();
    if (model) download(buildStatsCsv(model.doc), exportFileName(model.run, '-statistics.csv'), 'text/csv;charset=utf-8');
  }
  function exportJson() {
    const model = focusedModel();
    if (model) download(buildDiagnosisJson(model.doc), exportFileName(model.run, '-diagnosis.json'), 'application/json');
  }

  // ---------- wiring ----------
  reloadBtn.addEventListener('click', () => {
    models.clear();
    histCache.clear();
    refresh();
  });
  thresholdsBtn.addEventListener('click', toggleThresholds);
  csvBtn.addEventListener('click', exportCsv);
  jsonBtn.addEventListener('click', exportJson);
  csvBtn.disabled = jsonBtn.disabled = true;
  win.addEventListener('resize', () => {
    for (const c of [charts.flow, charts.heat, ...charts.detail]) if (c && !c.isDisposed()) c.resize();
  });
  win.addEventListener('hashchange', () => {
    const next = decodeState(win.location.hash);
    if (encodeState(next) === encodeState(state)) return;
    const settingsChanged = encodeState({ settings: next.settings }) !== encodeState({ settings: state.settings });
    Object.assign(state, next);
    if (settingsChanged) models.clear();
    if (runs.length) {
      normaliseSelection();
      ensureModels(state.compare).then(renderAll);
    }
  });

  applyTheme(true);
  watchTheme();
  renderRuns();
  setStatus('Loading…');
  refresh();
  const timer = win.setInterval(() => {
    applyTheme(false);
    if (phase !== 'loading') refresh({ quiet: true });
  }, POLL_MS);

  return { state, refresh, dispose: () => win.clearInterval(timer) };
}
