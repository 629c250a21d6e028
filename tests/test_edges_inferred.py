"""Edges of the settings and constants of the inferences from weights (``tb_histdiag_plugin/rules/inferred.py``):
``persist_fraction`` (with paces that vary, so not every step is slow), ``inferred_slow_ratio``,
``inferred_vanishing_ratio``, ``MIN_VALUES`` (100), ``ZERO_INITIALISED`` (0.5), ``inferred_exploding_factor``
and ``inferred_exploding_steps``.

Run views of weights only (no gradient logged), input side first; each case
expects the exact markers with their spans (steps 0, 10, ..., 70).  Every
inferred marker is a warning at most.
"""

import numpy as np
import pytest

from rule_views import marks, on, run_of, view


def kernels(*change, count=None):
    counts = count or [1000.0] * len(change)
    return [view("l%d/kernel" % i, "l%d" % i, "weights", change=c, count=n, l2_norm=10.0, mean=0.0, std=0.1)
            for i, (c, n) in enumerate(zip(change, counts, strict=True))]


def vanishing(*layers, first=0, last=70):
    return [("vanishing_gradient", name, "warning", first, last) for name in layers]


# ------------------------------------------------------------ persistence, step by step

@pytest.mark.parametrize("slow, overrides, expected", [
    # The input side is slow (1e-3 and 1e-4 of the output side's 1.0) on the steps ``slow`` and as fast
    # as half the output side's pace on the others: each layer's median pace is slow, the steps vary.
    ({1, 2, 3, 4, 5}, {}, vanishing("l0", "l1", first=10, last=50)),  # 5 of 8 steps: above half
    ({1, 2, 3, 4, 5}, {"persist_fraction": "0.75"}, []),  # 5 of 8 below 0.75
    ({1, 2, 3, 4, 5, 6}, {"persist_fraction": "0.75"}, vanishing("l0", "l1", first=10, last=60)),  # exactly 6 of 8
    ({0, 1, 2, 3, 4, 5, 6}, {"persist_fraction": "0.75"}, vanishing("l0", "l1", first=0, last=60)),
    ({0, 1, 2, 3, 4, 5, 6}, {"persist_fraction": "0.875"}, vanishing("l0", "l1", first=0, last=60)),  # 7 of 8
    ({1, 2, 3, 4, 5, 6}, {"persist_fraction": "0.875"}, []),
])
def test_inferred_vanishing_must_persist_step_by_step(slow, overrides, expected):
    run = run_of(*kernels(on(slow, 1e-3, 0.5), on(slow, 1e-4, 0.5), 1.0, 1.0))
    assert marks(run, "vanishing_gradient", **overrides) == expected


# ------------------------------------------------------------ how slow, how far behind

@pytest.mark.parametrize("second, overrides, expected", [
    (0.101, {}, []),
    (0.1, {}, vanishing("l0", "l1")),  # at most 0.1 of the output side's fastest
    (0.099, {}, vanishing("l0", "l1")),
    (0.2, {"inferred_slow_ratio": "0.2"}, vanishing("l0", "l1")),
    (0.201, {"inferred_slow_ratio": "0.2"}, []),
])
def test_inferred_slow_ratio_edge(second, overrides, expected):
    run = run_of(*kernels(1e-3, second, 1.0, 1.0))
    assert marks(run, "vanishing_gradient", **overrides) == expected


@pytest.mark.parametrize("slowest, overrides, expected", [
    (0.0101, {}, []),
    (0.01, {}, vanishing("l0", "l1")),  # at most 0.01 of the output side's fastest
    (0.05, {"inferred_vanishing_ratio": "0.05"}, vanishing("l0", "l1")),
    (0.0501, {"inferred_vanishing_ratio": "0.05"}, []),
])
def test_inferred_vanishing_ratio_edge(slowest, overrides, expected):
    run = run_of(*kernels(slowest, 0.06, 1.0, 1.0))
    assert marks(run, "vanishing_gradient", **overrides) == expected


@pytest.mark.parametrize("count, expected", [
    (100.0, vanishing("l0", "l1")),  # MIN_VALUES = 100 values: judged
    (99.0, []),  # fewer: not judged, and l1 alone is no fall
])
def test_min_values_edge_for_the_judged_layers(count, expected):
    run = run_of(*kernels(1e-4, 1e-5, 1.0, 1.0, count=[count, 1000.0, 1000.0, 1000.0]))
    assert marks(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("count, expected", [
    (100.0, vanishing("l0", "l1", "l2")),  # the 1.0-pace output layer is the reference: l2 is behind it too
    (99.0, vanishing("l0", "l1")),  # too small to be the reference: l2 (2e-3) is the output side
])
def test_min_values_edge_for_the_reference(count, expected):
    run = run_of(*kernels(1e-4, 1e-5, 2e-3, 1.0, count=[1000.0, 1000.0, 1000.0, count]))
    assert marks(run, "vanishing_gradient") == expected


# ------------------------------------------------------------ exploding, inferred from weight norms

def jumping(norms, zero_start=0.0):
    zero = np.zeros(len(norms))
    zero[0] = zero_start
    return view("l0/kernel", "l0", "weights", l2_norm=np.asarray(norms, dtype=float), zero_fraction=zero, mean=0.0,
                std=0.1, change=1e-3)


JUMP = [1.0, 1.0, 1.0, 1.0, 100.0, 100.0, 100.0, 100.0]  # 100x at steps 40, 50 and 60 over the 3 steps before


@pytest.mark.parametrize("zero_start, expected", [
    (0.49, [("exploding_gradient", "l0", "warning", 40, 60)]),
    (0.5, []),  # ZERO_INITIALISED: half its first values exactly zero, it grows from nothing
    (0.51, []),
])
def test_zero_initialised_edge(zero_start, expected):
    assert marks(run_of(jumping(JUMP, zero_start)), "exploding_gradient") == expected


@pytest.mark.parametrize("peak, overrides, expected", [
    (99.0, {}, []),
    (100.0, {}, [("exploding_gradient", "l0", "warning", 40, 60)]),
    (1e6, {}, [("exploding_gradient", "l0", "warning", 40, 60)]),  # never above a warning
    (10.0, {"inferred_exploding_factor": "10"}, [("exploding_gradient", "l0", "warning", 40, 60)]),
    (9.9, {"inferred_exploding_factor": "10"}, []),
])
def test_inferred_exploding_factor_edge(peak, overrides, expected):
    norms = [1.0] * 4 + [peak] * 4
    assert marks(run_of(jumping(norms)), "exploding_gradient", **overrides) == expected


@pytest.mark.parametrize("norms, overrides, expected", [
    ([1.0, 1.0, 1.0, 1.0, 10.0, 31.6, 100.0, 100.0], {}, [("exploding_gradient", "l0", "warning", 60, 60)]),
    ([1.0, 1.0, 1.0, 1.0, 3.2, 10.0, 31.6, 100.0], {}, []),  # 100x over 4 logged steps
    ([1.0, 1.0, 1.0, 1.0, 3.2, 10.0, 31.6, 100.0], {"inferred_exploding_steps": "4"},
     [("exploding_gradient", "l0", "warning", 70, 70)]),
    ([1.0, 1.0, 1.0, 1.0, 10.0, 100.0, 100.0, 100.0], {"inferred_exploding_steps": "1"},
     []),  # 10x per step: no single step jumps 100x
])
def test_inferred_exploding_window_edge(norms, overrides, expected):
    assert marks(run_of(jumping(norms)), "exploding_gradient", **overrides) == expected
