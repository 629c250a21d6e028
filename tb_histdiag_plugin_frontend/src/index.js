// Entry point: TensorBoard's plugin_entry.html does import("./index.js").then((m) => m.render()).
import './early.js'; // first: the run in the URL is requested before the rest of the bundle evaluates
import { createApp } from './app.js';
import { mark } from './timing.js';

let app = null;

export function render() {
  if (app) return app;
  mark('hd:start');
  app = createApp(document, window);
  return app;
}

/** ECharts' lookup of the chart drawn in a container: the e2e tests read a chart's option through it. */
export { getInstanceByDom } from 'echarts/core';
