"""End-to-end: the layer detail's weight-norm chart overlays the compared runs' weight L2 norms (issue 12, L2 at work).

The chart's option is read back from ECharts (``getInstanceByDom``, exported by the bundle for this) and its lines are
compared with the ``l2_norm`` of the weights series in each run's diagnostics document.
"""

import json
import os
import sys
import urllib.parse
import urllib.request

import numpy as np
import pytest

from e2e_page import COLOR_PIXELS, tab_class

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))  # tests/, for support.py
import support  # noqa: E402

Tab = tab_class()

pytestmark = pytest.mark.e2e

LAYER = "layer_2"

CHART_OPTION = """async () => {
  const { getInstanceByDom } = await import(new URL('index.js', document.baseURI).href);
  const div = document.querySelector('#hd-detail .hd-wnorm-chart');
  const o = getInstanceByDom(div).getOption();
  return { steps: o.xAxis[0].data, yType: o.yAxis[0].type,
           lines: o.series.map((s) => ({ name: s.name, color: s.lineStyle.color, data: s.data,
             areas: ((s.markArea || {}).data || []).map((a) => [a[0].xAxis, a[1].xAxis]) })) };
}"""


def _document(base_url, run):
    url = base_url + support.ROUTE + "diagnostics?" + urllib.parse.urlencode({"run": run})
    with urllib.request.urlopen(url, timeout=60) as resp:
        return json.loads(resp.read().decode("utf-8"))


def _document_norms(base_url, run, layer=LAYER):
    """{step: l2_norm} of the layer's weights series in the run's diagnostics document, from the server itself."""
    [s] = [s for s in _document(base_url, run)["series"] if s["layer"] == layer and s["role"] == "weights"]
    assert len(s["steps"]) == len(s["stats"]["l2_norm"]) >= 5
    return dict(zip(s["steps"], s["stats"]["l2_norm"], strict=True))


def _open_detail(e2e_tab, hash_, n_lines):
    """Open the hash's layer detail and wait until its weight-norm chart has n_lines runs."""
    page = e2e_tab.open(hash_)
    page.locator("#hd-detail .hd-wnorm").wait_for(state="visible")
    page.wait_for_function("(n) => document.querySelector('#hd-detail .hd-wnorm').dataset.runs === String(n)",
                           arg=n_lines)
    e2e_tab.wait_idle()
    return page


def _line_values(option, line):
    """The line's values by step, the steps it has no value at left out."""
    return {int(step): v for step, v in zip(option["steps"], line["data"], strict=True) if v is not None}


def test_weight_norm_chart_overlays_compared_runs(e2e_tab, e2e_server):
    page = _open_detail(e2e_tab, "run=vanishing&cmp=vanishing&cmp=healthy&layer=" + LAYER, 2)
    opt = page.evaluate(CHART_OPTION)
    # one line per compared run, the focused run first, in TensorBoard's run colours (colors.js)
    assert [(l["name"], l["color"]) for l in opt["lines"]] == [("vanishing", "#0077bb"), ("healthy", "#ff7043")]
    for line in opt["lines"]:
        assert _line_values(opt, line) == _document_norms(e2e_server, line["name"]), line["name"]
    # the two runs' weights differ (independent draws), so the lines are not one line drawn twice
    assert opt["lines"][0]["data"] != opt["lines"][1]["data"]
    # norms within a decade: a linear axis by default; both colours painted
    assert opt["yType"] == "value"
    assert page.locator("#hd-detail .hd-wnorm-log").is_checked() is False
    assert page.evaluate(COLOR_PIXELS, ["#hd-detail .hd-wnorm-chart", 0x00, 0x77, 0xBB]) > 20
    assert page.evaluate(COLOR_PIXELS, ["#hd-detail .hd-wnorm-chart", 0xFF, 0x70, 0x43]) > 20
    legend = page.locator("#hd-detail .hd-wnorm-legend [data-run]").evaluate_all("els => els.map(e => e.textContent)")
    assert legend == ["vanishing", "healthy"]
    # the log switch redraws on a log axis with the same values
    page.locator("#hd-detail .hd-wnorm-log").check()
    page.wait_for_function("() => document.querySelector('#hd-detail .hd-wnorm-chart').dataset.log === 'true'")
    logged = page.evaluate(CHART_OPTION)
    assert logged["yType"] == "log"
    assert [l["data"] for l in logged["lines"]] == [l["data"] for l in opt["lines"]]
    e2e_tab.assert_clean()


def test_weight_norm_chart_single_run_has_one_line(e2e_tab, e2e_server):
    page = _open_detail(e2e_tab, "run=healthy&layer=" + LAYER, 1)
    opt = page.evaluate(CHART_OPTION)
    assert [l["name"] for l in opt["lines"]] == ["healthy"]
    assert _line_values(opt, opt["lines"][0]) == _document_norms(e2e_server, "healthy")
    e2e_tab.assert_clean()


# ---------------------------------------------------------------- L2 at work: a decaying run beside a plain one

DECAY = 0.97  # layer_1's weights shrink by 3% per logged step in run "decay": 0.97 ** 19 = 56% left at the end
DECAY_STEPS = list(range(0, 40, 2))


@pytest.fixture(scope="module")
def decay_server(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("decay_logs"))
    for run, decay in (("decay", DECAY), ("plain", 1.0)):
        rng = np.random.default_rng(3)
        w = [rng.normal(0.0, 0.3, size=400) for _ in range(3)]
        frames = []
        for step in DECAY_STEPS:
            tags = {}
            for i in range(3):
                w[i] = w[i] * (decay if i == 1 else 1.0) + rng.normal(0.0, 1e-3, size=400)
                tags["layer_%d_weights" % i] = w[i]
                tags["layer_%d_gradients" % i] = rng.normal(0.0, 1e-2, size=400)
            frames.append((step, tags))
        support.write_frames(logdir, run, frames)
    with support.TensorBoardServer(logdir) as server:
        server.wait_for_runs(["decay", "plain"], timeout=180, complete=lambda r: r.get("status", "done") == "done")
        yield server.url


def test_weight_decay_span_is_shaded_on_the_focused_run(e2e_browser, decay_server):
    context = e2e_browser.new_context(viewport={"width": 1280, "height": 800})
    tab = Tab(context, decay_server)
    try:
        doc = _document(decay_server, "decay")
        [m] = [m for m in doc["markers"] if m["kind"] == "weight_decay_shrink"]
        assert (m["layer"], m["tag"], m["severity"]) == ("layer_1", "layer_1_weights", "info")
        page = _open_detail(tab, "run=decay&cmp=decay&cmp=plain&layer=layer_1", 2)
        opt = page.evaluate(CHART_OPTION)
        assert [l["name"] for l in opt["lines"]] == ["decay", "plain"]
        assert opt["lines"][0]["areas"] == [[str(m["first_step"]), str(m["last_step"])]]
        assert opt["lines"][1]["areas"] == []
        norms = _line_values(opt, opt["lines"][0])
        assert norms == _document_norms(decay_server, "decay", "layer_1")
        # the line falls to about DECAY ** 19 of its start (bucket-estimated norms: within 5%)
        assert abs(norms[DECAY_STEPS[-1]] / norms[0] - DECAY ** (len(DECAY_STEPS) - 1)) < 0.05
        # control: the plain run focused, compared with the decaying one, has no marker and no span
        assert not [m for m in _document(decay_server, "plain")["markers"] if m["kind"] == "weight_decay_shrink"]
        page = _open_detail(tab, "run=plain&cmp=plain&cmp=decay&layer=layer_1", 2)
        opt = page.evaluate(CHART_OPTION)
        assert [l["name"] for l in opt["lines"]] == ["plain", "decay"]
        assert [l["areas"] for l in opt["lines"]] == [[], []]
        assert page.locator("#hd-detail .hd-wnorm-chart").get_attribute("data-spans") == ""
        tab.assert_clean()
    finally:
        context.close()
