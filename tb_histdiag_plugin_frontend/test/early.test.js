// The run named in the URL is requested as the bundle starts (early.js); the app's first request, if the same, takes
// that answer (api.js), and nothing later ever gets it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { api, getJson } from '../src/api.js';
import { requestFirstDiagnosis } from '../src/early.js';

function stubFetch() {
  const urls = [];
  const saved = globalThis.fetch;
  globalThis.fetch = async (url) => {
    urls.push(url);
    return { ok: true, status: 200, statusText: 'OK', text: async () => JSON.stringify({ n: urls.length }) };
  };
  return { urls, restore: () => { globalThis.fetch = saved; } };
}

test('the early request is taken by the same first request; a later one asks again', async () => {
  const f = stubFetch();
  try {
    assert.equal(requestFirstDiagnosis('#run=a%2Fb&set.vanishing_ratio=0.1'), true);
    assert.equal(f.urls.length, 1);
    let answered = 0;
    const doc = await api.diagnostics('a/b', { vanishing_ratio: '0.1' }, () => { answered += 1; });
    assert.deepEqual(doc, { n: 1 });
    assert.equal(answered, 1);
    assert.equal(f.urls.length, 1); // taken, not asked again
    assert.deepEqual(await api.diagnostics('a/b', { vanishing_ratio: '0.1' }), { n: 2 });
    assert.equal(f.urls.length, 2);
  } finally {
    f.restore();
  }
});

test('a different first request drops the early one; no run in the hash asks nothing', async () => {
  const f = stubFetch();
  try {
    assert.equal(requestFirstDiagnosis('#run=a'), true);
    await getJson('runs');
    assert.deepEqual(await api.diagnostics('a', {}), { n: 3 }); // asked again: the early answer was dropped
    assert.equal(f.urls.length, 3);
    assert.equal(requestFirstDiagnosis('#layer=x'), false);
    assert.equal(f.urls.length, 3);
  } finally {
    f.restore();
  }
});
