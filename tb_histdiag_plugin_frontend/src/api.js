// The backend routes, fetched with relative URLs (the entry page's <base href> points at /data/plugin/histdiag/).

import { parseJsonLenient } from './format.js';
import { timed } from './timing.js';

export class ApiError extends Error {
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

function urlOf(route, params) {
  return './' + route + (params ? '?' + new URLSearchParams(params).toString() : '');
}

/** The response and its text (not parsed yet). */
async function fetchText(url) {
  let resp;
  try {
    resp = await fetch(url, { headers: { Accept: 'application/json' }, cache: 'no-store' });
  } catch (e) {
    throw new ApiError('cannot reach the TensorBoard server (' + (e && e.message ? e.message : e) + ')', 0);
  }
  return { resp, text: await resp.text() };
}

/** Requests started before the app (early.js): url -> promise of fetchText. Only the app's first request may take one. */
const early = new Map();

/** Start GET route now; the app's first request, if it is the same, takes its answer instead of asking again. */
export function requestEarly(route, params) {
  const url = urlOf(route, params);
  const got = fetchText(url);
  got.catch(() => {}); // an error is the taker's to report
  early.set(url, got);
}

/** The body of a GET of route as JSON; onAnswer(), if given, is called once the server is done with it (the body is
 * in, not parsed yet) or could not be reached. */
export async function getJson(route, params, onAnswer) {
  const url = urlOf(route, params);
  const started = early.get(url);
  early.clear(); // later requests must not get an old answer
  let resp;
  let text;
  try {
    ({ resp, text } = await (started || fetchText(url)));
  } finally {
    if (onAnswer) onAnswer();
  }
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

/** The query of a run's diagnostics with settings (health-rule overrides). */
export function diagnosticsParams(run, settings) {
  return [['run', run], ...Object.entries(settings || {})];
}

export const api = {
  runs: () => getJson('runs'),
  settings: () => getJson('settings'),
  diagnostics: (run, settings, onAnswer) => getJson('diagnostics', diagnosticsParams(run, settings), onAnswer),
  histogram: (run, tag, step) => getJson('histogram', { run, tag, step: String(step) }),
};
