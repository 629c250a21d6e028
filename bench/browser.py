"""Headless Chromium: the time from opening the tab until a run's overview is drawn.

Debian's Chromium driven by Playwright opens ``plugin_entry.html?name=histdiag#run=RUN``
in a fresh context and waits until ``#histdiag[data-state=ready]`` shows that run's
health overview rows; the figure is ``performance.now()`` then (from navigation start).
With each figure come the medians of the tab's ``hd:*`` User Timing measures
(``tb_histdiag_plugin_frontend/src/timing.js``: parse, model, each view's render),
where the time goes.

Alone, against a running TensorBoard or a logdir it starts one on, comparing bundles
side by side in one run (trials interleaved, so the machine's load falls on each alike)::

    .venv/bin/python bench/browser.py --logdir DIR --runs long,run_0 \\
        --bundle before=/tmp/old-index.js --bundle after=tb_histdiag_plugin/static/index.js
    .venv/bin/python bench/browser.py --url http://127.0.0.1:6006 --runs long --trials 7

``--bundle NAME=PATH`` serves that file as the tab's ``index.js`` (Playwright's request
routing; the server is untouched); without it the server's own bundle is measured.
"""

import argparse
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

BUNDLE_ROUTE = "**/data/plugin/histdiag/index.js"

DRAWN = """(run) => {
  const root = document.querySelector('#histdiag');
  const label = document.querySelector('#hd-overview .hd-run-label');
  const ok = root && root.dataset.state === 'ready' && label && label.textContent === run
    && document.querySelectorAll('#hd-overview tbody tr').length > 0;
  if (ok && !window.__hdDrawnAt) window.__hdDrawnAt = performance.now();
  return ok;
}"""

# the hd:* measures that ended by the time the overview was drawn, summed by name; when the run's document was asked
# for and came (resource timing, from navigation start); and when the deferred charts were drawn (data-charts,
# firstdraw.js)
MEASURES = """() => {
  const out = {};
  for (const m of performance.getEntriesByType('measure')) {
    if (!m.name.startsWith('hd:') || m.startTime + m.duration > window.__hdDrawnAt + 0.5) continue;
    out[m.name] = (out[m.name] || 0) + m.duration;
  }
  const d = performance.getEntriesByType('resource').find((e) => /\/diagnostics\?/.test(e.name));
  if (d) {  // the run's document: asked, first byte, last byte (from navigation start)
    out['request: asked'] = d.startTime;
    out['request: first byte'] = d.responseStart;
    out['request: last byte'] = d.responseEnd;
  }
  return out;
}"""


def _median(values):
    from measure import median

    return median(values)


def _one(browser, url, run, bundle, timeout_ms):
    """One fresh context: (overview drawn s, wall s, {measure: s}, charts drawn s or None)."""
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    try:
        if bundle:
            with open(bundle, "rb") as f:
                body = f.read()
            context.route(BUNDLE_ROUTE, lambda route: route.fulfill(
                status=200, body=body, headers={"Content-Type": "text/javascript; charset=utf-8"}))
        page = context.new_page()
        t0 = time.perf_counter()
        page.goto(url)
        page.wait_for_function(DRAWN, arg=run, polling="raf", timeout=timeout_ms)
        wall = time.perf_counter() - t0
        drawn = page.evaluate("window.__hdDrawnAt") / 1000.0
        measures = {k: v / 1000.0 for k, v in page.evaluate(MEASURES).items()}
        charts = None
        try:
            page.wait_for_function("() => document.querySelector('#histdiag').dataset.charts !== 'pending'",
                                   polling="raf", timeout=timeout_ms)
            charts = page.evaluate("performance.now()") / 1000.0
        except Exception:  # noqa: BLE001  (an older bundle without data-charts: no figure)
            pass
        # the run list in and nothing loading: no request of this page still works the server during the next trial
        page.wait_for_function("() => document.querySelectorAll('.hd-side li.hd-run').length > 0 "
                               "&& document.querySelector('#histdiag').dataset.busy === 'false'",
                               polling=100, timeout=timeout_ms)
        return drawn, wall, measures, charts
    finally:
        context.close()


def measure_browser(server, runs, trials=3, bundles=None, timeout_ms=120000, log=None):
    """{run: {first_s, median_s, wall_median_s, measures_s, charts_median_s}} for the server's bundle, or with
    bundles ({name: path}) {name: {run: ...}}, each trial of every bundle in turn."""
    from playwright.sync_api import sync_playwright
    from measure import quote

    if log is None:
        from report import log
    named = bundles or {None: None}
    got = {name: {run: [] for run in runs} for name in named}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for run in runs:
                url = "%s/data/plugin_entry.html?name=histdiag#run=%s" % (server.url, quote(run))
                order = list(named.items())
                for k in range(trials):  # each bundle first in turn: none always follows the same one
                    for name, path in order[k % len(order):] + order[:k % len(order)]:
                        got[name][run].append(_one(browser, url, run, path, timeout_ms))
        finally:
            browser.close()
    out = {}
    for name, by_run in got.items():
        res = out.setdefault(name, {})
        for run, tries in by_run.items():
            inner = [t[0] for t in tries]
            names = sorted({k for t in tries for k in t[2]})
            charts = [t[3] for t in tries if t[3] is not None]
            res[run] = {"first_s": inner[0], "median_s": _median(inner), "wall_median_s": _median([t[1] for t in tries]),
                        "all_s": inner, "measures_s": {k: _median([t[2].get(k, 0.0) for t in tries]) for k in names},
                        "charts_median_s": _median(charts) if charts else None}
            log("  [browser %s%s] %-6s overview drawn %.3f s after navigation start (median of %d; first %.3f s)"
                % (getattr(server, "loader", "?"), "" if name is None else " " + name, run, res[run]["median_s"],
                   trials, inner[0]))
    return out if bundles else out[None]


def _print_table(results, runs):
    names = list(results)
    print("\n| run | " + " | ".join("%s: overview drawn (median)" % n for n in names) + " |")
    print("|---|" + "---|" * len(names))
    for run in runs:
        print("| %s | %s |" % (run, " | ".join("%.3f s (%s)" % (results[n][run]["median_s"], ", ".join(
            "%.2f" % x for x in results[n][run]["all_s"])) for n in names)))
    for run in runs:
        keys = sorted({k for n in names for k in results[n][run]["measures_s"]})
        print("\n%s, hd:* measures before the overview was drawn (median ms), the document's request (ms from navigation "
              "start) and the deferred charts drawn:" % run)
        print("| measure | " + " | ".join(names) + " |")
        print("|---|" + "---|" * len(names))
        for k in keys:
            print("| %s | %s |" % (k, " | ".join("%.0f" % (1000 * results[n][run]["measures_s"].get(k, 0.0)) for n in names)))
        print("| charts drawn (s from navigation) | %s |" % " | ".join(
            "-" if results[n][run]["charts_median_s"] is None else "%.3f" % results[n][run]["charts_median_s"]
            for n in names))


def main(argv=None):
    parser = argparse.ArgumentParser(description="Time to the drawn overview in headless Chromium")
    where = parser.add_mutually_exclusive_group(required=True)
    where.add_argument("--url", help="a running TensorBoard serving the tab")
    where.add_argument("--logdir", help="start a tensorboard (--reload_interval 0) on this logdir")
    parser.add_argument("--loader", choices=("python", "rust"), default="python", help="with --logdir")
    parser.add_argument("--runs", required=True, help="comma-separated run names")
    parser.add_argument("--trials", type=int, default=5)
    parser.add_argument("--bundle", action="append", default=[], metavar="NAME=PATH",
                        help="serve PATH as the tab's index.js (repeat to compare, side by side)")
    args = parser.parse_args(argv)
    sys.path.insert(0, os.path.dirname(HERE))
    sys.path.insert(0, HERE)
    sys.path.insert(1, os.path.join(os.path.dirname(HERE), "tests"))
    runs = [r for r in args.runs.split(",") if r]
    bundles = dict(b.split("=", 1) for b in args.bundle) or None
    server = None
    try:
        if args.url:
            server = type("Url", (), {"url": args.url.rstrip("/"), "loader": "url"})()
        else:
            from loaders import Server
            import support

            server = Server(args.logdir, args.loader, os.path.dirname(os.path.abspath(args.logdir)))
            server.wait_listening()

            support.wait_until(lambda: (server.loaded(runs), None), 3600, interval=2.0,
                               what="the runs read to their end (their bench/done scalar)")

            def analysed():
                listed = {r.get("run"): r for r in server.get_json("/data/plugin/histdiag/runs")["runs"]}
                return all(run in listed and listed[run].get("status") == "done" for run in runs), listed

            support.wait_until(analysed, 3600, interval=2.0, what="the runs loaded and analysed")
            from measure import quote

            for run in runs:  # warm: the first diagnosis of each run is computed before measuring
                server.get("/data/plugin/histdiag/diagnostics?run=%s" % quote(run), timeout=3600)
        results = measure_browser(server, runs, args.trials, bundles)
        _print_table(results if bundles else {"bundle": results}, runs)
    finally:
        if server is not None and hasattr(server, "close"):
            server.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
