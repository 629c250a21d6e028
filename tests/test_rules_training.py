"""The run-level rules (``rules/training.py``) and the timeline (``timeline.py``) at their edges.

Loss curves are built so that one setting decides: a fall just under and just
over ``loss_min_fall``, a level just inside and outside ``chance_tolerance``, a
rise just under and over ``loss_diverge_factor``, turns at just under and over
``oscillation_turns``.  Every expected span and severity follows from the curve
as written here.
"""

import math

import numpy as np
import pytest

from tb_histdiag_plugin import scalars, timeline
from tb_histdiag_plugin.rules import DEFAULTS, RunView, training

S = scalars.Signal


def run_of(loss=None, accuracy=None, classes=None, lr=None, steps=None):
    run = RunView([], [])
    n = len(loss if loss is not None else accuracy)
    steps = np.arange(n, dtype=np.int64) * 10 if steps is None else np.asarray(steps, dtype=np.int64)
    if loss is not None:
        run.scalars["loss"] = S("r", "loss", steps, np.asarray(loss, dtype=np.float64))
    if accuracy is not None:
        run.scalars["accuracy"] = S("r", "acc", steps, np.asarray(accuracy, dtype=np.float64))
    if lr is not None:
        run.scalars["learning_rate"] = S("r", "lr", steps, np.asarray(lr, dtype=np.float64))
    if classes:
        run.classes, run.chance_loss = classes, math.log(classes)
    return run


def kinds(run, settings=DEFAULTS):
    return [(m["kind"], m["severity"], m["first_step"], m["last_step"])
            for rule in training.RULES for m in rule(run, settings)]


def linear(start, fall, n=10):
    """``n`` points falling linearly by the share ``fall`` of ``start``."""
    return list(start * (1 - fall * np.arange(n) / (n - 1)))


# ---------------------------------------------------------------- not_learning

@pytest.mark.parametrize("fall, flagged", [(0.045, True), (0.049, True), (0.051, False), (0.06, False)])
def test_not_learning_at_the_edge_of_loss_min_fall(fall, flagged):
    # No chance known: a flat loss is a warning; a fall of 5% or more is learning.
    got = kinds(run_of(linear(1.7, fall)))
    assert got == ([("not_learning", "warning", 0, 90)] if flagged else [])


@pytest.mark.parametrize("level_share, severity", [(0.0, "critical"), (0.09, "critical"), (0.11, "warning"),
                                                   (-0.09, "critical")])
def test_not_learning_is_critical_at_chance_within_chance_tolerance(level_share, severity):
    chance = math.log(10)
    level = chance * (1 + level_share)
    got = kinds(run_of([level * (1 - 0.001 * i) for i in range(8)], classes=10))
    assert got == [("not_learning", severity, 0, 70)]


def test_not_learning_stuck_at_chance_after_a_fall_starts_where_it_stopped_falling():
    chance = math.log(10)
    loss = [3.6, 3.0, 2.5] + [chance * (1 + 0.002 * (-1) ** i) for i in range(9)]
    got = kinds(run_of(loss, classes=10))
    # From index 2 (2.5) the loss still falls 8%: the stuck stretch starts at index 3 (step 30).
    assert got == [("not_learning", "critical", 30, 110)]


def test_not_learning_silent_on_converged_plateau_short_runs_and_low_losses():
    plateau = [2.3, 1.2, 0.6, 0.35] + [0.3] * 10
    assert kinds(run_of(plateau, classes=10)) == []
    assert kinds(run_of([2.3] * 4, classes=10)) == []  # 4 points < loss_min_points
    assert kinds(run_of([2.3] * 5, classes=10))[0][:2] == ("not_learning", "critical")
    assert kinds(run_of([0.05] * 10, classes=10)) == []  # far below chance: nothing left to learn


def test_not_learning_accuracy_at_one_over_c_is_critical():
    # The loss is not at ln 10 (an unlucky init), but the accuracy is at chance.
    acc_at = 0.1 + 0.1 * 0.9 - 0.001  # just inside chance_tolerance of the way from 1/C to 1
    got = kinds(run_of([3.3] * 8, accuracy=[acc_at] * 8, classes=10))
    assert got[0][:2] == ("not_learning", "critical")
    got = kinds(run_of([3.3] * 8, accuracy=[acc_at + 0.01] * 8, classes=10))
    assert got[0][:2] == ("not_learning", "warning")


def test_loss_min_points_setting_decides():
    settings = dict(DEFAULTS, loss_min_points=8)
    assert kinds(run_of([2.3] * 7, classes=10), settings) == []
    assert kinds(run_of([2.3] * 8, classes=10), settings)[0][0] == "not_learning"


# ---------------------------------------------------------------- loss_diverging

@pytest.mark.parametrize("factor, flagged", [(1.9, False), (2.0, True), (2.1, True)])
def test_loss_diverging_at_the_edge_of_the_factor(factor, flagged):
    low = 0.4
    loss = [1.0, 0.6, low, low * factor, low * factor * 1.01, low * factor * 1.02]
    got = kinds(run_of(loss))
    assert got == ([("loss_diverging", "warning", 30, 50)] if flagged else [])


def test_loss_diverging_needs_to_keep_rising_not_one_spike():
    spike = [1.0, 0.6, 0.4, 1.2, 0.35, 0.3, 0.28]
    assert [k for k in kinds(run_of(spike)) if k[0] == "loss_diverging"] == []


def test_loss_diverging_critical_back_above_start_or_nan():
    assert kinds(run_of([1.0, 0.5, 0.3, 0.8, 1.1, 1.3]))[0] == ("loss_diverging", "critical", 30, 50)
    nan = [1.0, 0.8, 0.6, 0.5, float("nan"), float("inf"), float("nan")]
    got = training.loss_diverging(run_of(nan), DEFAULTS)
    assert [(m["severity"], m["first_step"], m["last_step"]) for m in got] == [("critical", 40, 60)]
    assert "NaN/Inf from step 40" in got[0]["evidence"] and "last finite 0.5 at step 30" in got[0]["evidence"]
    # One rising step straight into NaN is the rise's onset.
    jump = [1.0, 0.6, 0.4, 1.5, float("nan")]
    assert training.loss_diverging(run_of(jump), DEFAULTS)[0]["first_step"] == 30


def test_loss_diverging_leaves_not_learning_alone():
    nan = [2.3, 2.3, 2.3, 2.3, 2.3, float("nan")]
    assert [k[0] for k in kinds(run_of(nan, classes=10))] == ["loss_diverging"]


# ---------------------------------------------------------------- oscillating_loss

def zigzag(n, swing, level=1.0, trend=0.0):
    return [level * (1 - trend * i / n) * (1 + swing * (-1) ** i) for i in range(n)]


def test_oscillating_loss_needs_big_swings_at_most_steps():
    assert kinds(run_of(zigzag(12, 0.2)))[0][:2] == ("oscillating_loss", "warning")
    assert kinds(run_of(zigzag(12, 0.02, trend=0.5))) == []  # swings of 2%: below oscillation_swing
    # Still falling overall by more than loss_min_fall: info.
    assert kinds(run_of(zigzag(12, 0.2, trend=0.5)))[0][:2] == ("oscillating_loss", "info")


@pytest.mark.parametrize("turns, flagged", [(4, False), (5, False), (7, True)])
def test_oscillating_loss_at_the_edge_of_oscillation_turns(turns, flagged):
    # 12 points, 10 interior: ``turns`` turns out of 10 (then a steady fall), threshold 0.5 (more than half).
    loss = zigzag(turns + 2, 0.3)
    while len(loss) < 12:
        loss.append(loss[-1] * 0.999 if len(loss) % 2 else loss[-1] * 0.998)
    got = [k for k in kinds(run_of(loss)) if k[0] == "oscillating_loss"]
    assert bool(got) == flagged


def test_a_converged_loss_swinging_near_zero_is_not_oscillating():
    # Falls from 2.3 to ~1e-5, then its last digits swing by 100% of that level: 1e-5 of its range.
    loss = [2.3, 1.0, 0.1, 0.01, 0.001] + [1e-5 * (1.5 + (-1) ** i) for i in range(10)]
    assert kinds(run_of(loss)) == []
    # The same swings on a loss whose whole range they are: oscillating.
    assert kinds(run_of([1e-5 * (1.5 + (-1) ** i) for i in range(10)]))[0][0] == "oscillating_loss"


def test_oscillating_accuracy_without_a_loss_uses_points():
    acc = [0.5 + 0.05 * (-1) ** i for i in range(10)]
    got = training.oscillating_loss(run_of(accuracy=acc), DEFAULTS)
    assert [(m["kind"], m["tag"]) for m in got] == [("oscillating_loss", "acc")]
    assert training.oscillating_loss(run_of(accuracy=[0.5 + 0.01 * (-1) ** i for i in range(10)]), DEFAULTS) == []


def test_no_loss_no_markers_and_non_finite_accuracy_ignored():
    assert kinds(RunView([], [])) == []
    assert kinds(run_of(accuracy=[float("nan")] * 10)) == []


# ---------------------------------------------------------------- timeline

def mk(kind, layer, first, last=None, severity="critical", source="gradients"):
    return {"kind": kind, "severity": severity, "tag": "%s/t" % layer, "layer": layer, "first_step": first,
            "last_step": last if last is not None else first + 10, "evidence": kind, "evidence_from": source}


def test_link_builds_the_explosion_chain_and_nan_spreads():
    markers = [mk("non_finite", "d2", 50), mk("saturation", "d1", 18), mk("exploding_gradient", "d1", 10),
               mk("vanishing_gradient", "d1", 22), mk("non_finite", "d1", 50), mk("loss_diverging", None, 50,
                                                                                  source="scalars")]
    caused_by, names = timeline.link(markers)
    assert caused_by[2] is None
    assert (caused_by[1], names[1]) == (2, "growth_saturates")
    assert (caused_by[3], names[3]) == (1, "saturation_zeroes_gradient")
    # NaN in d1: from the explosion in the same layer; d2's NaN: the latest linked cause (d1's NaN, same onset,
    # listed first by layer order among equals is not needed: any non_finite before it in onset order).
    assert (caused_by[4], names[4]) == (2, "explosion_overflows")
    assert names[0] in ("explosion_overflows", "nan_spreads")
    eps = timeline.episodes(markers, caused_by)
    assert len(eps) == 1 and eps[0]["first"] == 2 and eps[0]["first_step"] == 10 and eps[0]["last_step"] == 60
    sign = timeline.first_sign(markers, eps)
    assert sign == {"kind": "exploding_gradient", "layer": "d1", "step": 10, "marker": 2}


def test_same_onset_follows_cause_order_and_never_cycles():
    a = mk("loss_diverging", None, 20, source="scalars")
    b = mk("exploding_gradient", "d0", 20)
    caused_by, names = timeline.link([a, b])
    # Same step: the exploding gradient is processed first (CAUSE_ORDER), the loss follows from it.
    assert caused_by == [1, None] and names == ["explosion_diverges_loss", None]


def test_unrelated_problems_are_separate_episodes_and_info_roots_do_not_hide_the_first_sign():
    markers = [mk("off_center", "d0", 0, severity="info", source="weights"),
               mk("dead_units", "d1", 30, severity="warning"), mk("saturation", "d2", 5, severity="warning")]
    caused_by, _ = timeline.link(markers)
    assert caused_by == [None, None, None]
    eps = timeline.episodes(markers, caused_by)
    assert [e["first"] for e in eps] == [0, 2, 1]
    assert timeline.first_sign(markers, eps)["marker"] == 2  # the info episode has no warning


def test_headline_healthy_and_sick():
    loss = S("r", "loss", np.array([0, 10]), np.array([2.3, 0.4]))
    text = timeline.headline([], [], None, {"loss": loss}, [{"name": "a"}, {"name": "b"}])
    assert text == "Healthy: no warning signs in 2 layers; learning: loss fell from 2.3 at step 0 to 0.4 at step 10."
    lr = S("r", "lr", np.array([0, 5, 10]), np.array([0.01, 0.1, 0.25]))
    markers = [mk("exploding_gradient", "dense_2", 10), mk("saturation", "dense_1", 18), mk("non_finite", "dense_1", 50)]
    marked, eps, sign, text = timeline.annotate(markers, {"learning_rate": lr}, [])
    assert text == ("First sign: exploding gradient in dense_2 at step 10 (learning rate 0.25, up from 0.01 at step 0);"
                    " units saturated from 18, NaN from 50.")
    assert sign["learning_rate"] == {"value": 0.25, "step": 10, "from": 0.01, "from_step": 0}
    assert [m["caused_by"] for m in marked] == [None, 0, 1] or [m["caused_by"] for m in marked][:2] == [None, 0]


# ---------------------------------------------------------------- classes and chance

def _with_output_bias(units, loss, accuracy=None, bias_logged=True):
    from tb_histdiag_plugin.rules import SeriesView

    steps = np.arange(3, dtype=np.int64)
    stats = {"count": np.full(3, float(units))}
    series = [SeriesView("out/bias", "out", 1, "bias", "bias", steps, np.zeros(3, bool), stats)] if bias_logged else [
        SeriesView("out/kernel", "out", 1, "weights", "weights", steps, np.zeros(3, bool), {"count": np.full(3, 8.0)})]
    tags = {"weights": "out/kernel" if not bias_logged else None, "bias": "out/bias" if bias_logged else None,
            "gradient": None, "activation": None}
    run = RunView(series, [{"name": "hidden", "depth": 0, "tags": {}}, {"name": "out", "depth": 1, "tags": tags}])
    signals = {"loss": S("r", "loss", steps, np.asarray(loss, dtype=np.float64))}
    if accuracy is not None:
        signals["accuracy"] = S("r", "acc", steps, np.asarray(accuracy, dtype=np.float64))
    return scalars.infer_classes(run, signals)


def test_classes_from_the_output_bias_only_for_a_classifier():
    assert _with_output_bias(10, [2.4, 2.0, 1.5]) == (10, pytest.approx(math.log(10)))
    assert _with_output_bias(1, [0.7, 0.6, 0.5]) == (2, pytest.approx(math.log(2)))  # binary head at ln 2
    assert _with_output_bias(1, [0.05, 0.04, 0.03]) == (None, None)  # a regression's MSE: no chance
    assert _with_output_bias(1, [0.05, 0.04, 0.03], accuracy=[0.5, 0.6, 0.7])[0] == 2  # accuracy says classifier
    assert _with_output_bias(10, [2.3 * 1.6] * 3) == (None, None)  # beyond CHANCE_START of ln C
    assert _with_output_bias(10, [2.3 * 1.4] * 3)[0] == 10
    assert _with_output_bias(10, [2.3, 2.2, 2.1], bias_logged=False) == (None, None)  # no bias: no size
    run = RunView([], [])
    assert scalars.infer_classes(run, {}) == (None, None)


def test_oscillation_between_two_levels_with_a_slow_drift_makes_no_net_progress():
    # 0.72 <-> 0.98 with a drift of 2% over the run (the demo's first attempt read as "still falling").
    loss = [(0.72 if i % 2 else 0.98) * (1 - 0.02 * i / 30) for i in range(30)]
    got = training.oscillating_loss(run_of(loss), DEFAULTS)
    assert [(m["severity"], m["first_step"], m["last_step"]) for m in got] == [("warning", 0, 290)]
