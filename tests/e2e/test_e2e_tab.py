"""End-to-end: the histdiag tab in headless Chromium against a real tensorboard."""

import json

import pytest

import e2e_logs
from e2e_page import COLOR_PIXELS, PAINTED_PIXELS, READY, layer_rows

pytestmark = pytest.mark.e2e

# A chart's tooltip on show: ECharts' absolutely placed div in the chart's box, visible, with text.
TOOLTIP_SHOWN = """(sel) => [...document.querySelectorAll(sel + ' div')].some((d) => {
  const st = getComputedStyle(d);
  return st.position === 'absolute' && st.display !== 'none' && st.visibility !== 'hidden' && Number(st.opacity) > 0
    && d.textContent.trim().length > 0 && d.querySelector('canvas') === null;
})"""
# Markup from user data that became elements: the XSS tag's <img>, the block name's <b onmouseover=...>.
LIVE_MARKUP = "document.querySelectorAll('img, b[onmouseover]').length"


TOOLTIP_TEXT = """(sel) => [...document.querySelectorAll(sel + ' div')].filter((d) => {
  const st = getComputedStyle(d);
  return st.position === 'absolute' && st.display !== 'none' && st.visibility !== 'hidden' && Number(st.opacity) > 0
    && d.textContent.trim().length > 0 && d.querySelector('canvas') === null;
}).map((d) => d.textContent).join(' | ')"""


def hover_tooltips(page, sel, points):
    """Move over ``points`` (x, y fractions of ``sel``'s box); at each position whose tooltip shows (HTML the
    tab wrote from user data), no user markup may be live.  Returns the texts of the tooltips shown."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    page.locator(sel).scroll_into_view_if_needed()  # a pointer outside the viewport hovers nothing
    box = page.locator(sel).bounding_box()
    texts = []
    for fx, fy in points:
        page.mouse.move(box["x"] + box["width"] * fx, box["y"] + box["height"] * fy)
        try:
            page.wait_for_function(TOOLTIP_SHOWN, arg=sel, timeout=500)
        except PlaywrightTimeout:
            continue  # no item under the pointer here
        texts.append(page.evaluate(TOOLTIP_TEXT, sel))
        assert page.evaluate(LIVE_MARKUP) == 0, (sel, fx, fy, texts[-1])
    return texts


def test_tab_appears_in_tensorboard(e2e_tab, e2e_server):
    page = e2e_tab.page
    page.goto(e2e_server + "/#histdiag")
    # TensorBoard's own header shows the tab, and its iframe loads our module.
    page.get_by_text("histdiag", exact=True).first.wait_for(timeout=60000)
    frame = page.frame_locator("iframe")
    frame.locator(READY).wait_for(timeout=60000)
    assert frame.locator("#hd-overview tbody tr").count() == 6
    e2e_tab.assert_clean()


def test_overview_lists_layers_in_depth_order(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    names = layer_rows(page).evaluate_all("rows => rows.map(r => r.dataset.layer)")
    assert names == ["layer_%d" % i for i in range(6)]
    depths = page.locator("#hd-overview tbody td.hd-depth").all_text_contents()
    assert depths == [str(i) for i in range(6)]
    # three sparklines per row, drawn
    assert page.locator("#hd-overview canvas.hd-spark").count() == 18
    assert page.evaluate(PAINTED_PIXELS, "#hd-overview tbody tr:first-child") > 50
    e2e_tab.assert_clean()


def test_default_focus_is_the_worst_run(e2e_tab):
    page = e2e_tab.open()
    assert page.locator("#hd-overview .hd-run-label").text_content() == "vanishing"
    # run summary: every run, counts of critical and warning markers
    runs = page.locator(".hd-run").evaluate_all("els => els.map(e => e.dataset.run)")
    assert runs == ["healthy", "vanishing", "weights_only", "wide_bert", "xss"]
    e2e_tab.assert_clean()


def test_vanishing_run_has_vanishing_gradient_marker(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    first = layer_rows(page).first
    assert first.locator(".hd-badge[data-kind=vanishing_gradient]").count() >= 1
    assert page.locator(".hd-run[data-run=vanishing] .hd-count[data-severity=critical]").text_content() != "0"
    serious = "#hd-overview .hd-badge.hd-sev-critical, #hd-overview .hd-badge.hd-sev-warning"
    assert page.locator(serious).count() >= 1  # the selector finds serious badges where there are some
    # the healthy run has no warning or critical marker: once its overview is drawn, every layer of it
    page2 = e2e_tab.open("run=healthy")
    page2.wait_for_function("() => document.querySelector('#hd-overview .hd-run-label').textContent === 'healthy'")
    assert layer_rows(page2).count() == e2e_logs.N_LAYERS
    assert page2.locator(serious).count() == 0
    e2e_tab.assert_clean()


def test_gradient_flow_and_heatmap_render(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    page.locator("#hd-flow-chart canvas").wait_for()
    page.locator("#hd-heat-chart canvas").wait_for()
    assert page.locator("#hd-flow-chart").get_attribute("data-empty") == "false"
    assert page.evaluate(PAINTED_PIXELS, "#hd-flow-chart") > 500
    assert int(page.locator("#hd-heat-chart").get_attribute("data-cells")) == 6 * len(e2e_logs.STEPS)
    assert page.evaluate(PAINTED_PIXELS, "#hd-heat-chart") > 5000
    # step slider moves the chosen step
    slider = page.locator("#hd-flow-step")
    slider.focus()
    page.keyboard.press("Home")
    assert page.locator("#hd-flow .hd-step-label").text_content() == "step 0"
    assert "step=0" in page.evaluate("location.hash")
    # another statistic for the heatmap
    page.select_option("#hd-heat-stat", "weights_rms")
    assert "stat=weights_rms" in page.evaluate("location.hash")
    assert page.evaluate(PAINTED_PIXELS, "#hd-heat-chart") > 5000
    e2e_tab.assert_clean()


def test_layer_detail_bands_histogram_and_table(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    layer_rows(page).first.click()
    detail = page.locator("#hd-detail")
    detail.wait_for(state="visible")
    assert detail.locator(".hd-detail-name").text_content() == "layer_0"
    # the role cards; the weight-norm card above them has no role
    roles = detail.locator(".hd-card[data-role]").evaluate_all("els => els.map(e => e.dataset.role)")
    assert roles == ["weights", "bias", "gradient"]
    page.wait_for_function(
        "() => [...document.querySelectorAll('#hd-detail .hd-hist')].every(h => Number(h.dataset.buckets) > 0)",
        timeout=30000)
    assert page.evaluate(PAINTED_PIXELS, "#hd-detail .hd-bands[data-role=gradient]") > 1000
    assert page.evaluate(PAINTED_PIXELS, "#hd-detail .hd-hist[data-role=weights]") > 500
    table = detail.locator(".hd-stats[data-role=weights]").inner_text()
    for name in ("count", "mean", "std", "rms", "p50", "zero_fraction", "change"):
        assert name in table
    assert "400" in table  # values per step
    # markers with evidence and advice
    # markers with evidence and advice: layer_0's gradients are 1e-6 of the output layer's
    assert detail.locator(".hd-marker[data-kind=vanishing_gradient]").count() >= 1
    marker = detail.locator(".hd-marker[data-kind=vanishing_gradient]").first
    assert marker.locator(".hd-evidence").text_content()
    assert "What to do" in marker.locator(".hd-advice").text_content()
    assert "layer=layer_0" in page.evaluate("location.hash")
    e2e_tab.assert_clean()


def test_keyboard_opens_and_closes_detail(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    layer_rows(page).first.focus()
    page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    page.locator("#hd-detail").wait_for(state="visible")
    assert page.locator("#hd-detail .hd-detail-name").text_content() == "layer_1"
    page.locator("#hd-detail-close").focus()
    page.keyboard.press("Escape")
    page.locator("#hd-detail").wait_for(state="hidden")
    assert page.evaluate("document.activeElement.dataset.layer") == "layer_1"
    # every control is a real button
    for sel in ("#hd-reload", "#hd-thresholds-toggle", "#hd-export-csv", "#hd-export-json", ".hd-runname"):
        assert page.locator(sel).first.evaluate("e => e.tagName") == "BUTTON"
    e2e_tab.assert_clean()


def test_compare_two_runs(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    assert page.locator("#hd-flow .hd-legend [data-run]").count() == 1
    page.locator(".hd-run[data-run=healthy] input[type=checkbox]").check()
    page.wait_for_function("() => document.querySelectorAll('#hd-flow .hd-legend [data-run]').length === 2")
    e2e_tab.wait_idle()
    legend = page.locator("#hd-flow .hd-legend [data-run]").evaluate_all("els => els.map(e => e.dataset.run)")
    assert legend == ["vanishing", "healthy"]
    hash_ = page.evaluate("location.hash")
    assert "cmp=healthy" in hash_ and "cmp=vanishing" in hash_
    # both run colours drawn in the gradient-flow chart: healthy #ff7043, vanishing #0077bb
    assert page.evaluate(COLOR_PIXELS, ["#hd-flow-chart", 0xFF, 0x70, 0x43]) > 20
    assert page.evaluate(COLOR_PIXELS, ["#hd-flow-chart", 0x00, 0x77, 0xBB]) > 20
    # the comparison survives a reload from the hash
    page.reload()
    page.wait_for_selector(READY)
    page.wait_for_function("() => document.querySelectorAll('#hd-flow .hd-legend [data-run]').length === 2")
    # clicking a run's name focuses it
    page.locator(".hd-run[data-run=healthy] .hd-runname").click()
    page.wait_for_function("() => document.querySelector('#hd-overview .hd-run-label').textContent === 'healthy'")
    e2e_tab.assert_clean()


def test_markup_in_tag_name_is_text(e2e_tab):
    page = e2e_tab.open("run=xss")
    row = page.locator("#hd-overview tbody tr", has_text=e2e_logs.XSS_TAG)
    assert row.count() == 1
    assert row.locator(".hd-lname").text_content() == e2e_logs.XSS_TAG
    assert page.evaluate("document.querySelectorAll('img').length") == 0
    row.click()
    page.locator("#hd-detail").wait_for(state="visible")
    assert page.locator("#hd-detail .hd-detail-name").text_content() == e2e_logs.XSS_TAG
    page.wait_for_function("() => Number(document.querySelector('#hd-detail .hd-hist').dataset.buckets) > 0",
                           timeout=30000)
    # hover the charts so tooltips (which render HTML) show the names
    # What must appear first: tooltips (rendered as HTML); only while one shows does "no <img>" say anything.
    points = [(fx / 10, fy) for fx in range(2, 9) for fy in (0.3, 0.5, 0.7)]
    assert len(hover_tooltips(page, "#hd-heat-chart", points)) >= 3
    assert page.evaluate(LIVE_MARKUP) == 0
    assert e2e_tab.dialogs == []
    e2e_tab.assert_clean()


def test_dark_mode_follows_color_scheme(e2e_tab):
    page = e2e_tab.page
    page.emulate_media(color_scheme="light")
    e2e_tab.open("run=vanishing")
    light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.emulate_media(color_scheme="dark")
    page.wait_for_function("() => document.querySelector('#histdiag').dataset.theme === 'dark'")
    dark = page.evaluate("getComputedStyle(document.body).backgroundColor")
    assert light == "rgb(255, 255, 255)"
    assert dark == "rgb(48, 48, 48)"
    e2e_tab.assert_clean()


def test_dark_mode_follows_tensorboard_setting(e2e_tab, e2e_server):
    page = e2e_tab.page
    page.emulate_media(color_scheme="light")
    page.goto(e2e_server + "/#histdiag")
    frame = page.frame_locator("iframe")
    frame.locator(READY).wait_for(timeout=60000)
    assert frame.locator("#histdiag").get_attribute("data-theme") == "light"
    page.evaluate("document.body.classList.add('dark-mode')")
    frame.locator("#histdiag[data-theme=dark]").wait_for(timeout=10000)
    page.evaluate("document.body.classList.remove('dark-mode')")
    frame.locator("#histdiag[data-theme=light]").wait_for(timeout=10000)
    e2e_tab.assert_clean()


def test_auto_refresh_refetches_when_last_step_changes(e2e_tab):
    page = e2e_tab.page
    seen = {"runs": 0, "diagnostics": 0}
    moved = {"on": False}

    def runs(route):
        seen["runs"] += 1
        response = route.fetch()
        body = response.json()
        if moved["on"]:  # new data arrived: the run's last step moved on
            for r in body["runs"]:
                r["last_step"] += 2
        route.fulfill(response=response, body=json.dumps(body))

    def diagnostics(route):
        seen["diagnostics"] += 1
        route.continue_()

    page.clock.install()
    page.route("**/data/plugin/histdiag/runs", runs)
    page.route("**/data/plugin/histdiag/diagnostics?**", diagnostics)
    e2e_tab.open("run=vanishing")
    e2e_tab.wait_idle()
    assert seen["runs"] >= 1 and seen["diagnostics"] == 1, seen
    before = dict(seen)
    moved["on"] = True
    page.clock.run_for(31000)  # past the 30 s poll (a fast poll, while counts fill in, may come first)
    for _ in range(200):  # route handlers run while Playwright is pumped: give the refetch up to 10 s
        if seen["diagnostics"] > before["diagnostics"]:
            break
        page.wait_for_timeout(50)
    page.wait_for_function("() => document.querySelector('.hd-status').textContent.startsWith('Refreshed')")
    e2e_tab.wait_idle()
    assert seen["runs"] > before["runs"], (before, seen)
    assert seen["diagnostics"] == before["diagnostics"] + 1, (before, seen)  # once for the moved step, not per poll
    e2e_tab.assert_clean()


def test_thresholds_change_markers(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    before = layer_rows(page).locator(".hd-badge").count()
    vanishing_before = layer_rows(page).locator(".hd-badge[data-kind=vanishing_gradient]").count()
    assert vanishing_before >= 1
    page.locator("#hd-thresholds-toggle").click()
    page.locator("#hd-set-vanishing_ratio").wait_for()
    assert page.locator("#hd-thresholds input").count() >= 1
    # a value the server refuses: a clear message, nothing changes
    page.fill("#hd-set-vanishing_ratio", "5")
    page.click("#hd-thresholds-apply")
    page.wait_for_function("() => document.querySelector('.hd-threshold-msg').textContent.startsWith('Not applied')")
    assert "vanishing_ratio" in page.locator(".hd-threshold-msg").text_content()
    # a stricter setting: vanishing only below 1e-9 of the output layer's gradients and 1e-12 absolute
    page.fill("#hd-set-vanishing_ratio", "1e-9")
    page.fill("#hd-set-vanishing_critical_ratio", "1e-10")
    page.fill("#hd-set-vanishing_abs", "1e-12")
    page.click("#hd-thresholds-apply")
    page.wait_for_function("() => document.querySelector('.hd-threshold-msg').textContent.startsWith('Markers in')")
    after = layer_rows(page).locator(".hd-badge[data-kind=vanishing_gradient]").count()
    assert "set.vanishing_ratio=1e-9" in page.evaluate("location.hash")
    assert after < vanishing_before, (vanishing_before, after)
    page.click("#hd-thresholds-reset")
    page.wait_for_function("() => !location.hash.includes('set.')")
    page.wait_for_function("(n) => document.querySelectorAll('#hd-overview tbody .hd-badge').length === n", arg=before)
    e2e_tab.assert_clean()


def test_export_csv_and_json(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    with page.expect_download() as info:
        page.click("#hd-export-csv")
    download = info.value
    assert download.suggested_filename == "histdiag-vanishing-statistics.csv"
    text = open(download.path(), encoding="utf-8").read()
    lines = text.strip().splitlines()
    assert lines[0].startswith("run,tag,layer,role,step,wall_time,non_finite,count,mean,std")
    assert len(lines) == 1 + 18 * len(e2e_logs.STEPS)
    with page.expect_download() as info:
        page.click("#hd-export-json")
    doc = json.loads(open(info.value.path(), encoding="utf-8").read())
    assert doc["run"] == "vanishing"
    assert {"layers", "series", "markers"} <= set(doc)
    e2e_tab.assert_clean()


def test_empty_state_explains_how_to_log(e2e_tab):
    page = e2e_tab.page
    page.route("**/data/plugin/histdiag/runs", lambda route: route.fulfill(
        status=200, content_type="application/json", body='{"runs": []}'))
    e2e_tab.open(state="empty")
    text = page.locator("#hd-empty").inner_text()
    for needle in ("histogram_freq=1", "tf.summary.histogram", "GradientTape", "add_histogram"):
        assert needle in text
    e2e_tab.assert_clean()


def test_server_error_is_shown_and_retry_recovers(e2e_tab):
    page = e2e_tab.page
    calls = {"n": 0}

    def handler(route):
        calls["n"] += 1
        if calls["n"] == 1:
            route.fulfill(status=500, content_type="application/json", body='{"error": "the server broke"}')
        else:
            route.continue_()

    page.route("**/data/plugin/histdiag/runs", handler)
    page.goto(e2e_tab.entry_url("run=vanishing"))
    page.wait_for_selector("#histdiag[data-state=error]")
    assert "the server broke" in page.locator("#hd-error").inner_text()
    e2e_tab.errors.clear()  # the browser logs the failed request itself
    page.locator("#hd-error button").click()
    page.wait_for_selector(READY)
    # the reload button refetches
    with page.expect_request("**/data/plugin/histdiag/runs"):
        page.click("#hd-reload")
    page.wait_for_selector(READY)
    e2e_tab.wait_idle()
    assert calls["n"] >= 3
    assert layer_rows(page).count() == 6
    e2e_tab.assert_clean()


def test_hash_restores_view(e2e_tab):
    page = e2e_tab.open("run=vanishing&layer=layer_2&stat=weights_rms&step=4")
    page.locator("#hd-detail").wait_for(state="visible")
    assert page.locator("#hd-detail .hd-detail-name").text_content() == "layer_2"
    assert page.locator("#hd-heat-stat").input_value() == "weights_rms"
    assert page.locator("#hd-flow .hd-step-label").text_content() == "step 4"
    assert layer_rows(page).nth(2).get_attribute("aria-selected") == "true"
    e2e_tab.assert_clean()


def test_hash_change_in_place_updates_view(e2e_tab):
    page = e2e_tab.open("run=vanishing")
    page.evaluate("location.hash = '#run=healthy&layer=layer_3'")
    page.wait_for_function("() => document.querySelector('#hd-overview .hd-run-label').textContent === 'healthy'")
    page.locator("#hd-detail").wait_for(state="visible")
    assert page.locator("#hd-detail .hd-detail-name").text_content() == "layer_3"
    e2e_tab.assert_clean()


def test_dispose_removes_everything_it_added(e2e_tab):
    page = e2e_tab.page
    seen = {"runs": 0}

    def runs(route):
        seen["runs"] += 1
        route.continue_()

    page.clock.install()
    page.route("**/data/plugin/histdiag/runs", runs)
    e2e_tab.open("run=vanishing&layer=layer_0")
    page.locator("#hd-detail .hd-card").first.wait_for()
    e2e_tab.wait_idle()
    before = seen["runs"]
    assert before >= 1
    page.evaluate("import('./index.js').then((m) => m.render().dispose())")
    assert page.evaluate("document.querySelectorAll('#histdiag, #histdiag-style, canvas').length") == 0
    assert page.evaluate("document.documentElement.className") == ""
    # no timer polls any more, and no listener reacts to resizes or hash changes
    page.evaluate("window.dispatchEvent(new Event('resize')); location.hash = '#run=healthy'")
    page.clock.run_for(65000)
    assert seen["runs"] == before
    assert page.evaluate("location.hash") == "#run=healthy"
    e2e_tab.assert_clean()
