"""The activation rules and the engine's non_finite rule on hand-made series: bounds, margins, evidence sentences.

Added for mutation testing (tests/mutation/): the rule tests check which markers fire; these also
pin the exact boundaries of ``bounded_share``, the grouping of non-finite tags, and the evidence
sentences, written out by hand.
"""

import numpy as np
import pytest

from tb_histdiag_plugin import rules
from tb_histdiag_plugin.rules import activations
from tb_histdiag_plugin.rules.base import RunView, SeriesView
from tb_histdiag_plugin.stats import PERCENTILES, STAT_NAMES

SETTINGS = {"dead_fraction": 0.9, "dead_critical_fraction": 0.99, "saturation_margin": 0.25,
            "saturation_fraction": 0.5, "saturation_critical_fraction": 0.9}


def series(tag, role="activation", layer="", steps=(0, 10), non_finite=None, **given):
    steps = np.asarray(steps)
    n = len(steps)
    st = {name: np.full(n, np.nan) for name in STAT_NAMES}
    st["zero_fraction"] = np.zeros(n)
    st["mean"] = np.full(n, 0.5)
    st["min_fraction"] = np.zeros(n)
    st["max_fraction"] = np.zeros(n)
    for name, values in given.items():
        st[name] = np.broadcast_to(np.asarray(values, dtype=float), (n,)).copy()
    nf = np.zeros(n, dtype=bool) if non_finite is None else np.asarray(non_finite, dtype=bool)
    return SeriesView(tag=tag, layer=layer, depth=0, role=role, param=role, steps=steps, non_finite=nf, stats=st)


def share(s):
    found = activations.bounded_share(s, SETTINGS)
    return None if found is None else (found[0].tolist(), found[1])


@pytest.mark.parametrize("lo, hi, bounded", [
    (-1.001, 1.001, True),    # float rounding past the bounds is allowed...
    (-1.0011, 0.5, False),    # ...but no more
    (0.0, 1.0011, False),
    (-1.5, 0.5, False), (0.0, 1.5, False),
])
def test_bounded_share_needs_values_within_the_bounds(lo, hi, bounded):
    s = series("a", min=lo, max=hi)
    assert (share(s) is not None) is bounded


def test_bounded_share_skips_relu_like_series_and_series_without_values():
    assert share(series("a", min=0.0, max=1.0, zero_fraction=0.3)) is None
    assert share(series("a", min=0.0, max=1.0, zero_fraction=0.29)) is not None
    assert share(series("a")) is None
    assert share(series("a", min=[np.nan, 0.0], max=[np.nan, np.inf])) is None


@pytest.mark.parametrize("lo, lower", [(-0.5, -1.0), (0.0, 0.0), (0.5, 0.0)])
def test_the_lower_bound_is_minus_one_only_below_zero(lo, lower):
    assert share(series("a", min=lo, max=0.9))[1] == lower


def test_shares_piled_at_the_bounds_within_the_margin():
    # sigmoid-like: min 0.25 is within the margin (0.25) of 0, max 0.75 within it of 1
    s = series("a", min=0.25, max=0.75, min_fraction=0.1, max_fraction=0.2)
    assert share(s) == ([pytest.approx(0.3)] * 2, 0.0)
    # just outside the margin: those piles do not count
    s = series("a", min=0.2501, max=0.7499, min_fraction=0.1, max_fraction=0.2)
    assert share(s) == ([0.0, 0.0], 0.0)
    # piles adding up past everything are capped at all values
    s = series("a", min=0.0, max=1.0, min_fraction=0.6, max_fraction=0.6)
    assert share(s) == ([1.0, 1.0], 0.0)


def test_percentiles_bound_the_share_from_below():
    given = {"p%d" % p: 0.5 for p in PERCENTILES}
    given.update(p1=0.25, p5=0.25)          # within the margin of 0: at least 5 % there
    given.update(p95=0.75, p99=0.75)        # within the margin of 1: at least 5 % there
    s = series("a", min=0.1, max=0.9, **given)
    assert share(s) == ([pytest.approx(0.1)] * 2, 0.0)
    given.update(p5=0.2501, p95=0.7499)     # just outside: only 1 % each
    s = series("a", min=0.1, max=0.9, **given)
    assert share(s) == ([pytest.approx(0.02)] * 2, 0.0)


def test_no_share_where_the_step_holds_nothing():
    s = series("a", min=0.0, max=1.0, mean=[np.nan, 0.5], min_fraction=0.5)
    found = activations.bounded_share(s, SETTINGS)
    assert np.isnan(found[0][0]) and found[0][1] == 0.5


def run_of(*views, layers=None):
    return RunView(list(views), layers if layers is not None else [])


def test_saturation_evidence_names_the_kind_of_bounds():
    tanh = series("t", layer="h1", min=-1.0, max=1.0, min_fraction=0.4, max_fraction=0.4)
    sig = series("s", layer="h2", min=0.0, max=1.0, min_fraction=0.5, max_fraction=0.45)
    layers = [{"name": n, "depth": i, "tags": {}} for i, n in enumerate(["h1", "h2", "out"])]
    out = activations.saturation(run_of(series("w", role="weights"), tanh, sig, layers=layers), SETTINGS)
    assert [(m["tag"], m["severity"], m["evidence"], m["evidence_from"]) for m in out] == [
        ("t", "warning", "about 80% of activation values lie within 0.25 of the bounds at step 0 (tanh-like, bounds ±1)",
         "activations"),
        ("s", "critical", "about 95% of activation values lie within 0.25 of the bounds at step 0 "
         "(sigmoid-like, bounds 0 and 1)", "activations")]


def test_saturation_skips_the_output_layer_and_unbounded_series_but_goes_on():
    relu = series("r", min=0.0, max=1.0, zero_fraction=0.5)
    out_layer = series("o", layer="out", min=0.0, max=1.0, min_fraction=0.5, max_fraction=0.5)
    sat = series("s", min=0.0, max=1.0, min_fraction=0.5, max_fraction=0.5)
    layers = [{"name": "out", "depth": 0, "tags": {}}]
    assert [m["tag"] for m in activations.saturation(run_of(relu, out_layer, sat, layers=layers), SETTINGS)] == ["s"]
    # a run without layers has no output layer to exempt
    assert [m["tag"] for m in activations.saturation(run_of(sat), SETTINGS)] == ["s"]


def test_dead_units_evidence_and_source():
    w = series("w", role="weights", zero_fraction=1.0)
    act = series("a", steps=(0, 10, 20, 30), zero_fraction=[np.nan, 0.5, 0.95, 0.975])
    out = activations.dead_units(run_of(w, act), SETTINGS)
    assert [(m["tag"], m["severity"], m["first_step"], m["last_step"], m["evidence"], m["evidence_from"])
            for m in out] == [
        ("a", "warning", 20, 30, "97.5% of activation values are exactly zero at step 30 (50% at step 10)",
         "activations")]


def test_non_finite_groups_tags_by_layer_and_names_the_first():
    g = series("l/g", role="gradient", layer="l", steps=(0, 10, 20, 30, 40), non_finite=[0, 0, 0, 1, 0],
               rms=[1, 2, 3, np.nan, 5])
    w = series("l/w", role="weights", layer="l", steps=(0, 10, 20, 30, 40), non_finite=[0, 0, 0, 0, 1])
    mb = series("m/b", role="weights", layer="m", non_finite=[1, 1])
    ma = series("m/a", role="weights", layer="m", non_finite=[1, 1])
    t1 = series("t1", steps=(5, 6), non_finite=[0, 1], rms=[0.5, np.nan])
    t2 = series("t2", role="other", steps=(7,), non_finite=[1])
    healthy = series("h", rms=1.0)
    out = rules.non_finite(run_of(g, w, mb, ma, t1, t2, healthy), rules.DEFAULTS)
    got = sorted((m["tag"], m["layer"], m["first_step"], m["last_step"], m["severity"], m["evidence_from"],
                  m["evidence"]) for m in out)
    assert got == [
        ("l/g", "l", 30, 40, "critical", "gradients", "gradient tensor held NaN or ±Inf at 1 of 5 logged steps, "
         "first at step 30; last finite RMS 3 at step 20; also l/w"),
        ("m/a", "m", 0, 10, "critical", "weights", "weights tensor held NaN or ±Inf at 2 of 2 logged steps, "
         "first at step 0; also m/b"),
        ("t1", None, 6, 6, "critical", "activations", "activation tensor held NaN or ±Inf at 1 of 2 logged steps, "
         "first at step 6; last finite RMS 0.5 at step 5"),
        ("t2", None, 7, 7, "critical", "weights", "other tensor held NaN or ±Inf at 1 of 1 logged steps, "
         "first at step 7"),
    ]


def test_non_finite_names_the_tag_that_went_first_not_the_first_name():
    b = series("n/b", role="weights", layer="n", non_finite=[1, 1])
    a = series("n/a", role="weights", layer="n", non_finite=[0, 1])
    c = series("n/c", role="weights", layer="n", non_finite=[0, 1])
    [m] = rules.non_finite(run_of(a, b, c), rules.DEFAULTS)
    assert (m["tag"], m["first_step"], m["last_step"]) == ("n/b", 0, 10)
    assert m["evidence"] == ("weights tensor held NaN or ±Inf at 2 of 2 logged steps, first at step 0; "
                             "also n/a, n/c")
