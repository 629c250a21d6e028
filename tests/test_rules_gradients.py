"""The rules that read gradient histograms: vanishing and exploding gradients, non-finite
values, dead units from bias gradients (``tb_histdiag_plugin/rules/gradients.py``).

Every test states the statistics a run would have and the exact markers
expected: just below a threshold nothing (or the lower tier), at and just above
it the marker; a healthy control beside every pathology.  Threshold values are
written here as numbers, not read from the code under test.
"""

import numpy as np
import pytest

import synthetic
import tb_histdiag_plugin
from rule_views import STEPS, found, grads, run_of, spans_found, view
from tb_histdiag_plugin import rules


# ------------------------------------------------------------ vanishing gradient (gradients)

@pytest.mark.parametrize("ratio, severity", [
    (0.0101, None), (0.01, None), (0.0099, "warning"), (1.01e-4, "warning"), (1e-4, "critical")])
def test_vanishing_ratio_edges(ratio, severity):
    run = run_of(*grads(ratio, 1.0))
    expected = [("vanishing_gradient", "l0", severity, "gradients", 0, 70)] if severity else []
    assert spans_found(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("rms, severity", [(1.01e-7, None), (1e-7, None), (0.99e-7, "critical")])
def test_vanishing_absolute_edges(rms, severity):
    # Every layer equally small: no ratio, only the absolute floor speaks.
    run = run_of(*grads(rms, rms))
    expected = [("vanishing_gradient", name, "critical", "gradients", 0, 70)
                for name in ("l0", "l1")] if severity else []
    assert spans_found(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("slow_steps, fires", [(3, False), (4, True)])
def test_vanishing_must_persist_on_half_the_steps(slow_steps, fires):
    first = np.where(np.arange(STEPS) < slow_steps, 1e-3, 0.5)
    run = run_of(*grads(first, 1.0))
    expected = [("vanishing_gradient", "l0", "warning", "gradients", 0, 30)] if fires else []  # steps 0-30 slow
    assert spans_found(run, "vanishing_gradient") == expected


def test_gradient_zeroed_after_being_non_zero_is_vanishing():
    zeroed = np.where(np.arange(STEPS) >= 5, 0.0, 0.01)
    run = run_of(*grads(zeroed, 0.01, zero=[np.where(zeroed == 0, 1.0, 0.0), 0.0]))
    markers = rules.evaluate(run)
    assert [(m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"]) for m in markers] == [
        ("vanishing_gradient", "l0", "critical", 50, 70)]
    assert "exactly zero everywhere from step 50" in markers[0]["evidence"]
    # Control: zero on the last logged step only is one step, not a trend.
    one = np.where(np.arange(STEPS) == STEPS - 1, 0.0, 0.01)
    assert found(run_of(*grads(one, 0.01, zero=[np.where(one == 0, 1.0, 0.0), 0.0]))) == []


def test_zero_gradient_from_the_start_is_practically_zero_not_infinitely_small():
    run = run_of(*grads(0.0, 0.1, zero=[1.0, 0.0]))
    markers = rules.evaluate(run)
    assert [(m["kind"], m["layer"], m["severity"]) for m in markers] == [("vanishing_gradient", "l0", "critical")]
    assert "practically zero" in markers[0]["evidence"] and "inf" not in markers[0]["evidence"]


def test_balanced_gradients_are_healthy():
    assert found(run_of(*grads(0.02, 0.05, 0.1))) == []


# ------------------------------------------------------------ exploding gradient (gradients)

@pytest.mark.parametrize("factor, severity", [
    (9.9, None), (10.0, "info"), (99.0, "info"), (100.0, "warning"), (999.0, "warning"), (1000.0, "critical")])
def test_exploding_factor_edges(factor, severity):
    norm = np.where(np.arange(STEPS) < 4, 1.0, factor)
    run = run_of(view("l0/kernel/grad", "l0", "gradient", "weights", rms=norm, l2_norm=norm))
    expected = [("exploding_gradient", "l0", severity, "gradients", 40, 70)] if severity else []  # grown from 40
    assert spans_found(run, "exploding_gradient") == expected


@pytest.mark.parametrize("norm, severity", [(0.99e6, None), (1e6, "critical")])
def test_exploding_absurd_norm_edges(norm, severity):
    # Absurd from the start: no growth over the early baseline, only the absolute ceiling.
    run = run_of(view("l0/kernel/grad", "l0", "gradient", "weights", rms=1.0, l2_norm=norm))
    expected = [("exploding_gradient", "l0", severity, "gradients", 0, 70)] if severity else []
    assert spans_found(run, "exploding_gradient") == expected


def test_exploding_first_step_is_before_the_nan_and_nan_makes_it_critical():
    norm = 3.0 ** np.arange(STEPS)  # 10x over the early median (3) from step index 4 (81)
    v = view("l0/kernel/grad", "l0", "gradient", "weights", rms=norm, l2_norm=norm)
    v.non_finite[6:] = True
    v.stats["l2_norm"][6:] = np.nan
    markers = rules.evaluate(run_of(v))
    exploding = [m for m in markers if m["kind"] == "exploding_gradient"]
    assert [(m["severity"], m["first_step"]) for m in exploding] == [("critical", 40)]
    nan = [m for m in markers if m["kind"] == "non_finite"]
    assert [(m["severity"], m["first_step"], m["last_step"], m["evidence_from"]) for m in nan] == [
        ("critical", 60, 70, "gradients")]


@pytest.mark.parametrize("role, source", [("gradient", "gradients"), ("activation", "activations"),
                                          ("weights", "weights"), ("bias", "weights")])
def test_non_finite_evidence_comes_from_the_first_series_role(role, source):
    v = view("l0/x", "l0", role, rms=1.0)
    v.non_finite[3:] = True
    assert spans_found(run_of(v), "non_finite") == [("non_finite", "l0", "critical", source, 30, 70)]


# ------------------------------------------------------------ dead units (bias gradients)

def bias_grads(*zero):
    return [view("l%d/bias/grad" % i, "l%d" % i, "gradient", "bias", rms=0.01, l2_norm=0.1, zero_fraction=z)
            for i, z in enumerate(zero)]


@pytest.mark.parametrize("zero, peer, severity", [
    (0.5, 0.0, None),  # at the SageMaker 50%: not above it
    (0.5078125, 0.0, "warning"),  # just above 50%
    (0.74, 0.5, None),  # 0.24 above the peers: not far enough
    (0.75, 0.5, "warning"),  # exactly 0.25 above the peers
    (0.99, 0.0, "critical"),
])
def test_dead_units_from_bias_gradients_edges(zero, peer, severity):
    run = run_of(*bias_grads(peer, zero, peer))
    expected = [("dead_units", "l1", severity, "gradients", 0, 70)] if severity else []
    assert spans_found(run, "dead_units") == expected


def test_dead_units_from_gradients_only_without_activations():
    with_act = bias_grads(0.0, 0.9, 0.0) + [view("l0/activations", "l0", "activation", zero_fraction=0.5)]
    assert found(run_of(*with_act), "dead_units") == []
    # Healthy control: every layer's bias gradients with some zeros, none standing out.
    assert found(run_of(*bias_grads(0.1, 0.15, 0.05)), "dead_units") == []


def test_gradient_zeroed_through_real_histograms(tmp_path):
    """An all-zero tensor's stored histogram reads back as zero everywhere, so the onset is found."""
    rng = np.random.default_rng(0)
    frames = [(step, {"fc1.weight.grad": rng.normal(0, 0.01, 256) if step < 6 else np.zeros(256),
                      "fc2.weight.grad": rng.normal(0, 0.01, 256)}) for step in range(10)]
    synthetic.write_run(str(tmp_path), "run", frames)
    markers = tb_histdiag_plugin.diagnose(str(tmp_path))["runs"]["run"]["markers"]
    assert [(m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence_from"])
            for m in markers] == [("vanishing_gradient", "fc1", "critical", 6, 9, "gradients")]
