// All CSS of the tab, injected as one <style> element (the entry page's CSP allows inline styles, not CDNs).

export const CSS = `
:root {
  --hd-bg: #ffffff; --hd-surface: #ffffff; --hd-surface2: #f5f5f5; --hd-text: rgba(0,0,0,0.87);
  --hd-text2: #616161; --hd-border: #e0e0e0; --hd-accent: #f57c00; --hd-focus: #1976d2;
  --hd-hover: rgba(0,0,0,0.04); --hd-selected: rgba(245,124,0,0.12); --hd-code: #f5f5f5;
  --hd-critical: #d32f2f; --hd-warning: #f57c00; --hd-info: #1976d2; --hd-ok: #2e7d32;
  color-scheme: light;
}
:root.hd-dark {
  --hd-bg: #303030; --hd-surface: #3a3a3a; --hd-surface2: #424242; --hd-text: #ffffff;
  --hd-text2: #bdbdbd; --hd-border: #555555; --hd-accent: #ff9800; --hd-focus: #64b5f6;
  --hd-hover: rgba(255,255,255,0.06); --hd-selected: rgba(255,152,0,0.18); --hd-code: #262626;
  --hd-critical: #ef5350; --hd-warning: #ffa726; --hd-info: #64b5f6; --hd-ok: #81c784;
  color-scheme: dark;
}
html, body { margin: 0; padding: 0; background: var(--hd-bg); color: var(--hd-text); }
body { font-family: Roboto, "Helvetica Neue", Arial, sans-serif; font-size: 13px; line-height: 1.4; }
* { box-sizing: border-box; }
button, input, select { font: inherit; color: inherit; }
.hd-root { display: flex; flex-direction: column; min-height: 100vh; }
.hd-toolbar { display: flex; align-items: center; gap: 8px; padding: 8px 16px; border-bottom: 1px solid var(--hd-border);
  background: var(--hd-surface); position: sticky; top: 0; z-index: 5; flex-wrap: wrap; }
.hd-toolbar h1 { font-size: 16px; font-weight: 500; margin: 0 12px 0 0; }
.hd-spacer { flex: 1; }
.hd-status { color: var(--hd-text2); font-size: 12px; min-width: 10em; }
.hd-btn { background: transparent; border: 1px solid var(--hd-border); border-radius: 4px; padding: 4px 10px;
  cursor: pointer; color: var(--hd-text); }
.hd-btn:hover { background: var(--hd-hover); }
.hd-btn[aria-pressed="true"], .hd-btn[aria-expanded="true"] { background: var(--hd-selected); border-color: var(--hd-accent); }
.hd-btn:disabled { opacity: 0.5; cursor: default; }
.hd-btn.hd-primary { background: var(--hd-accent); border-color: var(--hd-accent); color: #fff; }
:focus-visible { outline: 2px solid var(--hd-focus); outline-offset: 1px; }
.hd-progress { height: 3px; background: transparent; overflow: hidden; position: relative; }
.hd-progress.hd-on::after { content: ""; position: absolute; left: -30%; width: 30%; top: 0; bottom: 0;
  background: var(--hd-accent); animation: hd-slide 1.1s linear infinite; }
@keyframes hd-slide { from { left: -30%; } to { left: 100%; } }
.hd-body { display: flex; flex: 1; min-height: 0; }
.hd-side { width: 260px; flex: none; border-right: 1px solid var(--hd-border); padding: 12px 0; overflow: auto; }
.hd-side h2, .hd-section h2 { font-size: 14px; font-weight: 500; margin: 0 0 8px; }
.hd-side h2 { padding: 0 16px; }
.hd-side .hd-hint { padding: 0 16px; }
.hd-runlist { list-style: none; margin: 0; padding: 0; }
.hd-run { display: flex; align-items: center; gap: 6px; padding: 4px 16px; }
.hd-run:hover { background: var(--hd-hover); }
.hd-run.hd-focused { background: var(--hd-selected); }
.hd-run input { margin: 0; accent-color: var(--hd-accent); }
.hd-swatch { width: 12px; height: 12px; border-radius: 2px; flex: none; display: inline-block; }
.hd-runname { flex: 1; min-width: 0; text-align: left; background: none; border: 0; padding: 2px 0; cursor: pointer;
  overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.hd-count { font-size: 11px; border-radius: 8px; padding: 0 6px; color: #fff; min-width: 18px; text-align: center; }
.hd-count.hd-zero { background: transparent; color: var(--hd-text2); border: 1px solid var(--hd-border); }
.hd-sev-critical { background: var(--hd-critical); color: #fff; }
.hd-sev-warning { background: var(--hd-warning); color: #000; }
.hd-sev-info { background: var(--hd-info); color: #fff; }
.hd-main { flex: 1; min-width: 0; padding: 12px 16px 40px; overflow: auto; }
.hd-section { background: var(--hd-surface); border: 1px solid var(--hd-border); border-radius: 4px; padding: 12px 16px;
  margin-bottom: 16px; }
.hd-section-head { display: flex; align-items: center; gap: 12px; flex-wrap: wrap; margin-bottom: 8px; }
.hd-section-head h2 { margin: 0; }
.hd-hint { color: var(--hd-text2); font-size: 12px; }
.hd-chart { width: 100%; height: 280px; }
.hd-chart.hd-small { height: 200px; }
.hd-chart.hd-small.hd-bands { height: 226px; }
.hd-overview { width: 100%; border-collapse: collapse; }
.hd-overview th { text-align: left; font-weight: 500; color: var(--hd-text2); font-size: 12px; padding: 4px 8px;
  border-bottom: 1px solid var(--hd-border); }
.hd-overview td { padding: 3px 8px; border-bottom: 1px solid var(--hd-border); vertical-align: middle; }
.hd-overview tbody tr { cursor: pointer; }
.hd-overview tbody tr:hover { background: var(--hd-hover); }
.hd-overview tbody tr.hd-selected { background: var(--hd-selected); }
.hd-overview .hd-lname { font-weight: 500; max-width: 280px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.hd-overview .hd-depth { color: var(--hd-text2); width: 3em; white-space: nowrap; }
.hd-spark { display: block; width: 120px; height: 24px; }
.hd-badges { display: flex; gap: 4px; flex-wrap: wrap; }
.hd-badge { font-size: 11px; border-radius: 10px; padding: 1px 8px; border: 0; cursor: pointer; white-space: nowrap; }
.hd-ok { color: var(--hd-ok); font-size: 12px; }
.hd-controls { display: flex; align-items: center; gap: 8px; flex-wrap: wrap; }
.hd-controls input[type=range] { width: 200px; accent-color: var(--hd-accent); }
.hd-controls select, .hd-thresholds input { background: var(--hd-surface2); border: 1px solid var(--hd-border);
  border-radius: 4px; padding: 3px 6px; }
.hd-legend { display: flex; gap: 12px; flex-wrap: wrap; font-size: 12px; }
.hd-legend span { display: inline-flex; align-items: center; gap: 4px; }
.hd-wnorm { margin-bottom: 12px; }
.hd-wnorm .hd-section-head { margin-bottom: 0; }
.hd-detail-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(440px, 1fr)); gap: 12px; }
.hd-card { border: 1px solid var(--hd-border); border-radius: 4px; padding: 8px 12px; background: var(--hd-surface); }
.hd-card h3 { font-size: 13px; font-weight: 500; margin: 0 0 4px; }
.hd-card .hd-tag { color: var(--hd-text2); font-size: 12px; word-break: break-all; }
.hd-stats { border-collapse: collapse; font-size: 12px; width: 100%; margin-top: 6px; columns: 2; }
.hd-stats td { padding: 1px 6px; border-bottom: 1px solid var(--hd-border); }
.hd-stats td:nth-child(odd) { color: var(--hd-text2); }
.hd-stats td:nth-child(even) { font-variant-numeric: tabular-nums; text-align: right; }
.hd-markers { list-style: none; padding: 0; margin: 0 0 12px; }
.hd-marker { border-left: 4px solid var(--hd-border); padding: 6px 10px; margin-bottom: 8px; background: var(--hd-surface2); }
.hd-marker.hd-critical { border-left-color: var(--hd-critical); }
.hd-marker.hd-warning { border-left-color: var(--hd-warning); }
.hd-marker.hd-info { border-left-color: var(--hd-info); }
.hd-marker-title { font-weight: 500; }
.hd-marker .hd-evidence { margin: 2px 0; }
.hd-marker .hd-advice { color: var(--hd-text2); margin: 2px 0 0; }
.hd-message { padding: 24px; max-width: 760px; }
.hd-message h2 { font-size: 16px; font-weight: 500; }
.hd-error { color: var(--hd-critical); }
pre.hd-code { background: var(--hd-code); border: 1px solid var(--hd-border); border-radius: 4px; padding: 8px 12px;
  overflow: auto; font-family: "Roboto Mono", Menlo, Consolas, monospace; font-size: 12px; }
.hd-thresholds-grid { display: grid; grid-template-columns: repeat(auto-fill, minmax(300px, 1fr)); gap: 8px 16px; }
.hd-thresholds label { display: block; font-weight: 500; font-size: 12px; }
.hd-thresholds input { width: 100%; }
.hd-thresholds input.hd-changed { border-color: var(--hd-accent); }
.hd-thresholds .hd-desc { color: var(--hd-text2); font-size: 11px; }
.hd-row2 { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: 0 16px; }
@media (max-width: 1000px) { .hd-row2 { grid-template-columns: minmax(0, 1fr); } }
.hd-overview tr.hd-block td { background: var(--hd-surface2); }
.hd-overview tr.hd-block .hd-lname { font-weight: 500; }
.hd-overview tr.hd-in-block .hd-lname { padding-left: 24px; }
.hd-overview tr.hd-group td { color: var(--hd-text2); font-size: 12px; padding-top: 10px; font-style: italic; }
.hd-caret { display: inline-block; width: 1.2em; color: var(--hd-text2); }
#hd-sick { padding: 8px 16px; }
.hd-sick-head { display: flex; align-items: baseline; gap: 12px; flex-wrap: wrap; }
.hd-sick-head h2 { margin: 0 0 4px; }
.hd-chips { display: flex; gap: 6px; flex-wrap: wrap; margin-top: 4px; }
.hd-chip { display: inline-flex; flex-direction: column; align-items: flex-start; max-width: 280px; text-align: left;
  background: var(--hd-surface2); border: 1px solid var(--hd-border); border-left: 4px solid var(--hd-border);
  border-radius: 4px; padding: 3px 8px; cursor: pointer; }
.hd-chip:hover { background: var(--hd-hover); }
.hd-chip.hd-critical { border-left-color: var(--hd-critical); }
.hd-chip.hd-warning { border-left-color: var(--hd-warning); }
.hd-chip-name { font-weight: 500; max-width: 100%; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
.hd-chip-kind { font-size: 11px; color: var(--hd-text2); }
.hd-source { margin-left: 8px; font-size: 11px; border: 1px solid var(--hd-border); border-radius: 8px; padding: 0 6px;
  color: var(--hd-text2); }
.hd-headline { font-size: 14px; margin: 0 0 8px; line-height: 1.45; }
.hd-tl-chart { height: 240px; }
.hd-tl-legend { margin-bottom: 2px; }
.hd-tl-key { display: inline-block; width: 18px; height: 0; border-top-width: 2px; vertical-align: middle; }
.hd-tl-note { margin: 4px 0 0; }
.hd-tl-chains { list-style: none; margin: 4px 0 0; padding: 0; font-size: 12px; }
.hd-tl-chain { margin: 2px 0; }
.hd-tl-step { background: var(--hd-surface2); border: 1px solid var(--hd-border); border-left: 3px solid var(--hd-border);
  border-radius: 3px; padding: 0 6px; cursor: pointer; font-size: 12px; }
.hd-tl-step:hover { background: var(--hd-hover); }
.hd-tl-step.hd-critical { border-left-color: var(--hd-critical); }
.hd-tl-step.hd-warning { border-left-color: var(--hd-warning); }
.hd-tl-step.hd-info { border-left-color: var(--hd-info); }
.hd-tl-arrow { color: var(--hd-text2); }
.hd-hidden { display: none !important; }
.hd-sr { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
`;

export function injectStyles(doc) {
  const style = doc.createElement('style');
  style.id = 'histdiag-style';
  style.textContent = CSS;
  doc.head.appendChild(style);
  return style;
}
