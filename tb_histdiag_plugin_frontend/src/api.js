// The backend routes, fetched with relative URLs (the entry page's <base href> points at /data/plugin/histdiag/).

import { parseJsonLenient } from './format.js';
import { timed } from './timing.js';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

export async function getJson(route, params) {
  const query = params ? '?' + new URLSearchParams(params).toString() : '';
  const url = './' + route + query;
  let resp;
  try {
    resp = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    throw new ApiError('cannot reach the TensorBoard server (' + (e && e.message ? e.message : e) + ')', 0);
  }
  const text = await resp.text();
  let body = null;
  try {
    body = timed('hd:parse ' + route, () => parseJsonLenient(text));
  } catch (e) {
    body = null;
  }
  if (!resp.ok) {
    const msg = body && typeof body.error === 'string' ? body.error : 'HTTP ' + resp.status + ' ' + resp.statusText;
    throw new ApiError(msg, resp.status);
  }
  if (body === null || typeof body !== 'object') {
    throw new ApiError('the server answered ' + route + ' with something that is not JSON', resp.status);
  }
  return body;
}

export const api = {
  runs: () => getJson('runs'),
  settings: () => getJson('settings'),
  diagnostics: (run, settings) => getJson('diagnostics', [['run', run], ...Object.entries(settings || {})]),
  histogram: (run, tag, step) => getJson('histogram', { run, tag, step: String(step) }),
};
