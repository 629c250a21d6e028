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
from rule_views import found, grads, run_of, spans_found, view  # noqa: F401
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
    assert spans_found(run) == [("vanishing_gradient", "l0", "critical", "gradients", 0, 70),
                                ("non_finite", "l2", "critical", "gradients", 40, 70),
                                ("vanishing_gradient", "l1", "warning", "gradients", 0, 70)]


def test_standard_logs_end_to_end(tmp_path):
    """Through real event files and the whole diagnosis: the contract fields, evidence_from included."""
    synthetic.write_standard(str(tmp_path))
    runs = tb_histdiag_plugin.diagnose(str(tmp_path))["runs"]
    def spanned(run):
        return sorted((m["kind"], m["layer"], m["severity"], m["evidence_from"], m["first_step"], m["last_step"])
                      for m in runs[run]["markers"])

    # synthetic.vanishing: against the output layer, layer_4 at 1e-1, layer_3 at 1e-3, the rest 1e-5 and below.
    assert spanned("vanishing") == [("vanishing_gradient", "layer_%d" % i, "critical" if i < 3 else "warning",
                                     "gradients", 0, 11) for i in (0, 1, 2, 3)]
    assert runs["healthy"]["markers"] == []
    # synthetic.diverging: gradients thousands of times their start from step 4, NaN from step 9, where the
    # weights hold Inf (the weights' tag sorts first); weights past 3x their start from step 2 (4.9x), 560x at 8.
    assert spanned("diverging") == sorted(
        [("exploding_gradient", "fc%d" % i, "critical", "gradients", 4, 8) for i in (1, 2, 3)]
        + [("non_finite", "fc%d" % i, "critical", "weights", 9, 11) for i in (1, 2, 3)]
        + [("weight_growth", "fc%d" % i, "critical", "weights", 2, 8) for i in (1, 2, 3)])
