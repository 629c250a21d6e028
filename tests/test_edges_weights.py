"""Edges of every setting and constant of the weight rules (``tb_histdiag_plugin/rules/weights.py``):
``stagnant_change``, ``stagnant_ratio``, ``stagnant_steps``, ``shrink_ratio``, ``shrink_warning_ratio``,
``growth_ratio`` and its tiers, ``steady_fraction`` (shrink and growth), ``off_center_ratio`` and its warning
(both signs of the mean), ``SYMMETRIC_START``, ``clipped_fraction`` and its warning, ``CLIPPED_MIN_VALUES``,
``CLIPPED_MIN_TENSOR``, ``VISIBLE_CHANGE``.

Each case puts one edge just below, at or just above, with the other
thresholds far away, and expects the exact markers with their spans (steps 0,
10, 20, ...).  Products that meet an edge are exact in binary (1e-3 * 1e-3 ==
1e-6, 0.0625 * 160 == 10).
"""

import numpy as np
import pytest

from rule_views import STEPS, marks, on, run_of, view


def kernel(layer, change, count=1000.0, **extra):
    given = dict(change=change, count=count, l2_norm=10.0, mean=0.0, std=0.1)
    given.update(extra)
    return view("%s/kernel" % layer, layer, "weights", **given)


def bias(layer, change):
    return view("%s/bias" % layer, layer, "bias", change=change, mean=0.1)


# ------------------------------------------------------------ stagnant weights: the absolute reading

@pytest.mark.parametrize("still, overrides, expected", [
    (1.01e-6, {}, []),
    (1e-6, {}, [("stagnant_weights", "l0", "warning", 10, 30)]),  # at most stagnant_change counts as still
    (0.99e-6, {}, [("stagnant_weights", "l0", "warning", 10, 30)]),
    (0.0, {}, [("stagnant_weights", "l0", "warning", 10, 30)]),
    (1e-4, {"stagnant_change": "1e-4"}, [("stagnant_weights", "l0", "warning", 10, 30)]),
    (1.01e-4, {"stagnant_change": "1e-4"}, []),
])
def test_stagnant_change_edge_in_the_absolute_reading(still, overrides, expected):
    # l0 moves 1e-3 per step but for three steps (10..30) of ``still``; the other kernels are still
    # throughout while their biases move (so they learn, and no peer pace stands out for the relative reading).
    run = run_of(kernel("l0", on({1, 2, 3}, still, 1e-3)), kernel("l1", 0.0), kernel("l2", 0.0),
                 bias("l1", 1e-3), bias("l2", 1e-3))
    assert marks(run, "stagnant_weights", **overrides) == expected


@pytest.mark.parametrize("still, expected", [
    (1.01e-6, []),  # neither at most 1e-6 nor below 1e-3 of the peers' 1e-3 (which is exactly 1e-6)
    (1e-6, [("stagnant_weights", "l0", "warning", 30, 40)]),
    (0.99e-6, [("stagnant_weights", "l0", "warning", 30, 40)]),
])
def test_stagnant_change_edge_in_the_relative_reading(still, expected):
    # Peers at 1e-3 per step, the slowest pace a 1,000-value histogram shows; l0 still on two steps
    # only (too few for the absolute reading), so the relative reading alone decides.
    run = run_of(kernel("l0", on({3, 4}, still, 1e-3)), kernel("l1", 1e-3), kernel("l2", 1e-3))
    assert marks(run, "stagnant_weights") == expected


@pytest.mark.parametrize("mine, overrides, expected", [
    (1.01e-5, {}, []),
    (1e-5, {}, []),  # at 1e-3 of the peers' 1e-2: not below it
    (0.99e-5, {}, [("stagnant_weights", "l1", "warning", 30, 70)]),
    (1e-4, {"stagnant_ratio": "0.01"}, []),
    (0.99e-4, {"stagnant_ratio": "0.01"}, [("stagnant_weights", "l1", "warning", 30, 70)]),
])
def test_stagnant_ratio_edge_and_span(mine, overrides, expected):
    run = run_of(kernel("l0", 1e-2), kernel("l1", on(range(3, STEPS), mine, 1e-2)), kernel("l2", 1e-2))
    assert marks(run, "stagnant_weights", **overrides) == expected


@pytest.mark.parametrize("still, overrides, expected", [
    ({1, 2}, {}, []),
    ({1, 2, 3}, {}, [("stagnant_weights", "l0", "warning", 10, 30)]),
    ({1, 2, 4, 5}, {}, []),  # four still steps, never three in a row
    ({1, 2, 3}, {"stagnant_steps": "4"}, []),
    ({1, 2, 3, 4}, {"stagnant_steps": "4"}, [("stagnant_weights", "l0", "warning", 10, 40)]),
    ({1, 2, 4, 5}, {"stagnant_steps": "2"}, [("stagnant_weights", "l0", "warning", 10, 50)]),
])
def test_stagnant_steps_in_a_row(still, overrides, expected):
    run = run_of(kernel("l0", on(still, 0.0, 1e-3)), kernel("l1", 0.0), kernel("l2", 0.0),
                 bias("l1", 1e-3), bias("l2", 1e-3))
    assert marks(run, "stagnant_weights", **overrides) == expected


@pytest.mark.parametrize("pace, expected", [
    (1e-3, [("stagnant_weights", "l0", "warning", 10, 30)]),  # 1 / 1000 values: a pace the histogram shows
    (0.99e-3, []),  # slower: bit-identical steps are the histogram's resolution, not a still layer
])
def test_visible_change_edge(pace, expected):
    run = run_of(kernel("l0", on({1, 2, 3}, 0.0, pace)), kernel("l1", 0.0), kernel("l2", 0.0),
                 bias("l1", 1e-3), bias("l2", 1e-3))
    assert marks(run, "stagnant_weights") == expected


def test_stagnant_everywhere_is_critical_over_the_still_span():
    # Every kernel moves for two steps, then all are bit-identical: nothing learns from step 20 on.
    run = run_of(*(kernel("l%d" % i, on({0, 1}, 1e-3, 0.0)) for i in range(3)))
    assert marks(run, "stagnant_weights") == [("stagnant_weights", "l%d" % i, "critical", 20, 70) for i in range(3)]


# ------------------------------------------------------------ shrink and growth

def norms(values, **extra):
    values = np.asarray(values, dtype=float)
    return view("l0/kernel", "l0", "weights", n=len(values), l2_norm=values, mean=0.0, std=0.1, change=1e-3,
                **extra)


# A trend's marker starts where the norm first reaches the ratio (at most shrink_ratio, at least growth_ratio
# times its start) and ends at the last step.  linspace(1, 0.8, 8) reaches 0.8 at its last step; linspace(1, 0.1, 8)
# is 0.743 at step 20; geomspace(1, 10, 8) passes 3 at step 40 (10 ** (4/7) = 3.7), geomspace(1, 100, 8) at step 20.
@pytest.mark.parametrize("end, overrides, expected", [
    (0.81, {}, []),
    (0.8, {}, [("weight_decay_shrink", "l0", "info", 70, 70)]),
    (0.101, {}, [("weight_decay_shrink", "l0", "info", 20, 70)]),
    (0.1, {}, [("weight_decay_shrink", "l0", "warning", 20, 70)]),
    (0.5, {"shrink_ratio": "0.5"}, [("weight_decay_shrink", "l0", "info", 70, 70)]),
    (0.51, {"shrink_ratio": "0.5"}, []),
    (0.25, {"shrink_warning_ratio": "0.25"}, [("weight_decay_shrink", "l0", "warning", 20, 70)]),
    (0.26, {"shrink_warning_ratio": "0.25"}, [("weight_decay_shrink", "l0", "info", 20, 70)]),
])
def test_shrink_ratio_edges(end, overrides, expected):
    assert marks(run_of(norms(np.linspace(1.0, end, STEPS))), "weight_decay_shrink", **overrides) == expected


@pytest.mark.parametrize("end, overrides, expected", [
    (2.99, {}, []),
    (3.0, {}, [("weight_growth", "l0", "info", 70, 70)]),
    (10.0, {}, [("weight_growth", "l0", "warning", 40, 70)]),
    (9.99, {}, [("weight_growth", "l0", "info", 40, 70)]),
    (100.0, {}, [("weight_growth", "l0", "critical", 20, 70)]),
    (99.9, {}, [("weight_growth", "l0", "warning", 20, 70)]),
    (2.0, {"growth_ratio": "2"}, [("weight_growth", "l0", "info", 70, 70)]),
    (1.99, {"growth_ratio": "2"}, []),
    (5.0, {"growth_warning_ratio": "5"}, [("weight_growth", "l0", "warning", 50, 70)]),  # 5 ** (5/7) = 3.2
    (50.0, {"growth_critical_ratio": "50"}, [("weight_growth", "l0", "critical", 20, 70)]),  # 50 ** (2/7) = 3.06
    (49.9, {"growth_critical_ratio": "50"}, [("weight_growth", "l0", "warning", 20, 70)]),
])
def test_growth_ratio_edges(end, overrides, expected):
    # geomspace's last value is ``end`` up to rounding; the start is exactly 1.
    values = np.geomspace(1.0, end, STEPS)
    values[-1] = end
    assert marks(run_of(norms(values)), "weight_growth", **overrides) == expected


def walk(start, moves):
    """A norm series from ``start`` by the given multiplicative ``moves`` (1.0: no move)."""
    return start * np.cumprod([1.0] + list(moves))


# 10 moves, 8 one way: exactly 0.8; 20 moves, 15 one way: 0.75, below 0.8 but above 0.72 (0.8 loosened by 10%);
# 9 moves, 7 one way: 0.78.  The moves against the trend come early, so a growth ends at its peak.
# (moves, share of them the trend's way, (first step of the shrink, of the growth) or None: below the share)
STEADY = [
    ([0.8, 1.1, 0.8, 1.1] + [0.8] * 6, 0.8, (10, 80)),
    ([0.8, 1.1, 1.0, 0.8, 1.1, 1.0] + [0.8] * 6, 0.8, (10, 100)),  # pauses (no move) count neither way
    ([1.1, 1.1, 1.1, 1.1, 1.1] + [0.8] * 15, 0.75, None),
    ([1.1, 0.8, 1.1] + [0.8] * 6, 7 / 9, None),
]


@pytest.mark.parametrize("moves, share, first", STEADY)
def test_steady_fraction_edge_for_shrink(moves, share, first):
    values = walk(1.0, moves)
    moved = np.array([m for m in moves if m != 1.0])
    assert np.mean(moved < 1.0) == share  # the share this case states, exactly
    assert values[-1] / values[0] <= 0.8  # the ratio is no edge here
    last = 10 * len(moves)
    expected = [("weight_decay_shrink", "l0", "info", first[0], last)] if first else []
    assert marks(run_of(norms(values)), "weight_decay_shrink") == expected


@pytest.mark.parametrize("moves, share, first", STEADY)
def test_steady_fraction_edge_for_growth(moves, share, first):
    up = [1.25 if m == 0.8 else (0.95 if m == 1.1 else 1.0) for m in moves]
    values = walk(1.0, up)
    moved = np.array([m for m in up if m != 1.0])
    assert np.mean(moved > 1.0) == share
    assert values[-1] >= 3 and values[-1] == values.max()  # the ratio and the peak are no edge here
    severity = "warning" if values[-1] >= 10 else "info"
    last = 10 * len(moves)
    expected = [("weight_growth", "l0", severity, first[1], last)] if first else []
    assert marks(run_of(norms(values)), "weight_growth") == expected


@pytest.mark.parametrize("kind, moves, overrides, fires", [
    ("weight_decay_shrink", [1.1] + [0.8] * 9, {"steady_fraction": "0.9"}, True),  # 9 of 10
    ("weight_decay_shrink", [1.1, 1.1] + [0.8] * 8, {"steady_fraction": "0.9"}, False),  # 8 of 10
    ("weight_growth", [0.95] + [1.25] * 9, {"steady_fraction": "0.9"}, True),
    ("weight_growth", [0.95, 0.95] + [1.25] * 8, {"steady_fraction": "0.9"}, False),
])
def test_steady_fraction_override(kind, moves, overrides, fires):
    values = walk(1.0, moves)
    found = [m[0] for m in marks(run_of(norms(values)), kind, **overrides)]
    assert found == ([kind] if fires else [])


def test_growth_must_end_near_its_peak():
    # STILL_RISING = 0.95: ending at 0.95 of the peak is still rising, at 0.9375 it came back down.
    assert marks(run_of(norms([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 32.0 * 1.9])), "weight_growth") == [
        ("weight_growth", "l0", "warning", 20, 70)]
    assert marks(run_of(norms([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 60.0])), "weight_growth") == []


# ------------------------------------------------------------ off centre

@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("mean, overrides, severity", [
    (0.124, {}, None),
    (0.125, {}, "info"),  # |mean| / std = 1 with std 0.125
    (0.374, {}, "info"),
    (0.375, {}, "warning"),  # 3
    (0.25, {"off_center_ratio": "2"}, "info"),
    (0.249, {"off_center_ratio": "2"}, None),
    (0.25, {"off_center_warning_ratio": "2"}, "warning"),
])
def test_off_center_edges_for_either_sign(sign, mean, overrides, severity):
    # Centred for three steps, then off centre (below zero as much as above).
    means = on(range(3, STEPS), sign * mean, 0.0)
    run = run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.125, l2_norm=1.0, change=1e-3))
    expected = [("off_center", "l0", severity, 30, 70)] if severity else []
    assert marks(run, "off_center", **overrides) == expected


@pytest.mark.parametrize("sign", [1.0, -1.0])
@pytest.mark.parametrize("start, fires", [(0.026, False), (0.025, False), (0.024, True)])
def test_symmetric_start_edge_for_either_sign(sign, start, fires):
    # |mean| / std at the first step just above, at and just below SYMMETRIC_START = 0.25; later 5 std off.
    means = np.full(STEPS, sign * 0.5)
    means[0] = sign * start
    run = run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.1, l2_norm=1.0, change=1e-3))
    expected = [("off_center", "l0", "warning", 10, 70)] if fires else []
    assert marks(run, "off_center") == expected


# ------------------------------------------------------------ clipped values

def clipped(share, count=1000.0, low=0.0):
    return view("l0/kernel", "l0", "weights", min=-0.5, max=0.5, std=0.2, mean=0.0, l2_norm=1.0, change=1e-3,
                count=count, max_fraction=on(range(2, STEPS), share, 0.0), min_fraction=on(range(2, STEPS), low, 0.0))


@pytest.mark.parametrize("share, low, overrides, expected", [
    (0.049, 0.0, {}, []),
    (0.05, 0.0, {}, [("clipped_values", "l0", "info", 20, 70)]),
    (0.025, 0.025, {}, [("clipped_values", "l0", "info", 20, 70)]),  # both bounds together
    (0.499, 0.0, {}, [("clipped_values", "l0", "info", 20, 70)]),
    (0.5, 0.0, {}, [("clipped_values", "l0", "warning", 20, 70)]),
    (0.25, 0.25, {}, [("clipped_values", "l0", "warning", 20, 70)]),
    (0.125, 0.0, {"clipped_fraction": "0.125"}, [("clipped_values", "l0", "info", 20, 70)]),
    (0.124, 0.0, {"clipped_fraction": "0.125"}, []),
    (0.25, 0.0, {"clipped_warning_fraction": "0.25"}, [("clipped_values", "l0", "warning", 20, 70)]),
])
def test_clipped_fraction_edges_and_span(share, low, overrides, expected):
    assert marks(run_of(clipped(share, low=low)), "clipped_values", **overrides) == expected


@pytest.mark.parametrize("count, expected", [
    (160.0, [("clipped_values", "l0", "info", 20, 70)]),  # 0.0625 * 160 = 10 values in the piles
    (159.0, []),  # 9.9 values
])
def test_clipped_min_values_edge(count, expected):
    assert marks(run_of(clipped(0.0625, count=count)), "clipped_values") == expected


@pytest.mark.parametrize("count, expected", [
    (100.0, [("clipped_values", "l0", "warning", 20, 70)]),
    (99.0, []),  # a tensor too small to tell a pile from bucket resolution
])
def test_clipped_min_tensor_edge(count, expected):
    assert marks(run_of(clipped(0.6, count=count)), "clipped_values") == expected
