// Natural order of names: digit runs compare as numbers, so `Exp_2` sorts before `Exp_10` (the run list, the sweep
// table, the run colours). Pure; tested in test/natsort.test.js.

const CHUNKS = /\d+|\D+/g;

/** Compare two digit runs as numbers of any length (no floating point): shorter without leading zeros is smaller. */
function compareDigits(a, b) {
  const x = a.replace(/^0+(?=\d)/, '');
  const y = b.replace(/^0+(?=\d)/, '');
  if (x.length !== y.length) return x.length - y.length;
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Natural comparison of two strings: split into digit runs and other text; digit runs compare by value (the digits
 * after a decimal point as a fraction, so `lr=0.001` < `lr=0.01` < `lr=0.1`), text by code unit; a name that is a
 * prefix of the other sorts first. Names equal in this order (`a01`, `a1`) fall back to plain
 * comparison, so the order is total and deterministic.
 */
export function naturalCompare(a, b) {
  const x = String(a);
  const y = String(b);
  if (x === y) return 0;
  const ca = x.match(CHUNKS) || [];
  const cb = y.match(CHUNKS) || [];
  const n = Math.min(ca.length, cb.length);
  for (let i = 0; i < n; i++) {
    const p = ca[i];
    const q = cb[i];
    if (p === q) continue;
    const dp = p.charCodeAt(0) >= 48 && p.charCodeAt(0) <= 57;
    const dq = q.charCodeAt(0) >= 48 && q.charCodeAt(0) <= 57;
    if (dp && dq) {
      // the digits after a decimal point (`lr=0.001` < `lr=0.1`) compare as a fraction: digit by digit
      const fraction = i >= 2 && ca[i - 1] === '.' && /^\d/.test(ca[i - 2]);
      const c = fraction ? (p < q ? -1 : 1) : compareDigits(p, q);
      if (c) return c;
      continue;
    }
    // text against text, or text against digits: the first differing code unit decides
    return p < q ? -1 : 1;
  }
  if (ca.length !== cb.length) return ca.length - cb.length;
  return x < y ? -1 : 1;
}

/** A sorted copy of names (strings) in natural order. */
export function naturalSort(names) {
  return [...names].sort(naturalCompare);
}
