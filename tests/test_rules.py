"""Each health rule on run views built from numpy arrays, at the edges of its thresholds.

The rules are pure functions of statistics arrays (``tb_histdiag_plugin/rules_*.py``),
so every test states the statistics a run would have and the exact markers
expected: just below a threshold nothing (or the lower tier), at and just above
it the marker.  Every pathology has a healthy control beside it.  Threshold
values are written here as numbers, not read from the code under test.
"""

import numpy as np
import pytest

import synthetic
import tb_histdiag_plugin
from tb_histdiag_plugin import result, rules, settings, stats

STEPS = 8


def view(tag, layer, role, param="", n=STEPS, param_name="", norm=False, **given):
    """A series with every statistic NaN but ``given`` ones (scalars are repeated over the steps)."""
    st = {name: np.full(n, np.nan) for name in stats.STAT_NAMES}
    st["count"] = np.full(n, 1000.0)
    st["zero_fraction"] = np.zeros(n)
    for name, values in given.items():
        st[name] = np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
    return rules.SeriesView(tag=tag, layer=layer, depth=-1, role=role, param=param or role, steps=np.arange(n) * 10,
                            non_finite=np.zeros(n, dtype=bool), stats=st, param_name=param_name, norm=norm)


def run_of(*views):
    """A RunView whose layers come in the order their views are given (input side first)."""
    layers = []
    for v in views:
        names = [layer["name"] for layer in layers]
        if v.layer and v.layer not in names:
            layers.append({"name": v.layer, "depth": len(layers),
                           "tags": {"weights": None, "bias": None, "gradient": None, "activation": None}})
        if v.layer:
            layer = next(layer for layer in layers if layer["name"] == v.layer)
            v.depth = layer["depth"]
            if layer["tags"][v.role] is None and not (v.role == "gradient" and v.param == "bias"):
                layer["tags"][v.role] = v.tag
    return rules.RunView(list(views), layers)


def found(run, kind=None, **overrides):
    """``[(kind, layer, severity, evidence_from)]`` of the markers (of ``kind``) under the given settings."""
    markers = rules.evaluate(run, settings.parse_settings(overrides))
    for m in markers:
        assert m["severity"] in result.SEVERITIES and m["evidence_from"] in result.EVIDENCE_SOURCES
        assert m["first_step"] <= m["last_step"] and m["evidence"]
    return [(m["kind"], m["layer"], m["severity"], m["evidence_from"]) for m in markers
            if kind is None or m["kind"] == kind]


def grads(*rms_by_layer, zero=None):
    """Kernel-gradient views, input side first, with the given RMS per step."""
    return [view("l%d/kernel/grad" % i, "l%d" % i, "gradient", "weights", rms=r, l2_norm=r,
                 zero_fraction=0.0 if zero is None else zero[i]) for i, r in enumerate(rms_by_layer)]


# ------------------------------------------------------------ settings module

def test_settings_module_is_the_one_rules_re_exports():
    assert rules.SETTINGS is settings.SETTINGS and rules.parse_settings is settings.parse_settings
    assert settings.parse_settings({"shrink_ratio": "0.5"})["shrink_ratio"] == 0.5
    with pytest.raises(settings.SettingError):
        settings.parse_settings({"no_such_setting": "1"})
    with pytest.raises(settings.SettingError):
        settings.parse_settings({"vanishing_ratio": "2"})


def test_peer_medians_leave_each_row_out():
    from tb_histdiag_plugin.rules_base import peer_medians

    m = np.array([[1.0, np.nan, 5.0],
                  [2.0, 4.0, np.nan],
                  [9.0, 6.0, np.nan]])
    expected = np.array([[5.5, 5.0, np.nan],  # the median of rows 1 and 2; nothing but NaN left in column 2
                         [5.0, 6.0, 5.0],
                         [1.5, 4.0, 5.0]])
    np.testing.assert_array_equal(peer_medians(m), expected)
    rng = np.random.default_rng(0)
    m = rng.normal(size=(7, 5))
    m[rng.random(m.shape) < 0.3] = np.nan
    for row in range(7):
        others = np.delete(m, row, axis=0)
        for col in range(5):
            values = others[np.isfinite(others[:, col]), col]
            want = np.median(values) if len(values) else np.nan
            np.testing.assert_allclose(peer_medians(m)[row, col], want)


# ------------------------------------------------------------ vanishing gradient (gradients)

@pytest.mark.parametrize("ratio, severity", [
    (0.0101, None), (0.01, None), (0.0099, "warning"), (1.01e-4, "warning"), (1e-4, "critical")])
def test_vanishing_ratio_edges(ratio, severity):
    run = run_of(*grads(ratio, 1.0))
    expected = [("vanishing_gradient", "l0", severity, "gradients")] if severity else []
    assert found(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("rms, severity", [(1.01e-7, None), (1e-7, None), (0.99e-7, "critical")])
def test_vanishing_absolute_edges(rms, severity):
    # Every layer equally small: no ratio, only the absolute floor speaks.
    run = run_of(*grads(rms, rms))
    expected = [("vanishing_gradient", name, "critical", "gradients") for name in ("l0", "l1")] if severity else []
    assert found(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("slow_steps, fires", [(3, False), (4, True)])
def test_vanishing_must_persist_on_half_the_steps(slow_steps, fires):
    first = np.where(np.arange(STEPS) < slow_steps, 1e-3, 0.5)
    run = run_of(*grads(first, 1.0))
    assert bool(found(run, "vanishing_gradient")) == fires


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
    expected = [("exploding_gradient", "l0", severity, "gradients")] if severity else []
    assert found(run, "exploding_gradient") == expected


@pytest.mark.parametrize("norm, severity", [(0.99e6, None), (1e6, "critical")])
def test_exploding_absurd_norm_edges(norm, severity):
    # Absurd from the start: no growth over the early baseline, only the absolute ceiling.
    run = run_of(view("l0/kernel/grad", "l0", "gradient", "weights", rms=1.0, l2_norm=norm))
    expected = [("exploding_gradient", "l0", severity, "gradients")] if severity else []
    assert found(run, "exploding_gradient") == expected


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
    assert found(run_of(v), "non_finite") == [("non_finite", "l0", "critical", source)]


# ------------------------------------------------------------ dead units

@pytest.mark.parametrize("zero, severity", [(0.89, None), (0.9, "warning"), (0.98, "warning"), (0.99, "critical")])
def test_dead_units_from_activations_edges(zero, severity):
    run = run_of(view("l0/activations", "l0", "activation", zero_fraction=zero, min=0.0, max=3.0),
                 view("l1/activations", "l1", "activation", zero_fraction=0.5, min=0.0, max=3.0))
    expected = [("dead_units", "l0", severity, "activations")] if severity else []
    assert found(run, "dead_units") == expected


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
    expected = [("dead_units", "l1", severity, "gradients")] if severity else []
    assert found(run, "dead_units") == expected


def test_dead_units_from_gradients_only_without_activations():
    with_act = bias_grads(0.0, 0.9, 0.0) + [view("l0/activations", "l0", "activation", zero_fraction=0.5)]
    assert found(run_of(*with_act), "dead_units") == []
    # Healthy control: every layer's bias gradients with some zeros, none standing out.
    assert found(run_of(*bias_grads(0.1, 0.15, 0.05)), "dead_units") == []


# ------------------------------------------------------------ saturation

def tanh(tag, layer, at_bounds):
    """A tanh activation with ``at_bounds`` of its values piled at -1 and +1 (half each)."""
    return view(tag, layer, "activation", min=-1.0, max=1.0, min_fraction=at_bounds / 2, max_fraction=at_bounds / 2,
                mean=0.0, p1=-0.5, p5=-0.4, p25=-0.2, p50=0.0, p75=0.2, p95=0.4, p99=0.5)


@pytest.mark.parametrize("share, severity", [(0.49, None), (0.5, "warning"), (0.89, "warning"), (0.9, "critical")])
def test_saturation_edges(share, severity):
    run = run_of(tanh("l0/activations", "l0", share), tanh("l1/activations", "l1", 0.1), view("out/kernel", "out", "weights"))
    expected = [("saturation", "l0", severity, "activations")] if severity else []
    assert found(run, "saturation") == expected


def test_saturation_exempts_only_the_deepest_layer():
    # l1 is the deepest layer with an activation histogram, but the model's output is "out".
    run = run_of(tanh("l0/activations", "l0", 0.95), tanh("l1/activations", "l1", 0.95),
                 view("out/kernel", "out", "weights"))
    assert [m[1] for m in found(run, "saturation")] == ["l0", "l1"]
    run = run_of(tanh("l0/activations", "l0", 0.95), tanh("out/activations", "out", 0.95))
    assert [m[1] for m in found(run, "saturation")] == ["l0"]


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
    expected = [("stagnant_weights", "l1", severity, "weights")] if severity else []
    assert found(run, "stagnant_weights") == expected


@pytest.mark.parametrize("still_steps, fires", [(2, False), (3, True)])
def test_stagnant_absolute_needs_several_still_steps(still_steps, fires):
    # The peers' kernels are still too (only their biases move), so no peer stands out; l0 moves
    # but for ``still_steps`` bit-identical steps, with no bias to show it learning.
    l0 = np.full(STEPS, 1e-3)
    l0[1:1 + still_steps] = 0.0
    run = run_of(*kernels(l0, 0.0, 0.0), view("l1/bias", "l1", "bias", change=1e-3),
                 view("l2/bias", "l2", "bias", change=1e-3))
    assert found(run, "stagnant_weights") == ([("stagnant_weights", "l0", "warning", "weights")] if fires else [])


def test_stagnant_when_no_layer_learns_is_critical():
    run = run_of(*kernels(0.0, 0.0, 0.0))
    assert found(run, "stagnant_weights") == [("stagnant_weights", name, "critical", "weights")
                                              for name in ("l0", "l1", "l2")]
    # A bias that still moves: that layer learns, so neither it nor the run is still (in either reading).
    run = run_of(*kernels(0.0, 0.0, 0.0, bias_change=[1e-3, 0.0, 0.0]))
    assert found(run, "stagnant_weights") == [("stagnant_weights", name, "warning", "weights") for name in ("l1", "l2")]
    # A one-value bias has no spread (change undefined): its mean says whether it moves.
    single = view("l2/bias", "l2", "bias", change=np.nan, mean=np.linspace(0.1, 0.2, STEPS), count=1.0)
    run = run_of(*kernels(0.0, 0.0, 0.0), single)
    assert found(run, "stagnant_weights") == [("stagnant_weights", name, "warning", "weights") for name in ("l0", "l1")]
    single = view("l2/bias", "l2", "bias", change=np.nan, mean=0.1, count=1.0)
    run = run_of(*kernels(0.0, 0.0, 0.0), single)
    assert [m[2] for m in found(run, "stagnant_weights")] == ["critical"] * 3


def test_biases_moving_while_kernels_barely_do_is_healthy():
    run = run_of(*kernels(1e-5, 2e-5, 1e-5, bias_change=[1e-2, 1e-2, 1e-2]))
    assert [m for m in found(run) if m[2] != "info"] == []


# ------------------------------------------------------------ weight norm trends

def norm_series(values, **kw):
    return view("l0/kernel", "l0", "weights", l2_norm=values, mean=0.0, std=0.1, change=1e-3, **kw)


@pytest.mark.parametrize("end, severity", [(0.81, None), (0.8, "info"), (0.11, "info"), (0.1, "warning")])
def test_weight_decay_shrink_edges(end, severity):
    run = run_of(norm_series(np.linspace(1.0, end, STEPS)))
    expected = [("weight_decay_shrink", "l0", severity, "weights")] if severity else []
    assert found(run, "weight_decay_shrink") == expected


def test_shrink_must_be_steady():
    # Ends at 0.5 of its start, but rises on 2 of 7 moves (71% falling, below 80%).
    run = run_of(norm_series([1.0, 0.8, 0.9, 0.7, 0.8, 0.6, 0.55, 0.5]))
    assert found(run, "weight_decay_shrink") == []


@pytest.mark.parametrize("end, severity", [
    (2.99, None), (3.0, "info"), (9.99, "info"), (10.0, "warning"), (99.9, "warning"), (100.0, "critical")])
def test_weight_growth_edges(end, severity):
    run = run_of(norm_series(np.geomspace(1.0, end, STEPS)))
    expected = [("weight_growth", "l0", severity, "weights")] if severity else []
    assert found(run, "weight_growth") == expected


def test_growth_that_came_back_down_is_not_growing():
    run = run_of(norm_series([1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0, 32.0 * 1.9]))  # ends at 0.95 of its peak: still
    assert found(run, "weight_growth") == [("weight_growth", "l0", "warning", "weights")]
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
    expected = [("off_center", "l0", severity, "weights")] if severity else []
    assert found(run, "off_center") == expected


@pytest.mark.parametrize("start, fires", [(0.026, False), (0.024, True)])
def test_off_center_needs_a_symmetric_start(start, fires):
    # |mean| / std at the first step just above / below 0.25.
    means = np.full(STEPS, 0.5)
    means[0] = start
    run = run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.1, l2_norm=1.0, change=1e-3))
    assert bool(found(run, "off_center")) == fires
    assert found(run_of(view("l0/kernel", "l0", "weights", mean=means, std=0.1, norm=True)), "off_center") == []


# ------------------------------------------------------------ clipped values

def clipped(share, count=1000.0, role="weights"):
    return view("l0/kernel" if role == "weights" else "l0/kernel/grad", "l0", role, "weights", min=-0.5, max=0.5,
                std=0.2, mean=0.0, l2_norm=1.0, change=1e-3, count=count, max_fraction=share, min_fraction=0.0)


@pytest.mark.parametrize("share, severity", [(0.049, None), (0.05, "info"), (0.499, "info"), (0.5, "warning")])
def test_clipped_values_edges(share, severity):
    expected = [("clipped_values", "l0", severity, "weights")] if severity else []
    assert found(run_of(clipped(share)), "clipped_values") == expected
    expected = [("clipped_values", "l0", severity, "gradients")] if severity else []
    assert found(run_of(clipped(share, role="gradient")), "clipped_values") == expected


@pytest.mark.parametrize("low, high, severity", [(0.24, 0.25, "info"), (0.25, 0.25, "warning"), (0.03, 0.02, "info"),
                                                 (0.02, 0.02, None)])
def test_clipped_values_adds_both_bounds(low, high, severity):
    # A clip to [-c, c] piles values at both ends: 25% + 25% is half the values.
    v = view("l0/kernel", "l0", "weights", "weights", min=-0.5, max=0.5, std=0.2, mean=0.0, l2_norm=1.0,
             change=1e-3, count=1000.0, max_fraction=high, min_fraction=low)
    expected = [("clipped_values", "l0", severity, "weights")] if severity else []
    assert found(run_of(v), "clipped_values") == expected


@pytest.mark.parametrize("count, fires", [(99.0, False), (100.0, True)])
def test_clipped_needs_a_tensor_large_enough_to_tell_a_pile(count, fires):
    # 60% at the bounds of a 99-value tensor is bucket resolution, not a clip.
    assert bool(found(run_of(clipped(0.6, count=count)), "clipped_values")) == fires


@pytest.mark.parametrize("count, fires", [(199.0, False), (200.0, True)])
def test_clipped_needs_ten_values_in_the_pile(count, fires):
    assert bool(found(run_of(clipped(0.05, count=count)), "clipped_values")) == fires


# ------------------------------------------------------------ order and fields

def test_markers_most_severe_first_then_by_depth():
    run = run_of(*grads(1e-5, 1e-3, 1.0))  # l0 critical (1e-5), l1 warning (1e-3)
    v = run.series[2]
    v.non_finite[4:] = True
    kinds = [(m[0], m[1], m[2]) for m in found(run)]
    assert kinds == [("vanishing_gradient", "l0", "critical"), ("non_finite", "l2", "critical"),
                     ("vanishing_gradient", "l1", "warning")]


def test_standard_logs_end_to_end(tmp_path):
    """Through real event files and the whole diagnosis: the contract fields, evidence_from included."""
    synthetic.write_standard(str(tmp_path))
    runs = tb_histdiag_plugin.diagnose(str(tmp_path))["runs"]
    assert [(m["kind"], m["layer"], m["evidence_from"]) for m in runs["vanishing"]["markers"]] == [
        ("vanishing_gradient", "layer_%d" % i, "gradients") for i in (0, 1, 2, 3)]
    assert runs["healthy"]["markers"] == []
    # Weights and gradients go NaN at the same step; the weights' tag sorts first.
    assert {(m["kind"], m["evidence_from"]) for m in runs["diverging"]["markers"]} == {
        ("exploding_gradient", "gradients"), ("non_finite", "weights"), ("weight_growth", "weights")}



def test_gradient_zeroed_through_real_histograms(tmp_path):
    """An all-zero tensor's stored histogram reads back as zero everywhere, so the onset is found."""
    rng = np.random.default_rng(0)
    frames = [(step, {"fc1.weight.grad": rng.normal(0, 0.01, 256) if step < 6 else np.zeros(256),
                      "fc2.weight.grad": rng.normal(0, 0.01, 256)}) for step in range(10)]
    synthetic.write_run(str(tmp_path), "run", frames)
    markers = tb_histdiag_plugin.diagnose(str(tmp_path))["runs"]["run"]["markers"]
    assert [(m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence_from"])
            for m in markers] == [("vanishing_gradient", "fc1", "critical", 6, 9, "gradients")]
