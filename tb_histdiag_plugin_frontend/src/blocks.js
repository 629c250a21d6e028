// Big models: layers under a repeated, indexed prefix (a layer's `block`, e.g. "encoder.layer.3") shown as one row
// or one chart entry while collapsed. Pure.

import { finiteOrNull } from './format.js';
import { sortMarkers } from './model.js';

export function blockOf(row) {
  return row && row.kind === 'layer' && row.block ? row.block : null;
}

/**
 * The overview's entries: {type: 'block', block, rows, markers, open} for each run of layers sharing a block, and
 * {type: 'row', row, block} for each layer shown (all outside blocks, those of open blocks). A block is open when
 * expanded or when it holds the selected layer. onlyMarked keeps only layers (and blocks) with markers, plus the
 * selected layer.
 */
export function overviewEntries(rows, { expanded = [], onlyMarked = false, selected = null } = {}) {
  const keep = (r) => !onlyMarked || r.markers.length > 0 || r.key === selected;
  const out = [];
  for (let i = 0; i < rows.length;) {
    const b = blockOf(rows[i]);
    if (!b) {
      if (keep(rows[i])) out.push({ type: 'row', row: rows[i], block: null });
      i += 1;
      continue;
    }
    let j = i;
    while (j < rows.length && blockOf(rows[j]) === b) j += 1;
    const members = rows.slice(i, j);
    const markers = sortMarkers([].concat(...members.map((r) => r.markers)));
    const open = expanded.includes(b) || members.some((r) => r.key === selected);
    if (!onlyMarked || markers.length || open) {
      out.push({ type: 'block', block: b, rows: members, markers, open });
      if (open) for (const r of members) if (keep(r)) out.push({ type: 'row', row: r, block: b });
    }
    i = j;
  }
  return out;
}

/** Summary of values across layers: geometric mean of the positive ones (they are log-scale quantities). */
export function aggregate(values) {
  const finite = values.map(finiteOrNull).filter((v) => v !== null && v >= 0);
  if (!finite.length) return null;
  const pos = finite.filter((v) => v > 0);
  const zeros = finite.length - pos.length;
  if (!pos.length) return { value: 0, min: 0, max: 0, n: finite.length, zeros };
  const value = pos.length === 1 ? pos[0] : Math.exp(pos.reduce((a, v) => a + Math.log(v), 0) / pos.length);
  return { value, min: zeros ? 0 : Math.min(...pos), max: Math.max(...pos), n: finite.length, zeros };
}

/**
 * A depth axis from layer names (input side first): each run of consecutive layers of a collapsed block becomes one
 * entry. -> [{key, label, block, layers: [names]}]
 */
export function collapseAxis(names, blockOfName, expanded = []) {
  const out = [];
  for (const name of names) {
    const b = blockOfName.get(name) || null;
    const last = out[out.length - 1];
    if (b && !expanded.includes(b)) {
      if (last && last.block === b) last.layers.push(name);
      else out.push({ key: 'block:' + b, label: b, block: b, layers: [name] });
    } else {
      out.push({ key: name, label: name, block: null, layers: [name] });
    }
  }
  return out;
}

/** Map layer name -> block over several models. */
export function blockMap(models) {
  const map = new Map();
  for (const m of models) for (const r of m.rows) if (blockOf(r)) map.set(r.name, r.block);
  return map;
}

/** One run's points on an axis: per entry the aggregate of its layers' values (points: [{layer, value, step}]). */
export function pointsOnAxis(axis, points) {
  const byLayer = new Map(points.map((p) => [p.layer, p]));
  return axis.map((e) => {
    const ps = e.layers.map((l) => byLayer.get(l)).filter(Boolean);
    if (!ps.length) return null;
    const a = aggregate(ps.map((p) => p.value));
    if (!a) return null;
    return { ...a, step: ps[0].step, layers: ps.length };
  });
}

/**
 * Heatmap rows with each collapsed block merged into one row: per step the mean of its layers' cells (the cells
 * of log statistics are log10 values, so this is the geometric mean). -> a matrix like model.heatmapMatrix's, plus
 * keyOf(layerKey) -> the row key it is shown under.
 */
export function collapseMatrix(matrix, expanded = []) {
  const rows = [];
  const rowOf = new Map(); // old yi -> new yi
  const keyOf = new Map();
  matrix.rows.forEach((r, yi) => {
    const b = blockOf(r);
    if (b && !expanded.includes(b)) {
      const key = 'block:' + b;
      const last = rows[rows.length - 1];
      if (!last || last.key !== key) rows.push({ key, name: b, block: b, kind: 'block', count: 0 });
      rows[rows.length - 1].count += 1;
      keyOf.set(r.key, key);
    } else {
      rows.push(r);
      keyOf.set(r.key, r.key);
    }
    rowOf.set(yi, rows.length - 1);
  });
  const cells = new Map();
  const zeros = matrix.zeros || new Set();
  for (const [xi, yi, v] of matrix.data) {
    const k = xi + ',' + rowOf.get(yi);
    const c = cells.get(k) || [xi, rowOf.get(yi), 0, 0, 0];
    c[2] += v;
    c[3] += 1;
    if (zeros.has(xi + ',' + yi)) c[4] += 1;
    cells.set(k, c);
  }
  const data = [...cells.values()].map(([xi, yi, sum, n]) => [xi, yi, sum / n]);
  const allZero = new Set([...cells.entries()].filter(([, c]) => c[4] === c[3]).map(([k]) => k));
  for (const r of rows) {
    if (r.kind !== 'block') continue;
    r.name = '▸ ' + r.block;
    r.title = r.block + ' (block of ' + r.count + ' layers, mean of their cells; click to expand)';
  }
  return { ...matrix, rows, data, keyOf, zeros: allZero };
}

/** A block's values of one statistic per step across its layers (geometric mean when log, else the mean). */
export function blockSeries(rows, role, stat, log) {
  const byStep = new Map();
  for (const r of rows) {
    const s = r.series[role];
    if (!s || !s.stats[stat]) continue;
    s.steps.forEach((st, i) => {
      const v = finiteOrNull(s.stats[stat][i]);
      if (v === null) return;
      if (!byStep.has(st)) byStep.set(st, []);
      byStep.get(st).push(v);
    });
  }
  return [...byStep.keys()].sort((a, b) => a - b).map((st) => {
    const vs = byStep.get(st);
    if (!log) return vs.reduce((a, v) => a + v, 0) / vs.length;
    const a = aggregate(vs);
    return a ? a.value : null;
  });
}
