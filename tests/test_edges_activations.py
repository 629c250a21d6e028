"""Edges of every setting and constant of the activation rules (``tb_histdiag_plugin/rules/activations.py``):
``dead_fraction``, ``dead_critical_fraction``, ``saturation_fraction``, ``saturation_critical_fraction``,
``saturation_margin``, ``BOUND_TOLERANCE`` (1e-3) and ``RELU_LIKE_ZEROS`` (0.3).

Saturation is read three ways: the pile at the minimum/maximum when that lies
within the margin of a bound, and the percentiles within the margin (p25 within
it: at least 25% are).  Activations here sit near the bounds but not at them
(no pile), so the margin and the percentile bound decide.  Each case expects
the exact markers with their spans (steps 0, 10, ..., 70).
"""

import numpy as np
import pytest

from rule_views import STEPS, marks, on, run_of, view

OUT = view("out/kernel", "out", "weights")  # the model's output layer: deeper than every activation here


# ------------------------------------------------------------ dead units

@pytest.mark.parametrize("zero, overrides, expected", [
    (0.8999, {}, []),
    (0.9, {}, [("dead_units", "l0", "warning", 30, 70)]),
    (0.9001, {}, [("dead_units", "l0", "warning", 30, 70)]),
    (0.9899, {}, [("dead_units", "l0", "warning", 30, 70)]),
    (0.99, {}, [("dead_units", "l0", "critical", 30, 70)]),
    (0.75, {"dead_fraction": "0.75"}, [("dead_units", "l0", "warning", 30, 70)]),
    (0.7499, {"dead_fraction": "0.75"}, []),
    (0.95, {"dead_critical_fraction": "0.95"}, [("dead_units", "l0", "critical", 30, 70)]),
    (0.9499, {"dead_critical_fraction": "0.95"}, [("dead_units", "l0", "warning", 30, 70)]),
])
def test_dead_units_edges_and_span(zero, overrides, expected):
    # Half zeros (a healthy ReLU) until step 30, then ``zero``.
    run = run_of(view("l0/activations", "l0", "activation", zero_fraction=on(range(3, STEPS), zero, 0.5),
                      min=0.0, max=3.0), view("l1/activations", "l1", "activation", zero_fraction=0.5, min=0.0,
                                              max=3.0))
    assert marks(run, "dead_units", **overrides) == expected


# ------------------------------------------------------------ saturation: the margin through percentiles

def near_bounds(tag, layer, inner, edge=0.97, **extra):
    """A tanh-like activation between -``edge`` and +``edge`` (no pile at either), symmetric, with p25 = ``inner``
    and p75 = -``inner`` per step: p1/p5 and p95/p99 within 0.05 of the bounds, the middle at zero."""
    inner = np.asarray(inner, dtype=float)
    given = dict(min=-edge, max=edge, min_fraction=0.0, max_fraction=0.0, mean=0.0, p1=-0.969, p5=-0.965,
                 p25=inner, p50=0.0, p75=-inner, p95=0.965, p99=0.969)
    given.update(extra)
    return view(tag, layer, "activation", **given)


@pytest.mark.parametrize("p25, overrides, expected", [
    # p25 within the margin of -1 (and p75 of +1): at least 25% + 25% saturated = 0.5: a warning.
    (-0.9501, {}, [("saturation", "l0", "warning", 20, 70)]),
    (-0.95, {}, [("saturation", "l0", "warning", 20, 70)]),  # exactly at 1 - 0.05
    (-0.9499, {}, []),  # just outside: only p5 and p95 within, 10%
    (-0.875, {"saturation_margin": "0.125"}, [("saturation", "l0", "warning", 20, 70)]),
    (-0.8749, {"saturation_margin": "0.125"}, []),
    # The p1/p5/p95/p99 here are within 0.05 of the bounds but not within 0.03: 0% saturated.
    (-0.98, {"saturation_margin": "0.03"}, [("saturation", "l0", "warning", 20, 70)]),
])
def test_saturation_margin_through_percentiles(p25, overrides, expected):
    act = near_bounds("l0/activations", "l0", on(range(2, STEPS), p25, -0.5))
    assert marks(run_of(act, OUT), "saturation", **overrides) == expected


@pytest.mark.parametrize("overrides, expected", [
    ({}, [("saturation", "l0", "warning", 0, 70)]),  # 0.8: above 0.5, below the critical 0.9
    ({"saturation_fraction": "0.8"}, [("saturation", "l0", "warning", 0, 70)]),  # exactly 0.75 + 0.05
    ({"saturation_fraction": "0.81"}, []),
    ({"saturation_critical_fraction": "0.8"}, [("saturation", "l0", "critical", 0, 70)]),
    ({"saturation_critical_fraction": "0.81"}, [("saturation", "l0", "warning", 0, 70)]),
])
def test_saturation_fractions_through_percentiles(overrides, expected):
    # p1..p75 within 0.05 of -1 (75%), p95 within 0.05 of +1 (5%): 80% saturated, no pile anywhere.
    act = view("l0/activations", "l0", "activation", min=-0.99, max=0.99, min_fraction=0.0, max_fraction=0.0,
               mean=-0.5, p1=-0.99, p5=-0.98, p25=-0.97, p50=-0.96, p75=-0.955, p95=0.96, p99=0.98)
    assert marks(run_of(act, OUT), "saturation", **overrides) == expected


@pytest.mark.parametrize("edge, expected", [
    (0.95, [("saturation", "l0", "warning", 0, 70)]),  # the extremes at 1 - margin: their piles count
    (0.9501, [("saturation", "l0", "warning", 0, 70)]),
    (0.9499, []),  # just inside: the piles are no saturation
])
def test_saturation_margin_through_the_piles_at_the_extremes(edge, expected):
    # 25% piled at each extreme; every percentile well inside (so they alone say 0%).
    act = view("l0/activations", "l0", "activation", min=-edge, max=edge, min_fraction=0.25, max_fraction=0.25,
               mean=0.0, p1=-0.5, p5=-0.4, p25=-0.2, p50=0.0, p75=0.2, p95=0.4, p99=0.5)
    assert marks(run_of(act, OUT), "saturation") == expected


# ------------------------------------------------------------ which activations are bounded

def piled(lo, hi, zero=0.0, share=0.3):
    """``share`` piled at each of ``lo`` and ``hi`` (0.6 at the bounds together)."""
    return view("l0/activations", "l0", "activation", min=lo, max=hi, min_fraction=share, max_fraction=share,
                zero_fraction=zero, mean=0.5 * (lo + hi), p1=lo, p5=lo, p25=lo, p50=0.5 * (lo + hi), p75=hi,
                p95=hi, p99=hi)


@pytest.mark.parametrize("lo, hi, fires", [
    (-1.0, 1.0, True),
    (-1.001, 1.0, True),  # float rounding of tanh: within BOUND_TOLERANCE = 1e-3 of -1
    (-1.0011, 1.0, False),  # beyond it: not a bounded activation
    (-1.0, 1.001, True),
    (-1.0, 1.0011, False),
    (-3.0, 1.0, False),
])
def test_bound_tolerance_edges(lo, hi, fires):
    expected = [("saturation", "l0", "warning", 0, 70)] if fires else []
    assert marks(run_of(piled(lo, hi), OUT), "saturation") == expected


@pytest.mark.parametrize("zero, fires", [(0.29, True), (0.2999, True), (0.3, False), (0.31, False)])
def test_relu_like_zeros_edge(zero, fires):
    # In [0, 1] with piles at both ends (a sigmoid... or a ReLU with many zeros and values capped at 1).
    # From RELU_LIKE_ZEROS = 0.3 exact zeros at some step it is ReLU-like, not a bounded activation.
    zeros = np.full(STEPS, 0.1)
    zeros[4] = zero  # one step is enough to tell
    run = run_of(piled(0.0, 1.0, zero=zeros), OUT)
    expected = [("saturation", "l0", "warning", 0, 70)] if fires else []
    assert marks(run, "saturation") == expected


def test_sigmoid_bounds_are_zero_and_one_tanh_bounds_are_plus_minus_one():
    # Values in [0.02, 0.98]: sigmoid-like, so 0.02 is within 0.05 of its lower bound 0; the same spread in
    # [-0.98, -0.02] would be tanh-like, its lower bound -1 (0.98 away from -0.02).
    sig = view("l0/activations", "l0", "activation", min=0.02, max=0.98, min_fraction=0.3, max_fraction=0.3,
               mean=0.5, p1=0.1, p5=0.2, p25=0.3, p50=0.5, p75=0.7, p95=0.8, p99=0.9)
    assert marks(run_of(sig, OUT), "saturation") == [("saturation", "l0", "warning", 0, 70)]
    tanh = view("l0/activations", "l0", "activation", min=-0.98, max=-0.02, min_fraction=0.3, max_fraction=0.3,
                mean=-0.5, p1=-0.9, p5=-0.8, p25=-0.7, p50=-0.5, p75=-0.3, p95=-0.2, p99=-0.1)
    # Only the pile at -0.98 is within 0.05 of a bound: 30%, below 50%.
    assert marks(run_of(tanh, OUT), "saturation") == []
