"""The rules that read weight histograms: stagnant weights, weight norm trends, off-centre
weights and clipped values (``tb_histdiag_plugin/rules/weights.py``).

Every test states the statistics a run would have and the exact markers
expected: just below a threshold nothing (or the lower tier), at and just above
it the marker; a healthy control beside every pathology.  Threshold values are
written here as numbers, not read from the code under test.
"""

import numpy as np
import pytest

from rule_views import STEPS, found, run_of, spans_found, view


# ------------------------------------------------------------ stagnant weights

def kernels(*change, bias_change=None):
    out = [view("l%d/kernel" % i, "l%d" % i, "weights", change=c, l2_norm=10.0, mean=0.0, std=0.1)
           for i, c in enumerate(change)]
    if bias_change is not None:
        out += [view("l%d/bias" % i, "l%d" % i, "bias", change=c) for i, c in enumerate(bias_change)]
    return out


@pytest.mark.parametrize("mine, severity", [(1.01e-5, None), (1e-5, None), (0.99e-5, "warning"), (0.0, "warning")])
def test_stagnant_relative_edges(mine, severity):
    # Peers move 1e-2 per step: the ratio threshold 1e-3 puts the edge at 1e-5.
    run = run_of(*kernels(1e-2, mine, 1e-2))
    expected = [("stagnant_weights", "l1", severity, "weights", 0, 70)] if severity else []
    assert spans_found(run, "stagnant_weights") == expected


@pytest.mark.parametrize("still_steps, fires", [(2, False), (3, True)])
def test_stagnant_absolute_needs_several_still_steps(still_steps, fires):
    # The peers' kernels are still too (only their biases move), so no peer stands out; l0 moves
    # but for ``still_steps`` bit-identical steps, with no bias to show it learning.
    l0 = np.full(STEPS, 1e-3)
    l0[1:1 + still_steps] = 0.0
    run = run_of(*kernels(l0, 0.0, 0.0), view("l1/bias", "l1", "bias", change=1e-3),
                 view("l2/bias", "l2", "bias", change=1e-3))
    expected = [("stagnant_weights", "l0", "warning", "weights", 10, 10 * still_steps)] if fires else []
    assert spans_found(run, "stagnant_weights") == expected


def test_stagnant_when_no_layer_learns_is_critical():
    run = run_of(*kernels(0.0, 0.0, 0.0))
    assert spans_found(run, "stagnant_weights") == [("stagnant_weights", name, "critical", "weights", 0, 70)
                                                    for name in ("l0", "l1", "l2")]
    # A bias that still moves: that layer learns, so neither it nor the run is still (in either reading).
    run = run_of(*kernels(0.0, 0.0, 0.0, bias_change=[1e-3, 0.0, 0.0]))
    assert spans_found(run, "stagnant_weights") == [("stagnant_weights", name, "warning", "weights", 0, 70)
                                                    for name in ("l1", "l2")]
    # A one-value bias has no spread (change undefined): its mean says whether it moves.
    single = view("l2/bias", "l2", "bias", change=np.nan, mean=np.linspace(0.1, 0.2, STEPS), count=1.0)
    run = run_of(*kernels(0.0, 0.0, 0.0), single)
    # (its mean has no move before step 10: step 0, where nothing moves, is a pause before the first update)
    assert spans_found(run, "stagnant_weights") == [("stagnant_weights", name, "warning", "weights", 10, 70)
                                                    for name in ("l0", "l1")]
    single = view("l2/bias", "l2", "bias", change=np.nan, mean=0.1, count=1.0)
    run = run_of(*kernels(0.0, 0.0, 0.0), single)
    assert spans_found(run, "stagnant_weights") == [("stagnant_weights", name, "critical", "weights", 0, 70)
                                                    for name in ("l0", "l1", "l2")]


def test_biases_moving_while_kernels_barely_do_is_healthy():
    run = run_of(*kernels(1e-5, 2e-5, 1e-5, bias_change=[1e-2, 1e-2, 1e-2]))
    assert [m for m in found(run) if m[2] != "info"] == []


# ------------------------------------------------------------ weight norm trends

def norm_series(values, **kw):
    return view("l0/kernel", "l0", "weights", l2_norm=values, mean=0.0, std=0.1, change=1e-3, **kw)


# A trend's marker starts where the norm first reaches the ratio: linspace(1, 0.8, 8) at its last step,
# linspace(1, 0.11, 8) and linspace(1, 0.1, 8) at step 20 (0.75).
@pytest.mark.parametrize("end, severity, first", [(0.81, None, None), (0.8, "info", 70), (0.11, "info", 20),
                                                  (0.1, "warning", 20)])
def test_weight_decay_shrink_edges(end, severity, first):
    run = run_of(norm_series(np.linspace(1.0, end, STEPS)))
    expected = [("weight_decay_shrink", "l0", severity, "weights", first, 70)] if severity else []
    assert spans_found(run, "weight_decay_shrink") == expected


def test_shrink_must_be_steady():
    # Ends at 0.5 of its start, but rises on 2 of 7 moves (71% falling, below 80%).
    run = run_of(norm_series([1.0, 0.8, 0.9, 0.7, 0.8, 0.6, 0.55, 0.5]))
    assert found(run, "weight_decay_shrink") == []


# From where the norm first reaches 3x its start: geomspace(1, 10, 8) at step 40 (3.7), geomspace(1, 100, 8) at 20.
@pytest.mark.parametrize("end, severity, first", [
    (2.99, None, None), (3.0, "info", 70), (9.99, "info", 40), (10.0, "warning", 40), (99.9, "warning", 20),
    (100.0, "critical", 20)])
def test_weight_growth_edges(end, severity, first):
    run = run_of(norm_series(np.geomspace(1.0, end, STEPS)))
    expected = [("weight_growth", "l0", severity, "weights", first, 70)] if severity else []
    assert spans_found(run, "weight_growth") == expected


def test_growth_that_came_back_down_is_not_growing():
    run = run_of(norm_series([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 32.0 * 1.9]))  # ends at 0.95 of its peak: still
    assert spans_found(run, "weight_growth") == [("weight_growth", "l0", "warning", "weights", 20, 70)]
    run = run_of(norm_series([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 60.0]))  # 0.9375 of its peak
    assert found(run, "weight_growth") == []


@pytest.mark.parametrize("rule_kind, norms", [("weight_decay_shrink", np.linspace(1.0, 0.05, STEPS)),
                                              ("weight_growth", np.geomspace(1.0, 200.0, STEPS))])
def test_normalisation_parameters_are_not_judged(rule_kind, norms):
    assert found(run_of(norm_series(norms, norm=True)), rule_kind) == []
    assert found(run_of(norm_series(norms, param_name="gamma")), rule_kind) == []
    assert found(run_of(norm_series(norms, param_name="kernel")), rule_kind) != []


# ------------------------------------------------------------ off centre

@pytest.mark.parametrize("mean, severity", [(0.124, None), (0.125, "info"), (0.374, "info"), (0.375, "warning")])
def test_off_center_edges(mean, severity):
    # std 0.125: |mean| / std is 1 at 0.125 and 3 at 0.375, exactly.
    means = np.full(STEPS, mean)
    means[0] = 0.0  # initialised symmetric around zero
    run = run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.125, l2_norm=1.0, change=1e-3))
    expected = [("off_center", "l0", severity, "weights", 10, 70)] if severity else []  # centred at step 0
    assert spans_found(run, "off_center") == expected


@pytest.mark.parametrize("start, fires", [(0.026, False), (0.024, True)])
def test_off_center_needs_a_symmetric_start(start, fires):
    # |mean| / std at the first step just above / below 0.25.
    means = np.full(STEPS, 0.5)
    means[0] = start
    run = run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.1, l2_norm=1.0, change=1e-3))
    assert spans_found(run, "off_center") == ([("off_center", "l0", "warning", "weights", 10, 70)] if fires else [])
    assert found(run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.1, norm=True)), "off_center") == []


# ------------------------------------------------------------ clipped values

def clipped(share, count=1000.0, role="weights"):
    return view("l0/kernel" if role == "weights" else "l0/kernel/grad", "l0", role, "weights", min=-0.5, max=0.5,
                std=0.2, mean=0.0, l2_norm=1.0, change=1e-3, count=count, max_fraction=share, min_fraction=0.0)


@pytest.mark.parametrize("share, severity", [(0.049, None), (0.05, "info"), (0.499, "info"), (0.5, "warning")])
def test_clipped_values_edges(share, severity):
    expected = [("clipped_values", "l0", severity, "weights", 0, 70)] if severity else []
    assert spans_found(run_of(clipped(share)), "clipped_values") == expected
    expected = [("clipped_values", "l0", severity, "gradients", 0, 70)] if severity else []
    assert spans_found(run_of(clipped(share, role="gradient")), "clipped_values") == expected


@pytest.mark.parametrize("low, high, severity", [(0.24, 0.25, "info"), (0.25, 0.25, "warning"), (0.03, 0.02, "info"),
                                                 (0.02, 0.02, None)])
def test_clipped_values_adds_both_bounds(low, high, severity):
    # A clip to [-c, c] piles values at both ends: 25% + 25% is half the values.
    v = view("l0/kernel", "l0", "weights", "weights", min=-0.5, max=0.5, std=0.2, mean=0.0, l2_norm=1.0,
             change=1e-3, count=1000.0, max_fraction=high, min_fraction=low)
    expected = [("clipped_values", "l0", severity, "weights", 0, 70)] if severity else []
    assert spans_found(run_of(v), "clipped_values") == expected


@pytest.mark.parametrize("count, fires", [(99.0, False), (100.0, True)])
def test_clipped_needs_a_tensor_large_enough_to_tell_a_pile(count, fires):
    # 60% at the bounds of a 99-value tensor is bucket resolution, not a clip.
    expected = [("clipped_values", "l0", "warning", "weights", 0, 70)] if fires else []
    assert spans_found(run_of(clipped(0.6, count=count)), "clipped_values") == expected


@pytest.mark.parametrize("count, fires", [(199.0, False), (200.0, True)])
def test_clipped_needs_ten_values_in_the_pile(count, fires):
    expected = [("clipped_values", "l0", "info", "weights", 0, 70)] if fires else []
    assert spans_found(run_of(clipped(0.05, count=count)), "clipped_values") == expected
