"""End-to-end: big models (blocks, filter, zoomable charts), weights-only runs (learning flow), names as user data."""

import json
import os
import time

import numpy as np
import pytest

import e2e_logs
from e2e_page import PAINTED_PIXELS, READY, layer_rows
from test_e2e_tab import LIVE_MARKUP, hover_tooltips

pytestmark = pytest.mark.e2e

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
VIEWPORT_HEIGHT = 800  # conftest's browser context


def block_rows(page):
    return page.locator("#hd-overview tbody tr.hd-block")


def test_weights_only_run_shows_learning_flow_and_heatmap(e2e_tab):
    page = e2e_tab.open("run=weights_only")
    # no gradients: learning flow takes gradient flow's place
    page.locator("#hd-learn").wait_for(state="visible")
    assert page.locator("#hd-flow").is_hidden()
    chart = page.locator("#hd-learn-chart")
    assert chart.get_attribute("data-empty") == "false"
    assert chart.get_attribute("data-points") == str(e2e_logs.N_LAYERS)
    assert page.evaluate(PAINTED_PIXELS, "#hd-learn-chart") > 500
    assert chart.get_attribute("data-zeros") == "1"  # layer_0 never moved: drawn as a triangle at the floor
    assert layer_rows(page).first.locator(".hd-unchanged").text_content() == "0: never changed"
    assert layer_rows(page).nth(1).locator(".hd-unchanged").count() == 0
    assert "GradientHistograms" in page.locator("#hd-learn .hd-flow-note").text_content()
    # the heatmap defaults to a statistic the run has: weight change, null at the first logged step only
    heat = page.locator("#hd-heat-chart")
    assert heat.get_attribute("data-stat") == "weights_change_log"
    assert page.locator("#hd-heat-stat").input_value() == "weights_change_log"
    assert int(heat.get_attribute("data-cells")) == e2e_logs.N_LAYERS * (len(e2e_logs.STEPS) - 1)
    assert heat.get_attribute("data-zeros") == str(len(e2e_logs.STEPS) - 1)  # layer_0's cells: unchanged
    assert page.evaluate(PAINTED_PIXELS, "#hd-heat-chart") > 5000
    # the same step slider as gradient flow, kept in the URL
    slider = page.locator("#hd-learn-step")
    slider.focus()
    page.keyboard.press("Home")
    page.keyboard.press("ArrowRight")
    assert page.locator("#hd-learn .hd-step-label").text_content() == "step 2"
    assert "step=2" in page.evaluate("location.hash")
    assert chart.get_attribute("data-empty") == "false"
    e2e_tab.assert_clean()


def test_inferred_markers_say_where_their_evidence_came_from(e2e_tab):
    page = e2e_tab.open("run=weights_only")
    chips = page.locator("#hd-sick .hd-chip[data-kind=vanishing_gradient]")
    assert chips.count() >= 1
    assert "inferred from weights" in chips.first.text_content()
    chips.first.click()
    page.locator("#hd-detail").wait_for(state="visible")
    source = page.locator("#hd-detail .hd-marker[data-kind=vanishing_gradient] .hd-source").first
    assert source.text_content() == "inferred from weights"
    e2e_tab.assert_clean()


def test_run_with_gradients_keeps_gradient_flow(e2e_tab):
    """The control: a run with gradient histograms shows gradient flow, not learning flow, and gradient RMS."""
    page = e2e_tab.open("run=healthy")
    page.locator("#hd-flow-chart canvas").wait_for()
    assert page.locator("#hd-learn").is_hidden()
    assert page.locator("#hd-heat-chart").get_attribute("data-stat") == "grad_rms_log"
    assert page.locator("#hd-sick").get_attribute("data-sick") == "0"
    # compared with a weights-only run: learning flow appears beside gradient flow, with both runs overlaid
    page.locator(".hd-run[data-run=weights_only] input[type=checkbox]").check()
    page.locator("#hd-learn").wait_for(state="visible")
    e2e_tab.wait_idle()
    assert page.locator("#hd-flow").is_visible()
    legend = page.locator("#hd-learn .hd-legend [data-run]").evaluate_all("els => els.map(e => e.dataset.run)")
    assert legend == ["healthy", "weights_only"]
    e2e_tab.assert_clean()


def test_hundred_layer_run_fits_one_screen_with_blocks(e2e_tab):
    page = e2e_tab.open("run=wide_bert")
    blocks = block_rows(page)
    assert blocks.count() == e2e_logs.BERT_LAYERS
    assert blocks.evaluate_all("rs => rs.map(r => r.dataset.block)") == [
        "bert.encoder.layer.%d" % i for i in range(e2e_logs.BERT_LAYERS)]
    assert layer_rows(page).count() == 4  # embeddings (2), pooler, classifier: outside any block
    table = page.locator("#hd-overview table").bounding_box()
    assert table["height"] < VIEWPORT_HEIGHT, table
    # the sick layer is named at the top, without scrolling
    chip = page.locator("#hd-sick .hd-chip[data-kind=vanishing_gradient]")
    assert chip.get_attribute("data-key") == "bert.encoder.layer.0.attention.self.query"
    assert chip.bounding_box()["y"] + chip.bounding_box()["height"] <= VIEWPORT_HEIGHT
    # its block row carries the worst marker; the other blocks are ok
    first = blocks.first
    assert first.locator(".hd-badge[data-kind=vanishing_gradient]").count() == 1
    assert page.locator("#hd-overview tr.hd-block .hd-badge").count() == 1
    # collapsed blocks are one entry in the charts
    assert page.locator("#hd-flow-chart").get_attribute("data-points") == "16"
    assert page.locator("#hd-heat-chart").get_attribute("data-rows") == "16"
    # a click on its name expands a block: its 8 layers appear, in the charts too
    first.locator(".hd-bname").click()
    page.wait_for_function("() => document.querySelectorAll('#hd-overview tbody tr[data-key]').length === 12")
    assert first.get_attribute("aria-expanded") == "true"
    names = layer_rows(page).evaluate_all("rs => rs.map(r => r.dataset.key)")
    assert sum(n.startswith("bert.encoder.layer.0.") for n in names) == 8
    assert page.locator("#hd-flow-chart").get_attribute("data-points") == "23"
    assert page.locator("#hd-heat-chart").get_attribute("data-rows") == "23"
    # only layers with markers: the sick layer (and its block) stay
    page.locator("#hd-only-marked").check()
    page.wait_for_function("() => document.querySelectorAll('#hd-overview tbody tr[data-key]').length === 1")
    assert layer_rows(page).first.get_attribute("data-key") == "bert.encoder.layer.0.attention.self.query"
    assert block_rows(page).count() == 1
    # the filter and the open block are part of the URL: a reload shows the same rows
    hash_ = page.evaluate("location.hash")
    assert "marked=1" in hash_ and "open=bert.encoder.layer.0" in hash_
    page.reload()
    page.wait_for_selector(READY)
    assert page.locator("#hd-only-marked").is_checked()
    assert layer_rows(page).evaluate_all("rs => rs.map(r => r.dataset.key)") == ["bert.encoder.layer.0.attention.self.query"]
    page.locator("#hd-only-marked").uncheck()
    page.wait_for_function("() => document.querySelectorAll('#hd-overview tbody tr[data-key]').length === 12")
    # Enter on the block row collapses it again
    block_rows(page).first.focus()
    page.keyboard.press("Enter")
    page.wait_for_function("() => document.querySelectorAll('#hd-overview tbody tr[data-key]').length === 4")
    e2e_tab.assert_clean()


def test_markup_in_block_and_tag_names_stays_inert(e2e_tab):
    page = e2e_tab.open("run=xss")
    blocks = block_rows(page)
    assert blocks.count() == 3
    assert blocks.locator(".hd-bname").all_text_contents() == ["%s.%d" % (e2e_logs.MARKUP_BLOCK, i) for i in range(3)]
    # the tag that belongs to no layer is listed under "ungrouped", as text
    group = page.locator("#hd-overview tr.hd-group")
    assert "ungrouped" in group.text_content()
    assert layer_rows(page).filter(has_text=e2e_logs.XSS_TAG).locator(".hd-lname").text_content() == e2e_logs.XSS_TAG
    blocks.first.locator(".hd-bname").click()
    page.wait_for_function("() => document.querySelectorAll('#hd-overview tr.hd-in-block').length === 2")
    # hover both charts so their tooltips (which render HTML) show the names
    # What must appear first: each chart's tooltips (HTML written from the names); while they show, no markup
    # from the names may be live.
    points = [(fx / 10, fy) for fx in range(2, 9) for fy in (0.3, 0.5, 0.7)]
    heat = hover_tooltips(page, "#hd-heat-chart", points)
    assert any(e2e_logs.MARKUP_BLOCK in text for text in heat), heat  # the block's name, shown as text
    assert len(hover_tooltips(page, "#hd-flow-chart", points)) >= 3
    assert page.evaluate(LIVE_MARKUP) == 0
    assert e2e_tab.dialogs == []
    e2e_tab.assert_clean()
def _big_diagnostics(n_layers=34, n_steps=500):
    import numpy as np

    rng = np.random.default_rng(1)
    steps = list(range(n_steps))
    names = ["count", "mean", "std", "min", "max", "rms", "l2_norm", "abs_mean", "zero_fraction",
             "p1", "p5", "p25", "p50", "p75", "p95", "p99", "change"]
    layers, series = [], []
    for i in range(n_layers):
        name = "block_%d/dense" % i
        tags = {"weights": name + "/kernel", "bias": name + "/bias", "gradient": name + "/kernel/grad", "activation": None}
        layers.append({"name": name, "depth": i, "tags": tags})
        for role in ("weights", "bias", "gradient"):
            stats = {k: np.round(np.abs(rng.normal(1, 0.1, n_steps)), 6).tolist() for k in names}
            series.append({"tag": tags[role], "layer": name, "role": role, "param": "weights",
                           "steps": steps, "wall_times": [1.7e9 + s for s in steps], "non_finite": [False] * n_steps,
                           "stats": stats})
    markers = [{"kind": "vanishing_gradient", "severity": "warning", "tag": layers[i]["tags"]["gradient"],
                "layer": layers[i]["name"], "first_step": 0, "last_step": 499, "evidence": "synthetic"}
               for i in range(5)]
    return {"run": "big", "layers": layers, "series": series, "markers": markers, "settings": {}}


def test_overview_of_100_tags_by_500_steps(e2e_tab):
    """A big document (served by a mocked route) fills every part of the page; its speed is measured in bench/."""
    page = e2e_tab.page
    body = json.dumps(_big_diagnostics())
    page.route("**/data/plugin/histdiag/runs", lambda route: route.fulfill(
        status=200, content_type="application/json",
        body=json.dumps({"runs": [{"run": "big", "tags": 102, "layers": 34, "first_step": 0, "last_step": 499,
                                   "critical": 0, "warning": 5}]})))
    page.route("**/data/plugin/histdiag/diagnostics?**", lambda route: route.fulfill(
        status=200, content_type="application/json", body=body))
    e2e_tab.open("run=big")
    assert layer_rows(page).count() == 34
    assert page.locator("#hd-overview canvas.hd-spark").count() == 34 * 3
    assert int(page.locator("#hd-heat-chart").get_attribute("data-cells")) == 34 * 500
    assert page.locator("#hd-flow-chart").get_attribute("data-empty") == "false"
    e2e_tab.assert_clean()


def test_screenshot(e2e_tab, e2e_server, tmp_path):
    """The tab inside TensorBoard on the weights-only run (inferred markers, learning flow): docs/screenshot.png."""
    page = e2e_tab.page
    page.set_viewport_size({"width": 1280, "height": 1150})
    page.emulate_media(color_scheme="light")
    page.goto(e2e_server + "/#histdiag")
    frame = page.frame_locator("iframe")
    frame.locator(READY).wait_for(timeout=60000)
    frame.locator(".hd-run[data-run=weights_only] .hd-runname").click()
    frame.locator(".hd-run[data-run=vanishing] input[type=checkbox]").uncheck()
    frame.locator("#hd-flow").wait_for(state="hidden")
    frame.locator("#hd-learn-chart[data-empty=false] canvas").wait_for()
    frame.locator("#histdiag[data-busy=false]").wait_for()
    time.sleep(0.5)
    # The committed README picture is rewritten only on request
    # (UPDATE_SCREENSHOT=1), so `make test` leaves the work tree clean.
    if os.environ.get("UPDATE_SCREENSHOT"):
        os.makedirs(os.path.join(REPO, "docs"), exist_ok=True)
        path = os.path.join(REPO, "docs", "screenshot.png")
    else:
        path = str(tmp_path / "screenshot.png")
    page.screenshot(path=path)
    assert os.path.getsize(path) > 10000
    _assert_shows_the_tab(path, page.locator("iframe").bounding_box())
    e2e_tab.assert_clean()


WARNING_LIGHT = (245, 124, 0)  # --hd-warning of the light theme (styles.js)


def _assert_shows_the_tab(path, frame_box):
    """The picture holds the tab, not a blank or half-drawn page: inside the tab's iframe (TensorBoard's own
    orange header is outside it) the warning colour of the inferred markers' badges and chips, a page mostly
    light with a good share drawn on, and the many colours of charts."""
    from PIL import Image

    image = Image.open(path).convert("RGB")
    assert image.size == (1280, 1150)
    left, top = int(frame_box["x"]), int(frame_box["y"])
    tab = np.asarray(image.crop((left, top, left + int(frame_box["width"]), top + int(frame_box["height"]))),
                     dtype=np.int32)
    assert tab.shape[0] > 600 and tab.shape[1] > 1000, tab.shape
    pixels = tab.reshape(-1, 3)
    warning = (np.abs(pixels - np.array(WARNING_LIGHT)).max(axis=1) < 12).sum()
    assert warning >= 200, warning  # badges and chip borders of the inferred vanishing_gradient warnings
    white = (pixels.min(axis=1) >= 250).mean()
    assert 0.4 <= white <= 0.97, white  # a light page, drawn on
    assert len(np.unique(pixels // 8, axis=0)) >= 100  # charts, text, badges: not a flat fill
    # Drawn all over: each quarter of the tab's height holds something besides the background.
    for quarter in np.array_split(tab, 4, axis=0):
        assert (quarter.reshape(-1, 3).min(axis=1) < 200).mean() > 0.002
