import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  buildModel, valueAtStep, indexAtOrBefore, heatmapMatrix, gradientFlow, mergeLayerAxes, countSeverities,
} from '../src/model.js';
import { markerAdvice, markerTitle, MARKER_INFO } from '../src/advice.js';

function series(tag, layer, role, rms) {
  return { tag, layer, role, steps: [0, 10, 20], wall_times: [0, 1, 2], non_finite: [false, false, false],
    stats: { rms, change: [null, 0.1, 0.2], zero_fraction: [0, 0, 0] } };
}

const doc = {
  run: 'r',
  layers: [
    { name: 'out', depth: 1, tags: { weights: 'out/w', bias: null, gradient: 'out/g', activation: null } },
    { name: 'in', depth: 0, tags: { weights: 'in/w', bias: null, gradient: 'in/g', activation: null } },
  ],
  series: [
    series('in/w', 'in', 'weights', [1, 1, 1]), series('in/g', 'in', 'gradient', [1e-6, 'NaN', null]),
    series('out/w', 'out', 'weights', [1, 1, 1]), series('out/g', 'out', 'gradient', [1, 2, 3]),
    series('<b>odd</b>', null, 'other', [5, 5, 5]),
  ],
  markers: [
    { kind: 'vanishing_gradient', severity: 'warning', tag: 'in/g', layer: 'in', first_step: 0, last_step: 20, evidence: 'x' },
    { kind: 'non_finite', severity: 'critical', tag: 'in/g', layer: 'in', first_step: 10, last_step: 10, evidence: 'y' },
  ],
  settings: {},
};

test('rows in depth order, markers sorted by severity, ungrouped tags last', () => {
  const m = buildModel(doc);
  assert.deepEqual(m.rows.map((r) => r.key), ['in', 'out', 'tag:<b>odd</b>']);
  assert.equal(m.rows[0].markers[0].kind, 'non_finite');
  assert.equal(m.rows[2].kind, 'tag');
  assert.deepEqual(m.steps, [0, 10, 20]);
  assert.deepEqual(countSeverities(m.markers), { critical: 1, warning: 1, info: 0 });
});

test('values at a step use the last logged step at or before it', () => {
  const m = buildModel(doc);
  const g = m.byTag.get('out/g');
  assert.equal(indexAtOrBefore([0, 10, 20], 15), 1);
  assert.equal(indexAtOrBefore([0, 10, 20], -1), -1);
  assert.equal(valueAtStep(g, 'rms', 15), 2);
  assert.equal(valueAtStep(g, 'rms', null), 3);
  assert.equal(valueAtStep(g, 'rms', -5), null);
});

test('gradient flow skips NaN and null values', () => {
  const m = buildModel(doc);
  assert.deepEqual(gradientFlow(m, 0).map((p) => p.value), [1e-6, 1]);
  assert.deepEqual(gradientFlow(m, 10).map((p) => p.value), [null, 2]);
});

test('heatmap matrix in log10', () => {
  const m = buildModel(doc);
  const h = heatmapMatrix(m, 'grad_rms_log');
  assert.deepEqual(h.rows.map((r) => r.key), ['in', 'out']);
  assert.deepEqual(h.data[0], [0, 0, -6]);
  assert.equal(h.data.length, 4);
  assert.equal(h.min, -6);
});

test('mergeLayerAxes keeps depth order across runs', () => {
  assert.deepEqual(mergeLayerAxes([['a', 'b', 'd'], ['a', 'c', 'd', 'e']]), ['a', 'b', 'c', 'd', 'e']);
});

test('advice text for every documented marker kind', () => {
  const kinds = ['vanishing_gradient', 'exploding_gradient', 'non_finite', 'dead_units', 'saturation',
    'stagnant_weights', 'weight_decay_shrink', 'weight_growth', 'off_center', 'clipped_values'];
  for (const k of kinds) {
    assert.ok(MARKER_INFO[k], k);
    assert.ok(markerAdvice(k).length > 20);
  }
  assert.equal(markerTitle('new_kind'), 'new kind');
});
