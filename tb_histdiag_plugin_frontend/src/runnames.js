// Run names in a sweep: the part that differs between runs, key=value pieces as columns, TensorBoard's regex filter.
// Pure functions (no DOM); tested in test/runnames.test.js.

import { naturalCompare } from './natsort.js';

// Separators that always end a piece of a run name (paths, lists).
const MAJOR = /[\/\\,;|\s]/;
// Separators that end a piece only outside key=value pieces (`run_2024-01-01_lr0.1`, but not `learning_rate=0.1`).
const MINOR = /[_\-]/;
const ELLIPSIS = '…';

const SPACE = /\s/;

/**
 * Is the whitespace at i beside an `=` (across other whitespace)? `lr = 0.01`, as PyTorch's SummaryWriter(comment=…)
 * names runs, is one key=value piece: that whitespace joins, it does not separate.
 */
function besideEquals(name, i) {
  let a = i;
  while (a > 0 && SPACE.test(name[a - 1])) a--;
  if (a > 0 && name[a - 1] === '=') return true;
  let b = i;
  while (b < name.length && SPACE.test(name[b])) b++;
  return name[b] === '=';
}

/** Is the character at i a major separator (whitespace beside an `=` is not)? */
function isMajor(name, i) {
  const c = name[i];
  return MAJOR.test(c) && !(SPACE.test(c) && besideEquals(name, i));
}

/** The major piece of `name` around index i (between major separators). */
function pieceAround(name, i) {
  let a = i;
  while (a > 0 && !isMajor(name, a - 1)) a--;
  let b = i;
  while (b < name.length && !isMajor(name, b)) b++;
  return name.slice(a, b);
}

/** Is the character at i a boundary separator of `name` (major, or minor outside a key=value piece)? */
function isSeparator(name, i) {
  const c = name[i];
  if (c === undefined) return false;
  if (isMajor(name, i)) return true;
  return MINOR.test(c) && !pieceAround(name, i).includes('=');
}

function commonPrefixLength(names) {
  let n = Math.min(...names.map((s) => s.length));
  for (const s of names) {
    let i = 0;
    while (i < n && s[i] === names[0][i]) i++;
    n = i;
  }
  return n;
}

function commonSuffixLength(names) {
  return commonPrefixLength(names.map((s) => [...s].reverse().join('')));
}

/**
 * The shared prefix and suffix of run names, cut at separator boundaries, and what remains of each name.
 * A shared prefix is elided only up to (and including) its last separator, so `sweep/lr=0.1,seed=1` and
 * `sweep/lr=0.1,seed=2` show `seed=1` and `seed=2`, never `1` and `2`; nothing is elided for a single run, and no
 * name is left empty. Returns {prefix, suffix, shown: Map name → differing part}.
 */
export function differingParts(names) {
  const list = [...new Set(names)];
  const shown = new Map(list.map((n) => [n, n]));
  if (list.length < 2) return { prefix: '', suffix: '', shown };
  // prefix: last separator at or before the common prefix's end (the separator itself is elided too)
  let p = commonPrefixLength(list);
  const ref = list[0];
  while (p > 0 && !isSeparator(ref, p - 1)) p--;
  // suffix: first separator at or after the common suffix's start, and no overlap with the prefix in any name
  const shortest = Math.min(...list.map((s) => s.length));
  let s = Math.min(commonSuffixLength(list), shortest - p);
  while (s > 0 && !isSeparator(ref, ref.length - s)) s--;
  // every name keeps something
  const middle = (name) => name.slice(p, name.length - s);
  while ((p > 0 || s > 0) && list.some((n) => middle(n) === '')) {
    if (s > 0) s = 0;
    else {
      p--;
      while (p > 0 && !isSeparator(ref, p - 1)) p--;
    }
  }
  for (const n of list) shown.set(n, middle(n));
  return { prefix: ref.slice(0, p), suffix: ref.slice(ref.length - s), shown };
}

/** The differing part as displayed: an ellipsis where a prefix or suffix was elided. */
export function displayName(parts, name) {
  const mid = parts.shown.has(name) ? parts.shown.get(name) : name;
  return (parts.prefix ? ELLIPSIS : '') + mid + (parts.suffix ? ELLIPSIS : '');
}

const KEY = '[A-Za-z][A-Za-z0-9_.]*';
const ONE_PAIR = new RegExp('^(' + KEY + ')=(.*)$');
// In a piece with several pairs (`lr=0.1_seed=3`), values end at `_` or `=`.
const MANY_PAIRS = new RegExp('(' + KEY + ')=([^_=]*)', 'g');

/**
 * The key=value pieces of a run name, in order: [[key, value], …]. Pieces are separated by `/ \ , ; |` or
 * whitespace, except whitespace beside an `=` (`batch_size=10 lr = 0.01`, as PyTorch's SummaryWriter(comment=…)
 * writes them, reads as `batch_size=10` and `lr=0.01`); a piece with several `=` (`lr=0.1_seed=3`) is read as pairs
 * joined by `_`. A key repeated later in the name (`a=1/b/a=2`) keeps its last value.
 */
export function parseKeyValues(name) {
  const out = new Map();
  for (const piece of String(name).replace(/\s*=\s*/g, '=').split(/[\/\\,;|\s]+/)) {
    const eq = (piece.match(/=/g) || []).length;
    if (eq === 1) {
      const m = ONE_PAIR.exec(piece);
      if (m) out.set(m[1], m[2]);
    } else if (eq > 1) {
      for (const m of piece.matchAll(MANY_PAIRS)) out.set(m[1], m[2]);
    }
  }
  return [...out.entries()];
}

/**
 * Columns for a sweep table: keys held by most runs first (a stray `a=b` in one odd name goes last), then in order of
 * first appearance, with each run's values (missing: null). Keys whose value is the same in every run are `constant`
 * (a view may hide them).
 */
export function keyValueColumns(names) {
  const keys = [];
  const values = new Map();
  for (const n of names) {
    const kv = new Map(parseKeyValues(n));
    values.set(n, kv);
    for (const k of kv.keys()) if (!keys.includes(k)) keys.push(k);
  }
  const held = (key) => names.filter((n) => values.get(n).has(key)).length;
  const order = keys.map((key, i) => ({ key, i, n: held(key) })).sort((a, b) => b.n - a.n || a.i - b.i);
  return order.map(({ key }) => {
    const byRun = new Map(names.map((n) => [n, values.get(n).has(key) ? values.get(n).get(key) : null]));
    const distinct = new Set(byRun.values());
    return { key, values: byRun, constant: distinct.size === 1 };
  });
}

/**
 * TensorBoard's run filter: a case-insensitive regular expression searched in the run name; empty matches every
 * run; an invalid expression matches nothing and is reported as invalid. Returns {valid, test(name) → bool}.
 */
export function runFilter(pattern) {
  const text = pattern === null || pattern === undefined ? '' : String(pattern);
  if (!text) return { valid: true, test: () => true };
  let re;
  try {
    re = new RegExp(text, 'i');
  } catch (e) {
    return { valid: false, error: e.message, test: () => false };
  }
  return { valid: true, test: (name) => re.test(String(name)) };
}

/** A key=value value that is not there: no such key, or an empty value (a run named `lr=`). */
export function isMissingValue(v) {
  return v === null || v === undefined || v === '';
}

/** Compare two key=value values: numerically when both are numbers, else in natural order; missing values last. */
export function compareValues(a, b) {
  if (a === b) return 0;
  if (isMissingValue(a)) return 1;
  if (isMissingValue(b)) return -1;
  const x = Number(a);
  const y = Number(b);
  if (Number.isFinite(x) && Number.isFinite(y) && x !== y) return x - y;
  return naturalCompare(a, b);
}
