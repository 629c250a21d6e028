// The run named in the URL is asked for as the bundle starts: index.js imports this module first, so the request is
// out while ECharts and the views evaluate instead of after them (README, speed). api.js hands its answer to the app's
// first request if that is the same one: the prefetch of that run with the hash's settings (actions.js, data.js).

import { requestEarly, diagnosticsParams } from './api.js';
import { initialState } from './store.js';

/** Ask for the diagnosis the tab will ask for first, if the hash names a run. */
export function requestFirstDiagnosis(hash) {
  const s = initialState(hash);
  if (!s.run || !s.compare.includes(s.run)) return false;
  requestEarly('diagnostics', diagnosticsParams(s.run, { ...s.settings }));
  return true;
}

if (typeof window !== 'undefined' && window.location && typeof fetch === 'function') requestFirstDiagnosis(window.location.hash);
