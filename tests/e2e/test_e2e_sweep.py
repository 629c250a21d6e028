"""End-to-end: the sweep table of a 31-run sweep in headless Chromium against a real tensorboard.

Thirty runs named ``lr=…,seed=…`` (one of them with vanishing gradients) and one run named with markup, written
without TensorFlow; the table must list every run (its rows are virtualised: only the visible ones are in the DOM),
sort the sick run first once the counts are in, narrow with TensorBoard's regex filter, focus a run on click and
show every name as inert text.
"""

import os
import sys

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for support.py

import support  # noqa: E402
from e2e_page import tab_class  # noqa: E402

Tab = tab_class()

pytestmark = pytest.mark.e2e

LRS = ["0.001", "0.01", "0.03", "0.1", "0.3"]
SEEDS = [1, 2, 3, 4, 5, 6]
SICK = "lr=0.3,seed=5"
MARKUP = "<img src=x onerror=alert(1)>"
HEALTHY = [("lr=%s,seed=%d" % (lr, s)) for lr in LRS for s in SEEDS if ("lr=%s,seed=%d" % (lr, s)) != SICK]
ALL_RUNS = sorted(HEALTHY + [SICK, MARKUP])
N_LAYERS = 3
STEPS = list(range(0, 20, 2))


def _frames(rng, grad_scale):
    """Weights, biases and gradients of N_LAYERS layers; gradient std of layer i is grad_scale(i)."""
    frames = []
    for step in STEPS:
        tensors = {}
        for i in range(N_LAYERS):
            tensors["layer_%d_weights" % i] = rng.normal(0.0, 0.3 * (1 + 0.01 * step), size=400)
            tensors["layer_%d_biases" % i] = rng.normal(0.0, 0.05, size=32)
            tensors["layer_%d_gradients" % i] = rng.normal(0.0, grad_scale(i), size=400)
        frames.append((step, tensors))
    return frames


@pytest.fixture(scope="module")
def sweep_server(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("sweep_logs"))
    rng = np.random.default_rng(13)
    # the sick run: the input layer's gradients 1e-6 of the output layer's (vanishing_gradient, critical)
    vanishing = np.logspace(-6, 0, N_LAYERS) * 1e-2
    for run in HEALTHY + [MARKUP]:
        support.write_frames(logdir, run, _frames(rng, lambda i: 1e-2))
    support.write_frames(logdir, SICK, _frames(rng, lambda i: vanishing[i]))
    with support.TensorBoardServer(logdir) as server:
        server.wait_for_runs(ALL_RUNS, timeout=120)
        yield server.url


@pytest.fixture
def sweep_tab(e2e_browser, sweep_server):
    context = e2e_browser.new_context(viewport={"width": 1400, "height": 900})
    tab = Tab(context, sweep_server)
    yield tab
    context.close()


# Scroll the virtualised table from top to bottom, collecting the runs of the rows rendered on the way, and the
# largest number of rows the DOM held at once.
COLLECT_ROWS = """async () => {
  const box = document.querySelector('#hd-sweep-scroll');
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  const seen = new Set();
  let most = 0;
  for (let top = 0; ; top += Math.max(20, box.clientHeight / 2)) {
    box.scrollTop = top;
    await frame();
    const rows = [...box.querySelectorAll('tr.hd-sweep-row')];
    most = Math.max(most, rows.length);
    for (const r of rows) seen.add(r.dataset.run);
    if (top >= box.scrollHeight) break;
  }
  box.scrollTop = 0;
  await frame();
  return { runs: [...seen].sort(), most };
}"""

# Scroll the virtualised table until the row of a run is in the DOM.
SCROLL_TO_ROW = """async (run) => {
  const box = document.querySelector('#hd-sweep-scroll');
  const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
  for (let top = 0; top <= box.scrollHeight; top += 28) {
    box.scrollTop = top;
    await frame();
    if ([...box.querySelectorAll('tr.hd-sweep-row')].some((r) => r.dataset.run === run)) return true;
  }
  return false;
}"""

ALL_DONE = """() => {
  const rows = [...document.querySelectorAll('#hd-sweep tr.hd-sweep-row')];
  return rows.length > 0 && rows.every((r) => r.querySelector('.hd-sweep-status').dataset.status === 'done');
}"""


def visible_runs(page):
    return page.locator("#hd-sweep tr.hd-sweep-row").evaluate_all("rows => rows.map(r => r.dataset.run)")


def open_sweep(tab):
    page = tab.open(state=None)
    page.locator("#hd-sweep tr.hd-sweep-row").first.wait_for(timeout=30000)
    return page


def test_sweep_lists_every_run_in_virtualised_rows(sweep_tab):
    page = open_sweep(sweep_tab)
    collected = page.evaluate(COLLECT_ROWS)
    assert collected["runs"] == ALL_RUNS
    # virtualised: never all 31 rows in the DOM at once
    assert 0 < collected["most"] < len(ALL_RUNS)
    assert page.locator("#hd-sweep").get_attribute("data-rows") == str(len(ALL_RUNS))
    # key=value pieces as columns
    cols = page.locator("#hd-sweep th").evaluate_all("ths => ths.map(t => t.dataset.col)")
    assert cols[:3] == ["run", "kv:lr", "kv:seed"]
    page.evaluate(SCROLL_TO_ROW, "lr=0.03,seed=2")  # at most 8 rows shown: the row may be further down
    row = page.locator("#hd-sweep tr.hd-sweep-row[data-run='lr=0.03,seed=2']")
    assert row.locator(".hd-sweep-kv").all_text_contents() == ["0.03", "2", "", ""]  # src, onerror of the markup run
    # sorting by a key=value column is numeric: ascending, then descending on a second click
    lr_header = page.locator("#hd-sweep th[data-col='kv:lr']")
    lr_header.locator("button").click()
    page.wait_for_function("() => document.querySelector(\"#hd-sweep th[data-col='kv:lr']\").ariaSort === 'ascending'")
    first_lrs = page.locator("#hd-sweep tr.hd-sweep-row").evaluate_all(
        "rows => rows.map(r => r.querySelector('.hd-sweep-kv').textContent)")
    assert first_lrs[:6] == ["0.001"] * 6 and first_lrs[6] == "0.01"
    lr_header.locator("button").click()
    page.wait_for_function("() => document.querySelector(\"#hd-sweep th[data-col='kv:lr']\").ariaSort === 'descending'")
    assert page.locator("#hd-sweep tr.hd-sweep-row").first.locator(".hd-sweep-kv").first.inner_text() == "0.3"
    sweep_tab.assert_clean()


def test_sick_run_sorts_first_once_counts_are_in(sweep_tab):
    page = open_sweep(sweep_tab)
    page.wait_for_function(ALL_DONE, timeout=120000)
    page.wait_for_function("(sick) => document.querySelector('#hd-sweep tr.hd-sweep-row').dataset.run === sick",
                           arg=SICK, timeout=30000)
    first = page.locator("#hd-sweep tr.hd-sweep-row").first
    assert int(first.locator("td[data-count=critical]").inner_text()) >= 1
    assert first.locator(".hd-sweep-worst").get_attribute("data-kind") == "vanishing_gradient"
    assert first.locator(".hd-sweep-layer").inner_text() == "layer_0"
    assert first.locator(".hd-sweep-profile").get_attribute("data-source") == "gradients"
    assert first.locator(".hd-sweep-step").inner_text() == str(STEPS[-1])
    # healthy controls: no critical or warning marker, no worst marker
    second = page.locator("#hd-sweep tr.hd-sweep-row").nth(1)
    assert second.get_attribute("data-run") in HEALTHY + [MARKUP]
    assert second.locator("td[data-count=critical]").inner_text() == "0"
    assert second.locator("td[data-count=warning]").inner_text() == "0"
    assert second.locator(".hd-sweep-worst").get_attribute("data-kind") is None
    # no run named in the URL: once every count is in, the tab focuses the worst run
    page.wait_for_function("(run) => { const l = document.querySelector('#hd-overview .hd-run-label');"
                           " return l && l.textContent === run; }", arg=SICK, timeout=60000)
    sweep_tab.assert_clean()


def test_regex_filter_narrows_rows(sweep_tab):
    page = open_sweep(sweep_tab)
    box = page.locator("#hd-sweep-filter")
    box.fill("SEED=3$")  # case-insensitive, like TensorBoard's run filter
    page.wait_for_function("() => document.querySelector('#hd-sweep').dataset.rows === '5'")
    assert sorted(visible_runs(page)) == sorted("lr=%s,seed=3" % lr for lr in LRS)
    assert page.locator("#hd-sweep-count").inner_text().startswith("5 of 31 runs")
    assert page.locator("#hd-sweep-invalid").is_hidden()
    # the run list on the left follows the same filter
    page.wait_for_function("() => document.querySelectorAll('.hd-run').length === 5")
    assert sorted(page.locator(".hd-run").evaluate_all("els => els.map(e => e.dataset.run)")) == sorted(
        "lr=%s,seed=3" % lr for lr in LRS)
    assert page.locator("#hd-runlist-filtered").inner_text() == "5 of 31 runs match the filter"
    box.fill("lr=0.3,seed=(")  # invalid: matches nothing and says so
    page.wait_for_function("() => document.querySelector('#hd-sweep').dataset.rows === '0'")
    assert page.locator("#hd-sweep-invalid").is_visible()
    assert box.get_attribute("aria-invalid") == "true"
    box.fill("")
    page.wait_for_function("(n) => document.querySelector('#hd-sweep').dataset.rows === String(n)", arg=len(ALL_RUNS))
    assert page.locator(".hd-run").count() == len(ALL_RUNS)
    assert page.locator("#hd-runlist-filtered").is_hidden()
    sweep_tab.assert_clean()


def test_clicking_a_row_focuses_the_run(sweep_tab):
    page = open_sweep(sweep_tab)
    target = "lr=0.01,seed=4"
    page.locator("#hd-sweep-filter").fill("^lr=0\\.01,seed=4$")
    page.wait_for_function("() => document.querySelector('#hd-sweep').dataset.rows === '1'")
    page.locator("#hd-sweep tr.hd-sweep-row[data-run='%s']" % target).click()
    page.wait_for_function("(run) => { const l = document.querySelector('#hd-overview .hd-run-label');"
                           " return l && l.textContent === run; }", arg=target, timeout=60000)
    assert page.locator("#hd-sweep tr.hd-sweep-row.hd-focused").get_attribute("data-run") == target
    assert "run=" in page.evaluate("location.hash")
    # the keyboard does the same: Enter on a focused row
    other = "lr=0.1,seed=6"
    page.locator("#hd-sweep-filter").fill("^lr=0\\.1,seed=6$")
    page.wait_for_function("() => document.querySelector('#hd-sweep').dataset.rows === '1'")
    page.locator("#hd-sweep tr.hd-sweep-row[data-run='%s']" % other).focus()
    page.keyboard.press("Enter")
    page.wait_for_function("(run) => { const l = document.querySelector('#hd-overview .hd-run-label');"
                           " return l && l.textContent === run; }", arg=other, timeout=60000)
    sweep_tab.assert_clean()


def test_markup_in_run_name_is_inert_text(sweep_tab):
    page = open_sweep(sweep_tab)
    page.locator("#hd-sweep-filter").fill("^<img")
    page.wait_for_function("() => document.querySelector('#hd-sweep').dataset.rows === '1'")
    row = page.locator("#hd-sweep tr.hd-sweep-row")
    assert row.get_attribute("data-run") == MARKUP
    assert row.locator(".hd-sweep-name").text_content() == MARKUP
    assert row.locator(".hd-sweep-name").get_attribute("title") == MARKUP
    row.click()
    page.wait_for_function("(run) => { const l = document.querySelector('#hd-overview .hd-run-label');"
                           " return l && l.textContent === run; }", arg=MARKUP, timeout=60000)
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    assert sweep_tab.dialogs == []
    sweep_tab.assert_clean()


def test_sweep_table_leaves_the_sick_summary_in_view_and_folds(sweep_tab):
    """31 runs on a 900 px high window: the table scrolls within a bounded height, so the sick-layer summary below it
    is in view; the header folds the table (kept in the URL hash) and unfolds it."""
    page = sweep_tab.open()
    page.locator("#hd-sick").wait_for(state="visible")
    assert page.locator("#hd-sweep").get_attribute("data-rows") == str(len(ALL_RUNS))
    scroller = page.locator("#hd-sweep-scroll")
    assert scroller.evaluate("b => b.scrollHeight > b.clientHeight")  # more rows than shown: it scrolls
    sick = page.locator("#hd-sick").bounding_box()
    assert sick["y"] >= 0 and sick["y"] + sick["height"] <= 900, sick
    toggle = page.locator("#hd-sweep-toggle")
    assert toggle.get_attribute("aria-expanded") == "true"
    toggle.click()
    scroller.wait_for(state="hidden")
    assert toggle.get_attribute("aria-expanded") == "false"
    page.wait_for_function("() => location.hash.includes('sweep=closed')")
    assert page.locator("#hd-sick").bounding_box()["y"] < sick["y"]  # the summary moved up
    # the folded state survives a reload
    page = sweep_tab.open(page.evaluate("location.hash.slice(1)"))
    page.locator("#hd-sweep-toggle[aria-expanded=false]").wait_for()
    assert page.locator("#hd-sweep-scroll").is_hidden()
    page.locator("#hd-sweep-toggle").click()
    page.locator("#hd-sweep-scroll").wait_for(state="visible")
    page.wait_for_function("() => !location.hash.includes('sweep=closed')")
    sweep_tab.assert_clean()


# ---------------------------------------------------------------- step range on a long run

LONG_STEPS = 1500  # more than the ~1,000 points per series the default document keeps


@pytest.fixture(scope="module")
def long_server(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("long_logs"))
    rng = np.random.default_rng(7)
    frames = [(step, {"dense_%d/kernel" % i: rng.normal(0.0, 0.3, size=64) for i in range(2)} |
               {"dense_%d/kernel/grad" % i: rng.normal(0.0, 1e-2, size=64) for i in range(2)})
              for step in range(LONG_STEPS)]
    support.write_frames(logdir, "long", frames)
    with support.TensorBoardServer(logdir) as server:
        server.wait_for_runs(["long"], timeout=120, complete=lambda r: r["last_step"] == LONG_STEPS - 1)
        yield server.url


def test_step_range_fetches_full_resolution_and_resets(e2e_browser, long_server):
    context = e2e_browser.new_context(viewport={"width": 1400, "height": 900})
    tab = Tab(context, long_server)
    try:
        page = tab.open("run=long&layer=dense_0")  # the layer detail open: its bands are step-axis charts too
        line = page.locator("#hd-step-range")
        line.wait_for(state="visible")
        bands = page.locator("#hd-detail .hd-bands")
        bands.first.wait_for()
        assert bands.count() == 2  # weights and gradient
        assert line.get_attribute("data-mode") == "downsampled"
        series = support.get_json(long_server + support.ROUTE + "diagnostics?run=long")["series"]
        assert len(series) == 4
        kept = max(len(s["steps"]) for s in series)
        assert kept < LONG_STEPS
        assert line.locator(".hd-step-range-text").inner_text().startswith(
            "Showing %s of 1,500 logged steps" % format(kept, ","))
        assert page.locator("#hd-step-range-reset").is_hidden()
        page.locator("#hd-step-from").fill("100")
        page.locator("#hd-step-to").fill("400")
        with page.expect_response(lambda r: "/diagnostics?" in r.url and "start_step=100" in r.url) as resp:
            page.locator("#hd-step-range-apply").click()
        doc = resp.value.json()
        assert "end_step=400" in resp.value.url
        assert doc["downsampled"] is False and doc["step_range"] == [100, 400]
        assert all(s["steps"] == list(range(100, 401)) for s in doc["series"]) and len(doc["series"]) == 4
        page.wait_for_function("() => document.querySelector('#hd-step-range').dataset.mode === 'range'")
        assert line.locator(".hd-step-range-text").inner_text() == "Full resolution for steps 100–400"
        # the heatmap shows the whole run with every step of the window: the kept steps outside it, 301 inside
        heat = page.locator("#hd-heat-chart")
        page.wait_for_function("() => document.querySelector('#hd-heat-chart').dataset.window === '100-400'")
        page.wait_for_function("() => [...document.querySelectorAll('#hd-detail .hd-bands')]"
                               ".every((b) => b.dataset.window === '100-400')")
        kept_steps = set(doc_default_steps(long_server))
        assert int(heat.get_attribute("data-steps")) == len({s for s in kept_steps if s < 100 or s > 400} | set(range(100, 401)))
        requests = []
        page.on("request", lambda r: requests.append(r.url) if "/diagnostics?" in r.url else None)
        page.locator("#hd-step-range-reset").click()  # the default document is kept: no request
        page.wait_for_function("() => document.querySelector('#hd-step-range').dataset.mode === 'downsampled'")
        assert page.locator("#hd-step-from").input_value() == ""
        page.wait_for_function("() => document.querySelector('#hd-heat-chart').dataset.window === ''")
        assert heat.get_attribute("data-steps") == str(len(kept_steps))
        assert requests == []
        tab.assert_clean()
    finally:
        context.close()


def doc_default_steps(url):
    """Every step of the long run's default (downsampled) document, over all series."""
    doc = support.get_json(url + support.ROUTE + "diagnostics?run=long")
    assert len(doc["series"]) == 4  # weights and gradient of two layers: none missing from the union
    return sorted({st for s in doc["series"] for st in s["steps"]})


def drag_slider_handle(page, chart, grid_left, grid_right, from_fraction, to_fraction, bottom=6, height=14, grab=0):
    """Drag the step-axis zoom slider under a chart (charts.js stepDataZoom) from one fraction of its width to another
    (``grab`` px right of the handle's edge: a handle inside the slider is grabbed on its inner half)."""
    box = page.locator(chart).bounding_box()
    width = box["width"] - grid_left - grid_right
    y = box["y"] + box["height"] - bottom - height / 2
    x0 = box["x"] + grid_left + from_fraction * width + grab
    x1 = box["x"] + grid_left + to_fraction * width
    page.mouse.move(x0, y)
    page.mouse.down()
    for k in range(1, 6):
        page.mouse.move(x0 + (x1 - x0) * k / 5, y)
    page.mouse.up()


# Counts the page's fetches of a step window (diagnostics?...start_step=), in the page, as they are made.
COUNT_WINDOW_FETCHES = """(() => {
  window.__windowFetches = 0;
  const original = window.fetch;
  window.fetch = function (url, ...rest) {
    if (String(url).includes('/diagnostics?') && String(url).includes('start_step=')) window.__windowFetches += 1;
    return original.call(this, url, ...rest);
  };
})();"""


def test_zoom_on_the_heatmap_step_axis_loads_the_window(e2e_browser, long_server):
    """Dragging the heatmap's step slider asks for that window at full resolution (once, after the drag settles);
    the chart then shows that window; dragging back to every step, or Reset, returns to the default document."""
    context = e2e_browser.new_context(viewport={"width": 1400, "height": 900})
    context.add_init_script(COUNT_WINDOW_FETCHES)
    tab = Tab(context, long_server)
    try:
        page = tab.open("run=long")
        heat = "#hd-heat-chart"
        page.locator(heat).scroll_into_view_if_needed()
        kept = doc_default_steps(long_server)
        assert len(kept) < LONG_STEPS and page.locator(heat).get_attribute("data-steps") == str(len(kept))
        requests = []
        page.on("request", lambda r: requests.append(r.url) if "/diagnostics?" in r.url else None)
        with page.expect_response(lambda r: "/diagnostics?" in r.url and "start_step=" in r.url, timeout=15000) as resp:
            drag_slider_handle(page, heat, 130, 90, 0.0, 0.5)  # the left handle to the middle
        url = resp.value.url
        start = int(url.split("start_step=")[1].split("&")[0])
        end = int(url.split("end_step=")[1].split("&")[0])
        # the window's steps are logged steps of the default document's axis; the right handle did not move
        assert start in kept and 0.3 * LONG_STEPS < start < 0.7 * LONG_STEPS and end == LONG_STEPS - 1
        doc = resp.value.json()
        assert doc["downsampled"] is False and doc["step_range"] == [start, end]
        assert len(doc["series"]) == 4 and all(s["steps"] == list(range(start, end + 1)) for s in doc["series"])
        line = page.locator("#hd-step-range")
        page.wait_for_function("() => document.querySelector('#hd-step-range').dataset.mode === 'range'")
        assert line.locator(".hd-step-range-text").inner_text() == "Full resolution for steps %s–%s" % (
            format(start, ","), format(end, ","))
        # the chart shows the window, every step of it, and the redraw asked for nothing more
        page.wait_for_function("(w) => document.querySelector('#hd-heat-chart').dataset.window === w",
                               arg="%d-%d" % (start, end))
        assert int(page.locator(heat).get_attribute("data-steps")) == len([s for s in kept if s < start]) + end - start + 1
        # Nothing more may be asked once the drag settled.  A timer set now, longer than the zoom's debounce
        # (ZOOM_DEBOUNCE_MS = 300), fires after any settle the redraw scheduled (timers run in order of their
        # due time), and the page's own count of window fetches is read synchronously in it.
        assert page.evaluate("(ms) => new Promise((done) => setTimeout(() => done(window.__windowFetches), ms))",
                             300 + 100) == 1
        assert len([u for u in requests if "start_step=" in u]) == 1
        # back to every step by dragging the handle to the left end: the default document, kept, no request
        before = len([s for s in kept if s < start])  # the left handle sits at the window's first index
        drag_slider_handle(page, heat, 130, 90, before / (before + end - start), 0.0, grab=3)
        page.wait_for_function("() => document.querySelector('#hd-step-range').dataset.mode === 'downsampled'",
                               timeout=15000)
        page.wait_for_function("() => document.querySelector('#hd-heat-chart').dataset.window === ''")
        assert len(requests) == 1
        # Ctrl+wheel inside the plot zooms too (a plain wheel scrolls the page)
        box = page.locator(heat).bounding_box()
        page.mouse.move(box["x"] + 250, box["y"] + 60)
        with page.expect_response(lambda r: "/diagnostics?" in r.url and "start_step=" in r.url, timeout=15000):
            page.keyboard.down("Control")
            for _ in range(3):
                page.mouse.wheel(0, -200)
            page.keyboard.up("Control")
        page.wait_for_function("() => document.querySelector('#hd-step-range').dataset.mode === 'range'")
        page.locator("#hd-step-range-reset").click()
        page.wait_for_function("() => document.querySelector('#hd-heat-chart').dataset.window === ''")
        tab.assert_clean()
    finally:
        context.close()
