import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  toNumber, finiteOrNull, formatNumber, formatCount, formatPercent, escapeHtml, parseJsonLenient, log10OrNull,
} from '../src/format.js';

test('toNumber tolerates null and the NaN/Infinity strings', () => {
  assert.equal(toNumber(null), null);
  assert.equal(toNumber(undefined), null);
  assert.ok(Number.isNaN(toNumber('NaN')));
  assert.equal(toNumber('Infinity'), Infinity);
  assert.equal(toNumber('-Infinity'), -Infinity);
  assert.equal(toNumber('1.5e-3'), 0.0015);
  assert.equal(toNumber('abc'), null);
  assert.equal(toNumber(3), 3);
  assert.equal(finiteOrNull('Infinity'), null);
  assert.equal(finiteOrNull('NaN'), null);
  assert.equal(finiteOrNull(2), 2);
});

test('formatNumber: significant digits, exponents, missing and non-finite values', () => {
  assert.equal(formatNumber(null), '—');
  assert.equal(formatNumber('NaN'), 'NaN');
  assert.equal(formatNumber('Infinity'), '∞');
  assert.equal(formatNumber(-Infinity), '−∞');
  assert.equal(formatNumber(0), '0');
  assert.equal(formatNumber(1e-7), '1e-7');
  assert.equal(formatNumber(1.5e-7), '1.5e-7');
  assert.equal(formatNumber(-0.0000123), '−1.23e-5');
  assert.equal(formatNumber(123456), '1.23e5');
  assert.equal(formatNumber(0.123456), '0.123');
  assert.equal(formatNumber(42), '42');
  assert.equal(formatNumber(-3.14159), '−3.14');
  assert.equal(formatNumber(0.001), '0.001');
});

test('formatCount and formatPercent', () => {
  assert.equal(formatCount(1234567), '1,234,567');
  assert.equal(formatCount(400.0), '400');
  assert.equal(formatCount(null), '—');
  assert.equal(formatPercent(0.5), '50%');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.00001), '<0.1%');
  assert.equal(formatPercent(0.1234), '12.3%');
  assert.equal(formatPercent(null), '—');
});

test('escapeHtml escapes markup in names', () => {
  assert.equal(escapeHtml('<img src=x onerror=alert(1)>'), '&lt;img src=x onerror=alert(1)&gt;');
  assert.equal(escapeHtml('a&"b\''), 'a&amp;&quot;b&#39;');
  assert.equal(escapeHtml(null), '');
});

test('parseJsonLenient accepts bare NaN/Infinity but leaves strings alone', () => {
  const d = parseJsonLenient('{"a": NaN, "b": [Infinity, -Infinity, 1], "c": "NaN inside Infinity"}');
  assert.deepEqual(d, { a: 'NaN', b: ['Infinity', '-Infinity', 1], c: 'NaN inside Infinity' });
  assert.deepEqual(parseJsonLenient('{"x": "say \\"NaN\\""}'), { x: 'say "NaN"' });
  assert.throws(() => parseJsonLenient('<html>'));
});

test('log10OrNull', () => {
  assert.equal(log10OrNull(100), 2);
  assert.equal(log10OrNull(0), null);
  assert.equal(log10OrNull(-1), null);
  assert.equal(log10OrNull('Infinity'), null);
});
