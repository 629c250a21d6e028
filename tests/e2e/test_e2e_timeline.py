"""End-to-end: the training's timeline in headless Chromium against a real tensorboard (issue "The training, not
only its layers", part 5: the tab).

Keras-style logs written without TensorFlow: ``Exp_2/train`` (histograms of three layers whose output layer's
gradients explode from step 10, with ``epoch_loss``, ``epoch_accuracy`` and ``epoch_learning_rate``; the loss climbs
and turns NaN) beside ``Exp_2/validation`` (its validation scalars only), the healthy ``Exp_10/train`` +
``Exp_10/validation``, and ``Exp_3/train`` with histograms and no scalars at all. The server's own documents are the
oracle: the strip must show what ``diagnostics`` holds (its ``scalars``, ``markers``, ``timeline``, ``first_sign``),
the headline its ``headline``, the sweep table what ``/runs`` holds; run names sort naturally (``Exp_2`` before
``Exp_10``, which plain sorting puts first).
"""

import json
import math
import os
import sys
import time
import urllib.parse

import numpy as np
import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))  # tests/, for support.py

import support  # noqa: E402
from e2e_page import COLOR_PIXELS, PAINTED_PIXELS, tab_class  # noqa: E402

Tab = tab_class()

pytestmark = pytest.mark.e2e

SICK = "Exp_2/train"
HEALTHY = "Exp_10/train"
BARE = "Exp_3/train"
RUNS = [SICK, HEALTHY, BARE]
NATURAL = ["Exp_2/train", "Exp_3/train", "Exp_10/train"]  # plain sorting puts Exp_10 first
STEPS = list(range(30))
LAYERS = 3
SIGNAL_ORDER = ["loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"]  # src/timeline.js SIGNALS
RUN_KINDS = {"not_learning", "loss_diverging", "oscillating_loss"}
MAX_LANES = 16  # src/timeline.js


# ------------------------------------------------------------------------------------------------ the logs

def _histogram_frames(rng, explodes):
    """Weights, biases and gradients of LAYERS layers; with ``explodes`` the output layer's gradient std grows
    tenfold every two steps from step 10 (1e-2 → 1e7.5 by step 29)."""
    frames = []
    for step in STEPS:
        tensors = {}
        for i in range(LAYERS):
            g = 1e-2
            if explodes and i == LAYERS - 1 and step >= 10:
                g = 1e-2 * 10 ** ((step - 10) / 2)
            tensors["layer_%d_weights" % i] = rng.normal(0.0, 0.3 * (1 + 0.01 * step), size=400)
            tensors["layer_%d_biases" % i] = rng.normal(0.0, 0.05, size=32)
            tensors["layer_%d_gradients" % i] = rng.normal(0.0, g, size=400)
        frames.append((step, tensors))
    return frames


def _scalars(sick):
    """``{split: {tag: [value per step]}}`` as Keras' callback names them (``epoch_*`` in ``X/train`` and
    ``X/validation``)."""
    s = np.array(STEPS, dtype=float)
    if sick:
        # falls until step 10, then climbs 1.5x a step and turns NaN at the last two steps; the learning rate warms
        # up 1.2x a step (0.01 → 2.4, past the stable limit)
        loss = np.where(s < 10, 2.3 - 0.04 * s, 1.9 * 1.5 ** (s - 10))
        loss[-2:] = math.nan
        acc = np.where(s < 10, 0.1 + 0.02 * s, 0.1)
        train = {"epoch_loss": loss, "epoch_accuracy": acc, "epoch_learning_rate": 0.01 * 1.2 ** s}
        valid = {"epoch_loss": loss * 1.05, "epoch_accuracy": acc * 0.95}
    else:
        loss = 0.25 + 2.05 * np.exp(-s / 6)
        acc = 0.95 - 0.85 * np.exp(-s / 6)
        train = {"epoch_loss": loss, "epoch_accuracy": acc, "epoch_learning_rate": np.full_like(s, 1e-3)}
        valid = {"epoch_loss": loss + 0.05, "epoch_accuracy": acc - 0.03}
    return {"train": train, "validation": valid}


def _write_run(logdir, run, frames=(), scalars=None):
    """One event file: per step the histograms of ``frames`` then the scalars (``tf.summary.scalar``'s summary)."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.scalar import summary_v2 as scalar_summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(os.path.join(logdir, run))
    by_step = dict(frames)
    for k, step in enumerate(STEPS):
        t = 1.7e9 + step
        for i, (tag, values) in enumerate(by_step.get(step, {}).items()):
            writer.add_event(support.histogram_event(tag, values, step, t + i * 1e-3))
        for tag, values in (scalars or {}).items():
            writer.add_event(event_pb2.Event(step=step, wall_time=t + 0.5,
                                             summary=scalar_summary.scalar_pb(tag, float(values[k]))))
    writer.close()


def write_logs(logdir):
    rng = np.random.default_rng(5)
    for base, sick in (("Exp_2", True), ("Exp_10", False)):
        sc = _scalars(sick)
        _write_run(logdir, base + "/train", _histogram_frames(rng, explodes=sick), sc["train"])
        _write_run(logdir, base + "/validation", (), sc["validation"])
    _write_run(logdir, BARE, _histogram_frames(rng, explodes=False))


# ------------------------------------------------------------------------------------------------ fixtures

@pytest.fixture(scope="module")
def timeline_server(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("timeline_logs"))
    write_logs(logdir)
    log_path = str(tmp_path_factory.mktemp("timeline_tb") / "tensorboard.log")
    with support.TensorBoardServer(logdir, log_path=log_path) as server:
        server.wait_for_runs(RUNS, timeout=180, complete=lambda r: r.get("status", "done") == "done"
                             and r.get("critical") is not None)
        yield server


@pytest.fixture
def timeline_tab(e2e_browser, timeline_server):
    context = e2e_browser.new_context(viewport={"width": 1400, "height": 1000})
    tab = Tab(context, timeline_server.url)
    yield tab
    context.close()


def _document(server, run):
    return server.get_json(support.ROUTE + "diagnostics?" + urllib.parse.urlencode({"run": run}))


def _runs(server):
    return {r["run"]: r for r in server.get_json(support.ROUTE + "runs")["runs"]}


AXES = [("loss", ("loss", "val_loss")), ("accuracy", ("accuracy", "val_accuracy")), ("lr", ("learning_rate",))]


def _log_axis(scalars, keys):
    """A log axis: every finite value of its signals positive, and one of them spanning 2 decades or more."""
    spans = []
    for k in keys:
        values = [v for v in (scalars.get(k) or {}).get("values", []) if v is not None and math.isfinite(v)]
        if any(v <= 0 for v in values):
            return False
        spans.append(bool(values) and max(values) / min(values) >= 100)
    return any(spans)


def _lane_keys(doc):
    """The strip's lanes, computed here from the document: the run's lane first (markers read from the scalars),
    then each layer with a marker in depth order (ungrouped tags after)."""
    depth = {l["name"]: l["depth"] for l in doc["layers"]}
    keys, run_lane = [], False
    for m in doc["markers"]:
        if m.get("first_step") is None:
            continue
        if m["layer"] is not None:
            key = m["layer"]
        elif m.get("evidence_from") == "scalars" or m["kind"] in RUN_KINDS or not m.get("tag"):
            run_lane = True
            continue
        else:
            key = "tag:" + m["tag"]
        if key not in keys:
            keys.append(key)
    appearance = list(keys)
    keys = sorted(keys, key=lambda k: (depth.get(k, math.inf), appearance.index(k)))
    return (["run"] if run_lane else []) + keys


# Pixel positions of the strip's marks, read back from ECharts (getInstanceByDom is exported by the bundle).
MARKS = """async () => {
  const { getInstanceByDom } = await import(new URL('index.js', document.baseURI).href);
  const div = document.querySelector('#hd-timeline-chart');
  const c = getInstanceByDom(div);
  const o = c.getOption();
  const si = o.series.findIndex((s) => s.id === 'hd-tl-marks');
  const box = div.getBoundingClientRect();
  return o.series[si].data.map((d) => {
    const [x, y] = c.convertToPixel({ seriesIndex: si }, d.value);
    return { step: d.value[0], lane: o.yAxis[o.yAxis.length - 1].data[d.value[1]], symbol: d.symbol,
             x: box.left + x, y: box.top + y };
  });
}"""

STRIP_AXES = """async () => {
  const { getInstanceByDom } = await import(new URL('index.js', document.baseURI).href);
  const o = getInstanceByDom(document.querySelector('#hd-timeline-chart')).getOption();
  return { y: o.yAxis.map((a) => [a.type, a.name || null]), lanes: (o.yAxis.find((a) => a.type === 'category') || {}).data || [] };
}"""


def _hover(page, pick, text, timeout=20):
    """Point at the mark ``pick(marks)`` chooses until a tooltip holding ``text`` shows; returns both.

    The marks' positions are read again before every try and the pointer leaves the chart in between: a redraw
    (a late document for a sibling run) moves nothing but hides the tooltip until the pointer moves again, as it
    would for a person, and on a loaded machine it can land between the move and the tooltip.
    """
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    deadline = time.monotonic() + timeout
    while True:
        mark = pick(page.evaluate(MARKS))
        page.mouse.move(0, 0)
        page.mouse.move(mark["x"], mark["y"])
        tip = page.locator("#hd-timeline-chart div", has_text=text).last
        try:
            tip.wait_for(state="visible", timeout=2000)
            return mark, tip
        except PlaywrightTimeout:
            if time.monotonic() > deadline:
                raise


def _open(tab, hash_):
    page = tab.open(hash_)
    page.wait_for_selector("#hd-timeline[data-marks]", timeout=30000)  # the strip has drawn for this run
    return page


# ------------------------------------------------------------------------------------------------ tests

def test_strip_shows_the_scalars_markers_episodes_and_first_sign(timeline_tab, timeline_server):
    doc = _document(timeline_server, SICK)
    page = _open(timeline_tab, "run=" + urllib.parse.quote(SICK))
    strip = page.locator("#hd-timeline")
    assert strip.is_visible()
    assert strip.get_attribute("data-empty") == "false"
    # every signal the document found, in the strip's order; the validation ones came from the sibling run
    found = [k for k in SIGNAL_ORDER if k in doc["scalars"]]
    assert {"loss", "val_loss", "accuracy", "learning_rate"} <= set(found), doc["scalars"].keys()
    assert doc["scalars"]["val_loss"]["run"] == "Exp_2/validation"
    assert strip.get_attribute("data-signals") == " ".join(found)
    # log where a signal on the axis spans 2 decades or more: the loss (1.5 → 4e3) and the learning rate (0.01 → 2.4)
    axes_used = [a for a, keys in AXES if any(k in found for k in keys)]
    logs = [a for a, keys in AXES if a in axes_used and _log_axis(doc["scalars"], keys)]
    assert logs == ["loss", "lr"]
    assert strip.get_attribute("data-log").split() == logs
    axes = page.evaluate(STRIP_AXES)
    assert [t for t, _ in axes["y"]] == ["log" if a in logs else "value" for a in axes_used] + ["category"]
    # one mark per marker, on the lanes computed from the document
    assert doc["markers"], "the exploding run has markers"
    assert strip.get_attribute("data-marks") == str(len(doc["markers"]))
    lanes = _lane_keys(doc)
    assert len(lanes) <= MAX_LANES
    assert strip.get_attribute("data-lanes") == str(len(lanes))
    assert axes["lanes"] == [k[4:] if k.startswith("tag:") else k for k in lanes]
    assert strip.get_attribute("data-bands") == str(len(doc["timeline"]))
    assert doc["timeline"], "the exploding run has an episode"
    sign = doc["first_sign"]
    assert sign is not None and sign["marker"] is not None
    assert strip.get_attribute("data-first") == str(sign["marker"])
    # painted, with the first sign's severity colour among the pixels
    assert page.evaluate(PAINTED_PIXELS, "#hd-timeline-chart") > 2000
    first = doc["markers"][sign["marker"]]
    red = {"critical": (0xD3, 0x2F, 0x2F), "warning": (0xF5, 0x7C, 0x00), "info": (0x19, 0x76, 0xD2)}[first["severity"]]
    assert page.evaluate(COLOR_PIXELS, ["#hd-timeline-chart", *red]) > 20
    # the headline above the sick-layer chips, as the server wrote it
    headline = page.locator("#hd-sick #hd-headline")
    assert headline.inner_text().strip() == doc["headline"].strip()
    box_h = headline.bounding_box()
    chips = page.locator("#hd-sick .hd-chips")
    if chips.count():
        assert box_h["y"] < chips.bounding_box()["y"]
    # the strip sits above the headline, at the top of the run's view
    assert strip.bounding_box()["y"] < box_h["y"]
    timeline_tab.assert_clean()


def test_hover_gives_the_evidence_and_a_click_opens_the_layer_at_that_step(timeline_tab, timeline_server):
    doc = _document(timeline_server, SICK)
    sign = doc["first_sign"]
    first = doc["markers"][sign["marker"]]
    page = _open(timeline_tab, "run=" + urllib.parse.quote(SICK))
    page.locator("#hd-timeline-chart").scroll_into_view_if_needed()
    marks = page.evaluate(MARKS)
    # the first sign is the one diamond, at its onset on its lane
    is_diamond = lambda m: m["symbol"] == "diamond"  # noqa: E731
    [diamond] = [m for m in marks if is_diamond(m)]
    assert diamond["step"] == first["first_step"] == sign["step"]
    assert diamond["lane"] == (first["layer"] if first["layer"] is not None else "run")
    _, tip = _hover(page, lambda marks: next(filter(is_diamond, marks)), "first sign")
    assert first["evidence"] in tip.inner_text()
    # a mark on a layer's lane (the exploding output layer's): hover tells its evidence, a click opens that layer's
    # detail at the marker's onset
    layer_markers = [m for m in doc["markers"] if m["layer"] is not None]
    assert layer_markers
    target = min(layer_markers, key=lambda m: (m["first_step"], m["layer"]))
    at_target = lambda m: m["lane"] == target["layer"] and m["step"] == target["first_step"]  # noqa: E731
    assert any(map(at_target, marks))
    mark, _ = _hover(page, lambda marks: next(filter(at_target, marks)), target["evidence"])
    page.mouse.click(mark["x"], mark["y"])
    detail = page.locator("#hd-detail:not(.hd-hidden) .hd-detail-name")
    detail.wait_for(timeout=10000)
    assert detail.inner_text() == target["layer"]
    page.wait_for_function("(s) => new URLSearchParams(location.hash.slice(1)).get('step') === String(s)",
                           arg=target["first_step"])
    assert urllib.parse.parse_qs(page.evaluate("location.hash.slice(1)"))["layer"] == [target["layer"]]
    timeline_tab.assert_clean()


def test_compared_runs_overlay_their_loss(timeline_tab, timeline_server):
    page = _open(timeline_tab, "run=%s&cmp=%s&cmp=%s" % tuple(urllib.parse.quote(r) for r in (SICK, SICK, HEALTHY)))
    page.wait_for_selector("#hd-timeline[data-compared='1']", timeout=30000)
    legend = page.locator("#hd-timeline .hd-tl-legend [data-signal]").evaluate_all(
        "els => els.map((e) => [e.dataset.run, e.dataset.signal])")
    assert [HEALTHY, "loss"] in legend and [HEALTHY, "val_loss"] in legend
    assert [HEALTHY, "accuracy"] not in legend  # only the loss curves of compared runs
    # the compared run's loss is drawn in its run colour: Exp_10 is the third run in natural order (#cc3311)
    assert page.evaluate(COLOR_PIXELS, ["#hd-timeline-chart", 0xCC, 0x33, 0x11]) > 20
    timeline_tab.assert_clean()


def test_a_run_without_scalars_shows_its_lanes_or_a_note_never_an_error(timeline_tab, timeline_server):
    doc = _document(timeline_server, BARE)
    assert not any(k in doc.get("scalars", {}) for k in SIGNAL_ORDER)
    # focused from the run with every signal (the strip redrawn from two grids to lanes only, or hidden)
    page = _open(timeline_tab, "run=" + urllib.parse.quote(SICK))
    page.locator(".hd-run[data-run='%s'] .hd-runname" % BARE).click()
    page.wait_for_function("(h) => { const e = document.querySelector('#hd-headline');"
                           " return e && e.textContent.trim() === h; }", arg=doc["headline"].strip())
    page.wait_for_selector("#hd-timeline[data-signals='']")
    # focusing a run adds it to the comparison: the first run's loss is overlaid until it is unticked
    page.wait_for_selector("#hd-timeline[data-compared='1']")
    page.locator(".hd-run[data-run='%s'] input[type=checkbox]" % SICK).uncheck()
    page.wait_for_selector("#hd-timeline[data-compared='0']")
    strip = page.locator("#hd-timeline")
    note = page.locator("#hd-timeline-note")
    assert note.is_visible()
    if doc["markers"]:
        assert strip.get_attribute("data-empty") == "false"
        assert "markers only" in note.inner_text()
        assert page.locator("#hd-timeline-chart").is_visible()
    else:
        assert strip.get_attribute("data-empty") == "true"
        assert note.inner_text().startswith("No training scalars")
        assert page.locator("#hd-timeline-chart").is_hidden()
    # and back: the full strip again
    page.locator(".hd-run[data-run='%s'] .hd-runname" % SICK).click()
    page.wait_for_selector("#hd-timeline[data-signals='loss val_loss accuracy val_accuracy learning_rate']")
    assert page.locator("#hd-timeline-chart").is_visible()
    timeline_tab.assert_clean()


def _fmt_close(text, value):
    """The cell shows ``value`` to 3 significant digits (format.js formatNumber)."""
    shown = float(text.replace("−", "-"))
    return math.isclose(shown, value, rel_tol=5e-3, abs_tol=1e-12)


def test_sweep_columns_and_natural_order(timeline_tab, timeline_server):
    runs = _runs(timeline_server)
    page = _open(timeline_tab, "run=" + urllib.parse.quote(SICK))
    # the run list in natural order: Exp_2 before Exp_3 before Exp_10 (plain sorting puts Exp_10 first)
    assert page.locator(".hd-runlist .hd-run").evaluate_all("els => els.map((e) => e.dataset.run)") == NATURAL
    sweep = page.locator("#hd-sweep")
    sweep.wait_for(state="visible")
    heads = page.locator("#hd-sweep th").evaluate_all("els => els.map((e) => e.dataset.col)")
    for col in ("first_sign", "final_loss", "final_val_loss", "final_accuracy", "final_val_accuracy"):
        assert col in heads
    for name in RUNS:
        row = page.locator("#hd-sweep tr.hd-sweep-row[data-run='%s']" % name)
        row.wait_for()
        r = runs[name]
        cell = row.locator(".hd-sweep-first")
        sign = r["first_sign"]
        if sign is None:
            assert cell.inner_text() == "none"
            assert cell.get_attribute("data-kind") is None
        else:
            assert cell.get_attribute("data-kind") == sign["kind"]
            assert cell.get_attribute("data-layer") == sign["layer"]
            assert cell.get_attribute("data-step") == str(sign["step"])
            assert ("step %d" % sign["step"]) in cell.inner_text()
        final = r["final"] or {}
        for key in ("loss", "val_loss", "accuracy", "val_accuracy"):
            c = row.locator(".hd-sweep-final[data-final='%s']" % key)
            v = final.get(key)
            if v is None:
                assert c.get_attribute("data-value") is None and c.inner_text() == "–", (name, key)
            else:
                assert _fmt_close(c.inner_text(), v), (name, key, c.inner_text(), v)
    assert runs[SICK]["first_sign"] is not None and runs[HEALTHY]["first_sign"] is None
    assert runs[HEALTHY]["final"]["loss"] is not None and runs[BARE]["final"]["loss"] is None
    assert isinstance(runs[SICK]["headline"], str) and runs[SICK]["headline"]

    def order():
        return page.locator("#hd-sweep tr.hd-sweep-row").evaluate_all("els => els.map((e) => e.dataset.run)")

    # sort by final loss: ascending, runs without a loss last (in natural order); descending keeps them last
    with_loss = sorted((n for n in RUNS if (runs[n]["final"] or {}).get("loss") is not None),
                       key=lambda n: runs[n]["final"]["loss"])
    without = [n for n in NATURAL if n not in with_loss]
    page.locator("#hd-sweep th[data-col=final_loss] button").click()
    page.wait_for_selector("#hd-sweep th[data-col=final_loss][aria-sort=ascending]")
    assert order() == with_loss + without
    page.locator("#hd-sweep th[data-col=final_loss] button").click()
    page.wait_for_selector("#hd-sweep th[data-col=final_loss][aria-sort=descending]")
    assert order() == with_loss[::-1] + without
    # by first sign: the sick run first, runs without one after it
    page.locator("#hd-sweep th[data-col=first_sign] button").click()
    page.wait_for_selector("#hd-sweep th[data-col=first_sign][aria-sort=ascending]")
    signs = sorted((n for n in RUNS if runs[n]["first_sign"]), key=lambda n: runs[n]["first_sign"]["step"])
    assert order()[:len(signs)] == signs and signs[0] == SICK
    # by name: natural order
    page.locator("#hd-sweep th[data-col=run] button").click()
    page.wait_for_selector("#hd-sweep th[data-col=run][aria-sort=ascending]")
    assert order() == NATURAL
    timeline_tab.assert_clean()


def test_episodes_are_listed_as_buttons_that_open_the_layer(timeline_tab, timeline_server):
    """Under the strip, each episode of the document as text, its markers as buttons (keyboard access)."""
    doc = _document(timeline_server, SICK)
    page = _open(timeline_tab, "run=" + urllib.parse.quote(SICK))
    chains = page.locator("#hd-timeline .hd-tl-chain")
    assert chains.count() == len(doc["timeline"])
    listed = chains.evaluate_all("els => els.map((li) => [...li.querySelectorAll('button')].map((b) => +b.dataset.marker))")
    by_onset = sorted(doc["timeline"], key=lambda e: e["first_step"])
    for episode, markers in zip(by_onset, listed):
        assert markers[0] == episode["first"]
        assert set(markers) == set(episode["markers"]) | {episode["first"]}
    # the first sign is marked as such; a layer's button opens that layer at its onset, from the keyboard
    sign = doc["first_sign"]
    first_button = page.locator("#hd-timeline .hd-tl-step[data-marker='%d']" % sign["marker"]).first
    assert first_button.inner_text().endswith("(first sign)")
    i, m = next((i, m) for i, m in enumerate(doc["markers"]) if m["layer"] is not None and
                any(i in e["markers"] for e in doc["timeline"]))
    button = page.locator("#hd-timeline .hd-tl-step[data-marker='%d']" % i).first
    assert button.get_attribute("title") == m["evidence"]
    button.focus()
    page.keyboard.press("Enter")
    detail = page.locator("#hd-detail:not(.hd-hidden) .hd-detail-name")
    detail.wait_for(timeout=10000)
    assert detail.inner_text() == m["layer"]
    page.wait_for_function("(s) => new URLSearchParams(location.hash.slice(1)).get('step') === String(s)",
                           arg=m["first_step"])
    timeline_tab.assert_clean()
