// The timeline strip's model: the training's scalars (loss, validation loss, accuracy, learning rate) and the run's
// markers on one step axis. Pure: works on the diagnostics document (its `scalars`, `markers`, `timeline` and
// `first_sign`, tb_histdiag_plugin/diagnosis.py), no DOM, no ECharts. Tested in test/timeline.test.js; drawn by
// charts.js timelineOption in views/timeline.js.
//
// Marker indices (`first_sign.marker`, `timeline[].markers`, `caused_by`) index the document's `markers` as sent, so
// this reads the raw document, never model.markers (sorted worst first).

import { finiteOrNull } from './format.js';
import { SEVERITY_RANK } from './colors.js';

/** The signals drawn, in drawing order; `axis`: the y axis they share. */
export const SIGNALS = Object.freeze([
  { key: 'loss', label: 'loss', axis: 'loss', dashed: false },
  { key: 'val_loss', label: 'val loss', axis: 'loss', dashed: true },
  { key: 'accuracy', label: 'accuracy', axis: 'accuracy', dashed: false },
  { key: 'val_accuracy', label: 'val accuracy', axis: 'accuracy', dashed: true },
  { key: 'learning_rate', label: 'learning rate', axis: 'lr', dashed: false },
]);

/** The y axes, in order (left, right, right further out), with their names. */
export const AXES = Object.freeze([
  { id: 'loss', name: 'loss' },
  { id: 'accuracy', name: 'accuracy' },
  { id: 'lr', name: 'learning rate' },
]);

/** A signal spanning this many decades or more is drawn on a log scale. */
export const LOG_DECADES = 2;
/** At most this many layer lanes (the run's lane comes on top); lanes with info markers only go first. */
export const MAX_LANES = 16;
/** The lane of markers about the run as a whole (read from its scalars). */
export const RUN_LANE = 'run';
/** Kinds about the run as a whole (layer null, evidence from scalars). */
export const RUN_KINDS = Object.freeze(['not_learning', 'loss_diverging', 'oscillating_loss']);

/**
 * One scalar signal of a document's `scalars` as points: {run, tag, points: [[step, value|null]]} sorted by step
 * (non-finite values null: a gap), or null when absent or malformed.
 */
export function scalarSignal(raw) {
  if (!raw || typeof raw !== 'object' || !Array.isArray(raw.steps) || !Array.isArray(raw.values)) return null;
  const points = [];
  const n = Math.min(raw.steps.length, raw.values.length);
  for (let i = 0; i < n; i++) {
    const step = finiteOrNull(raw.steps[i]);
    if (step === null) continue;
    points.push([step, finiteOrNull(raw.values[i])]);
  }
  if (!points.length) return null;
  points.sort((a, b) => a[0] - b[0]);
  return { run: typeof raw.run === 'string' ? raw.run : null, tag: typeof raw.tag === 'string' ? raw.tag : null, points };
}

/** Does a signal's positive range span `decades` or more? (0 or negative values: it cannot go on a log scale.) */
export function spansDecades(values, decades = LOG_DECADES) {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (v === null || !Number.isFinite(v)) continue;
    if (v <= 0) return false;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  return hi > 0 && Math.log10(hi / lo) >= decades - 1e-12;
}

/** A log axis when some signal on it spans LOG_DECADES or more and none has a value <= 0. */
function axisIsLog(signals) {
  const values = signals.map((s) => s.points.map((p) => p[1]));
  if (values.some((vs) => vs.some((v) => v !== null && v <= 0))) return false;
  return values.some((vs) => spansDecades(vs));
}

function isIndex(v, n) {
  return Number.isInteger(v) && v >= 0 && v < n;
}

/** The lane a marker goes on: {key, label, layer (for the layer detail), tag (ungrouped tag), run (the run lane)}. */
export function laneOf(m) {
  if (typeof m.layer === 'string' && m.layer) return { key: m.layer, label: m.layer, layer: m.layer };
  if (m.evidence_from === 'scalars' || RUN_KINDS.includes(m.kind) || !m.tag) return { key: RUN_LANE, label: 'run', run: true };
  return { key: 'tag:' + m.tag, label: String(m.tag), tag: String(m.tag) };
}

/**
 * The strip of one run: doc = its diagnostics document; opts.layerOrder: layer names in depth order (lanes follow
 * it, input side on top under the run's lane); opts.compared: [{run, doc}] other compared runs, whose loss and
 * validation loss are overlaid.
 *
 * Returns {
 *   signals: [{key, label, axis, dashed, run, tag, points, compared}],  the focused run's first, then compared runs'
 *   axes: [{id, name, log}]                                            only the axes some signal uses
 *   chance: number|null                                                the loss at chance (a reference line)
 *   classes: number|null                                               the classes it was inferred from
 *   lanes: [{key, label, layer?, tag?, run?}]                           the run's lane first, then by depth
 *   marks: [{marker, lane, step, last_step, kind, severity, layer, tag, evidence, evidence_from, first, causedBy,
 *            cause (the cause's mark or null), link, episode}]         one per marker with an onset, by onset
 *   bands: [{episode, first, first_step, last_step, severity, markers}] the episodes, shaded
 *   links: [{from: [step, lane], to: [step, lane], link}]              a marker and the one it follows from
 *   firstSign: {kind, layer, step, marker} | null
 *   range: [min step, max step] | null, hiddenLanes, empty
 * }
 */
export function timelineModel(doc, opts) {
  const o = opts || {};
  const d = doc && typeof doc === 'object' ? doc : {};
  const scalars = d.scalars && typeof d.scalars === 'object' ? d.scalars : {};
  const signals = [];
  for (const spec of SIGNALS) {
    const s = scalarSignal(scalars[spec.key]);
    if (s) signals.push({ ...spec, run: d.run === undefined ? s.run : String(d.run), tag: s.tag, points: s.points, compared: false });
  }
  for (const c of o.compared || []) {
    const sc = c && c.doc && c.doc.scalars;
    if (!sc || c.run === d.run) continue;
    for (const spec of SIGNALS.filter((x) => x.axis === 'loss')) {
      const s = scalarSignal(sc[spec.key]);
      if (s) signals.push({ ...spec, run: String(c.run), tag: s.tag, points: s.points, compared: true });
    }
  }
  const axes = AXES.filter((a) => signals.some((s) => s.axis === a.id))
    .map((a) => ({ ...a, log: axisIsLog(signals.filter((s) => s.axis === a.id)) }));
  const chanceRaw = finiteOrNull(d.chance_loss ?? scalars.chance_loss);
  const chance = chanceRaw !== null && chanceRaw > 0 && axes.some((a) => a.id === 'loss') ? chanceRaw : null;
  const classes = finiteOrNull(d.classes ?? scalars.classes);

  // markers, their lanes and episodes
  const markers = Array.isArray(d.markers) ? d.markers : [];
  const n = markers.length;
  const fsRaw = d.first_sign && typeof d.first_sign === 'object' ? d.first_sign : null;
  const firstSign = fsRaw && typeof fsRaw.kind === 'string' ? { kind: fsRaw.kind,
    layer: typeof fsRaw.layer === 'string' ? fsRaw.layer : null, step: finiteOrNull(fsRaw.step),
    marker: isIndex(fsRaw.marker, n) ? fsRaw.marker : null } : null;
  const episodeOf = new Map();
  const bands = [];
  (Array.isArray(d.timeline) ? d.timeline : []).forEach((e, k) => {
    if (!e || typeof e !== 'object') return;
    const members = (Array.isArray(e.markers) ? e.markers : []).filter((i) => isIndex(i, n));
    const first = isIndex(e.first, n) ? e.first : members[0];
    let lo = finiteOrNull(e.first_step);
    let hi = finiteOrNull(e.last_step);
    if (lo === null && first !== undefined) lo = finiteOrNull(markers[first].first_step);
    if (hi === null) hi = lo;
    if (lo === null) return;
    if (hi < lo) [lo, hi] = [hi, lo];
    for (const i of members) if (!episodeOf.has(i)) episodeOf.set(i, k);
    if (first !== undefined && !episodeOf.has(first)) episodeOf.set(first, k);
    let severity = 'info';
    for (const i of members.concat(first === undefined ? [] : [first])) {
      const sev = markers[i].severity;
      if ((SEVERITY_RANK[sev] || 0) > (SEVERITY_RANK[severity] || 0)) severity = sev;
    }
    bands.push({ episode: k, first: first === undefined ? null : first, first_step: lo, last_step: hi, severity,
      markers: members });
  });

  // lanes: the run's first, then layers in depth order, then the rest in order of appearance
  const laneInfo = new Map();
  const laneMarkers = new Map();
  markers.forEach((m, i) => {
    if (!m || typeof m !== 'object' || finiteOrNull(m.first_step) === null) return;
    const lane = laneOf(m);
    if (!laneInfo.has(lane.key)) {
      laneInfo.set(lane.key, lane);
      laneMarkers.set(lane.key, []);
    }
    laneMarkers.get(lane.key).push(i);
  });
  const depth = new Map((o.layerOrder || []).map((name, i) => [name, i]));
  const appearance = [...laneInfo.keys()];
  let keys = appearance.filter((k) => k !== RUN_LANE).sort((a, b) => {
    const da = depth.has(a) ? depth.get(a) : Infinity;
    const db = depth.has(b) ? depth.get(b) : Infinity;
    return da === db ? appearance.indexOf(a) - appearance.indexOf(b) : da < db ? -1 : 1;
  });
  let hiddenLanes = 0;
  if (keys.length > MAX_LANES) {
    // keep the first sign's lane, then lanes with warning or critical markers, then the rest, in depth order
    const rank = (k) => {
      const ms = laneMarkers.get(k);
      if (firstSign && firstSign.marker !== null && ms.includes(firstSign.marker)) return 0;
      return ms.some((i) => markers[i].severity === 'critical' || markers[i].severity === 'warning') ? 1 : 2;
    };
    const kept = new Set(keys.map((k, i) => [rank(k), i, k]).sort((a, b) => a[0] - b[0] || a[1] - b[1])
      .slice(0, MAX_LANES).map((x) => x[2]));
    hiddenLanes = keys.length - kept.size;
    keys = keys.filter((k) => kept.has(k));
  }
  if (laneInfo.has(RUN_LANE)) keys.unshift(RUN_LANE);
  const lanes = keys.map((k) => laneInfo.get(k));
  const laneIndex = new Map(keys.map((k, i) => [k, i]));

  const marks = [];
  const markOf = new Map();
  markers.forEach((m, i) => {
    if (!m || typeof m !== 'object') return;
    const step = finiteOrNull(m.first_step);
    const lane = step === null ? undefined : laneIndex.get(laneOf(m).key);
    if (lane === undefined) return;
    const mark = {
      marker: i, lane, step, last_step: finiteOrNull(m.last_step) ?? step, kind: String(m.kind),
      severity: SEVERITY_RANK[m.severity] ? m.severity : 'info',
      layer: typeof m.layer === 'string' ? m.layer : null, tag: m.tag === null || m.tag === undefined ? null : String(m.tag),
      evidence: m.evidence === null || m.evidence === undefined ? '' : String(m.evidence),
      evidence_from: m.evidence_from || null,
      first: Boolean(firstSign && firstSign.marker === i),
      causedBy: isIndex(m.caused_by, n) && m.caused_by !== i ? m.caused_by : null,
      cause: null,
      link: typeof m.link === 'string' && m.link ? m.link : null,
      episode: episodeOf.has(i) ? episodeOf.get(i) : null,
    };
    markOf.set(i, mark);
    marks.push(mark);
  });
  const links = [];
  for (const mark of marks) {
    if (mark.causedBy === null) continue;
    const c = markers[mark.causedBy];
    mark.cause = { kind: String(c.kind), layer: typeof c.layer === 'string' ? c.layer : null,
      step: finiteOrNull(c.first_step) };
    const from = markOf.get(mark.causedBy);
    if (from) links.push({ from: [from.step, from.lane], to: [mark.step, mark.lane], link: mark.link });
  }
  marks.sort((a, b) => a.step - b.step || a.lane - b.lane || a.marker - b.marker);

  let lo = Infinity;
  let hi = -Infinity;
  const see = (v) => {
    if (v === null || !Number.isFinite(v)) return;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  };
  for (const s of signals) for (const p of s.points) see(p[0]);
  for (const m of marks) {
    see(m.step);
    see(m.last_step);
  }
  for (const b of bands) {
    see(b.first_step);
    see(b.last_step);
  }
  return {
    signals, axes, chance, classes, lanes, marks, bands, links, firstSign,
    range: lo === Infinity ? null : [lo, hi], hiddenLanes, empty: !signals.length && !marks.length,
  };
}

/** Pixel layout of the strip: {height, curves: {top, height}|null, lanes: {top, height}|null}. */
export const CURVES_HEIGHT = 150;
export const LANE_HEIGHT = 20;

export function stripLayout(tm) {
  const top = 16; // room for the top axis label
  const curves = tm.signals.length ? { top, height: CURVES_HEIGHT } : null;
  const lanesTop = curves ? top + CURVES_HEIGHT + 16 : 12;
  const lanes = tm.lanes.length ? { top: lanesTop, height: tm.lanes.length * LANE_HEIGHT } : null;
  const bottom = 40; // the step axis and its name
  const height = (lanes ? lanes.top + lanes.height : curves ? curves.top + curves.height : 0) + bottom;
  return { height, curves, lanes };
}

/** What a click on a mark does: {detail: row key, step} for a layer or ungrouped tag, {step} for the run's lane. */
export function markAction(mark, rowKeys) {
  const keys = rowKeys instanceof Set ? rowKeys : new Set(rowKeys || []);
  if (mark.layer !== null && keys.has(mark.layer)) return { detail: mark.layer, step: mark.step };
  if (mark.layer === null && mark.tag !== null && keys.has('tag:' + mark.tag)) return { detail: 'tag:' + mark.tag, step: mark.step };
  return { detail: null, step: mark.step };
}

/** The value of a signal at a step (the last point at or before it), or null. */
export function valueAt(points, step) {
  let best = null;
  for (const [s, v] of points) {
    if (s > step) break;
    best = v;
  }
  return best;
}

/** At most this many markers are listed per episode under the strip (the strip shows them all). */
export const MAX_CHAIN = 6;

/**
 * The episodes as text under the strip, in order of onset (also the strip's keyboard access): [{episode, first_step,
 * last_step, severity, marks: [mark] (the episode's first marker, then by onset, at most MAX_CHAIN), more}].
 */
export function episodeChains(tm) {
  const byMarker = new Map(tm.marks.map((m) => [m.marker, m]));
  return tm.bands.map((b) => {
    const members = [...new Set([b.first, ...b.markers])].filter((i) => i !== null && byMarker.has(i)).map((i) => byMarker.get(i));
    const rank = (m) => (m.marker === b.first ? 0 : 1);
    members.sort((x, y) => rank(x) - rank(y) || x.step - y.step || x.lane - y.lane || x.marker - y.marker);
    return { episode: b.episode, first_step: b.first_step, last_step: b.last_step, severity: b.severity,
      marks: members.slice(0, MAX_CHAIN), more: Math.max(0, members.length - MAX_CHAIN) };
  }).sort((x, y) => x.first_step - y.first_step || x.episode - y.episode);
}
