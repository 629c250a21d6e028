"""The gradient rules (``tb_histdiag_plugin/rules/gradients.py``) called directly: spans, severities and the
evidence sentences a user reads, written out by hand from the statistics each test builds.

Added for mutation testing (tests/mutation/): the rule tests and the edge tests check which markers fire
and where; these also pin which step and which reference layer the evidence names, the plateau escape
of exploding gradients (the logged training loss), the baseline of exploding gradients, the zero onset
of a gradient that becomes exactly zero, and dead units read from layers logged at different steps.
Views log steps 0, 10, ..., 70 (``rule_views.view``) unless a test says otherwise.
"""

import warnings

import numpy as np
import pytest

from rule_views import STEPS, run_of, view
from tb_histdiag_plugin.rules import gradients
from tb_histdiag_plugin.scalars import Signal
from tb_histdiag_plugin.settings import parse_settings

STEP = np.arange(STEPS) * 10


def grad(layer, rms, zero=0.0, norm=None, n=STEPS):
    """A kernel gradient of ``layer`` with the given RMS (and zero share, L2 norm) per step."""
    rms = np.broadcast_to(np.asarray(rms, dtype=float), (n,)).copy()
    return view("%s/kernel/grad" % layer, layer, "gradient", "weights", n=n, rms=rms,
                l2_norm=rms if norm is None else norm, zero_fraction=zero)


def call(rule, run, **overrides):
    """``[(kind, layer, severity, first_step, last_step, evidence_from, evidence)]`` of ``rule`` on ``run``."""
    return [(m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence_from"],
             m["evidence"]) for m in rule(run, parse_settings(overrides))]


def vanishing(run, **overrides):
    return call(gradients.vanishing_gradient, run, **overrides)


def exploding(run, **overrides):
    return call(gradients.exploding_gradient, run, **overrides)


# ------------------------------------------------------------ vanishing: which step and which layer the evidence names

def test_vanishing_evidence_names_the_worst_step_and_the_largest_layer_nearer_the_output():
    # l0 keeps up for two steps, then sits at 0.01 of l2's 2 (ratio 0.005) with a dip to 0.004 (1/500) at
    # step 40.  l1 (0.5) is nearer the output too but smaller: the reference is l2.
    l0 = [1.0, 1.0, 0.01, 0.01, 0.004, 0.01, 0.01, 0.01]
    run = run_of(grad("l0", l0), grad("l1", 0.5), grad("l2", 2.0))
    assert vanishing(run) == [(
        "vanishing_gradient", "l0", "warning", 20, 70, "gradients",
        "gradient RMS 0.004 at step 40 is 1/500 of l2's 2 (nearer the output); below 0.01 of it at 6 of 8 steps")]


def test_vanishing_reference_ties_go_to_the_shallower_layer():
    run = run_of(grad("l0", 0.005), grad("l1", 1.0), grad("l2", 1.0))
    assert vanishing(run) == [(
        "vanishing_gradient", "l0", "warning", 0, 70, "gradients",
        "gradient RMS 0.005 at step 0 is 1/200 of l1's 1 (nearer the output); below 0.01 of it at 8 of 8 steps")]


def test_vanishing_step_missing_inside_the_span_is_not_counted():
    # l0 has no histogram at step 20: the span runs through it, 7 logged steps, the worst at step 30 (1/500).
    l0 = [0.005, 0.005, np.nan, 0.002, 0.005, 0.005, 0.005, 0.005]
    run = run_of(grad("l0", l0), grad("l1", 1.0))
    assert vanishing(run) == [(
        "vanishing_gradient", "l0", "warning", 0, 70, "gradients",
        "gradient RMS 0.002 at step 30 is 1/500 of l1's 1 (nearer the output); below 0.01 of it at 7 of 7 steps")]


def test_a_step_missing_nearer_the_output_is_no_reference():
    # l1 logged no histogram on steps 20..60: l0 (half of l1 where both are logged) has nothing to be compared
    # with there, which is no reason to call it vanishing.
    l1 = [1.0, 1.0, np.nan, np.nan, np.nan, np.nan, np.nan, 1.0]
    run = run_of(grad("l0", 0.5), grad("l1", l1))
    assert vanishing(run) == []
    # A layer further on still is the reference where the nearer one is missing.
    run = run_of(grad("l0", 0.005), grad("l1", l1), grad("l2", 1.0))
    assert [m[:5] for m in vanishing(run)] == [("vanishing_gradient", "l0", "warning", 0, 70)]


def test_practically_zero_after_relatively_small_names_the_first_practically_zero_step():
    # l0 falls to 1/1000 of l1 at steps 20-30, then to 5e-8 (below the floor 1e-7) from step 40: critical, and
    # the evidence is read at step 40, the first practically zero step (still 1/2e7 of l1).
    l0 = [1.0, 1.0, 0.001, 0.001, 5e-8, 5e-8, 5e-8, 5e-8]
    run = run_of(grad("l0", l0), grad("l1", 1.0))
    assert vanishing(run) == [(
        "vanishing_gradient", "l0", "critical", 20, 70, "gradients",
        "gradient RMS 5.00e-08 at step 40 is 1/2.00e+07 of l1's 1 (nearer the output); below 0.01 of it at 6 of 8 "
        "steps")]


def test_practically_zero_everywhere_says_so_without_a_ratio():
    # Both layers fall to 5e-8 from step 30: no ratio between them, the absolute floor speaks for both.
    small = [1.0, 1.0, 1.0, 5e-8, 5e-8, 5e-8, 5e-8, 5e-8]
    run = run_of(grad("l0", small), grad("l1", small))
    sentence = "gradient RMS 5.00e-08 at step 30 is practically zero (below 1.00e-07) at 5 of 8 steps"
    assert vanishing(run) == [("vanishing_gradient", name, "critical", 30, 70, "gradients", sentence)
                              for name in ("l0", "l1")]


@pytest.mark.parametrize("rms, zero, expected", [
    # 3/4 of the entries exactly zero: the non-zero part's RMS is rms / sqrt(1/4) = 2 rms.
    (0.005, 0.75, []),  # non-zero part 0.01 of l1: at the ratio, not below
    (0.004, 0.75, [("vanishing_gradient", "l0", "warning", 0, 70, "gradients",
                    "gradient RMS 0.008 at step 0 is 1/125 of l1's 1 (nearer the output); below 0.01 of it at 8 of 8 "
                    "steps")]),
    (0.004, 0.0, [("vanishing_gradient", "l0", "warning", 0, 70, "gradients",
                   "gradient RMS 0.004 at step 0 is 1/250 of l1's 1 (nearer the output); below 0.01 of it at 8 of 8 "
                   "steps")]),
])
def test_sparse_gradient_is_judged_and_reported_by_its_non_zero_part(rms, zero, expected):
    assert vanishing(run_of(grad("l0", rms, zero=zero), grad("l1", 1.0))) == expected


@pytest.mark.parametrize("l0", [0.01, 0.0])
def test_all_zero_layer_nearer_the_output_is_no_reference_and_the_rule_stays_quiet(l0):
    # l1's gradient is exactly zero everywhere: practically zero itself, and nothing to divide l0 by (no numpy
    # warning in the server's log either).
    run = run_of(grad("l0", l0, zero=1.0 if l0 == 0 else 0.0), grad("l1", 0.0, zero=1.0))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        got = vanishing(run)
    zero_everywhere = [("vanishing_gradient", "l1", "critical", 0, 70, "gradients",
                        "gradient RMS 0 at step 0 is practically zero (below 1.00e-07) at 8 of 8 steps")]
    if l0 == 0:
        zero_everywhere.insert(0, ("vanishing_gradient", "l0", "critical", 0, 70, "gradients",
                                   "gradient RMS 0 at step 0 is practically zero (below 1.00e-07) at 8 of 8 steps"))
    assert got == zero_everywhere


# ------------------------------------------------------------ vanishing: a gradient that becomes exactly zero

def test_zeroed_gradient_evidence_names_the_last_non_zero_step():
    # Rising until step 50, exactly zero at steps 60 and 70: 2 of 8 steps, too few for the persistent reading.
    rms = [0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.0, 0.0]
    zero = [0.0] * 6 + [1.0, 1.0]
    run = run_of(grad("l0", rms, zero=zero), grad("l1", 0.01))
    assert vanishing(run) == [(
        "vanishing_gradient", "l0", "critical", 60, 70, "gradients",
        "gradient is exactly zero everywhere from step 60 to 70 (2 logged steps), after RMS 0.06 at step 50")]


@pytest.mark.parametrize("share, fires", [
    (1.0, True),
    (1.0 - 1e-9, True),  # ALL_ZERO: zero everywhere at the stored resolution
    (1.0 - 2e-9, False),  # just below: a few entries are not zero
])
def test_zeroed_gradient_needs_a_zero_share_of_all_zero(share, fires):
    rms = [0.01] * 6 + [0.0, 0.0]
    zero = [0.0] * 6 + [share, share]
    run = run_of(grad("l0", rms, zero=zero), grad("l1", 0.01))
    expected = [("vanishing_gradient", "l0", "critical", 60, 70, "gradients",
                 "gradient is exactly zero everywhere from step 60 to 70 (2 logged steps), after RMS 0.01 at step 50")]
    assert vanishing(run) == (expected if fires else [])


def test_zeroed_gradient_in_a_three_step_run_under_a_strict_persist_fraction():
    # Zero on the last 2 of 3 logged steps: 2 < 0.9 * 3, so only the zero onset reads it.
    run = run_of(grad("l0", [0.01, 0.0, 0.0], zero=[0.0, 1.0, 1.0], n=3), grad("l1", 0.01, n=3))
    assert vanishing(run, persist_fraction="0.9") == [(
        "vanishing_gradient", "l0", "critical", 10, 20, "gradients",
        "gradient is exactly zero everywhere from step 10 to 20 (2 logged steps), after RMS 0.01 at step 0")]
    # The default (half the steps) reads the same two steps as persistently practically zero.
    assert [m[:5] for m in vanishing(run)] == [("vanishing_gradient", "l0", "critical", 10, 20)]


# ------------------------------------------------------------ exploding: baseline, peak and evidence

def test_exploding_evidence_reads_the_baseline_and_the_peak():
    # Baseline median(1, 4, 2) = 2 over steps 0-20; from step 30 at least 10x; the peak 250 (125x) at step 50.
    norm = np.array([1.0, 4.0, 2.0, 20.0, 30.0, 250.0, 40.0, 40.0])
    assert exploding(run_of(grad("l0", 1.0, norm=norm))) == [(
        "exploding_gradient", "l0", "warning", 30, 70, "gradients",
        "gradient L2 norm 2 early (median of steps 0–20) → 250 at step 50 (125×)")]


def test_exploding_baseline_skips_steps_without_a_gradient():
    # Step 0's norm is 0 (nothing logged yet): the baseline is median(1, 4, 2) = 2 over steps 10-30, so 150 is
    # 75x (info); a baseline from step 0 (median 1) would make it 150x.
    norm = np.array([0.0, 1.0, 4.0, 2.0, 150.0, 150.0, 150.0, 150.0])
    assert exploding(run_of(grad("l0", 1.0, norm=norm))) == [(
        "exploding_gradient", "l0", "info", 40, 70, "gradients",
        "gradient L2 norm 2 early (median of steps 10–30) → 150 at step 40 (75×)")]


def test_exploding_growth_counts_only_after_the_baseline():
    # The third early step (30) is part of the baseline (median 1), not growth: the span starts at step 30.
    norm = np.array([1.0, 1.0, 30.0, 20.0, 20.0, 20.0, 20.0, 20.0])
    assert exploding(run_of(grad("l0", 1.0, norm=norm))) == [(
        "exploding_gradient", "l0", "info", 30, 70, "gradients",
        "gradient L2 norm 1 early (median of steps 0–20) → 20 at step 30 (20×)")]


def test_exploding_on_the_last_two_steps_only():
    norm = np.array([1.0] * 6 + [20.0, 20.0])
    assert exploding(run_of(grad("l0", 1.0, norm=norm))) == [(
        "exploding_gradient", "l0", "info", 60, 70, "gradients",
        "gradient L2 norm 1 early (median of steps 0–20) → 20 at step 60 (20×)")]


def test_every_layer_is_read_past_layers_without_gradient_or_growth():
    # l0's gradient is zero throughout (no baseline), l1 is steady, l2 grows 20x from step 30.
    run = run_of(grad("l0", 0.0, zero=1.0), grad("l1", 1.0), grad("l2", 1.0, norm=[1.0] * 3 + [20.0] * 5))
    assert [m[:5] for m in exploding(run)] == [("exploding_gradient", "l2", "info", 30, 70)]


def loss(values, steps=None):
    values = np.asarray(values, dtype=float)
    return {"loss": Signal("run", "loss", STEP[:len(values)] if steps is None else np.asarray(steps), values)}


def test_exploding_then_non_finite_is_critical_and_says_from_which_step():
    # 10x from step 30, the peak 40 (20x) at step 50, NaN from step 60.  A falling loss changes nothing:
    # non-finite gradients are no plateau escape.
    norm = np.array([1.0, 4.0, 2.0, 20.0, 30.0, 40.0, np.nan, np.nan])
    v = grad("l0", 1.0, norm=norm)
    v.non_finite[6:] = True
    expected = [("exploding_gradient", "l0", "critical", 30, 50, "gradients",
                 "gradient L2 norm 2 early (median of steps 0–20) → 40 at step 50 (20×); non-finite from step 60")]
    run = run_of(v)
    assert exploding(run) == expected
    run.scalars = loss([1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5])
    assert exploding(run) == expected


def test_absurd_norm_is_critical_even_while_the_loss_falls():
    norm = np.array([2e5] * 5 + [1e6, 1e6, 2e5])  # 5x the baseline, but at the ceiling of 1e6
    run = run_of(grad("l0", 1.0, norm=norm))
    run.scalars = loss([1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5])
    assert exploding(run) == [(
        "exploding_gradient", "l0", "critical", 50, 60, "gradients",
        "gradient L2 norm 2.00e+05 early (median of steps 0–20) → 1.00e+06 at step 50 (5×)")]


# ------------------------------------------------------------ exploding: the plateau escape (training loss)

GROWING = np.array([1e-3, 1e-3, 1e-3, 0.02, 0.05, 0.1, 0.2, 0.3])  # 300x the baseline at step 70
GREW = "gradient L2 norm 0.001 early (median of steps 0–20) → 0.3 at step 70 (300×)"


def escape(before, after):
    return ("; the training loss fell from %s to %s meanwhile: gradients growing out of an initial plateau, not "
            "diverging" % (before, after))


def growing(scalars):
    run = run_of(grad("l0", 1.0, norm=GROWING))
    if scalars is not None:
        run.scalars = scalars
    return run


@pytest.mark.parametrize("scalars, severity, evidence", [
    (None, "warning", GREW),  # no loss logged: the growth alone
    ({}, "warning", GREW),
    ({"accuracy": loss([0.1] * 8)["loss"]}, "warning", GREW),  # a signal, but not the loss
    # The loss fell from 1 (step 20, the baseline's last) to 0.5 (step 70, the peak): leaving a plateau.
    (loss([1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5]), "info", GREW + escape("1", "0.5")),
    (loss([1.0] * 8), "warning", GREW),  # flat
    (loss(np.linspace(1.0, 3.0, 8)), "warning", GREW),  # rising
    (loss([1.0, 1.0, 1.0, 0.9, np.nan, 0.7, 0.6, 0.5]), "warning", GREW),  # NaN on the way
    # NaN after the peak (the loss is logged beyond the last histogram) is not "meanwhile".
    (loss([1.0, 1.0, 1.0, 0.9, 0.8, 0.7, 0.6, 0.5, np.nan], steps=np.arange(9) * 10), "info",
     GREW + escape("1", "0.5")),
    # The loss fell before the baseline's last step (20), not after it: 1 -> 0.99 is less than 5 %.
    (loss([2.0, 2.0, 1.0, 1.0, 1.0, 1.0, 1.0, 0.99]), "warning", GREW),
    # No loss logged until step 30: nothing to compare the peak's loss with.
    (loss([0.9, 0.8, 0.7, 0.6, 0.5], steps=[30, 40, 50, 60, 70]), "warning", GREW),
    # Logged between the histograms' steps: the last value at or before each (15 -> 1, 65 -> 0.5).
    (loss([2.0, 1.0, 0.8, 0.5], steps=[5, 15, 45, 65]), "info", GREW + escape("1", "0.5")),
    (loss([0.94], steps=[0]), "warning", GREW),  # one value only: the same at both ends, no fall
])
def test_growth_while_the_loss_falls_is_a_plateau_escape(scalars, severity, evidence):
    assert exploding(growing(scalars)) == [("exploding_gradient", "l0", severity, 30, 70, "gradients", evidence)]


@pytest.mark.parametrize("after, overrides, severity", [
    (0.94, {}, "info"),  # fell by 6 %: more than loss_min_fall (5 %)
    (0.96, {}, "warning"),  # 4 %
    (1.5, {"loss_min_fall": "0.25"}, "info"),  # exactly 25 % of 2: enough
    (1.5000001, {"loss_min_fall": "0.25"}, "warning"),
    (1.8, {"loss_min_fall": "0.25"}, "warning"),  # 10 %
])
def test_plateau_escape_needs_the_loss_to_fall_by_loss_min_fall(after, overrides, severity):
    before = 2.0 if overrides else 1.0
    run = growing(loss([before] * 7 + [after]))  # before at step 20, after at step 70
    (got,) = exploding(run, **overrides)
    assert got[2] == severity
    assert got[6].endswith(escape("%.3g" % before, "%.3g" % after)) == (severity == "info")


# ------------------------------------------------------------ dead units from bias gradients

def bias_grad(layer, zero, n=STEPS, every=10):
    v = view("%s/bias/grad" % layer, layer, "gradient", "bias", n=n, rms=0.01, l2_norm=0.1, zero_fraction=zero)
    v.steps = np.arange(n) * every
    return v


def dead(run, **overrides):
    return call(gradients.dead_units_from_gradients, run, **overrides)


def test_two_layers_are_enough_peers_and_the_evidence_reads_the_worst_step():
    # l1 goes silent from step 20, worst at step 40 (95 %); its one peer l0 has 20 % zeros.
    l1 = [0.2, 0.2, 0.8, 0.9, 0.95, 0.9, 0.9, 0.9]
    assert dead(run_of(bias_grad("l0", 0.2), bias_grad("l1", l1))) == [(
        "dead_units", "l1", "warning", 20, 70, "gradients",
        "95% of bias-gradient entries are exactly zero at step 40 (units that passed no gradient on the whole "
        "batch), against 20% for the other layers (median)")]


def test_one_layer_has_no_peers():
    assert dead(run_of(bias_grad("l0", 0.9))) == []


def test_dead_units_span_the_run_wide_steps_when_layers_log_at_different_steps():
    # l0 and l2 log every 5 steps (0..75), l1 every 10 (0..70) and is silent from step 20 on.
    run = run_of(bias_grad("l0", 0.0, n=16, every=5), bias_grad("l1", [0.0, 0.0] + [0.9] * 6),
                 bias_grad("l2", 0.0, n=16, every=5))
    assert dead(run) == [(
        "dead_units", "l1", "warning", 20, 70, "gradients",
        "90% of bias-gradient entries are exactly zero at step 20 (units that passed no gradient on the whole "
        "batch), against 0% for the other layers (median)")]
