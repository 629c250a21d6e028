// A tiny static mock of the histdiag backend for frontend work without TensorBoard (not used by the tests).
//   npm run build && npm run dev   →  http://127.0.0.1:6199/data/plugin_entry.html?name=histdiag
// It serves the built bundle, an entry page shaped like TensorBoard's, and sample JSON in the contract's shapes.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const bundle = path.join(here, '..', '..', 'tb_histdiag_plugin', 'static', 'index.js');
const port = Number(process.env.PORT || 6199);

const STATS = ['count', 'mean', 'std', 'min', 'max', 'rms', 'l2_norm', 'abs_mean', 'zero_fraction',
  'p1', 'p5', 'p25', 'p50', 'p75', 'p95', 'p99', 'change'];

function series(tag, layer, role, scale, steps) {
  const stats = Object.fromEntries(STATS.map((k) => [k, []]));
  for (let i = 0; i < steps.length; i++) {
    const s = scale * (1 + 0.3 * Math.sin(i / 3));
    const q = { p1: -2.3 * s, p5: -1.6 * s, p25: -0.67 * s, p50: 0, p75: 0.67 * s, p95: 1.6 * s, p99: 2.3 * s };
    Object.assign(stats, Object.fromEntries(Object.entries(q).map(([k, v]) => [k, [...stats[k], v]])));
    stats.count.push(1000); stats.mean.push(0.01 * s); stats.std.push(s); stats.min.push(-3 * s); stats.max.push(3 * s);
    stats.rms.push(s); stats.l2_norm.push(s * 31.6); stats.abs_mean.push(0.8 * s); stats.zero_fraction.push(0);
    stats.change.push(i ? 0.05 : null);
  }
  return { tag, layer, role, param: role === 'bias' ? 'bias' : 'weights', steps, wall_times: steps.map((s) => 1.7e9 + s),
    non_finite: steps.map(() => false), stats };
}

function diagnostics(run) {
  const steps = Array.from({ length: 50 }, (_, i) => i * 10);
  const layers = [];
  const all = [];
  for (let d = 0; d < 8; d++) {
    const name = 'block_' + (d >> 2) + '.dense_' + (d % 4);
    const tags = { weights: name + '/kernel', bias: name + '/bias', gradient: name + '/kernel/grad', activation: null };
    layers.push({ name, depth: d, tags, block: 'block_' + (d >> 2) });
    all.push(series(tags.weights, name, 'weights', 0.1, steps), series(tags.bias, name, 'bias', 0.01, steps));
    if (run !== 'weights_only') all.push(series(tags.gradient, name, 'gradient', run === 'vanishing' ? 10 ** (d - 8) : 1e-3, steps));
  }
  const markers = run === 'healthy' ? [] : [{ kind: 'vanishing_gradient', severity: run === 'vanishing' ? 'critical' : 'warning',
    tag: 'block_0.dense_0/kernel' + (run === 'vanishing' ? '/grad' : ''), layer: 'block_0.dense_0', first_step: 0, last_step: 490,
    evidence: 'mock evidence', evidence_from: run === 'vanishing' ? 'gradients' : 'weights' }];
  const epochs = steps.map((s) => s / 10);
  const sig = (tag, f) => ({ run: run + '/train', tag, steps, values: epochs.map(f) });
  const scalars = run === 'weights_only' ? {} : {
    loss: sig('epoch_loss', (e) => (run === 'vanishing' ? (e > 30 ? 2.3 * 1.3 ** (e - 30) : 2.3 - e * 0.01) : 2.3 * Math.exp(-e / 10) + 0.05)),
    val_loss: { ...sig('epoch_loss', (e) => 2.4 * Math.exp(-e / 12) + 0.1), run: run + '/validation' },
    accuracy: sig('epoch_accuracy', (e) => 1 - 0.9 * Math.exp(-e / 8)),
    learning_rate: sig('epoch_learning_rate', (e) => 1e-3 * (1 + e)),
  };
  if (run === 'vanishing') {
    markers.push({ kind: 'loss_diverging', severity: 'critical', tag: 'epoch_loss', layer: null, first_step: 310, last_step: 490,
      evidence: 'loss <b>2.3</b> → 1e5', evidence_from: 'scalars', caused_by: 0, link: 'gradient_diverges_loss' });
    markers.push({ kind: 'saturation', severity: 'warning', tag: 'block_1.dense_3/act', layer: 'block_1.dense_3', first_step: 200,
      last_step: 490, evidence: 'tanh units at ±1', evidence_from: 'activations', caused_by: 0, link: null });
    markers.push({ kind: 'weight_decay_shrink', severity: 'info', tag: 'block_0.dense_2/kernel', layer: 'block_0.dense_2', first_step: 0,
      last_step: 490, evidence: 'norm falls', evidence_from: 'weights', caused_by: null, link: null });
  }
  for (const mk of markers) if (!('caused_by' in mk)) Object.assign(mk, { caused_by: null, link: null });
  const first = markers.length && run !== 'healthy' ? 0 : null;
  return { run, layers, series: all, markers, settings: {}, ungrouped: [], scalars, classes: 10, chance_loss: 2.302,
    headline: run === 'healthy' ? 'Learns: the loss falls from 2.35 to 0.07 over 49 epochs.'
      : 'First sign: vanishing gradient in block_0.dense_0 at step 0; the loss diverges from step 31.',
    first_sign: first === null ? null : { kind: markers[0].kind, layer: markers[0].layer, step: markers[0].first_step, marker: 0 },
    timeline: first === null ? [] : [{ first: 0, markers: markers.map((_, i) => i).filter((i) => markers[i].severity !== 'info'),
      first_step: 0, last_step: 490 }] };
}

const ROUTES = {
  runs: () => ({ runs: ['healthy', 'vanishing', 'weights_only'].map((run) => {
    const d = diagnostics(run);
    const last = (k) => (d.scalars[k] ? d.scalars[k].values.at(-1) : null);
    return { run, tags: 24, layers: 8, first_step: 0, last_step: 490, critical: run === 'vanishing' ? 2 : 0,
      warning: run === 'weights_only' ? 1 : 0, status: 'done', headline: d.headline,
      first_sign: d.first_sign && { kind: d.first_sign.kind, layer: d.first_sign.layer, step: d.first_sign.step },
      final: { loss: last('loss'), val_loss: last('val_loss'), accuracy: last('accuracy'), val_accuracy: last('val_accuracy') } };
  }) }),
  settings: () => ({ settings: [{ name: 'vanishing_ratio', default: 0.01, min: 0, max: 1, description: 'mock', source: 'mock' }] }),
  diagnostics: (q) => diagnostics(q.get('run')),
  histogram: (q) => ({ run: q.get('run'), tag: q.get('tag'), step: Number(q.get('step')), wall_time: 1.7e9,
    buckets: Array.from({ length: 30 }, (_, i) => [i / 10 - 1.5, i / 10 - 1.4, Math.round(100 * Math.exp(-(((i - 15) / 5) ** 2)))]) }),
};

http.createServer((req, res) => {
  const url = new URL(req.url, 'http://localhost');
  if (url.pathname === '/data/plugin_entry.html') {
    res.writeHead(200, { 'Content-Type': 'text/html' });
    res.end('<!doctype html><html><head><base href="plugin/histdiag/" /></head><body>' +
      '<script type="module">import("./index.js").then((m) => void m.render());</script></body></html>');
    return;
  }
  const m = url.pathname.match(/^\/data\/plugin\/histdiag\/(.+)$/);
  if (m && m[1] === 'index.js') {
    res.writeHead(200, { 'Content-Type': 'text/javascript' });
    res.end(fs.readFileSync(bundle));
    return;
  }
  if (m && ROUTES[m[1]]) {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(ROUTES[m[1]](url.searchParams)));
    return;
  }
  res.writeHead(404, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify({ error: 'not found: ' + url.pathname }));
}).listen(port, '127.0.0.1', () => console.log('mock histdiag on http://127.0.0.1:' + port + '/data/plugin_entry.html?name=histdiag'));
