// ECharts, tree-shaken: only the charts and components the tab uses, canvas renderer.
// Every tooltip goes through a formatter that escapes names (run, layer and tag names are user data).

import * as echarts from 'echarts/core';
import { LineChart, BarChart, HeatmapChart, ScatterChart } from 'echarts/charts';
import {
  GridComponent, TooltipComponent, VisualMapContinuousComponent, MarkLineComponent, MarkAreaComponent,
  DataZoomInsideComponent, DataZoomSliderComponent,
} from 'echarts/components';
import { CanvasRenderer } from 'echarts/renderers';
import { escapeHtml, formatNumber } from './format.js';
import { SEVERITY_COLORS } from './colors.js';
import { markerTitle } from './advice.js';
import { stripLayout } from './timeline.js';

echarts.use([LineChart, BarChart, HeatmapChart, ScatterChart, GridComponent, TooltipComponent, VisualMapContinuousComponent,
  MarkLineComponent, MarkAreaComponent, DataZoomInsideComponent, DataZoomSliderComponent, CanvasRenderer]);

/** Past this many categories an axis gets zoom (wheel/drag inside, and a slider). */
export const ZOOM_FROM = 40;

export { echarts };

/** The step-axis dataZoom components' ids start with this (views/parts.js stepZoom reads their window back). */
export const STEP_ZOOM_ID = 'hd-step-';
let zoomGeneration = 0;

/**
 * Redraw a chart with a new option, keeping its tooltip component: a notMerge setOption disposes the tooltip while
 * its "keep showing" timer is pending, which throws in ECharts 5.6 when the redraw comes while the pointer is over
 * the chart (apache/echarts#19827, #20335) — exactly what a zoom that loads a new window does.
 */
export function redraw(chart, option) {
  chart.setOption(option, { replaceMerge: ['grid', 'xAxis', 'yAxis', 'series', 'dataZoom', 'visualMap'] });
}

/**
 * Zoom on the x (step) axis: a slider under the axis (drag its handles or its middle) and, inside the plot, drag to
 * move and Ctrl+wheel to zoom (a plain wheel keeps scrolling the page). win: [i, j] category indices to show, or
 * null for every step. place: {left, right, bottom} of the slider.
 */
export function stepDataZoom(t, win, place) {
  // filterMode none: a marker span or a stacked band crossing the window's edge is clipped, not dropped
  const w = { filterMode: 'none', ...(win ? { startValue: win[0], endValue: win[1] } : { start: 0, end: 100 }) };
  const gen = ++zoomGeneration; // new ids each draw: redraw() replaces the components instead of merging windows
  return [
    { type: 'slider', id: STEP_ZOOM_ID + 'slider-' + gen, xAxisIndex: 0, height: 14, bottom: place.bottom, left: place.left,
      right: place.right, brushSelect: false, textStyle: { color: t.text2, fontSize: 10 }, borderColor: t.line, ...w },
    { type: 'inside', id: STEP_ZOOM_ID + 'inside-' + gen, xAxisIndex: 0, zoomOnMouseWheel: 'ctrl', moveOnMouseWheel: false,
      moveOnMouseMove: true, ...w },
  ];
}

export function themeColors(dark) {
  return dark
    ? { text: '#ffffff', text2: '#bdbdbd', line: '#666666', split: '#444444', tooltipBg: '#424242', bg: '#3a3a3a' }
    : { text: 'rgba(0,0,0,0.87)', text2: '#616161', line: '#bdbdbd', split: '#eeeeee', tooltipBg: '#ffffff', bg: '#ffffff' };
}

function baseOption(t) {
  return {
    animation: false,
    backgroundColor: 'transparent',
    textStyle: { fontFamily: 'Roboto, "Helvetica Neue", Arial, sans-serif', color: t.text },
    tooltip: {
      trigger: 'axis', confine: true, backgroundColor: t.tooltipBg, borderColor: t.line,
      textStyle: { color: t.text, fontSize: 12 },
    },
  };
}

/** An axis-triggered tooltip: fn(list) gets the hovered points as a non-empty list and returns escaped HTML. */
function axisTooltip(t, fn) {
  return { ...baseOption(t).tooltip, formatter: (params) => {
    const list = Array.isArray(params) ? params : [params];
    return list.length ? fn(list) : '';
  } };
}

function axis(t, extra) {
  return {
    axisLine: { lineStyle: { color: t.line } }, axisTick: { lineStyle: { color: t.line } },
    axisLabel: { color: t.text2, fontSize: 11 }, splitLine: { lineStyle: { color: t.split } },
    nameTextStyle: { color: t.text2, fontSize: 11 }, ...extra,
  };
}

function swatch(color) {
  // color comes from our palette, never from data
  return '<span style="display:inline-block;width:9px;height:9px;border-radius:2px;margin-right:4px;background:' +
    escapeHtml(color) + '"></span>';
}

/** A long name keeps its end ("…encoder.layer.11"): nested names differ at the end, not at the start. */
export const short = (v) => (v.length > 18 ? '…' + v.slice(-17) : v);

/**
 * A per-layer quantity (log scale) against depth, one line per run: gradient flow and learning flow.
 * entries: [{key, label, block, layers}] (blocks.collapseAxis); runs: [{run, color, points: [aggregate|null per entry]}]
 * (blocks.pointsOnAxis); opts: {yName, ref: {value, label}} — exact zeros sit one decade below the smallest value.
 */
export function depthProfileOption(t, entries, runs, opts) {
  const { yName, ref, width } = opts || {};
  // rotated labels need about 16 px each along the axis: show every k-th one (ECharts' own estimate overlaps)
  const plotWidth = Math.max(100, (width || 600) - 100);
  let minPos = Infinity;
  for (const r of runs) for (const p of r.points) if (p && p.value > 0 && p.value < minPos) minPos = p.value;
  if (ref && ref.value < minPos) minPos = ref.value;
  const floor = minPos === Infinity ? 1e-9 : 10 ** (Math.floor(Math.log10(minPos)) - 1);
  const zoom = entries.length > ZOOM_FROM;
  const rotate = entries.length > 8;
  return {
    ...baseOption(t),
    grid: { left: 64, right: ref ? 48 : 24, top: 16, bottom: (zoom ? 32 : 0) + (rotate ? 84 : 64) },
    dataZoom: zoom ? [{ type: 'inside', xAxisIndex: 0 }, { type: 'slider', xAxisIndex: 0, height: 16, bottom: 8,
      textStyle: { color: t.text2 }, borderColor: t.line }] : undefined,
    xAxis: axis(t, {
      type: 'category', data: entries.map((e) => e.label), name: 'layer (input → output)', nameLocation: 'middle',
      nameGap: rotate ? 72 : 44, axisLabel: { color: t.text2, fontSize: 11, rotate: rotate ? 30 : 0,
        interval: rotate ? Math.max(0, Math.ceil((entries.length * 16) / plotWidth) - 1) : 'auto',
        formatter: short },
    }),
    yAxis: axis(t, { type: 'log', name: yName, nameLocation: 'middle', nameGap: 48,
      axisLabel: { color: t.text2, fontSize: 11, formatter: (v) => formatNumber(v, 2) } }),
    tooltip: axisTooltip(t, (list) => {
      const e = entries[list[0].dataIndex];
      if (!e) return '';
      let html = '<b>' + escapeHtml(e.label) + '</b>' + (e.block ? ' <span style="opacity:.7">(block of ' +
        e.layers.length + ' layers, geometric mean)</span>' : '');
      for (const p of list) {
        const r = runs[p.seriesIndex];
        const pt = r && r.points[p.dataIndex];
        if (!r) continue;
        const text = !pt ? '—' : pt.value === 0 ? '0 (unchanged)' : formatNumber(pt.value) +
          (e.block ? ' (min ' + formatNumber(pt.min) + ', max ' + formatNumber(pt.max) + ')' : '');
        html += '<br>' + swatch(r.color) + escapeHtml(r.run) + ': ' + escapeHtml(text) +
          (pt && pt.step !== null && pt.step !== undefined ? ' <span style="opacity:.7">(step ' + escapeHtml(String(pt.step)) + ')</span>' : '');
      }
      return html;
    }),
    series: runs.map((r) => ({
      type: 'line', name: r.run, connectNulls: false, symbol: 'circle', symbolSize: 7,
      data: r.points.map((p) => (!p ? null : p.value === 0 ? { value: floor, symbol: 'triangle', symbolSize: 9 } : p.value)),
      lineStyle: { color: r.color, width: 2 }, itemStyle: { color: r.color },
    })).concat(ref ? [{
      // a flat series, not a markLine: markLines on log axes vanish below some values (echarts#21580)
      type: 'line', name: ref.label, data: entries.map(() => ref.value), symbol: 'none', silent: true, z: 1,
      lineStyle: { color: t.text2, type: 'dashed', width: 1 }, emphasis: { disabled: true }, tooltip: { show: false },
      endLabel: { show: true, formatter: ref.label, color: t.text2, fontSize: 11 },
    }] : []),
  };
}

const HEAT_COLORS = ['#440154', '#3b528b', '#21918c', '#5ec962', '#fde725'];

/** Room under a step axis for its zoom slider (stepDataZoom). */
export const STEP_ZOOM_ROOM = 26;

/** Layers × steps heatmap with marker spans; zoom: [i, j] step indices shown (stepDataZoom), null for every step. */
export function heatmapOption(t, matrix, markers, height, zoom) {
  const { xSteps, rows, data, min, max, spec } = matrix;
  const rowIndex = new Map(rows.map((r, i) => [r.key, i]));
  const stepIndex = new Map(xSteps.map((s, i) => [s, i]));
  // Marker spans: a line across the cells of the steps where the condition holds, in the severity colour.
  const spans = [];
  for (const m of markers) {
    if (m.severity !== 'critical' && m.severity !== 'warning') continue;
    const yi = rowIndex.has(m.layer) ? rowIndex.get(m.layer) : rowIndex.get('tag:' + m.tag);
    if (yi === undefined) continue;
    let x0 = stepIndex.get(m.first_step);
    let x1 = stepIndex.get(m.last_step);
    if (x0 === undefined) x0 = 0;
    if (x1 === undefined) x1 = xSteps.length - 1;
    spans.push({ yi, x0, x1, kind: m.kind, severity: m.severity });
    if (spans.length >= 300) break;
  }
  const names = rows.map((r) => r.name);
  const titles = rows.map((r) => r.title || r.name);
  return {
    ...baseOption(t),
    grid: { left: rows.length > ZOOM_FROM ? 150 : 130, right: 90, top: 8, bottom: 48 + STEP_ZOOM_ROOM },
    dataZoom: stepDataZoom(t, zoom, { left: rows.length > ZOOM_FROM ? 150 : 130, right: 90, bottom: 6 }).concat(
      rows.length > ZOOM_FROM ? [{ type: 'inside', yAxisIndex: 0, zoomOnMouseWheel: 'shift', moveOnMouseMove: false,
        moveOnMouseWheel: false }, { type: 'slider', yAxisIndex: 0, left: 4, width: 14, showDetail: false,
        textStyle: { color: t.text2 }, borderColor: t.line }] : []),
    xAxis: axis(t, { type: 'category', data: xSteps.map(String), name: 'step', nameLocation: 'middle', nameGap: 30,
      splitArea: { show: false } }),
    yAxis: axis(t, { type: 'category', data: names, inverse: true,
      // one label per 14 px of plot height at most
      axisLabel: { color: t.text2, fontSize: 11, formatter: short,
        interval: Math.max(0, Math.ceil((rows.length * 14) / Math.max(60, (height || 400) - 56)) - 1) } }),
    visualMap: {
      type: 'continuous', seriesIndex: 0, min, max, calculable: false, orient: 'vertical', right: 8, top: 'middle', itemHeight: 160,
      inRange: { color: HEAT_COLORS }, textStyle: { color: t.text2, fontSize: 11 },
      formatter: (v) => formatNumber(v, 2),
    },
    tooltip: {
      ...baseOption(t).tooltip, trigger: 'item',
      formatter: (p) => {
        if (p.seriesIndex > 0) {
          const sp = spans[p.seriesIndex - 1];
          return sp ? '<b>' + escapeHtml(titles[sp.yi]) + '</b><br>' + escapeHtml(sp.severity) + ': ' +
            escapeHtml(sp.kind.replace(/_/g, ' ')) + '<br>steps ' + escapeHtml(String(xSteps[sp.x0])) + '–' +
            escapeHtml(String(xSteps[sp.x1])) : '';
        }
        const [xi, yi, v] = p.data || [];
        const zero = matrix.zeros && matrix.zeros.has(xi + ',' + yi);
        return '<b>' + escapeHtml(titles[yi]) + '</b><br>step ' + escapeHtml(String(xSteps[xi])) + '<br>' +
          escapeHtml(spec.label) + ': ' + escapeHtml(zero ? '0 (unchanged)' : formatNumber(v));
      },
    },
    series: [{ type: 'heatmap', data, progressive: 0, emphasis: { disabled: true } }].concat(spans.map((sp) => ({
      type: 'line', data: sp.x0 === sp.x1 ? [[sp.x0, sp.yi]] : [[sp.x0, sp.yi], [sp.x1, sp.yi]], z: 5,
      symbol: 'rect', symbolSize: [4, 12], lineStyle: { color: SEVERITY_COLORS[sp.severity], width: 3 },
      itemStyle: { color: SEVERITY_COLORS[sp.severity] }, emphasis: { disabled: true },
    }))),
  };
}

/**
 * Percentile bands over steps: p1–p99, p5–p95, p25–p75 stacked as areas, median and mean lines.
 * s: normalised series; color: run colour; step: chosen step (vertical line); zoom: [i, j] step indices shown
 * (stepDataZoom), null for every step.
 */
export function bandsOption(t, s, color, step, zoom) {
  const st = s.stats;
  const get = (k, i) => {
    const v = st[k] ? st[k][i] : null;
    return v === null || v === undefined || !Number.isFinite(v) ? null : v;
  };
  const keys = ['p1', 'p5', 'p25', 'p75', 'p95', 'p99'];
  const layers = [[], [], [], [], [], []];
  const median = [];
  const mean = [];
  for (let i = 0; i < s.steps.length; i++) {
    const q = keys.map((k) => get(k, i));
    const ok = q.every((v) => v !== null);
    layers[0].push(ok ? q[0] : null);
    for (let j = 1; j < 6; j++) layers[j].push(ok ? q[j] - q[j - 1] : null);
    median.push(get('p50', i));
    mean.push(get('mean', i));
  }
  const opac = [0, 0.15, 0.3, 0.5, 0.3, 0.15];
  const names = ['p1', 'p1–p5', 'p5–p25', 'p25–p75', 'p75–p95', 'p95–p99'];
  const series = layers.map((data, j) => ({
    type: 'line', name: names[j], data, stack: 'bands', stackStrategy: 'all', symbol: 'none', connectNulls: false,
    lineStyle: { width: 0, opacity: 0 }, areaStyle: j === 0 ? { opacity: 0 } : { color, opacity: opac[j] },
    emphasis: { disabled: true },
  }));
  series.push({ type: 'line', name: 'median', data: median, symbol: 'none', lineStyle: { color, width: 1.5 },
    itemStyle: { color }, connectNulls: false,
    markLine: step === null || step === undefined ? undefined : {
      symbol: 'none', silent: true, label: { show: false }, lineStyle: { color: t.text2, type: 'dashed', width: 1 },
      data: [{ xAxis: String(step) }],
    } });
  series.push({ type: 'line', name: 'mean', data: mean, symbol: 'none', connectNulls: false,
    lineStyle: { color: t.text, width: 1, type: 'dotted' }, itemStyle: { color: t.text } });
  const steps = s.steps;
  return {
    ...baseOption(t),
    grid: { left: 56, right: 12, top: 10, bottom: 28 + STEP_ZOOM_ROOM },
    dataZoom: stepDataZoom(t, zoom, { left: 56, right: 12, bottom: 4 }),
    xAxis: axis(t, { type: 'category', boundaryGap: false, data: steps.map(String), splitLine: { show: false } }),
    yAxis: axis(t, { type: 'value', scale: true, axisLabel: { color: t.text2, fontSize: 11, formatter: (v) => formatNumber(v, 2) } }),
    tooltip: axisTooltip(t, (list) => {
      const i = list[0].dataIndex;
      const rows = [['p99', get('p99', i)], ['p95', get('p95', i)], ['p75', get('p75', i)], ['median', get('p50', i)],
        ['mean', get('mean', i)], ['p25', get('p25', i)], ['p5', get('p5', i)], ['p1', get('p1', i)]];
      return 'step ' + escapeHtml(String(steps[i])) + (s.non_finite[i] ? ' <b>(NaN/Inf)</b>' : '') + '<br>' +
        rows.map(([k, v]) => escapeHtml(k) + ': ' + escapeHtml(formatNumber(v))).join('<br>');
    }),
    series,
  };
}

/** The histogram at one step: bars over bucket centres. buckets: [[left, right, count]] */
export function histogramOption(t, buckets, color) {
  const labels = buckets.map((b) => formatNumber((b[0] + b[1]) / 2, 2));
  return {
    ...baseOption(t),
    grid: { left: 48, right: 12, top: 10, bottom: 36 },
    xAxis: axis(t, { type: 'category', data: labels, axisLabel: { color: t.text2, fontSize: 10, hideOverlap: true } }),
    yAxis: axis(t, { type: 'value', name: 'count', axisLabel: { color: t.text2, fontSize: 11, formatter: (v) => formatNumber(v, 2) } }),
    tooltip: {
      ...baseOption(t).tooltip,
      formatter: (params) => {
        const p = Array.isArray(params) ? params[0] : params;
        if (!p) return '';
        const b = buckets[p.dataIndex];
        return '[' + escapeHtml(formatNumber(b[0])) + ', ' + escapeHtml(formatNumber(b[1])) + ')<br>count: ' +
          escapeHtml(formatNumber(b[2]));
      },
    },
    series: [{ type: 'bar', data: buckets.map((b) => b[2]), barCategoryGap: '4%', itemStyle: { color } }],
  };
}

/**
 * Weight L2 norm over steps, one line per run (weightnorm.js): steps: the shared step axis; runs: [{run, color,
 * data: [value|null per step]}]; spans: [{kind, severity, i0, i1}] shaded (the focused run's norm-trend markers);
 * opts: {log, step (vertical line), zoom ([i, j] step indices shown, stepDataZoom)}.
 */
export function weightNormOption(t, steps, runs, spans, opts) {
  const { log, step, zoom } = opts || {};
  const cats = steps.map(String);
  // a log axis cannot place zero or negative norms: they are left out, not drawn at a made-up floor
  const shown = (v) => (v === null || (log && !(v > 0)) ? null : v);
  const areas = spans.map((sp) => [{ xAxis: cats[sp.i0], itemStyle: { color: SEVERITY_COLORS[sp.severity] || t.line,
    opacity: 0.12 } }, { xAxis: cats[sp.i1] }]);
  const series = runs.map((r, k) => ({
    type: 'line', name: r.run, data: r.data.map(shown), connectNulls: true, symbol: 'circle', symbolSize: 4,
    showSymbol: steps.length <= 60, lineStyle: { color: r.color, width: 2 }, itemStyle: { color: r.color },
    emphasis: { disabled: true },
    markArea: k === 0 && areas.length ? { silent: true, data: areas } : undefined,
    markLine: k === 0 && step !== null && step !== undefined && cats.includes(String(step)) ? {
      symbol: 'none', silent: true, label: { show: false }, lineStyle: { color: t.text2, type: 'dashed', width: 1 },
      data: [{ xAxis: String(step) }] } : undefined,
  }));
  return {
    ...baseOption(t),
    grid: { left: 64, right: 16, top: 12, bottom: 28 + STEP_ZOOM_ROOM },
    dataZoom: stepDataZoom(t, zoom, { left: 64, right: 16, bottom: 4 }),
    xAxis: axis(t, { type: 'category', boundaryGap: false, data: cats, splitLine: { show: false } }),
    yAxis: axis(t, { type: log ? 'log' : 'value', scale: true, name: 'L2 norm', nameLocation: 'middle', nameGap: 50,
      axisLabel: { color: t.text2, fontSize: 11, formatter: (v) => formatNumber(v, 2) } }),
    tooltip: axisTooltip(t, (list) => {
      const i = list[0].dataIndex;
      let html = 'step ' + escapeHtml(String(steps[i]));
      for (const r of runs) {
        const v = r.data[i];
        html += '<br>' + swatch(r.color) + escapeHtml(r.run) + ': ' + escapeHtml(v === null ? '—' : formatNumber(v));
      }
      for (const sp of spans) {
        if (i >= sp.i0 && i <= sp.i1) html += '<br>' + escapeHtml(sp.severity + ': ' + sp.kind.replace(/_/g, ' '));
      }
      return html;
    }),
    series,
  };
}

/** The id of the timeline strip's marks series (views/timeline.js listens to its clicks). */
export const TIMELINE_MARKS_ID = 'hd-tl-marks';
/** Accuracy is drawn in this colour (not one of the run palette's), the learning rate in the theme's grey. */
export const ACCURACY_COLOR = '#7e57c2';

/** The colour and dash of a timeline signal: loss lines in their run's colour, validation dashed. */
export function signalStyle(t, s, runColor) {
  const color = s.axis === 'loss' ? runColor : s.axis === 'accuracy' ? ACCURACY_COLOR : t.text2;
  return { color, type: s.axis === 'lr' ? 'dotted' : s.dashed ? 'dashed' : 'solid', width: s.compared ? 1.5 : 2 };
}

/** The hover text of a timeline mark (escaped: kinds, layer and tag names and evidence are data). */
export function markTooltipHtml(mark) {
  const where = mark.layer !== null ? 'layer ' + mark.layer : mark.tag !== null && mark.evidence_from !== 'scalars'
    ? 'tag ' + mark.tag : 'the run' + (mark.tag !== null ? ' (' + mark.tag + ')' : '');
  let html = '<b>' + escapeHtml(markerTitle(mark.kind)) + '</b> · ' + escapeHtml(mark.severity) +
    (mark.first ? ' · <b>first sign</b>' : '') + '<br>' + escapeHtml(where) + ', steps ' + escapeHtml(String(mark.step)) +
    '–' + escapeHtml(String(mark.last_step));
  if (mark.evidence) html += '<br>' + escapeHtml(mark.evidence);
  if (mark.cause) {
    html += '<br>follows from: ' + escapeHtml(markerTitle(mark.cause.kind) + (mark.cause.layer !== null ? ' in ' +
      mark.cause.layer : '') + (mark.cause.step !== null ? ' at step ' + mark.cause.step : '') +
      (mark.link ? ' (' + mark.link.replace(/_/g, ' ') + ')' : ''));
  }
  html += '<br><span style="opacity:.7">' + escapeHtml(mark.layer !== null || (mark.tag !== null &&
    mark.evidence_from !== 'scalars') ? 'click: its detail at step ' + mark.step : 'click: step ' + mark.step) + '</span>';
  return html;
}

/**
 * The timeline strip (timeline.js timelineModel): the training's scalars over steps on top (loss axis left,
 * accuracy and learning rate right; log where timeline.js says), one lane per layer with markers below (the run's
 * lane first), each marker's onset a mark in its severity colour, the first sign a larger diamond with a vertical
 * line across the curves, episodes shaded, a marker and the one it follows from joined. colorOf(run) gives run colours.
 */
export function timelineOption(t, tm, colorOf) {
  const layout = stripLayout(tm);
  const grids = [];
  const xAxes = [];
  const yAxes = [];
  const series = [];
  const meta = []; // per series: {signal} | {marks: true} | null
  let lo = tm.range ? tm.range[0] : 0;
  let hi = tm.range ? tm.range[1] : 1;
  if (lo === hi) {
    lo -= 1;
    hi += 1;
  }
  const pad = (hi - lo) * 0.005;
  const rightAxes = Math.max(0, tm.axes.length - 1);
  const left = tm.lanes.length ? 124 : 72; // lane labels are up to 18 characters (short)
  const right = rightAxes === 2 ? 132 : rightAxes === 1 ? 64 : 24;
  const xBase = { type: 'value', min: lo, max: hi, splitLine: { show: false } };
  const bandAreas = tm.bands.map((b) => [{ xAxis: b.first_step - (b.first_step === b.last_step ? pad : 0),
    itemStyle: { color: SEVERITY_COLORS[b.severity] || t.line, opacity: 0.07 } },
  { xAxis: b.last_step + (b.first_step === b.last_step ? pad : 0) }]);
  const first = tm.marks.find((m) => m.first);
  const firstLine = first ? { symbol: 'none', silent: true, lineStyle: { color: SEVERITY_COLORS[first.severity], type: 'dashed', width: 1.5 },
    label: { show: false }, data: [{ xAxis: first.step }] } : undefined;
  let curvesGrid = null;
  if (layout.curves) {
    curvesGrid = grids.length;
    grids.push({ left, right, top: layout.curves.top, height: layout.curves.height, tooltip: { trigger: 'axis' } });
    const xi = xAxes.length;
    xAxes.push(axis(t, { ...xBase, gridIndex: curvesGrid, axisLabel: { show: !layout.lanes, color: t.text2, fontSize: 11 },
      name: layout.lanes ? '' : 'step', nameLocation: 'middle', nameGap: 26 }));
    const yIndex = new Map();
    tm.axes.forEach((a, k) => {
      yIndex.set(a.id, yAxes.length);
      yAxes.push(axis(t, { type: a.log ? 'log' : 'value', gridIndex: curvesGrid, scale: !a.log, name: a.name + (a.log ? ' (log)' : ''),
        nameLocation: 'middle', nameGap: k === 0 ? 44 : 36, position: k === 0 ? 'left' : 'right', offset: k === 2 ? 66 : 0,
        splitLine: { show: k === 0, lineStyle: { color: t.split } }, nameTextStyle: { color: t.text2, fontSize: 11 },
        axisLabel: { color: t.text2, fontSize: 11, formatter: (v) => formatNumber(v, 2) } }));
    });
    tm.signals.forEach((sig, k) => {
      const a = tm.axes.find((x) => x.id === sig.axis);
      const style = signalStyle(t, sig, colorOf(sig.run));
      series.push({ type: 'line', name: (sig.compared ? sig.run + ' ' : '') + sig.label, xAxisIndex: xi, yAxisIndex: yIndex.get(sig.axis),
        data: sig.points.map(([x, v]) => [x, v === null || (a.log && !(v > 0)) ? null : v]), connectNulls: false,
        symbol: 'circle', symbolSize: 4, showSymbol: sig.points.length <= 30, sampling: sig.points.length > 2000 ? 'lttb' : undefined, step: sig.axis === 'lr' ? 'end' : false,
        lineStyle: style, itemStyle: { color: style.color }, emphasis: { disabled: true }, z: sig.compared ? 2 : 3,
        markArea: k === 0 && bandAreas.length ? { silent: true, data: bandAreas } : undefined,
        markLine: k === 0 ? firstLine : undefined });
      meta.push({ signal: sig });
    });
    if (tm.chance !== null) {
      // a flat series, not a markLine: markLines on log axes vanish below some values (echarts#21580)
      series.push({ type: 'line', name: 'chance', xAxisIndex: xi, yAxisIndex: yIndex.get('loss'), symbol: 'none', silent: true,
        data: [{ value: [lo, tm.chance], label: { show: true, formatter: 'chance', position: 'right', offset: [0, -8],
          color: t.text2, fontSize: 10 } }, [hi, tm.chance]],
        z: 1, lineStyle: { color: t.text2, type: [2, 4], width: 1 }, emphasis: { disabled: true }, tooltip: { show: false } });
      meta.push(null);
    }
  }
  if (layout.lanes) {
    const gi = grids.length;
    grids.push({ left, right, top: layout.lanes.top, height: layout.lanes.height });
    const xi = xAxes.length;
    xAxes.push(axis(t, { ...xBase, gridIndex: gi, name: 'step', nameLocation: 'middle', nameGap: 26 }));
    const yi = yAxes.length;
    yAxes.push(axis(t, { type: 'category', gridIndex: gi, data: tm.lanes.map((l) => l.label), inverse: true,
      axisTick: { show: false }, splitLine: { show: true, lineStyle: { color: t.split } },
      axisLabel: { color: t.text2, fontSize: 11, formatter: short, interval: 0 } }));
    for (const l of tm.links) {
      series.push({ type: 'line', xAxisIndex: xi, yAxisIndex: yi, data: [l.from, l.to], symbol: 'none', silent: true, z: 1,
        lineStyle: { color: t.text2, type: 'dashed', width: 1, opacity: 0.7 }, emphasis: { disabled: true }, tooltip: { show: false } });
      meta.push(null);
    }
    series.push({ type: 'scatter', id: TIMELINE_MARKS_ID, name: 'markers', xAxisIndex: xi, yAxisIndex: yi, z: 4, cursor: 'pointer',
      data: tm.marks.map((m) => ({
        value: [m.step, m.lane],
        symbol: m.first ? 'diamond' : m.severity === 'info' ? 'emptyCircle' : 'circle',
        symbolSize: m.first ? 16 : m.severity === 'info' ? 8 : 10,
        itemStyle: { color: SEVERITY_COLORS[m.severity], borderColor: m.first ? t.text : SEVERITY_COLORS[m.severity],
          borderWidth: m.first ? 2 : 1 },
        label: m.first ? { show: true, position: 'right', formatter: 'first sign', color: t.text, fontSize: 11 } : undefined,
      })),
      emphasis: { scale: 1.3 },
      markArea: bandAreas.length ? { silent: true, data: bandAreas } : undefined,
      markLine: firstLine });
    meta.push({ marks: true });
  }
  return {
    ...baseOption(t),
    grid: grids,
    xAxis: xAxes,
    yAxis: yAxes,
    tooltip: {
      ...baseOption(t).tooltip, trigger: 'item',
      formatter: (params) => {
        if (Array.isArray(params)) { // the curves grid's axis tooltip
          if (!params.length) return '';
          let html = 'step ' + escapeHtml(formatNumber(params[0].axisValue));
          for (const p of params) {
            const m = meta[p.seriesIndex];
            if (!m || !m.signal) continue;
            const [x, v] = p.value || [];
            const style = signalStyle(t, m.signal, colorOf(m.signal.run));
            html += '<br>' + swatch(style.color) + escapeHtml((m.signal.compared ? m.signal.run + ' ' : '') + m.signal.label +
              ': ' + formatNumber(v) + (x !== params[0].axisValue ? ' (step ' + formatNumber(x) + ')' : ''));
          }
          return html;
        }
        const m = meta[params.seriesIndex];
        if (m && m.marks) {
          const mark = tm.marks[params.dataIndex];
          return mark ? markTooltipHtml(mark) : '';
        }
        return '';
      },
    },
    series,
  };
}
