// The heatmap statistics and matrix, and series defaults, added for mutation testing (tests/mutation/). What each
// heatmap statistic shows is restated from its id (grad_rms_log: log10 of the gradients' RMS, ...).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { HEATMAP_STATS, buildModel, heatmapMatrix, heatmapStat, countSeverities, unionSteps } from '../src/model.js';

const ROLE_WORD = { gradient: 'gradient', weights: 'weight', activation: 'activation', bias: 'bias' };
const SHOWS = {
  grad_rms_log: ['gradient', 'rms', true],
  grad_l2_log: ['gradient', 'l2_norm', true],
  weights_change_log: ['weights', 'change', true],
  weights_rms: ['weights', 'rms', false],
  weights_mean: ['weights', 'mean', false],
  weights_std: ['weights', 'std', false],
  grad_zero: ['gradient', 'zero_fraction', false],
  act_zero: ['activation', 'zero_fraction', false],
  act_abs_mean: ['activation', 'abs_mean', false],
  bias_mean: ['bias', 'mean', false],
};
const STATS = ['rms', 'l2_norm', 'change', 'mean', 'std', 'zero_fraction', 'abs_mean'];
const ROLES = ['weights', 'bias', 'gradient', 'activation'];

// one layer; role r's statistic s is 10^(10 r + s + 1) at its one step
function doc() {
  const series = ROLES.map((role, r) => ({
    tag: 'l/' + role, layer: 'l', role, steps: [5],
    stats: Object.fromEntries(STATS.map((stat, s) => [stat, [10 ** (10 * r + s + 1)]])),
  }));
  return { run: 'x', series, layers: [{ name: 'l', depth: 0, tags: {} }] };
}

test('every heatmap statistic shows its role and statistic, on a log scale where its id says so', () => {
  assert.deepEqual(HEATMAP_STATS.map((s) => s.id).sort(), Object.keys(SHOWS).sort());
  const model = buildModel(doc());
  for (const spec of HEATMAP_STATS) {
    const [role, stat, log] = SHOWS[spec.id];
    assert.equal(spec.role, role, spec.id);
    assert.equal(spec.stat, stat, spec.id);
    assert.equal(spec.log, log, spec.id);
    assert.ok(spec.label.includes(ROLE_WORD[role]), spec.id);
    assert.equal(spec.label.startsWith('log10 '), log, spec.id);
    const exponent = 10 * ROLES.indexOf(role) + STATS.indexOf(stat) + 1;
    const m = heatmapMatrix(model, spec.id);
    assert.deepEqual(m.data, [[0, 0, log ? exponent : 10 ** exponent]], spec.id);
  }
  assert.equal(new Set(HEATMAP_STATS.map((s) => s.label)).size, HEATMAP_STATS.length);
  assert.equal(heatmapStat('nonsense').id, 'grad_rms_log');
});

function oneRole(values, steps) {
  return buildModel({ run: 'r', series: [{ tag: 'l/g', layer: 'l', role: 'gradient', steps, stats: { rms: values } }],
    layers: [{ name: 'l', depth: 0, tags: { gradient: 'l/g' } }] });
}

test('exact zeros of a log statistic sit one decade below the smallest value', () => {
  const m = heatmapMatrix(oneRole([0, 100, 1000], [1, 2, 3]), 'grad_rms_log');
  assert.deepEqual(m.data, [[1, 0, 2], [2, 0, 3], [0, 0, 1]]);
  assert.deepEqual([m.min, m.max], [1, 3]);
  assert.deepEqual([...m.zeros], ['0,0']);
  const zeros = heatmapMatrix(oneRole([0, 0], [1, 2]), 'grad_rms_log');
  assert.deepEqual(zeros.data, [[0, 0, -1], [1, 0, -1]]);
  assert.deepEqual([zeros.min, zeros.max], [-1, 0]);
});

test('a matrix of one value or none gets a range around it', () => {
  const one = heatmapMatrix(oneRole([100, 100], [1, 2]), 'grad_rms_log');
  assert.deepEqual([one.min, one.max], [1.5, 2.5]);
  const none = heatmapMatrix(oneRole([null, NaN], [1, 2]), 'grad_rms_log');
  assert.deepEqual(none.data, []);
  assert.deepEqual([none.min, none.max], [0, 1]);
  // on a log scale a negative value is no value, a zero is a zero cell
  const neg = heatmapMatrix(oneRole([0, -2], [1, 2]), 'grad_rms_log');
  assert.deepEqual(neg.data, [[0, 0, -1]]);
  assert.equal(neg.zeros.size, 1);
});

test('series defaults: role other, no layer, no non-finite steps, string tags', () => {
  const model = buildModel({ run: 7, series: [{ tag: 3, steps: [1, 2], stats: {} }] });
  const s = model.series[0];
  assert.equal(s.tag, '3');
  assert.equal(s.role, 'other');
  assert.equal(s.layer, null);
  assert.equal(s.param, null);
  assert.equal(s.param_name, null);
  assert.equal(s.norm, false);
  assert.deepEqual(s.non_finite, [false, false]);
  assert.equal(model.run, '7');
  assert.deepEqual(model.rows.map((r) => [r.key, r.kind]), [['tag:3', 'tag']]);
  assert.equal(model.rows[0].series.weights, s); // a tag of no known role is shown as weights
  assert.deepEqual(model.ungrouped, ['3']);
  assert.deepEqual(model.settings, {});
});

test('severity counts and step unions', () => {
  assert.deepEqual(countSeverities([{ severity: 'critical' }, { severity: 'info' }, { severity: 'odd' },
    { severity: 'critical' }]), { critical: 2, warning: 0, info: 1 });
  assert.deepEqual(unionSteps([{ steps: [3, 1] }, { steps: [2, 3] }]), [1, 2, 3]);
  assert.deepEqual(unionSteps([{ steps: [10, 9] }]), [9, 10]);
});
