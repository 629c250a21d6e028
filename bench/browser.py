"""Headless Chromium: the time from opening the tab until a run's overview is drawn.

Debian's Chromium driven by Playwright opens ``plugin_entry.html?name=histdiag#run=RUN``
in a fresh context and waits until ``#histdiag[data-state=ready]`` shows that run's
health overview rows; the figure is ``performance.now()`` then (from navigation start).
"""

import os
import time

from measure import median, quote
from report import log

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]


def measure_browser(server, runs, trials=3):
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for run in runs:
                times, inner = [], []
                for _ in range(trials):
                    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                    t0 = time.perf_counter()
                    page.goto("%s/data/plugin_entry.html?name=histdiag#run=%s" % (server.url, quote(run)))
                    page.wait_for_function(
                        """(run) => {
                          const root = document.querySelector('#histdiag');
                          const label = document.querySelector('#hd-overview .hd-run-label');
                          const ok = root && root.dataset.state === 'ready' && label && label.textContent === run
                            && document.querySelectorAll('#hd-overview tbody tr').length > 0;
                          if (ok && !window.__hdDrawnAt) window.__hdDrawnAt = performance.now();
                          return ok;
                        }""", arg=run, polling="raf", timeout=120000)
                    times.append(time.perf_counter() - t0)
                    inner.append(page.evaluate("window.__hdDrawnAt") / 1000.0)
                    page.context.close()
                out[run] = {"first_s": inner[0], "median_s": median(inner), "wall_median_s": median(times)}
                log("  [browser %s] %-6s overview drawn %.3f s after navigation start (median of %d; first %.3f s)"
                    % (server.loader, run, median(inner), trials, inner[0]))
        finally:
            browser.close()
    return out

