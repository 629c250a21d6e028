"""What the health rules share: their settings module, peer medians, marker order, and
the whole path from real event files to markers.

The rules one by one, at the edges of their thresholds: ``tests/test_rules_gradients.py``,
``tests/test_rules_activations.py``, ``tests/test_rules_weights.py`` (run views from
``tests/rule_views.py``).
"""

import numpy as np
import pytest

import synthetic
import tb_histdiag_plugin
# found, run_of and view stay importable from here for tests that still do
from rule_views import found, grads, run_of, view  # noqa: F401
from tb_histdiag_plugin import rules, settings


# ------------------------------------------------------------ settings module

def test_settings_module_is_the_one_rules_re_exports():
    assert rules.SETTINGS is settings.SETTINGS and rules.parse_settings is settings.parse_settings
    assert settings.parse_settings({"shrink_ratio": "0.5"})["shrink_ratio"] == 0.5
    with pytest.raises(settings.SettingError):
        settings.parse_settings({"no_such_setting": "1"})
    with pytest.raises(settings.SettingError):
        settings.parse_settings({"vanishing_ratio": "2"})


def test_peer_medians_leave_each_row_out():
    from tb_histdiag_plugin.rules.base import peer_medians

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
