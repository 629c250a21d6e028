// View state <-> URL hash. Pure: works on strings.
//
// The hash looks like  #run=a&cmp=a&cmp=b&layer=dense_1&stat=grad_rms&step=40&marked=1&open=encoder.layer.3&sweep=closed&set.vanishing_ratio=0.1
// Names are user data, so every value goes through URLSearchParams encoding; runs are repeated keys (names may
// hold commas).

export const DEFAULT_STATE = Object.freeze({
  run: null, // the focused run (overview, heatmap, detail)
  compare: [], // runs overlaid in the gradient-flow chart (includes run)
  layer: null, // the layer (or ungrouped tag) whose detail is open
  stat: null, // heatmap statistic; null: the first of model.HEATMAP_DEFAULTS the run has
  step: null, // chosen step (gradient flow, histograms, tables); null = last
  settings: {}, // health-rule overrides, name -> string value
  onlyMarked: false, // overview: only layers with markers
  expanded: [], // blocks shown expanded (overview and charts)
  sweepCollapsed: false, // the sweep table folded to its header line
});

export function encodeState(state) {
  const p = new URLSearchParams();
  if (state.run) p.append('run', state.run);
  for (const r of state.compare || []) p.append('cmp', r);
  if (state.layer !== null && state.layer !== undefined) p.append('layer', state.layer);
  if (state.stat && state.stat !== DEFAULT_STATE.stat) p.append('stat', state.stat);
  if (state.step !== null && state.step !== undefined && Number.isFinite(state.step)) {
    p.append('step', String(state.step));
  }
  if (state.onlyMarked) p.append('marked', '1');
  for (const b of state.expanded || []) p.append('open', b);
  if (state.sweepCollapsed) p.append('sweep', 'closed');
  const names = Object.keys(state.settings || {}).sort();
  for (const name of names) p.append('set.' + name, String(state.settings[name]));
  return p.toString();
}

export function decodeState(hash) {
  const text = String(hash || '').replace(/^#/, '');
  const p = new URLSearchParams(text);
  const state = { ...DEFAULT_STATE, compare: [], settings: {}, expanded: [] };
  const run = p.get('run');
  if (run) state.run = run;
  const seen = new Set();
  for (const r of p.getAll('cmp')) {
    if (r && !seen.has(r)) {
      seen.add(r);
      state.compare.push(r);
    }
  }
  if (state.run && !seen.has(state.run)) state.compare.unshift(state.run);
  const layer = p.get('layer');
  if (layer !== null && layer !== '') state.layer = layer;
  const stat = p.get('stat');
  if (stat) state.stat = stat;
  const step = p.get('step');
  if (step !== null && /^-?\d+$/.test(step)) state.step = Number(step);
  state.onlyMarked = p.get('marked') === '1';
  for (const b of p.getAll('open')) if (b && !state.expanded.includes(b)) state.expanded.push(b);
  state.sweepCollapsed = p.get('sweep') === 'closed';
  for (const [key, value] of p.entries()) {
    if (key.startsWith('set.') && key.length > 4 && value !== '') state.settings[key.slice(4)] = value;
  }
  return state;
}
