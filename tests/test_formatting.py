"""``formatting.py``: the text report and the HTML markers table, on documents written by hand.

Names come from the logs, so a tag or run name may hold markup or control
characters: the HTML must show them as text, the report must keep one line
per item.  Severity colours and the run palette must equal the tab's
(``tb_histdiag_plugin_frontend/src/colors.js``).
"""

import html
import os
import re

import pytest

from tb_histdiag_plugin import formatting, plots, result, severity

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EVIL = "<img src=x onerror=alert(1)>"
BELL = "conv\n\x1b[31mred"  # a newline and a terminal escape in a tag name


def _marker(kind, sev, tag, layer, first, last, source="gradients"):
    return {"kind": kind, "severity": sev, "tag": tag, "layer": layer, "first_step": first, "last_step": last,
            "evidence": "evidence of %s on %s" % (kind, tag), "evidence_from": source}


def _document(run):
    """Two layers, one tag outside every layer, markers of every severity."""
    layers = [
        {"name": "dense", "depth": 0, "tags": {"weights": "dense/kernel", "bias": None, "gradient": "dense/kernel/grad",
                                               "activation": None}, "block": None},
        {"name": EVIL, "depth": 1, "tags": {"weights": EVIL + "/kernel", "bias": None, "gradient": None,
                                            "activation": None}, "block": None},
    ]
    series = [{"tag": t} for t in ("dense/kernel", "dense/kernel/grad", EVIL + "/kernel", BELL)]
    markers = [
        _marker("stagnant_weights", "info", "dense/kernel", "dense", 0, 4, "weights"),
        _marker("vanishing_gradient", "critical", "dense/kernel/grad", "dense", 2, 9),
        _marker("vanishing_gradient", "warning", EVIL + "/kernel", EVIL, 3, 9, "weights"),
        _marker("non_finite", "critical", BELL, None, 7, 7, "activations"),
    ]
    return {"run": run, "layers": layers, "ungrouped": [BELL], "series": series, "markers": markers}


@pytest.fixture
def doc():
    return _document(EVIL)


def test_text_report_layers_markers_and_counts(doc):
    text = formatting.format_text({"runs": {"clean": _document("clean")}})
    lines = text.splitlines()
    # by hand: 2 critical, 1 warning, 1 info; 2 layers; 4 series
    assert lines[0] == "run clean: 2 layers, 4 tags — 2 critical, 1 warning, 1 info"
    assert lines[1] == "   0 dense  [weights, gradient]"
    assert lines[2].split()[:2] == ["info", "stagnant_weights"]  # weights-sourced, but not a gradient kind
    assert lines[3].split()[:3] == ["CRITICAL", "vanishing_gradient", "(steps"]  # read from gradients: no tag
    assert lines[4] == "   1 %s  [weights]" % EVIL
    assert lines[5].split()[:4] == ["WARNING", "vanishing_gradient", "[from", "weights]"]
    assert lines[6] == "  ungrouped: conv\\n\\x1b[31mred"
    assert lines[7].startswith("     (tag conv\\n\\x1b[31mred) CRITICAL non_finite (steps 7–7): ")
    assert lines[8:] == [""]


def test_text_report_escapes_control_characters(doc):
    text = formatting.format_text({"runs": {"run\x1b]0;x\x07": doc}})
    assert "\x1b" not in text and "\x07" not in text
    # header, 2 layers, 3 layer markers, ungrouped, 1 tag marker: 8 lines, then the blank line between runs
    assert text.count("\n") == 9
    assert text.startswith("run run\\x1b]0;x\\x07: ")


def test_text_report_of_a_healthy_run_says_so():
    doc = {"run": "ok", "layers": [], "series": [], "markers": []}
    assert formatting.format_text({"runs": {"ok": doc}}) == (
        "run ok: 0 layers, 0 tags — 0 critical, 0 warning, 0 info\n"
        "  no markers: the histograms show no sign of trouble\n\n")


def test_html_escapes_every_name(doc):
    page = formatting.markers_html({"runs": {EVIL: doc}})
    assert "<img" not in page and "onerror=alert(1)>" not in page
    escaped = html.escape(EVIL, quote=True)
    # run heading, and the evil layer's marker row: layer, tag and evidence cells
    assert page.count(escaped) == 4
    assert "<code>%s</code>" % html.escape(BELL, quote=True) in page  # ungrouped and the tag cell
    assert page.count("<tr>") == 1 + 4  # head + one row per marker


def test_html_orders_worst_first_with_the_tabs_colours(doc):
    page = formatting.markers_html(result.Diagnosis({"runs": {"r": doc}}))
    rows = re.findall(r'<tr><td><span class="histdiag-sev" style="background:(#[0-9a-f]{6})">(\w+)</span>', page)
    assert [sev for _, sev in rows] == ["critical", "critical", "warning", "info"]
    # among the criticals, the layer (depth 0) before the tag outside every layer
    assert page.index("dense/kernel/grad") < page.index(html.escape(BELL, quote=True) + "</code></td><td>7")
    assert {sev: color for color, sev in rows} == {"critical": "#d32f2f", "warning": "#f57c00", "info": "#1976d2"}
    assert "vanishing_gradient [from weights]" in page


def test_html_of_a_healthy_run():
    doc = {"run": "ok", "layers": [], "series": [], "markers": []}
    page = formatting.markers_html({"runs": {"ok": doc}})
    assert "No markers" in page and "<table" not in page


def _js_object(source, name):
    body = re.search(r"%s = Object\.freeze\(\{([^}]*)\}\)" % name, source).group(1)
    return {k: v.strip("'\"") for k, v in re.findall(r"(\w+):\s*('[^']*'|\d+)", body)}


def test_severity_colours_and_order_equal_the_tabs():
    with open(os.path.join(ROOT, "tb_histdiag_plugin_frontend", "src", "colors.js")) as f:
        js = f.read()
    assert _js_object(js, "SEVERITY_COLORS") == severity.SEVERITY_COLORS
    js_rank = {k: int(v) for k, v in _js_object(js, "SEVERITY_RANK").items()}
    assert sorted(js_rank, key=js_rank.get, reverse=True) == list(severity.SEVERITIES)
    assert sorted(severity.SEVERITY_RANK, key=severity.SEVERITY_RANK.get, reverse=True) == list(severity.SEVERITIES)
    palette = re.search(r"RUN_PALETTE = Object\.freeze\(\[([^\]]*)\]\)", js).group(1)
    assert tuple(re.findall(r"'(#[0-9a-f]{6})'", palette)) == plots.RUN_COLORS
    assert result.SEVERITY_COLORS is severity.SEVERITY_COLORS  # one definition, re-exported


def test_inferred_from_only_for_gradient_kinds():
    assert formatting.inferred_from(_marker("vanishing_gradient", "warning", "t", "l", 0, 1, "weights")) == "weights"
    assert formatting.inferred_from(_marker("exploding_gradient", "warning", "t", "l", 0, 1, "weights")) == "weights"
    assert formatting.inferred_from(_marker("vanishing_gradient", "critical", "t", "l", 0, 1)) is None
    assert formatting.inferred_from(_marker("stagnant_weights", "info", "t", "l", 0, 1, "weights")) is None
    old = _marker("vanishing_gradient", "critical", "t", "l", 0, 1)
    del old["evidence_from"]
    assert formatting.inferred_from(old) is None
