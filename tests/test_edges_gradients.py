"""Edges of every setting and constant of the gradient rules (``tb_histdiag_plugin/rules/gradients.py``).

Each case states statistics that put one threshold just below, at or just
above its edge while every other threshold is far from its own, and expects
the exact markers: kind, layer, severity and the span (``first_step``,
``last_step``; ``rule_views.view`` logs steps 0, 10, ..., 70).  The settings'
values are written here as numbers, not read from the code under test, and
each number is exact in binary where the edge is an equality (0.01 = 2 *
0.005, 20 / 2 = 10).
"""

import numpy as np
import pytest

from rule_views import STEPS, marks, on, run_of, view


def grad(layer, rms, zero=0.0, norm=None):
    """A kernel gradient of ``layer`` with the given RMS (and zero share) per step."""
    rms = np.broadcast_to(np.asarray(rms, dtype=float), (STEPS,)).copy()
    return view("%s/kernel/grad" % layer, layer, "gradient", "weights", rms=rms,
                l2_norm=rms if norm is None else norm, zero_fraction=zero)


def slow_on(steps, value, other=1.0):
    """A per-step array: ``value`` at the indices ``steps``, ``other`` (1.0) elsewhere."""
    return on(steps, value, other)


# ------------------------------------------------------------ vanishing_ratio (relative, strict <)

@pytest.mark.parametrize("ratio, overrides, expected", [
    (0.0101, {}, []),
    (0.01, {}, []),  # at the ratio: not below it
    (0.0099, {}, [("vanishing_gradient", "l0", "warning", 20, 70)]),
    (0.1, {"vanishing_ratio": "0.1"}, []),
    (0.099, {"vanishing_ratio": "0.1"}, [("vanishing_gradient", "l0", "warning", 20, 70)]),
    (0.101, {"vanishing_ratio": "0.1"}, []),
])
def test_vanishing_ratio_edge_and_span(ratio, overrides, expected):
    # l0 keeps up with l1 for two steps, then falls to ``ratio`` of it: the span starts at step 20.
    run = run_of(grad("l0", slow_on(range(2, STEPS), ratio)), grad("l1", 1.0))
    assert marks(run, "vanishing_gradient", **overrides) == expected


@pytest.mark.parametrize("worst, overrides, severity", [
    (1.01e-4, {}, "warning"),
    (1e-4, {}, "critical"),  # at or below the critical ratio
    (0.99e-4, {}, "critical"),
    (1.01e-3, {"vanishing_critical_ratio": "1e-3"}, "warning"),
    (1e-3, {"vanishing_critical_ratio": "1e-3"}, "critical"),
])
def test_vanishing_critical_ratio_is_read_at_the_worst_step(worst, overrides, severity):
    # 5e-3 of the output side on steps 20..70, ``worst`` at step 50 alone.
    rms = slow_on(range(2, STEPS), 5e-3)
    rms[5] = worst
    run = run_of(grad("l0", rms), grad("l1", 1.0))
    assert marks(run, "vanishing_gradient", **overrides) == [("vanishing_gradient", "l0", severity, 20, 70)]


@pytest.mark.parametrize("rms, overrides, fires", [
    (1.01e-7, {}, False), (1e-7, {}, False), (0.99e-7, {}, True),
    (1e-5, {"vanishing_abs": "1e-5"}, False), (0.99e-5, {"vanishing_abs": "1e-5"}, True),
])
def test_vanishing_absolute_floor_edge_and_span(rms, overrides, fires):
    # Both layers equally small from step 30 on (no ratio to speak of): only the floor decides.
    small = slow_on(range(3, STEPS), rms, other=1.0)
    run = run_of(grad("l0", small), grad("l1", small))
    expected = [("vanishing_gradient", name, "critical", 30, 70) for name in ("l0", "l1")] if fires else []
    assert marks(run, "vanishing_gradient", **overrides) == expected


@pytest.mark.parametrize("slow, overrides, expected", [
    ({0, 1, 4}, {}, []),  # one span (gaps of 2 join) but 3 of 8 steps: below half
    ({0, 1, 4, 5}, {}, [("vanishing_gradient", "l0", "warning", 0, 50)]),  # exactly half
    ({0, 1, 4, 5, 7}, {}, [("vanishing_gradient", "l0", "warning", 0, 70)]),
    ({0, 1, 4, 5, 7}, {"persist_fraction": "0.75"}, []),  # 5 of 8 below 0.75
    ({0, 1, 3, 4, 5, 7}, {"persist_fraction": "0.75"}, [("vanishing_gradient", "l0", "warning", 0, 70)]),  # 6 of 8
])
def test_vanishing_must_persist_on_a_share_of_the_steps(slow, overrides, expected):
    run = run_of(grad("l0", slow_on(slow, 1e-3)), grad("l1", 1.0))
    assert marks(run, "vanishing_gradient", **overrides) == expected


@pytest.mark.parametrize("rms, zero, ref_rms, ref_zero, expected", [
    # A sparse gradient: RMS over all entries 1/200 of the output side's, but 3/4 of its entries are exactly
    # zero, so its non-zero part is 0.005 / sqrt(0.25) = 0.01 of it: at the ratio, not below.
    (0.005, 0.75, 1.0, 0.0, []),
    (0.00495, 0.75, 1.0, 0.0, [("vanishing_gradient", "l0", "warning", 0, 70)]),  # non-zero part 0.0099
    # The reference sparse instead: 0.5 over all entries is 1.0 over its non-zero half... of a quarter.
    (0.0099, 0.0, 0.5, 0.75, [("vanishing_gradient", "l0", "warning", 0, 70)]),  # 0.0099 of 1.0
    (0.0101, 0.0, 0.5, 0.75, []),
])
def test_vanishing_compares_the_non_zero_part_of_sparse_gradients(rms, zero, ref_rms, ref_zero, expected):
    run = run_of(grad("l0", rms, zero=zero), grad("l1", ref_rms, zero=ref_zero))
    assert marks(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("zero_steps, expected", [
    ({7}, []),  # one logged step of zeros is no trend
    ({6, 7}, [("vanishing_gradient", "l0", "critical", 60, 70)]),
    # Five of eight steps: the persistent reading (practically zero) takes it, same span.
    ({3, 4, 5, 6, 7}, [("vanishing_gradient", "l0", "critical", 30, 70)]),
])
def test_gradient_zeroed_late_spans_its_zero_tail(zero_steps, expected):
    # Zero at the end only, non-zero before.
    rms = slow_on(zero_steps, 0.0, other=0.01)
    zero = slow_on(zero_steps, 1.0, other=0.0)
    run = run_of(grad("l0", rms, zero=zero), grad("l1", 0.01))
    assert marks(run, "vanishing_gradient") == expected


# ------------------------------------------------------------ exploding gradients

EARLY = [1.0, 4.0, 2.0]  # median 2 (mean 2.33; first two 2.5; with the next step, more)


@pytest.mark.parametrize("late, expected", [
    (19.98, []),
    (20.0, [("exploding_gradient", "l0", "info", 30, 70)]),  # 10x the median of the first 3 steps
    (199.8, [("exploding_gradient", "l0", "info", 30, 70)]),
    (200.0, [("exploding_gradient", "l0", "warning", 30, 70)]),  # 100x
    (1998.0, [("exploding_gradient", "l0", "warning", 30, 70)]),
    (2000.0, [("exploding_gradient", "l0", "critical", 30, 70)]),  # 1000x
])
def test_exploding_factors_over_a_non_flat_early_baseline(late, expected):
    norm = np.array(EARLY + [late] * (STEPS - 3))
    run = run_of(grad("l0", norm))
    assert marks(run, "exploding_gradient") == expected


@pytest.mark.parametrize("norm, overrides, expected", [
    # early_steps 3: baseline median(1, 4, 2) = 2, growth 10 from step 30.  A baseline of 2 or 4 steps
    # (2.5 or 3) would see 8x or 6.7x: nothing.
    (EARLY + [20.0] * 5, {}, [("exploding_gradient", "l0", "info", 30, 70)]),
    # early_steps 4: baseline median(1, 4, 2, 3) = 2.5; the 4th step is baseline, not growth.
    (EARLY + [3.0] + [25.0] * 4, {"early_steps": "4"}, [("exploding_gradient", "l0", "info", 40, 70)]),
    (EARLY + [3.0] + [24.9] * 4, {"early_steps": "4"}, []),
    # early_steps 2: baseline median(1, 3) = 2, growth from step 20.
    ([1.0, 3.0] + [20.0] * 6, {"early_steps": "2"}, [("exploding_gradient", "l0", "info", 20, 70)]),
    ([1.0, 3.0] + [19.9] * 6, {"early_steps": "2"}, []),
    # exploding_warning_factor 50, exploding_critical_factor 500 (over the baseline of 2).
    (EARLY + [100.0] * 5, {"exploding_warning_factor": "50"}, [("exploding_gradient", "l0", "warning", 30, 70)]),
    (EARLY + [99.8] * 5, {"exploding_warning_factor": "50"}, [("exploding_gradient", "l0", "info", 30, 70)]),
    (EARLY + [1000.0] * 5, {"exploding_critical_factor": "500"}, [("exploding_gradient", "l0", "critical", 30, 70)]),
    (EARLY + [998.0] * 5, {"exploding_critical_factor": "500"}, [("exploding_gradient", "l0", "warning", 30, 70)]),
    # exploding_factor 5: 5x the baseline of 2.
    (EARLY + [10.0] * 5, {"exploding_factor": "5"}, [("exploding_gradient", "l0", "info", 30, 70)]),
    (EARLY + [9.9] * 5, {"exploding_factor": "5"}, []),
])
def test_exploding_early_steps_and_factor_overrides(norm, overrides, expected):
    assert marks(run_of(grad("l0", np.array(norm))), "exploding_gradient", **overrides) == expected


@pytest.mark.parametrize("peak, overrides, expected", [
    (0.99e6, {}, []),
    (1e6, {}, [("exploding_gradient", "l0", "critical", 50, 60)]),  # absurd, though only 5x the baseline
    (4.99e5, {"exploding_abs": "5e5"}, []),
    (5e5, {"exploding_abs": "5e5"}, [("exploding_gradient", "l0", "critical", 50, 60)]),
])
def test_exploding_absurd_norm_edge_and_span(peak, overrides, expected):
    # A large but steady norm (2e5) reaching ``peak`` at steps 50 and 60: under 10x, only the ceiling speaks.
    norm = np.full(STEPS, 2e5)
    norm[5:7] = peak
    assert marks(run_of(grad("l0", norm)), "exploding_gradient", **overrides) == expected


# ------------------------------------------------------------ dead units from bias gradients

def bias_grads(*zero):
    return [view("l%d/bias/grad" % i, "l%d" % i, "gradient", "bias", rms=0.01, l2_norm=0.1, zero_fraction=z)
            for i, z in enumerate(zero)]


@pytest.mark.parametrize("zero, peer, overrides, expected", [
    (0.5, 0.0, {}, []),  # above 50% is needed (strict)
    (0.5078125, 0.0, {}, [("dead_units", "l1", "warning", 20, 70)]),
    (0.75, 0.5, {}, [("dead_units", "l1", "warning", 20, 70)]),  # exactly 0.25 above the peers
    (0.74, 0.5, {}, []),
    (0.76, 0.5, {}, [("dead_units", "l1", "warning", 20, 70)]),
    (0.98, 0.0, {}, [("dead_units", "l1", "warning", 20, 70)]),
    (0.99, 0.0, {}, [("dead_units", "l1", "critical", 20, 70)]),
    (0.75, 0.0, {"dead_gradient_fraction": "0.75"}, []),
    (0.7578125, 0.0, {"dead_gradient_fraction": "0.75"}, [("dead_units", "l1", "warning", 20, 70)]),
    (0.625, 0.5, {"dead_gradient_margin": "0.125"}, [("dead_units", "l1", "warning", 20, 70)]),
    (0.62, 0.5, {"dead_gradient_margin": "0.125"}, []),
    (0.9, 0.0, {"dead_critical_fraction": "0.9"}, [("dead_units", "l1", "critical", 20, 70)]),
])
def test_dead_units_from_bias_gradients_edges_and_span(zero, peer, overrides, expected):
    # l1's units go silent from step 20 on; until then it looks like its peers.
    run = run_of(*bias_grads(peer, slow_on(range(2, STEPS), zero, other=peer), peer))
    assert marks(run, "dead_units", **overrides) == expected


@pytest.mark.parametrize("dead, overrides, expected", [
    ({2, 3}, {}, []),  # two logged steps in a row: one batch's silence twice, not dead units
    ({2, 3, 4}, {}, [("dead_units", "l1", "warning", 20, 40)]),  # three in a row
    ({1, 2, 4, 5}, {}, []),  # four steps, but never three in a row
    ({1, 2, 4, 5}, {"dead_gradient_steps": "2"}, [("dead_units", "l1", "warning", 10, 50)]),
    ({1, 2, 3, 5, 6}, {"dead_gradient_steps": "3"}, [("dead_units", "l1", "warning", 10, 30)]),
    ({2, 3, 4}, {"dead_gradient_steps": "4"}, []),
])
def test_dead_units_from_bias_gradients_must_last(dead, overrides, expected):
    run = run_of(*bias_grads(0.0, slow_on(dead, 0.9, other=0.0), 0.0))
    assert marks(run, "dead_units", **overrides) == expected
