"""The run-level rules over the loss (``rules/training.py``) at each setting's edge, with their evidence.

Added for mutation testing (tests/mutation/): ``test_rules_training.py`` checks which markers fire;
these build loss (and accuracy) curves by hand so that one setting or named constant decides —
just below, at and just above ``loss_min_fall``, ``chance_tolerance``, half of chance, the stuck
stretch's share, ``loss_diverge_factor``'s quarter given back, ``DIVERGE_CRITICAL``,
``oscillation_swing`` and ``oscillation_turns`` — and check each marker's kind, severity, step span
and evidence sentence.  Every expected value is worked out from the curve as written here (the
smoothing is a rolling median of 3, shorter at the ends: a monotone or flat stretch keeps its values).
Steps are 0, 10, 20, ... unless given.
"""

import math

import numpy as np
import pytest

from tb_histdiag_plugin import scalars
from tb_histdiag_plugin.rules import DEFAULTS, RunView, training
from rule_views import view

S = scalars.Signal
NAN, INF = float("nan"), float("inf")
LN10 = math.log(10)


def run_of(loss=None, accuracy=None, classes=None, series=(), acc_steps=None):
    run = RunView(list(series), [])
    if loss is not None:
        steps = np.arange(len(loss), dtype=np.int64) * 10
        run.scalars["loss"] = S("r", "train/loss", steps, np.asarray(loss, dtype=np.float64))
    if accuracy is not None:
        steps = np.arange(len(accuracy), dtype=np.int64) * 10 if acc_steps is None else np.asarray(acc_steps)
        run.scalars["accuracy"] = S("r", "train/acc", steps, np.asarray(accuracy, dtype=np.float64))
    if classes:
        run.classes, run.chance_loss = classes, math.log(classes)
    return run


def got(rule, run, **overrides):
    """``[(kind, severity, first_step, last_step)]`` of ``rule``'s markers under DEFAULTS + overrides."""
    return [(m["kind"], m["severity"], m["first_step"], m["last_step"])
            for m in rule(run, dict(DEFAULTS, **overrides))]


def evidence(rule, run, **overrides):
    markers = rule(run, dict(DEFAULTS, **overrides))
    assert len(markers) == 1
    return markers[0]["evidence"]


# ---------------------------------------------------------------- not_learning: the whole marker and its evidence

FLAT = [2.0, 1.99, 1.99, 1.98, 1.97, 1.96]  # smoothed ends 2.0 and 1.96: fell 2%
FLAT_SAYS = "training loss 2 at step 0 → 1.96 at step 50: fell 2% over 6 logged steps (less than 5%)"


def test_not_learning_marker_is_run_level_from_the_scalars():
    assert training.not_learning(run_of(FLAT), DEFAULTS) == [{
        "kind": "not_learning", "severity": "warning", "tag": "train/loss", "layer": None, "first_step": 0,
        "last_step": 50, "evidence": FLAT_SAYS, "evidence_from": "scalars"}]


def test_not_learning_evidence_never_says_a_rising_loss_fell():
    # 1.0 -> 1.04: rising, but by less than loss_min_fall (so still not_learning's): it fell 0%.
    says = evidence(training.not_learning, run_of([1.0, 1.0, 1.01, 1.02, 1.03, 1.04]))
    assert says == "training loss 1 at step 0 → 1.04 at step 50: fell 0% over 6 logged steps (less than 5%)"


def test_not_learning_evidence_names_the_setting():
    # loss_min_fall 0.03: a 2% fall is still less.
    says = evidence(training.not_learning, run_of(FLAT), loss_min_fall=0.03)
    assert says == FLAT_SAYS.replace("(less than 5%)", "(less than 3%)")


def test_not_learning_stuck_evidence_names_where_it_stopped_falling():
    # Smoothed: 4, 3, 2.4, 2.3 x 6, 2.31.  From 2.4 the loss never falls 5% again (2.4 -> 2.3 is 4.2%):
    # stuck from index 2 (step 20) at a median level of 2.3, within 10% of ln 10 = 2.303.
    loss = [4.0, 3.0, 2.4, 2.3, 2.3, 2.3, 2.3, 2.3, 2.3, 2.31]
    run = run_of(loss, classes=10)
    assert got(training.not_learning, run) == [("not_learning", "critical", 20, 90)]
    assert evidence(training.not_learning, run) == (
        "training loss stuck from step 20: 2.4 → 2.31 at step 90, after falling from 4 at step 0;"
        " at chance (ln 10 = 2.3)")


# ---------------------------------------------------------------- not_learning: loss_min_fall and the rise

def test_a_rise_of_exactly_loss_min_fall_is_still_not_learning():
    # 1.0 * (1 + 0.05) == 1.05 exactly: not above, so not a rise.
    assert 1.0 * (1 + 0.05) == 1.05
    assert got(training.not_learning, run_of([1.0, 1.0, 1.0, 1.05, 1.05, 1.05])) == [
        ("not_learning", "warning", 0, 50)]
    assert got(training.not_learning, run_of([1.0, 1.0, 1.0, 1.06, 1.06, 1.06])) == []


def test_a_fall_of_exactly_loss_min_fall_is_learning():
    # 20 -> 19: (20 - 19) / 20 == 0.05 exactly: learned; it then plateaus off chance (no classes): done.
    assert got(training.not_learning, run_of([20.0, 19.8, 19.6, 19.4, 19.2, 19.0])) == []
    # 20 -> 19.01: 4.95%, less than loss_min_fall.
    assert got(training.not_learning, run_of([20.0, 19.8, 19.6, 19.4, 19.2, 19.01])) == [
        ("not_learning", "warning", 0, 50)]


def test_a_loss_back_where_it_started_after_a_bump_learned_nothing():
    # Smoothed: 1, 1, 1.2, 1.2, 1.2, 1, 1, 1: the start and end are equal, it fell 0%.
    run = run_of([1.0, 1.0, 1.2, 1.2, 1.2, 1.0, 1.0, 1.0])
    assert got(training.not_learning, run) == [("not_learning", "warning", 0, 70)]
    assert evidence(training.not_learning, run) == (
        "training loss 1 at step 0 → 1 at step 70: fell 0% over 8 logged steps (less than 5%)")


# ---------------------------------------------------------------- not_learning: the stuck stretch

def test_the_stuck_stretch_runs_from_the_last_point_that_still_falls_to_a_later_minimum():
    # Smoothed: 4, 2, 2, 2, then 2.3 x 8 (ln 10 is 2.303): it dipped to 2, came back to chance and sat there.
    # Only the first point is 5% above a later value (2 is below 2.3): stuck from index 1, at a median of 2.3.
    run = run_of([4.0, 2.0, 2.0, 2.0] + [2.3] * 8, classes=10)
    assert got(training.not_learning, run) == [("not_learning", "critical", 10, 110)]
    assert evidence(training.not_learning, run) == (
        "training loss stuck from step 10: 2 → 2.3 at step 110, after falling from 4 at step 0;"
        " at chance (ln 10 = 2.3)")


def test_a_point_exactly_loss_min_fall_above_the_later_minimum_still_falls():
    # Smoothed: 40, 20, 20, 19 x 7.  (20 - 19) / 20 == 0.05: indices 1 and 2 still fall, stuck from index 3.
    # The loss (19) is far from ln 10, but the accuracy's last third sits at 1/10: at chance.
    run = run_of([40.0, 20.0, 20.0] + [19.0] * 7, accuracy=[0.1] * 10, classes=10)
    assert got(training.not_learning, run) == [("not_learning", "critical", 30, 90)]
    assert evidence(training.not_learning, run).endswith("; accuracy 0.1 at chance (1/10)")


def stuck(n, length):
    """A loss at 4 that drops to ln 10 for its last ``length`` points (stuck from index n - length)."""
    return [4.0] * (n - length) + [LN10] * length


@pytest.mark.parametrize("n, length, need, flagged", [
    (18, 5, 5, False), (18, 6, 5, True),  # a third of 18 points (6) decides, above loss_min_points
    (9, 4, 5, False), (9, 5, 5, True),  # loss_min_points (5) decides, above a third of 9 (3)
    (12, 6, 7, False), (12, 7, 7, True),  # the setting decides
])
def test_the_stuck_stretch_needs_a_third_of_the_run_and_loss_min_points(n, length, need, flagged):
    found = got(training.not_learning, run_of(stuck(n, length), classes=10), loss_min_points=need)
    assert found == ([("not_learning", "critical", 10 * (n - length), 10 * (n - 1))] if flagged else [])


def test_three_points_are_smoothed_too():
    # Rolling median of 4, 1, 2.3 (ends padded): 4, 2.3, 2.3: stuck from index 1 at 2.3, at chance.  The
    # one low value (1) does not hide it.
    run = run_of([4.0, 1.0, 2.3], classes=10)
    assert got(training.not_learning, run, loss_min_points=2) == [("not_learning", "critical", 10, 20)]


# ---------------------------------------------------------------- not_learning: chance

def test_a_loss_at_exactly_half_of_chance_is_still_not_learning():
    half = LN10 / 2
    assert got(training.not_learning, run_of([half] * 8, classes=10)) == [("not_learning", "warning", 0, 70)]
    # Just below half of chance: a low loss from the start (fine-tuning), nothing left to learn.
    below = float(np.nextafter(half, 0.0))
    assert got(training.not_learning, run_of([below] * 8, classes=10)) == []


def test_a_loss_exactly_chance_tolerance_from_chance_is_at_chance():
    # chance_tolerance 0.5: ln 10 / 2 is exactly half of ln 10 away from it.
    half = LN10 / 2
    assert abs(half - LN10) == 0.5 * LN10
    run = run_of([half] * 8, classes=10)
    assert got(training.not_learning, run, chance_tolerance=0.5) == [("not_learning", "critical", 0, 70)]
    assert evidence(training.not_learning, run, chance_tolerance=0.5).endswith("; at chance (ln 10 = 2.3)")


ACC6 = [0.9, 0.9, 0.9, 0.9, 0.1, 0.2]  # the last 2 (a third of 6, at least 2): median 0.15


def test_accuracy_at_chance_reads_the_last_third():
    # The loss (3.3) is a full 1.0 above ln 10: only the accuracy says chance (bound 0.1 + 0.1 * 0.9 = 0.19).
    run = run_of([3.3] * 6, accuracy=ACC6, classes=10)
    assert got(training.not_learning, run) == [("not_learning", "critical", 0, 50)]
    assert evidence(training.not_learning, run) == (
        "training loss 3.3 at step 0 → 3.3 at step 50: fell 0% over 6 logged steps (less than 5%);"
        " accuracy 0.15 at chance (1/10)")
    # 12 points: the last 4 (0.1, 0.1, 0.9, 0.2): median 0.15, at chance; the last 3 alone would be 0.2.
    run = run_of([3.3] * 12, accuracy=[0.9] * 8 + [0.1, 0.1, 0.9, 0.2], classes=10)
    assert got(training.not_learning, run) == [("not_learning", "critical", 0, 110)]
    # At chance early on, but its last 2 of 6 points are at 0.9: it has left chance.
    run = run_of([3.3] * 6, accuracy=[0.1, 0.1, 0.1, 0.1, 0.9, 0.9], classes=10)
    assert got(training.not_learning, run) == [("not_learning", "warning", 0, 50)]


def test_accuracy_needs_two_logged_values():
    loss = [3.3] * 6
    two = run_of(loss, accuracy=[0.1, 0.1], acc_steps=[0, 50], classes=10)
    assert got(training.not_learning, two) == [("not_learning", "critical", 0, 50)]
    one = run_of(loss, accuracy=[0.1], acc_steps=[50], classes=10)
    assert got(training.not_learning, one) == [("not_learning", "warning", 0, 50)]


def test_accuracy_exactly_at_the_chance_bound_is_at_chance():
    # 2 classes, chance_tolerance 0.5: bound 1/2 + 0.5 * (1 - 1/2) = 0.75 exactly.  The loss (1.5) is
    # 0.81 from ln 2, outside half of it.
    run = run_of([1.5] * 6, accuracy=[0.75] * 6, classes=2)
    assert got(training.not_learning, run, chance_tolerance=0.5) == [("not_learning", "critical", 0, 50)]
    run = run_of([1.5] * 6, accuracy=[0.76] * 6, classes=2)
    assert got(training.not_learning, run, chance_tolerance=0.5) == [("not_learning", "warning", 0, 50)]


# ---------------------------------------------------------------- not_learning: the weights' pace in the evidence

def weights(tag, change, **kw):
    return view(tag, tag.split("/")[0], "weights", change=change, **kw)


def test_the_evidence_gives_the_fastest_moving_weights_of_any_layer():
    series = [
        view("d0/kernel/grad", "d0", "gradient", change=0.5),  # not weights
        weights("bn/gamma", 0.2, norm=True),  # a normalisation layer's: not counted
        weights("d0/kernel", NAN),  # no change logged: skipped
        weights("d1/kernel", [NAN, 0.003, 0.003, 0.002, 0.004, 0.003, 0.003, 0.003]),  # median of finite: 0.003
        weights("d2/kernel", 0.0005),
    ]
    says = evidence(training.not_learning, run_of(FLAT, series=series))
    assert says == FLAT_SAYS + "; weights move (largest change per logged step 0.003, at least 0.001)"


@pytest.mark.parametrize("change, says", [
    (0.001, "; weights move (largest change per logged step 0.001, at least 0.001)"),
    (0.0009, "; weights still (largest change per logged step 9.00e-04, below 0.001)"),
])
def test_weights_moving_at_exactly_moving_change_move(change, says):
    assert evidence(training.not_learning, run_of(FLAT, series=[weights("d0/kernel", change)])) == FLAT_SAYS + says


# ---------------------------------------------------------------- loss_diverging

def diverging(loss):
    markers = training.loss_diverging(run_of(loss), DEFAULTS)
    return [(m["severity"], m["first_step"], m["last_step"], m["evidence"]) for m in markers]


def test_two_logged_values_are_enough_for_nan():
    assert diverging([1.0, NAN]) == [
        ("critical", 10, 10, "training loss is NaN/Inf from step 10 (1 of 2 logged steps); last finite 1 at step 0")]
    assert diverging([NAN]) == []


def test_a_loss_never_finite_is_critical_from_its_first_step():
    assert diverging([NAN, INF, NAN]) == [("critical", 0, 20, "training loss is NaN/Inf from step 0 (3 of 3 logged steps)")]


def test_nan_after_a_plateau_names_the_last_finite_value():
    assert diverging([1.0, 0.8, 0.6, 0.5, NAN, INF, NAN]) == [
        ("critical", 40, 60, "training loss is NaN/Inf from step 40 (3 of 7 logged steps); last finite 0.5 at step 30")]


def test_one_rising_step_into_nan_spans_the_rise_and_the_nan():
    # Minimum 0.4; 1.5 is 3.75 times it, and has given back all it gained; then NaN.
    assert diverging([1.0, 0.6, 0.4, 1.5, NAN]) == [
        ("critical", 30, 40, "training loss rose from its minimum 0.4 to 1.5 at step 30 (3.75×); it is NaN/Inf from"
                             " step 40 (1 of 5 logged steps); last finite 1.5 at step 30")]


def test_a_lone_spike_before_a_later_nan_is_not_its_onset():
    # 1.2 at index 3 is 3 times the minimum 0.4, but falls back at once; the NaN at index 6 comes later.
    found = diverging([1.0, 0.5, 0.4, 1.2, 0.35, 0.3, NAN])
    assert [f[:3] for f in found] == [("critical", 60, 60)]


def test_a_two_step_rise_peaks_at_its_higher_end():
    # Minimum 0.4; 0.85 and 0.9 both at least twice it: the peak is 0.9, 2.25 times; below 10 times and
    # below the start (1.0): a warning.
    assert diverging([1.0, 0.6, 0.4, 0.85, 0.9]) == [
        ("warning", 30, 40, "training loss rose from its minimum 0.4 to 0.9 at step 40 (2.25×)")]


def test_a_rise_that_holds_level_is_still_rising():
    assert [f[:3] for f in diverging([1.0, 0.25, 0.6, 0.6])] == [("warning", 20, 30)]


def test_diverge_critical_at_exactly_ten_times_the_minimum():
    # 0.625 / 0.0625 == 10 exactly (no NaN, below the start 1.0).
    assert diverging([1.0, 0.0625, 0.5, 0.625]) == [
        ("critical", 20, 30, "training loss rose from its minimum 0.0625 to 0.625 at step 30 (10×)")]
    assert [f[:3] for f in diverging([1.0, 0.0625, 0.5, 0.6])] == [("warning", 20, 30)]  # 9.6 times


def test_critical_when_back_at_exactly_the_start():
    assert [f[:3] for f in diverging([1.0, 0.25, 0.75, 1.0])] == [("critical", 20, 30)]  # 4 times, back to 1.0
    assert [f[:3] for f in diverging([1.0, 0.25, 0.75, 0.99])] == [("warning", 20, 30)]


def test_rising_needs_a_quarter_of_the_gain_given_back():
    # Start 1.0, minimum 0.125: gained 0.875, a quarter of it is 0.21875 (all exact in binary).
    # 0.34375 is exactly 0.21875 above the minimum (2.75 times it): rising at indices 2 and 3.
    assert [f[:3] for f in diverging([1.0, 0.125, 0.34375, 0.35])] == [("warning", 20, 30)]
    # 0.34 gives back less than a quarter: only index 3 rises, one step and no NaN: nothing.
    assert diverging([1.0, 0.125, 0.34, 0.35]) == []


def test_a_loss_that_reached_zero_has_no_ratio_to_diverge_by():
    assert diverging([1.0, 0.0, 0.5, 0.6]) == []


def test_nan_before_a_rise_marks_from_the_nan_to_the_end_of_the_rise():
    # A NaN at step 10, then the loss recovers to its minimum 0.2 and climbs back to 0.5 and 0.6 (2.5 and
    # 3 times the minimum, giving back well over a quarter of the 0.8 gained): the marker starts at the
    # NaN, its first sign, and runs to the end of the rise, whose peak is the finite 0.6.
    assert diverging([1.0, NAN, 0.5, 0.2, 0.5, 0.6]) == [
        ("critical", 10, 50, "training loss rose from its minimum 0.2 to 0.6 at step 50 (3×); it is NaN/Inf from"
                             " step 10 (1 of 6 logged steps); last finite 1 at step 0")]


# ---------------------------------------------------------------- oscillating_loss

def oscillating(run, **overrides):
    return got(training.oscillating_loss, run, **overrides)


def test_oscillating_evidence_counts_turns_among_the_interior_points():
    # Turns at indices 1..6 (6 of the 8 interior points), each swinging 0.4: a third to a half of the level
    # (median 41.7%); then a steady fall.  From the point before the first turn to the one after the last
    # (steps 0..70); over those 8 points the first and last thirds (2 points each) both average 1.0: no progress.
    run = run_of([1.2, 0.8, 1.2, 0.8, 1.2, 0.8, 1.2, 0.8, 0.5, 0.1])
    assert oscillating(run) == [("oscillating_loss", "warning", 0, 70)]
    assert evidence(training.oscillating_loss, run) == (
        "training loss turns up and down at 6 of 8 logged steps (median swing 0.4, 41.7% of the level)"
        " from step 0 to 70; no net progress over it")


def test_oscillating_loss_still_falling_by_loss_min_fall_is_info():
    # Every interior point turns; swings 0.1, 0.1, 0.09, 0.09 (median 0.095) of levels 0.1, 0.2, 0.1, 0.19:
    # 100%, 50%, 90%, 47% (median 70%).  First third (0.2, 0.1): 0.15; last third (0.19, 0.09): 0.14: 6.7%
    # lower, more than loss_min_fall.
    run = run_of([0.2, 0.1, 0.2, 0.1, 0.19, 0.09])
    assert oscillating(run) == [("oscillating_loss", "info", 0, 50)]
    assert evidence(training.oscillating_loss, run) == (
        "training loss turns up and down at 4 of 4 logged steps (median swing 0.095, 70% of the level)"
        " from step 0 to 50; still falling overall")


def test_progress_of_exactly_loss_min_fall_is_still_falling():
    # Thirds (22, 18) and (21, 17): means 20 and 19, 5% lower exactly.
    assert oscillating(run_of([22.0, 18.0, 22.0, 18.0, 21.0, 17.0])) == [("oscillating_loss", "info", 0, 50)]
    assert oscillating(run_of([22.0, 18.0, 22.0, 18.0, 21.5, 17.0])) == [("oscillating_loss", "warning", 0, 50)]


def test_a_small_first_move_does_not_count_and_the_span_starts_before_the_first_counted_turn():
    # Index 1 turns on a swing of 0.01 (1% of its level): not counted; indices 2..8 swing 0.2.
    run = run_of([1.0, 1.01, 0.8, 1.0, 0.8, 1.0, 0.8, 1.0, 0.8, 1.0])
    assert oscillating(run) == [("oscillating_loss", "warning", 10, 90)]


def test_swings_of_exactly_oscillation_swing_of_the_level_count():
    # Between 21 and 20: each swing (1) is 1/20 = 5% of the points at 20, 1/21 of those at 21: 5 of 10
    # interior points count, more than oscillation_turns 0.4.
    run = run_of([21.0, 20.0] * 6)
    assert oscillating(run, oscillation_turns=0.4) == [("oscillating_loss", "warning", 0, 100)]
    assert oscillating(run_of([21.0, 20.01] * 6), oscillation_turns=0.4) == []


def test_swings_of_exactly_oscillation_swing_of_the_range_count():
    # Range 21 - 1 = 20; swings of 1 are exactly 5% of it (and 50-100% of the level).
    run = run_of([21.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0, 2.0, 1.0])
    assert oscillating(run) == [("oscillating_loss", "info", 0, 90)]


def test_the_range_is_max_minus_min():
    # Around 10, swings of 0.6: 5.8-6.2% of the level, 100% of the range (0.6).
    assert oscillating(run_of([10.3, 9.7] * 6)) == [("oscillating_loss", "warning", 0, 110)]


def test_a_staircase_has_no_turns_even_when_every_swing_counts():
    # oscillation_swing 0: any turn counts, but flat steps between falls are no change of direction.
    stairs = [2.0, 2.0, 1.9, 1.9, 1.8, 1.8, 1.7, 1.7, 1.6]
    assert oscillating(run_of(stairs), oscillation_swing=0.0) == []


@pytest.mark.parametrize("loss, need, found", [
    ([1.5, 1.0, 1.5, 1.0], 4, [("oscillating_loss", "info", 0, 30)]),  # 2 turns of 2; first and last point
    ([1.5, 1.0, 1.5, 1.0], 5, []),  # fewer than loss_min_points
    ([1.5, 1.0, 1.5, 1.0, 1.5], 5, [("oscillating_loss", "warning", 0, 40)]),
    ([1.5, 1.0, 1.5], 2, []),  # never fewer than 4 points
])
def test_oscillating_needs_loss_min_points_and_four(loss, need, found):
    assert oscillating(run_of(loss), loss_min_points=need) == found


def test_oscillating_accuracy_swings_in_points_not_shares():
    # 0.185 <-> 0.215: swings of 0.03 points, 16% of the level: below oscillation_swing (0.05 points).
    assert oscillating(run_of(accuracy=[0.2 + 0.015 * (-1) ** i for i in range(10)])) == []
    # Swings of exactly 0.0625 points under oscillation_swing 0.0625.
    run = run_of(accuracy=[0.5, 0.5625] * 5)
    assert oscillating(run, oscillation_swing=0.0625) == [("oscillating_loss", "warning", 0, 90)]


def test_oscillating_accuracy_without_progress_is_a_warning():
    # First third (0.5, 0.6, 0.5): 0.533; last third (0.6, 0.5, 0.6): 0.567: up 0.033 points, less than 0.05.
    run = run_of(accuracy=[0.5, 0.6] * 5)
    assert oscillating(run) == [("oscillating_loss", "warning", 0, 90)]
    assert evidence(training.oscillating_loss, run) == (
        "training accuracy turns up and down at 8 of 8 logged steps (median swing 0.1) from step 0 to 90;"
        " no net progress over it")


def test_oscillating_accuracy_still_rising_is_info():
    # First third (0.3, 0.5): 0.4; last third (0.6, 0.8): 0.7: up 0.3 points.
    run = run_of(accuracy=[0.3, 0.5, 0.4, 0.6, 0.5, 0.7, 0.6, 0.8])
    assert oscillating(run) == [("oscillating_loss", "info", 0, 70)]
