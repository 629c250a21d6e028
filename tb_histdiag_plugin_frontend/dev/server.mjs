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
  return { run, layers, series: all, markers, settings: {}, ungrouped: [] };
}

const ROUTES = {
  runs: () => ({ runs: ['healthy', 'vanishing', 'weights_only'].map((run) => ({ run, tags: 24, layers: 8, first_step: 0,
    last_step: 490, critical: run === 'vanishing' ? 1 : 0, warning: run === 'weights_only' ? 1 : 0, status: 'done' })) }),
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
