import { test } from 'node:test';
import assert from 'node:assert/strict';
import { csvField, buildStatsCsv, buildDiagnosisJson, exportFileName, statNames } from '../src/csv.js';

const doc = {
  run: 'train',
  layers: [],
  series: [{
    tag: 'dense,1/"kernel"', layer: 'dense_1', role: 'weights', steps: [0, 10], wall_times: [1.5, 2.5],
    non_finite: [false, true],
    stats: { count: [10, 10], mean: [0.5, 'NaN'], change: [null, 0.25], extra_stat: [1, 2] },
  }],
  markers: [],
};

test('csvField quotes, escapes and defuses formulas', () => {
  assert.equal(csvField('plain'), 'plain');
  assert.equal(csvField('a,b'), '"a,b"');
  assert.equal(csvField('say "hi"'), '"say ""hi"""');
  assert.equal(csvField('line\nbreak'), '"line\nbreak"');
  assert.equal(csvField('=SUM(A1)'), "'=SUM(A1)");
  assert.equal(csvField(null), '');
  assert.equal(csvField(NaN), 'NaN');
  assert.equal(csvField(-Infinity), '-Infinity');
  assert.equal(csvField(1e-7), '1e-7');
  assert.equal(csvField(true), 'true');
});

test('statNames lists the documented statistics first, extras after', () => {
  const names = statNames(doc);
  assert.equal(names[0], 'count');
  assert.equal(names.at(-1), 'extra_stat');
  assert.ok(names.includes('p99'));
});

test('buildStatsCsv: one line per tag and step', () => {
  const csv = buildStatsCsv(doc);
  const lines = csv.trimEnd().split('\r\n');
  assert.equal(lines.length, 3);
  const header = lines[0].split(',');
  assert.deepEqual(header.slice(0, 8), ['run', 'tag', 'layer', 'role', 'step', 'wall_time', 'non_finite', 'count']);
  assert.ok(lines[1].startsWith('train,"dense,1/""kernel""",dense_1,weights,0,1.5,false,10,0.5,'));
  assert.ok(lines[2].includes(',true,10,NaN,'));
  assert.ok(lines[1].endsWith(',1'));
  assert.ok(lines[2].endsWith(',0.25,2'));
  assert.ok(csv.endsWith('\r\n'));
});

test('buildDiagnosisJson round-trips', () => {
  assert.deepEqual(JSON.parse(buildDiagnosisJson(doc)), doc);
});

test('exportFileName is safe', () => {
  assert.equal(exportFileName('../evil/<run>', '.csv'), 'histdiag-evil_run_.csv');
  assert.equal(exportFileName('', '.json'), 'histdiag-run.json');
});
