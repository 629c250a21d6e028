import { test } from 'node:test';
import assert from 'node:assert/strict';
import { timelineModel, scalarSignal, spansDecades, stripLayout, markAction, laneOf, valueAt, MAX_LANES, LANE_HEIGHT,
  CURVES_HEIGHT } from '../src/timeline.js';

// The contract's example: an exploding gradient in dense_2 at step 10 leads to saturation, zero gradients and NaN.
const M = (kind, layer, first, last, extra) => ({ kind, severity: 'warning', tag: layer ? layer + '/kernel/grad' : 'epoch_loss',
  layer, first_step: first, last_step: last, evidence: kind + ' evidence', evidence_from: layer ? 'gradients' : 'scalars',
  caused_by: null, link: null, ...extra });
const DOC = {
  run: 'X/train',
  layers: [{ name: 'dense', depth: 0 }, { name: 'dense_1', depth: 1 }, { name: 'dense_2', depth: 2 }],
  markers: [
    M('saturation', 'dense_1', 18, 60, { caused_by: 3, link: 'explosion_saturates' }), // 0
    M('vanishing_gradient', 'dense', 22, 60, { caused_by: 0, link: 'saturation_zeroes_gradient' }), // 1
    M('weight_decay_shrink', 'dense', 0, 60, { severity: 'info', evidence_from: 'weights' }), // 2: no episode
    M('exploding_gradient', 'dense_2', 10, 40, { severity: 'critical' }), // 3: the first sign
    M('loss_diverging', null, 30, 60, { severity: 'critical', caused_by: 3, link: 'explosion_diverges_loss' }), // 4
    M('non_finite', 'dense_2', 50, 60, { severity: 'critical', caused_by: 3 }), // 5
  ],
  scalars: {
    loss: { run: 'X/train', tag: 'epoch_loss', steps: [0, 10, 20, 30], values: [2.3, 1.9, 'NaN', 40] },
    val_loss: { run: 'X/validation', tag: 'epoch_loss', steps: [0, 10, 20], values: [2.4, 2.0, null] },
    accuracy: { run: 'X/train', tag: 'epoch_accuracy', steps: [0, 10, 20], values: [0.1, 0.5, 0.4] },
    learning_rate: { run: 'X/train', tag: 'epoch_learning_rate', steps: [20, 0, 10], values: [0.25, 0.001, 0.01] },
    classes: 10, chance_loss: 2.302,
  },
  classes: 10,
  chance_loss: 2.302,
  headline: 'First sign: exploding gradient in dense_2 at step 10.',
  first_sign: { kind: 'exploding_gradient', layer: 'dense_2', step: 10, marker: 3 },
  timeline: [{ first: 3, markers: [3, 0, 5, 1, 4], first_step: 10, last_step: 60 }],
};
const ORDER = ['dense', 'dense_1', 'dense_2'];

test('signals: present scalars only, sorted by step, non-finite values as gaps', () => {
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  assert.deepEqual(tm.signals.map((s) => s.key), ['loss', 'val_loss', 'accuracy', 'learning_rate']);
  assert.deepEqual(tm.signals[0].points, [[0, 2.3], [10, 1.9], [20, null], [30, 40]]);
  assert.deepEqual(tm.signals[3].points, [[0, 0.001], [10, 0.01], [20, 0.25]]);
  assert.equal(tm.signals[1].tag, 'epoch_loss');
  assert.equal(tm.chance, 2.302);
  assert.equal(tm.classes, 10);
  assert.equal(scalarSignal(null), null);
  assert.equal(scalarSignal({ steps: [], values: [] }), null);
  assert.equal(scalarSignal({ steps: 'x', values: [] }), null);
});

test('scales: log where a signal spans two decades or more, never with values <= 0; lr on its own axis', () => {
  assert.equal(spansDecades([1, 10, 99.9]), false);
  assert.equal(spansDecades([1, 10, 100]), true);
  assert.equal(spansDecades([0.001, null, 0.25]), true); // 2.4 decades
  assert.equal(spansDecades([0, 1, 1000]), false);
  assert.equal(spansDecades([]), false);
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  // loss 1.9 .. 40 is 1.3 decades: linear; accuracy linear; lr 0.001 .. 0.25: log
  assert.deepEqual(tm.axes.map((a) => [a.id, a.log]), [['loss', false], ['accuracy', false], ['lr', true]]);
  const exploding = timelineModel({ ...DOC, scalars: { loss: { steps: [0, 1, 2], values: [2, 50, 3e4] } } });
  assert.deepEqual(exploding.axes.map((a) => [a.id, a.log]), [['loss', true]]);
  // the validation loss shares the loss axis: its span decides too
  const val = timelineModel({ ...DOC, scalars: { loss: { steps: [0, 1], values: [2, 1] },
    val_loss: { steps: [0, 1], values: [2, 500] } } });
  assert.deepEqual(val.axes.map((a) => [a.id, a.log]), [['loss', true]]);
});

test('lanes: the run lane first, then layers with markers in depth order; marks at each onset', () => {
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  assert.deepEqual(tm.lanes.map((l) => l.key), ['run', 'dense', 'dense_1', 'dense_2']);
  const at = tm.marks.map((m) => [m.marker, tm.lanes[m.lane].key, m.step]);
  assert.deepEqual(at, [[2, 'dense', 0], [3, 'dense_2', 10], [0, 'dense_1', 18], [1, 'dense', 22], [4, 'run', 30],
    [5, 'dense_2', 50]]);
  assert.deepEqual(tm.marks.filter((m) => m.first).map((m) => m.marker), [3]);
  assert.deepEqual(tm.firstSign, { kind: 'exploding_gradient', layer: 'dense_2', step: 10, marker: 3 });
  assert.deepEqual(tm.range, [0, 60]);
  assert.equal(tm.empty, false);
});

test('episodes are bands with their worst severity; causes become links between marks', () => {
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  assert.deepEqual(tm.bands, [{ episode: 0, first: 3, first_step: 10, last_step: 60, severity: 'critical',
    markers: [3, 0, 5, 1, 4] }]);
  const byMarker = new Map(tm.marks.map((m) => [m.marker, m]));
  assert.equal(byMarker.get(2).episode, null);
  assert.equal(byMarker.get(0).episode, 0);
  assert.deepEqual(byMarker.get(1).cause, { kind: 'saturation', layer: 'dense_1', step: 18 });
  assert.equal(byMarker.get(1).link, 'saturation_zeroes_gradient');
  // lanes: run 0, dense 1, dense_1 2, dense_2 3
  assert.deepEqual(tm.links.map((l) => [l.from, l.to, l.link]), [
    [[10, 3], [18, 2], 'explosion_saturates'],
    [[18, 2], [22, 1], 'saturation_zeroes_gradient'],
    [[10, 3], [30, 0], 'explosion_diverges_loss'],
    [[10, 3], [50, 3], null],
  ]);
});

test('missing scalars: marker lanes only; nothing at all: empty, never an error', () => {
  const noScalars = timelineModel({ ...DOC, scalars: undefined, chance_loss: null }, { layerOrder: ORDER });
  assert.deepEqual(noScalars.signals, []);
  assert.deepEqual(noScalars.axes, []);
  assert.equal(noScalars.chance, null);
  assert.equal(noScalars.lanes.length, 4);
  assert.equal(noScalars.empty, false);
  const layout = stripLayout(noScalars);
  assert.equal(layout.curves, null);
  assert.deepEqual(layout.lanes, { top: 12, height: 4 * LANE_HEIGHT });
  for (const doc of [{}, null, undefined, { run: 'r', markers: [], scalars: {} }, { markers: 'x', timeline: 5, first_sign: 7 }]) {
    const tm = timelineModel(doc);
    assert.equal(tm.empty, true);
    assert.equal(tm.range, null);
    assert.deepEqual([tm.lanes, tm.marks, tm.bands, tm.links], [[], [], [], []]);
  }
  const onlyScalars = timelineModel({ run: 'r', markers: [], scalars: DOC.scalars });
  assert.equal(onlyScalars.empty, false);
  assert.equal(stripLayout(onlyScalars).lanes, null);
  assert.equal(stripLayout(onlyScalars).curves.height, CURVES_HEIGHT);
});

test('malformed indices are ignored, not followed', () => {
  const doc = { run: 'r', markers: [M('saturation', 'a', 3, 4, { caused_by: 9 }), M('dead_units', 'b', null, null)],
    first_sign: { kind: 'saturation', layer: 'a', step: 3, marker: 7 },
    timeline: [{ first: 5, markers: [0, 8, -1, 'x'], first_step: 3, last_step: 4 }, null, { markers: [] }] };
  const tm = timelineModel(doc);
  assert.deepEqual(tm.marks.map((m) => [m.marker, m.causedBy, m.first]), [[0, null, false]]); // b has no onset
  assert.equal(tm.firstSign.marker, null);
  assert.deepEqual(tm.bands.map((b) => [b.first, b.markers]), [[0, [0]]]);
});

test('compared runs overlay their loss curves (loss and validation loss only)', () => {
  const other = { run: 'Y/train', scalars: { loss: { steps: [0, 5], values: [2.2, 0.5] }, accuracy: { steps: [0], values: [0.3] } } };
  const tm = timelineModel(DOC, { layerOrder: ORDER, compared: [{ run: 'X/train', doc: DOC }, { run: 'Y/train', doc: other },
    { run: 'Z', doc: {} }] });
  assert.deepEqual(tm.signals.map((s) => [s.run, s.key, s.compared]), [['X/train', 'loss', false],
    ['X/train', 'val_loss', false], ['X/train', 'accuracy', false], ['X/train', 'learning_rate', false],
    ['Y/train', 'loss', true]]);
  // a compared run alone draws the curves even when the focused run has no scalars
  const alone = timelineModel({ run: 'X/train' }, { compared: [{ run: 'Y/train', doc: other }] });
  assert.deepEqual(alone.signals.map((s) => s.run), ['Y/train']);
  assert.equal(alone.empty, false);
});

test('lanes of ungrouped tags; many lanes keep the first sign and warnings, info-only lanes go first', () => {
  assert.deepEqual(laneOf({ layer: null, tag: 'cls_token', evidence_from: 'weights', kind: 'off_center' }),
    { key: 'tag:cls_token', label: 'cls_token', tag: 'cls_token' });
  assert.equal(laneOf({ layer: null, tag: 'epoch_loss', evidence_from: 'scalars', kind: 'oscillating_loss' }).key, 'run');
  const markers = [];
  const order = [];
  for (let i = 0; i < 30; i++) {
    order.push('l' + i);
    markers.push(M('weight_decay_shrink', 'l' + i, i, i + 1, { severity: i % 3 === 0 ? 'warning' : 'info' }));
  }
  markers.push(M('exploding_gradient', 'l29', 5, 6, { severity: 'critical' }));
  const tm = timelineModel({ markers, first_sign: { kind: 'exploding_gradient', layer: 'l29', step: 5, marker: 30 } },
    { layerOrder: order });
  assert.equal(tm.lanes.length, MAX_LANES);
  assert.equal(tm.hiddenLanes, 30 - MAX_LANES);
  // l0, l3, …, l27 (10 warning lanes) and l29 (first sign), then the first info lanes by depth: l1, l2, l4, l5, l7
  const expected = order.filter((k, i) => i % 3 === 0 || i === 29 || ['l1', 'l2', 'l4', 'l5', 'l7'].includes(k));
  assert.deepEqual(tm.lanes.map((l) => l.key), expected);
  assert.ok(tm.marks.every((m) => tm.lanes[m.lane]));
  assert.ok(tm.marks.some((m) => m.first));
});

test('a click on a mark: the layer (or tag) detail at its onset; the run lane moves the step only', () => {
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  const keys = new Set(['dense', 'dense_1', 'dense_2']);
  const byMarker = new Map(tm.marks.map((m) => [m.marker, m]));
  assert.deepEqual(markAction(byMarker.get(3), keys), { detail: 'dense_2', step: 10 });
  assert.deepEqual(markAction(byMarker.get(4), keys), { detail: null, step: 30 });
  assert.deepEqual(markAction({ layer: null, tag: 'cls', step: 4 }, ['tag:cls']), { detail: 'tag:cls', step: 4 });
  assert.deepEqual(markAction({ layer: 'gone', tag: null, step: 4 }, keys), { detail: null, step: 4 });
});

test('strip layout and values at a step', () => {
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  const l = stripLayout(tm);
  assert.deepEqual(l.curves, { top: 16, height: CURVES_HEIGHT });
  assert.deepEqual(l.lanes, { top: 16 + CURVES_HEIGHT + 16, height: 4 * LANE_HEIGHT });
  assert.equal(l.height, 16 + CURVES_HEIGHT + 16 + 4 * LANE_HEIGHT + 40);
  assert.equal(valueAt([[0, 1], [10, 2]], 9), 1);
  assert.equal(valueAt([[0, 1], [10, 2]], 10), 2);
  assert.equal(valueAt([[5, 1]], 0), null);
});

test('the strip option: grids, log axes, escaped hover text for every mark', async () => {
  const { timelineOption, markTooltipHtml, TIMELINE_MARKS_ID, themeColors } = await import('../src/charts.js');
  const evil = '<img src=x onerror=alert(1)>';
  const doc = { ...DOC, markers: DOC.markers.map((m, i) => (i === 3 ? { ...m, layer: evil, tag: evil + '/grad', evidence: '<b>' + evil }
    : i === 0 ? { ...m, link: '<i>x</i>' } : m)) };
  const tm = timelineModel(doc, { layerOrder: ['dense', 'dense_1', evil] });
  const opt = timelineOption(themeColors(false), tm, () => '#0077bb');
  assert.equal(opt.grid.length, 2);
  assert.deepEqual(opt.yAxis.map((a) => a.type), ['value', 'value', 'log', 'category']);
  const marks = opt.series.find((s) => s.id === TIMELINE_MARKS_ID);
  assert.equal(marks.data.length, tm.marks.length);
  assert.equal(marks.data.filter((d) => d.symbol === 'diamond').length, 1);
  const si = opt.series.indexOf(marks);
  for (let i = 0; i < tm.marks.length; i++) {
    const html = opt.tooltip.formatter({ seriesIndex: si, dataIndex: i });
    assert.ok(html.length > 0);
    assert.ok(!/<img|<i>|<b><img/.test(html), html);
  }
  const first = tm.marks.findIndex((m) => m.first);
  const html = markTooltipHtml(tm.marks[first]);
  assert.match(html, /first sign/);
  assert.ok(html.includes('&lt;img src=x onerror=alert(1)&gt;'));
  const caused = markTooltipHtml(tm.marks.find((m) => m.marker === 0));
  assert.ok(caused.includes('follows from: Exploding gradient in &lt;img'), caused);
  assert.ok(caused.includes('&lt;i&gt;x&lt;/i&gt;'));
  // the curves' axis tooltip: one line per signal, names escaped
  const axisHtml = opt.tooltip.formatter([{ seriesIndex: 0, axisValue: 10, value: [10, 1.9] }]);
  assert.equal(axisHtml.replace(/<span[^>]*><\/span>/g, ''), 'step 10<br>loss: 1.9');
  // no lanes without markers, no curves without scalars
  const curvesOnly = timelineOption(themeColors(true), timelineModel({ run: 'r', scalars: DOC.scalars }), () => '#fff');
  assert.equal(curvesOnly.grid.length, 1);
  assert.ok(!curvesOnly.series.some((s) => s.id === TIMELINE_MARKS_ID));
  const lanesOnly = timelineOption(themeColors(true), timelineModel({ ...DOC, scalars: {} }), () => '#fff');
  assert.deepEqual(lanesOnly.yAxis.map((a) => a.type), ['category']);
});

test('the strip reads the focused model and the other compared ones; notes say what is missing', async () => {
  const { stripData, stripNote } = await import('../src/views/timeline.js');
  const { buildModel } = await import('../src/model.js');
  const { initialState } = await import('../src/store.js');
  const other = { run: 'Y/train', layers: [], series: [], markers: [], scalars: { loss: { steps: [0], values: [1] } } };
  const state = { ...initialState(''), run: 'X/train', compare: ['X/train', 'Y/train'],
    models: new Map([['X/train', { model: buildModel(DOC) }], ['Y/train', { model: buildModel(other) }]]) };
  const tm = stripData(state);
  assert.deepEqual(tm.lanes.map((l) => l.key), ['run', 'dense', 'dense_1', 'dense_2']);
  assert.deepEqual(tm.signals.filter((s) => s.compared).map((s) => s.run), ['Y/train']);
  assert.equal(stripNote(tm, 'X/train'), '');
  assert.equal(stripData({ ...state, run: 'gone' }), null);
  assert.equal(stripNote(timelineModel({}), 'r'), 'No training scalars (loss, accuracy, learning rate) and no markers in r.');
  assert.equal(stripNote(timelineModel({ ...DOC, scalars: {} }), 'r'), 'No loss, accuracy or learning-rate scalars found for r: markers only.');
  assert.equal(stripNote(timelineModel({ scalars: DOC.scalars }), 'r'), 'No markers in r.');
});

test('episodes as chains: the first marker, then the others by onset; long ones cut with a count', async () => {
  const { episodeChains, MAX_CHAIN } = await import('../src/timeline.js');
  const tm = timelineModel(DOC, { layerOrder: ORDER });
  const chains = episodeChains(tm);
  assert.equal(chains.length, 1);
  assert.deepEqual(chains[0].marks.map((m) => m.marker), [3, 0, 1, 4, 5]); // steps 10, 18, 22, 30, 50
  assert.equal(chains[0].more, 0);
  assert.deepEqual([chains[0].first_step, chains[0].last_step, chains[0].severity], [10, 60, 'critical']);
  // an episode whose first marker is not its earliest onset still starts with it; episodes sorted by onset
  const markers = [];
  for (let i = 0; i < 9; i++) markers.push(M('dead_units', 'l' + i, 20 - i, 30));
  const doc = { markers, timeline: [{ first: 4, markers: [0, 1, 2, 3, 4, 5, 6, 7, 8], first_step: 12, last_step: 30 },
    { first: 8, markers: [8], first_step: 5, last_step: 6 }] };
  const c = episodeChains(timelineModel(doc));
  assert.deepEqual(c.map((x) => x.first_step), [5, 12]);
  assert.deepEqual(c[1].marks.map((m) => m.marker), [4, 8, 7, 6, 5, 3].slice(0, MAX_CHAIN));
  assert.equal(c[1].more, 9 - MAX_CHAIN);
  assert.deepEqual(episodeChains(timelineModel({})), []);
});
