"""The shared helpers of the rules (``rules/base.py``), each against hand-worked answers.

Added for mutation testing (tests/mutation/): the rule tests exercise these helpers only
through whole rules, where many a changed boundary or default goes unnoticed.  Every
expected value here is worked out by hand (or by a brute-force reimplementation), never
copied from the code under test.
"""

import numpy as np
import pytest

from tb_histdiag_plugin.rules import base
from tb_histdiag_plugin.rules.base import RunView, SeriesView

T, F = True, False


def series(tag="t", layer="l", role="weights", steps=(0, 10, 20), param_name="", norm=False, **stats):
    steps = np.asarray(steps)
    return SeriesView(tag=tag, layer=layer, depth=0, role=role, param=role, steps=steps,
                      non_finite=np.zeros(len(steps), dtype=bool),
                      stats={k: np.asarray(v, dtype=float) for k, v in stats.items()},
                      param_name=param_name, norm=norm)


@pytest.mark.parametrize("x, text", [
    (None, "None"), (float("nan"), "nan"), (float("inf"), "inf"),
    (0, "0"), (0.0, "0"),
    (1e5, "1.00e+05"), (99999.0, "1e+05"), (-2e5, "-2.00e+05"),
    (1e-3, "0.001"), (9.99e-4, "9.99e-04"), (-2e-4, "-2.00e-04"),
    (-5, "-5"), (1.5, "1.5"), (0.123456, "0.123"), (1234.5, "1.23e+03"),
])
def test_fmt(x, text):
    assert base.fmt(x) == text


@pytest.mark.parametrize("mask, kwargs, expected", [
    ([], {}, []),
    ([F, F, F], {}, []),
    # two runs three False apart: more than MAX_GAP (2), two spans
    ([T, T, F, F, F, T, T], {}, [(0, 1), (5, 6)]),
    # two False apart: one span
    ([T, T, F, F, T, T], {}, [(0, 5)]),
    ([T, F, T, F, F, F, F, F], {}, [(0, 2)]),
    # one True step is noise in a long series...
    ([F, T, F, F, F, F], {}, []),
    # ...and needs MIN_SPAN (2) True entries, not two steps
    ([F, T, T, F, F, F], {}, [(1, 2)]),
    ([T, T, F, F, F, F, T], {}, [(0, 1)]),  # a later lone True is noise too
    # a one-step series needs its one step, a two-step one both
    ([T], {}, [(0, 0)]),
    ([T, F], {}, []),
    ([T, T], {}, [(0, 1)]),
    ([T, T, F, T, T, T], {"min_len": 3, "max_gap": 0}, [(3, 5)]),
    ([T, F, T, F, T], {"min_len": 3, "max_gap": 1}, [(0, 4)]),
    ([T, F, F, T], {"min_len": 1, "max_gap": 1}, [(0, 0), (3, 3)]),
    ([F, T, F, F], {"min_len": 0}, [(1, 1)]),
])
def test_spans(mask, kwargs, expected):
    got = base.spans(np.array(mask, dtype=bool), **kwargs)
    assert got == expected
    assert all(type(i) is int and type(j) is int for i, j in got)


def test_spans_takes_lists_and_numbers():
    assert base.spans([0, 1, 1, 0, 0, 0, 1, 1]) == [(1, 2), (6, 7)]


@pytest.mark.parametrize("mask, need, expected", [
    ([T, T, F, T, T, T, F, T], 3, [F, F, F, T, T, T, F, F]),
    ([T, T, F, T, T, T, F, T], 2, [T, T, F, T, T, T, F, F]),
    ([T, F, T], 0, [T, F, T]),
    ([T, F, T], 1, [T, F, T]),
    ([T, T], 5, [T, T]),       # a shorter series needs all of its steps
    ([T, F], 5, [F, F]),
    ([F, F, F], 1, [F, F, F]),
])
def test_runs_of(mask, need, expected):
    got = base.runs_of(np.array(mask, dtype=bool), need)
    assert got.dtype == bool and got.tolist() == expected


def test_marker_fields():
    s = series(tag="dense/kernel", layer="dense", role="gradient")
    m = base.marker("vanishing_gradient", "warning", s, np.int64(3), np.int64(9), "why")
    assert m == {"kind": "vanishing_gradient", "severity": "warning", "tag": "dense/kernel", "layer": "dense",
                 "first_step": 3, "last_step": 9, "evidence": "why", "evidence_from": "gradients"}
    assert type(m["first_step"]) is int and type(m["last_step"]) is int


@pytest.mark.parametrize("role, source", [("gradient", "gradients"), ("activation", "activations"),
                                          ("weights", "weights"), ("bias", "weights"), ("other", "weights"),
                                          ("unheard-of", "weights")])
def test_marker_evidence_from_follows_the_role(role, source):
    assert base.marker("k", "info", series(role=role), 0, 1, "e")["evidence_from"] == source


def test_marker_without_layer_and_with_explicit_source():
    m = base.marker("k", "critical", series(layer=""), 0, 1, "e", evidence_from="inferred")
    assert m["layer"] is None and m["evidence_from"] == "inferred" and m["severity"] == "critical"


def test_marker_refuses_an_unknown_severity():
    with pytest.raises(AssertionError):
        base.marker("k", "fatal", series(), 0, 1, "e")


@pytest.mark.parametrize("value, kwargs, expected", [
    (5, {"warning": 3, "critical": 10}, "warning"),
    (10, {"warning": 3, "critical": 10}, "critical"),
    (11, {"warning": 3, "critical": 10}, "critical"),
    (3, {"warning": 3, "critical": 10}, "warning"),
    (2.9, {"warning": 3, "critical": 10}, "info"),
    (2.9, {"warning": 3, "critical": 10, "base": "ok"}, "ok"),
    (100, {}, "info"),
    (100, {"critical": 10}, "critical"),
    (5, {"critical": 10}, "info"),
    (100, {"warning": 10}, "warning"),
    (0.1, {"warning": 0.5, "critical": 0.2, "lower_is_worse": True}, "critical"),
    (0.2, {"warning": 0.5, "critical": 0.2, "lower_is_worse": True}, "critical"),
    (0.3, {"warning": 0.5, "critical": 0.2, "lower_is_worse": True}, "warning"),
    (0.5, {"warning": 0.5, "critical": 0.2, "lower_is_worse": True}, "warning"),
    (0.6, {"warning": 0.5, "critical": 0.2, "lower_is_worse": True}, "info"),
])
def test_grade(value, kwargs, expected):
    assert base.grade(value, **kwargs) == expected


def test_grade_defaults_to_higher_is_worse_and_info():
    assert base.grade(0.1, 0.5, 0.2) == "info"
    assert base.grade(0.6, 0.5, 0.7) == "warning"


def _severity(value):
    return "critical" if value >= 50 else "warning"


def test_span_markers_grade_and_describe_the_worst_step_inside_the_condition():
    s = series(steps=[0, 10, 20, 30, 40, 50])
    cond = np.array([F, T, T, F, T, F])       # one span, steps 10..40 (one False in between)
    score = np.array([90.0, 1.0, 5.0, 100.0, 3.0, 0.0])  # 90 and 100 lie outside the condition
    [m] = base.span_markers("k", s, cond, score, _severity, lambda k: "k=%d" % k)
    assert (m["first_step"], m["last_step"], m["evidence"], m["severity"]) == (10, 40, "k=2", "warning")
    [m] = base.span_markers("k", s, cond, score, _severity, lambda k: "k=%d" % k, worst="min")
    assert m["evidence"] == "k=1"


def test_span_markers_several_spans_and_own_steps():
    s = series(steps=[0, 1, 2, 3, 4, 5, 6, 7])
    cond = np.array([T, T, F, F, F, T, T, T])
    score = np.array([1.0, 60.0, 0, 0, 0, 2.0, 3.0, 70.0])
    out = base.span_markers("k", s, cond, score, _severity, str, steps=np.arange(8) * 100)
    assert [(m["first_step"], m["last_step"], m["evidence"], m["severity"]) for m in out] == [
        (0, 100, "1", "critical"), (500, 700, "7", "critical")]


def test_span_markers_without_a_finite_score_describe_the_first_step():
    s = series(steps=[0, 10, 20])
    cond = np.array([F, T, T])
    [m] = base.span_markers("k", s, cond, np.full(3, np.nan), lambda v: "info", str)
    assert m["evidence"] == "1"


def test_span_markers_pass_min_len_max_gap_and_source():
    s = series(steps=[0, 10, 20, 30], role="gradient")
    cond = np.array([T, F, F, T])
    score = np.ones(4)
    [m] = base.span_markers("k", s, cond, score, _severity, str)  # two False between: one span
    assert (m["first_step"], m["last_step"], m["evidence_from"]) == (0, 30, "gradients")
    out = base.span_markers("k", s, cond, score, _severity, str, min_len=1, max_gap=0, evidence_from="x")
    assert [(m["first_step"], m["last_step"], m["evidence_from"]) for m in out] == [(0, 0, "x"), (30, 30, "x")]
    assert base.span_markers("k", s, cond, score, _severity, str, min_len=3, max_gap=2) == []


def test_on_steps_places_values_and_leaves_the_rest_nan():
    s = series(steps=[5, 7, 100], rms=[1.0, 2.0, 3.0])
    out = base.on_steps(s, "rms", np.array([5, 6, 7]))
    assert out[0] == 1.0 and np.isnan(out[1]) and out[2] == 2.0
    out = base.on_steps(series(steps=[3], rms=[4.0]), "rms", np.array([5, 6]))
    assert np.isnan(out).all()
    out = base.on_steps(series(steps=[6], rms=[4.0]), "rms", np.array([5, 6]))
    assert np.isnan(out[0]) and out[1] == 4.0


def test_aligned_on_the_union_of_steps():
    a = series(steps=[0, 2], rms=[1.0, 3.0])
    b = series(steps=[1, 2], rms=[5.0, 6.0])
    names, steps, matrix = base.aligned({"a": a, "b": b}, "rms")
    assert names == ["a", "b"] and steps.tolist() == [0, 1, 2]
    np.testing.assert_array_equal(matrix, [[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0]])


def test_aligned_of_nothing():
    names, steps, matrix = base.aligned({}, "rms")
    assert names == [] and steps.shape == (0,) and steps.dtype == np.int64 and matrix.shape == (0, 0)


def _brute_peer_medians(matrix):
    out = np.full(matrix.shape, np.nan)
    for r in range(matrix.shape[0]):
        for c in range(matrix.shape[1]):
            others = [matrix[q, c] for q in range(matrix.shape[0]) if q != r and np.isfinite(matrix[q, c])]
            if others:
                out[r, c] = float(np.median(others))
    return out


def test_peer_medians_by_hand():
    np.testing.assert_allclose(base.peer_medians(np.array([[1.0], [2.0], [3.0], [10.0]])),
                               [[3.0], [3.0], [2.0], [2.0]])
    np.testing.assert_allclose(base.peer_medians(np.array([[1.0], [2.0], [3.0]])), [[2.5], [2.0], [1.5]])
    np.testing.assert_allclose(base.peer_medians(np.array([[1.0], [np.nan], [5.0]])), [[5.0], [3.0], [1.0]])
    assert np.isnan(base.peer_medians(np.array([[4.0, np.nan]]))).all()


@pytest.mark.parametrize("seed", range(6))
def test_peer_medians_against_brute_force(seed):
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(1, 9), rng.integers(1, 6)
    m = rng.normal(size=(rows, cols))
    m[rng.random(m.shape) < 0.3] = np.nan
    m[rng.random(m.shape) < 0.2] = 1.0  # ties
    np.testing.assert_allclose(base.peer_medians(m), _brute_peer_medians(m))


@pytest.mark.parametrize("values, share", [
    ([1, 2, 2, 3, 1, np.nan, 4], 0.75),  # moves +1, +1, -2, +3 (the pause and the NaN are no move)
    ([1, 2, 3], 1.0),                    # two moves are enough
    ([3, 2, 1], 0.0),
    ([1, 1, 2], 0.0),                    # one move is not
    ([np.nan, 5, np.nan], 0.0),
    ([], 0.0),
])
def test_ordinal_share(values, share):
    assert base.ordinal_share(np.array(values, dtype=float), lambda d: d > 0) == share


def test_initial_rms_at_the_first_step_with_a_finite_norm_and_values():
    s = series(steps=[0, 1, 2], l2_norm=[np.nan, 6.0, 8.0], count=[4, 9, 16])
    assert base.initial_rms(s) == 2.0
    s = series(steps=[0, 1], l2_norm=[5.0, 6.0], count=[0, 4])
    assert base.initial_rms(s) == 3.0
    s = series(steps=[0, 1], l2_norm=[2.0, 6.0], count=[1, 4])  # one value is enough
    assert base.initial_rms(s) == 2.0
    s = series(steps=[0, 1], l2_norm=[5.0, 6.0], count=[np.nan, 9])
    assert base.initial_rms(s) == 2.0
    s = series(steps=[0, 1], l2_norm=[np.nan, np.nan], count=[4, 4])
    assert np.isnan(base.initial_rms(s))


def test_small_init_floor():
    initial = {"a": 1.0, "b": 2.0, "c": 4.0, "d": 0.0}
    assert base.small_init_floor(initial, "a") == pytest.approx(0.1 * 3.0)  # median of 2 and 4; 0 left out
    assert base.small_init_floor(initial, "c") == pytest.approx(0.1 * 1.5)
    assert base.small_init_floor(initial, "z") == pytest.approx(0.1 * 2.0)
    assert base.small_init_floor({"a": 1.0}, "a") == 0.0
    assert base.small_init_floor({}, "a") == 0.0
    assert base.small_init_floor({"a": 1.0, "b": -3.0}, "a") == 0.0


def test_sort_key_orders_by_severity_depth_step_kind_tag():
    depth = {"in": 0, "out": 1}

    def m(sev, layer, step, kind, tag):
        return {"severity": sev, "layer": layer, "first_step": step, "kind": kind, "tag": tag}

    markers = [m("info", "in", 0, "a", "t"), m("warning", "out", 0, "a", "t"), m("warning", None, 0, "a", "t"),
               m("critical", "out", 5, "a", "t"), m("warning", "in", 3, "a", "t"), m("warning", "in", 1, "b", "t"),
               m("warning", "in", 1, "a", "u"), m("warning", "in", 1, "a", "t"), m("warning", "zzz", 0, "a", "t")]
    got = sorted(markers, key=base.sort_key(depth))
    # critical first; then depth (unknown layers last), step, kind, tag; full ties keep their order
    assert got == [markers[i] for i in (3, 7, 6, 5, 4, 1, 2, 8, 0)]


@pytest.mark.parametrize("param_name, norm, is_norm", [
    ("gamma", False, True), ("Gamma", False, True), ("running_var", False, True), ("moving_mean", False, True),
    ("kernel", False, False), ("", False, False), ("kernel", True, True), ("", 1, True),
])
def test_is_norm(param_name, norm, is_norm):
    assert series(param_name=param_name, norm=norm).is_norm is is_norm


def test_run_view_primary_roles_and_depths():
    w1, g2, other = series(tag="l1/w"), series(tag="l2/g", role="gradient"), series(tag="x", role="other")
    layers = [{"name": "l1", "depth": 0, "tags": {"weights": "l1/w", "gradient": None}},
              {"name": "l2", "depth": 1, "tags": {"weights": "l2/missing", "gradient": "l2/g"}}]
    run = RunView([w1, g2, other], layers)
    assert run.primary("weights") == {"l1": w1}
    assert run.primary("gradient") == {"l2": g2}
    assert run.primary("activation") == {}
    assert run.has_role("gradient") and run.has_role("other") and not run.has_role("activation")
    assert run.depth() == {"l1": 0, "l2": 1}
    assert run.scalars == {} and run.classes is None and run.chance_loss is None
    assert RunView([], []).scalars is not run.scalars
