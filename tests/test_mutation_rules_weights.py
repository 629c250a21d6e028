"""weight_decay_shrink, weight_growth, off_center and clipped_values (``tb_histdiag_plugin/rules/weights.py``)
on hand-made series: their edges, which series they judge, and the evidence sentences written out by hand.

Added for mutation testing (tests/mutation/); stagnant_weights is in test_mutation_rules_weights_stagnant.py.
Steps are 0, 10, 20, ... (``rule_views.view``).
"""

import numpy as np
import pytest

from rule_views import STEPS, on, run_of, view
from tb_histdiag_plugin import settings as settings_module
from tb_histdiag_plugin.rules import weights

DEFAULTS = settings_module.parse_settings({})
IDX = np.arange(STEPS)


def markers(rule, run, **overrides):
    """``[(kind, tag, layer, severity, first step, last step, evidence, evidence_from)]`` of ``rule``."""
    return [(m["kind"], m["tag"], m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence"],
             m["evidence_from"]) for m in rule(run, dict(DEFAULTS, **overrides))]


def spans(rule, run, **overrides):
    return [(m[2], m[3], m[4], m[5]) for m in markers(rule, run, **overrides)]


def norms(values, layer="l0", count=1000.0):
    values = np.asarray(values, dtype=float)
    return view("%s/kernel" % layer, layer, "weights", n=len(values), l2_norm=values, count=count, mean=0.0,
                std=0.1, change=1e-3)


# ------------------------------------------------------------ weight norm trends

def test_shrink_evidence_from_the_first_finite_norm():
    # Not logged at step 0; from 4 at step 10 to 0.5 at step 70 (12.5%), 5 of 6 moves down (83%).  The norm is at
    # most 0.8 of its start (3.2) from step 20 on.
    run = run_of(norms([np.nan, 4.0, 3.0, 3.5, 2.0, 1.5, 1.0, 0.5]))
    assert markers(weights.weight_decay_shrink, run) == [
        ("weight_decay_shrink", "l0/kernel", "l0", "info", 20, 70,
         "weight L2 norm fell from 4 at step 10 to 0.5 at step 70 (12.5% of it), falling at 83% of steps", "weights")]


def test_growth_evidence_from_the_first_finite_norm():
    # From 2 at step 10 to 16 at step 70 (8x), 5 of 6 moves up; at least 3x its start (6) from step 40 on.
    run = run_of(norms([np.nan, 2.0, 4.0, 3.0, 6.0, 8.0, 12.0, 16.0]))
    assert markers(weights.weight_growth, run) == [
        ("weight_growth", "l0/kernel", "l0", "info", 40, 70,
         "weight L2 norm grew from 2 at step 10 to 16 at step 70 (8×), rising at 83% of steps", "weights")]


def peers(*rms, count=100.0):
    """Weight series of other layers with the given initial RMS (norm = RMS * sqrt(count), constant)."""
    return [norms(np.full(STEPS, r * np.sqrt(count)), layer="p%d" % i, count=count) for i, r in enumerate(rms)]


def test_growth_of_a_layer_initialised_far_smaller_is_measured_from_the_floor():
    # The other layers start at RMS 1 and 2 (median 1.5); SMALL_INIT_SHARE (0.1) of it over 100 values is a norm
    # of 1.5.  l0 starts at 0.1 and ends at 16: 160x its start but 10.7x the floor, a warning, not critical; it
    # is at least 3x the floor (4.5) from step 40 on.  6 of 7 moves up.
    grow = [0.1, 2.0, 1.5, 3.2, 6.4, 8.0, 12.0, 16.0]
    run = run_of(norms(grow, count=100.0), *peers(1.0, 2.0))
    assert markers(weights.weight_growth, run) == [
        ("weight_growth", "l0/kernel", "l0", "warning", 40, 70,
         "weight L2 norm grew from 0.1 at step 0 to 16 at step 70 (160×; 10.7× from 0.1 of the other layers' "
         "initial RMS, as it started far smaller), rising at 86% of steps", "weights")]


def test_a_layer_starting_exactly_at_the_floor_is_measured_from_its_start():
    # The floor is 0.1 * 1 * sqrt(100) = 1, l0 starts at exactly 1: not far smaller.
    grow = [1.0, 2.0, 1.5, 3.2, 6.4, 8.0, 12.0, 16.0]
    run = run_of(norms(grow, count=100.0), *peers(1.0, 1.0))
    assert markers(weights.weight_growth, run) == [
        ("weight_growth", "l0/kernel", "l0", "warning", 30, 70,
         "weight L2 norm grew from 1 at step 0 to 16 at step 70 (16×), rising at 86% of steps", "weights")]


def walk(moves):
    return np.cumprod([1.0] + list(moves))


def test_exactly_steady_fraction_of_moves_is_a_trend():
    # 10 moves, 8 of them the trend's way: exactly steady_fraction (0.8).
    down = walk([0.8, 1.1, 0.8, 1.1] + [0.8] * 6)
    assert spans(weights.weight_decay_shrink, run_of(norms(down))) == [("l0", "info", 10, 100)]
    up = walk([1.25, 0.95, 1.25, 0.95] + [1.25] * 6)
    first = int(np.argmax(up >= 3.0))  # where the norm first reaches growth_ratio times its start
    assert up[-1] == up.max() and 3.0 <= up[-1] < 10.0
    assert spans(weights.weight_growth, run_of(norms(up))) == [("l0", "info", 10 * first, 100)]


def test_three_logged_norms_make_a_trend():
    assert spans(weights.weight_decay_shrink, run_of(norms([1.0, 0.7, 0.5]))) == [("l0", "info", 10, 20)]
    assert spans(weights.weight_growth, run_of(norms([1.0, 2.0, 4.0]))) == [("l0", "info", 20, 20)]
    assert spans(weights.weight_decay_shrink, run_of(norms([np.nan, 0.7, 0.5]))) == []


def test_a_norm_starting_at_zero_has_no_ratio_to_judge():
    # A zero-initialised kernel: growth from 0 is no growth factor.
    assert spans(weights.weight_growth, run_of(norms([0.0, 1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0]))) == []


def test_trends_skip_series_they_do_not_judge_and_go_on():
    b = view("l0/bias", "l0", "bias", l2_norm=np.linspace(1.0, 0.1, STEPS))
    gamma = view("bn/gamma", "bn", "weights", l2_norm=np.linspace(1.0, 0.1, STEPS), param_name="gamma")
    w = norms(np.linspace(1.0, 0.5, STEPS), layer="l1")
    # 0.5 is at most 0.8 of the start first at step 30 (1 - 3 * 0.5 / 7 = 0.786)
    assert spans(weights.weight_decay_shrink, run_of(b, gamma, w)) == [("l1", "info", 30, 70)]


# ------------------------------------------------------------ off centre

def centred(means, std=0.125, layer="l0", tag=None):
    means = np.asarray(means, dtype=float)
    return view(tag or "%s/kernel" % layer, layer, "weights", n=len(means), mean=means, std=std, l2_norm=1.0,
                change=1e-3)


def test_off_center_evidence_at_the_worst_step():
    # |mean| / std (std 0.125, exact in binary): 0.1, 0.2, 0.5, 1.2, 2, 4, 3.2, 2: off centre from step 30, worst
    # 4 std at step 50 (a warning), below zero.
    ratio = np.array([0.1, 0.2, 0.5, 1.2, 2.0, 4.0, 3.2, 2.0])
    run = run_of(centred(-ratio * 0.125))
    assert markers(weights.off_center, run) == [
        ("off_center", "l0/kernel", "l0", "warning", 30, 70,
         "weight mean -0.5 is 4 std from zero at step 50 (0.1 at step 0)", "weights")]


def test_two_logged_steps_are_enough_to_judge():
    run = run_of(centred([0.0125, 0.025]))  # 0.1 and 0.2 std
    assert spans(weights.off_center, run, off_center_ratio=0.05) == [("l0", "info", 0, 10)]
    assert spans(weights.off_center, run_of(centred([0.0125])), off_center_ratio=0.05) == []


def test_a_start_of_exactly_symmetric_start_is_off_centre_on_purpose():
    means = np.full(STEPS, 0.5)
    means[0] = 0.25 * 0.125  # exactly SYMMETRIC_START std
    assert spans(weights.off_center, run_of(centred(means))) == []
    means[0] = 0.249 * 0.125
    assert spans(weights.off_center, run_of(centred(means))) == [("l0", "warning", 10, 70)]


def test_off_center_skips_series_it_does_not_judge_and_goes_on():
    b = view("l0/bias", "l0", "bias", mean=on(range(2, STEPS), 0.5, 0.0), std=0.125)
    started_off = centred(np.full(STEPS, 0.5), layer="l1")
    drifting = centred(on(range(2, STEPS), 0.5, 0.0), layer="l2")
    assert spans(weights.off_center, run_of(b, started_off, drifting)) == [("l2", "warning", 20, 70)]


# ------------------------------------------------------------ clipped values

def piled(role="weights", count=1000.0, lo=-0.5, hi=0.5, at_min=0.0, at_max=0.0, change=1e-2, std=0.2,
          layer="l0", n=STEPS):
    tag = "%s/%s" % (layer, {"weights": "kernel", "bias": "bias", "activation": "activations"}[role])
    return view(tag, layer, role, n=n, min=lo, max=hi, std=std, mean=0.0, l2_norm=1.0, change=change, count=count,
                min_fraction=at_min, max_fraction=at_max)


def clipped(run, **overrides):
    return markers(weights.clipped_values, run, **overrides)


def clip_spans(*views, **overrides):
    return spans(weights.clipped_values, run_of(*views), **overrides)


def test_clipped_evidence_adds_both_piles():
    v = piled(at_min=on(range(2, STEPS), 0.1, 0.0), at_max=on(range(2, STEPS), 0.2, 0.0))
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 20, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 20 (10% at the minimum -0.5, "
         "20% at the maximum 0.5)", "weights")]


def test_clipped_evidence_names_only_the_piles_there_are_at_the_worst_step():
    v = piled(at_max=[0.0, 0.0, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1])
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 20, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 40 (30% at the maximum 0.5)",
         "weights")]
    v = piled(at_min=[0.0, 0.0, 0.1, 0.2, 0.3, 0.2, 0.1, 0.1], hi=1.5)
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 20, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 40 (30% at the minimum -0.5)",
         "weights")]


def test_a_pile_at_a_minimum_of_one_counts():
    assert clip_spans(piled(lo=1.0, hi=3.0, at_min=0.3)) == [("l0", "info", 0, 70)]


def test_an_unknown_share_at_one_bound_leaves_the_other():
    v = piled(at_max=on(range(2, STEPS), 0.3, 0.0))
    v.stats["min_fraction"][:] = np.nan
    assert clip_spans(v) == [("l0", "info", 20, 70)]


def test_a_bias_piled_at_zero_is_no_clip():
    # Dead units' zeros (a pile at 0, min or max), even never below (above) zero: not a constraint's bound.
    assert clip_spans(piled("bias", lo=0.0, hi=0.5, at_min=0.3)) == []
    assert clip_spans(piled("bias", lo=-0.5, hi=0.0, at_max=0.3)) == []
    assert clip_spans(piled("bias", lo=on({0}, -0.5, 0.0), hi=0.5, at_min=on(range(1, STEPS), 0.3, 0.0))) == []


def test_activation_piles_are_left_to_their_rules_and_the_others_still_judged():
    sat = piled("activation", lo=-1.0, hi=1.0, at_min=0.3, at_max=0.3, layer="a0")
    assert clip_spans(sat, piled(at_max=on(range(2, STEPS), 0.3, 0.0))) == [("l0", "info", 20, 70)]


def test_a_constant_tensor_is_no_clip():
    # Every value equal (std 0): all of them at the minimum and the maximum.
    assert clip_spans(piled(lo=0.5, hi=0.5, std=0.0, at_min=1.0, at_max=1.0)) == []


# One-sided constraints: weights never below (above) zero after the first logged step, piled at exactly zero.

NON_NEG = "; never below zero: a non-negativity constraint"
NON_POS = "; never above zero: a non-positivity constraint"


def test_non_negative_weights_piled_at_zero():
    v = piled(lo=on({0}, -0.5, 0.0), at_min=on(range(1, STEPS), 0.3, 0.0))
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 10, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 10 (30% at the minimum 0)" + NON_NEG,
         "weights")]


def test_non_positive_weights_piled_at_zero():
    v = piled(hi=on({0}, 0.5, 0.0), at_max=on(range(1, STEPS), 0.3, 0.0))
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 10, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 10 (30% at the maximum 0)" + NON_POS,
         "weights")]


def test_a_zero_bound_left_once_is_no_constraint():
    # The minimum dips below zero at step 40: the pile at 0 is sparsity; the pile at the maximum is a clip.
    lo = on({0}, -0.5, 0.0)
    lo[4] = -0.1
    v = piled(lo=lo, at_min=np.where(lo == 0.0, 0.3, 0.0), at_max=on(range(1, STEPS), 0.3, 0.0))
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 10, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 10 (30% at the maximum 0.5)",
         "weights")]
    # ... and mirrored: the maximum rises above zero at step 40.
    hi = on({0}, 0.5, 0.0)
    hi[4] = 0.1
    v = piled(hi=hi, at_max=np.where(hi == 0.0, 0.3, 0.0), at_min=on(range(1, STEPS), 0.3, 0.0))
    assert clipped(run_of(v)) == [
        ("clipped_values", "l0/kernel", "l0", "info", 10, 70,
         "30% of the weights values (300 of 1000) sit exactly at a bound at step 10 (30% at the minimum -0.5)",
         "weights")]


@pytest.mark.parametrize("n, expected", [
    # (the pile at step 0 sits at the minimum -0.5, a bound like any other)
    (3, [("l0", "info", 0, 20)]),  # two logged steps after the first: enough to call it a constraint
    (2, []),  # one: the pile at 0 is not counted, and step 0 alone is no span
])
def test_one_sided_needs_two_steps_after_the_first(n, expected):
    lo = np.zeros(n)
    lo[0] = -0.5
    assert clip_spans(piled(n=n, lo=lo, at_min=0.3)) == expected


def test_steps_without_a_spread_or_a_maximum_do_not_decide_one_sidedness():
    # Step 40: every value exactly 0 (min = max); step 50: no maximum logged.  Neither breaks the constraint.
    lo = on({0}, -0.5, 0.0)
    hi = np.full(STEPS, 0.5)
    hi[4] = 0.0
    hi[5] = np.nan
    v = piled(lo=lo, hi=hi, at_min=on(range(1, STEPS), 0.3, 0.0))
    v.stats["std"][4] = 0.0
    assert clip_spans(v) == [("l0", "info", 10, 70)]


# Small tensors (fewer than EXACT_TENSOR values): a pile of CLIPPED_SMALL_PILE values held CLIPPED_SMALL_STEPS
# logged steps at a bound that stays put while the tensor moves.

@pytest.mark.parametrize("count, values, expected", [
    (16.0, 4.0, [("l0", "info", 20, 70)]),  # exactly 4 of 16 values
    (16.0, 3.0, []),
    (31.0, 4.0, [("l0", "info", 20, 70)]),
    (32.0, 4.0, []),  # 32..99 values: not judged
])
def test_small_pile_size_and_tensor_size(count, values, expected):
    v = piled(count=count, at_max=on(range(2, STEPS), values / count, 0.0))
    assert (v.stats["max_fraction"] * count)[2] == values  # the pile, exactly
    assert clip_spans(v) == expected


def small(at_max=None, at_min=0.0, lo=-0.5, hi=0.5, change=1e-2):
    return piled(count=16.0, lo=lo, hi=hi, at_min=at_min, change=change,
                 at_max=on(range(2, STEPS), 0.25, 0.0) if at_max is None else at_max)


def test_a_small_pile_needs_steps_in_a_row():
    assert clip_spans(small(at_max=on({5, 6, 7}, 0.25, 0.0))) == [("l0", "info", 50, 70)]
    assert clip_spans(small(at_max=on({6, 7}, 0.25, 0.0))) == []


def test_a_small_pile_from_the_first_step_holds_from_the_second():
    # At the first logged step there is no earlier bound to compare with.
    assert clip_spans(small(at_max=0.25)) == [("l0", "info", 10, 70)]


def test_a_small_pile_counts_while_its_bound_stays_put():
    # The maximum moves once, at step 40: the pile holds at 10..30 and 50..70 (3 steps each), one span.
    hi = np.where(IDX < 4, 0.5, 0.6)
    assert clip_spans(small(at_max=0.25, hi=hi)) == [("l0", "info", 10, 70)]
    # The maximum moves at step 50: 20..40 hold three steps in a row, 60..70 only two.
    hi = np.where(IDX < 5, 0.5, 0.6)
    assert clip_spans(small(hi=hi)) == [("l0", "info", 20, 40)]


def test_a_small_pile_at_a_moving_bound_is_a_cluster():
    moving = -0.5 - 0.01 * IDX
    assert clip_spans(small(at_max=0.0, at_min=on(range(2, STEPS), 0.25, 0.0), lo=moving)) == []
    assert clip_spans(small(hi=0.5 + 0.01 * IDX)) == []
    # The bound without a pile may move.
    assert clip_spans(small(lo=moving)) == [("l0", "info", 20, 70)]


@pytest.mark.parametrize("change, expected", [(0.0, []), (1e-6, []), (1.01e-6, [("l0", "info", 20, 70)])])
def test_a_small_pile_needs_a_tensor_that_moves(change, expected):
    # A still tensor (change at most stagnant_change) shows a cluster as a pile too.
    assert clip_spans(small(change=change)) == expected
