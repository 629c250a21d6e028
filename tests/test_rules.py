"""Rule behaviour on hand-made series whose pathology is exact by construction."""

import numpy as np

import synthetic
import tb_histdiag_plugin


def test_zero_gradient_is_practically_zero_not_infinitely_small(tmp_path):
    rng = np.random.default_rng(0)
    frames = [(step, {"fc1.weight.grad": np.zeros(256), "fc2.weight.grad": rng.normal(0, 0.1, 256)})
              for step in range(5)]
    synthetic.write_run(str(tmp_path), "run", frames)
    markers = tb_histdiag_plugin.diagnose(str(tmp_path))["runs"]["run"]["markers"]
    vanishing = [m for m in markers if m["kind"] == "vanishing_gradient"]
    assert [m["layer"] for m in vanishing] == ["fc1"]
    assert vanishing[0]["severity"] == "critical"
    assert "practically zero" in vanishing[0]["evidence"] and "inf" not in vanishing[0]["evidence"]


def test_marker_kinds_and_fields(tmp_path):
    synthetic.write_standard(str(tmp_path))
    doc = tb_histdiag_plugin.diagnose(str(tmp_path))
    kinds = {"vanishing_gradient", "exploding_gradient", "non_finite", "dead_units", "saturation",
             "stagnant_weights", "weight_decay_shrink", "weight_growth", "off_center", "clipped_values"}
    for run in doc["runs"].values():
        for m in run["markers"]:
            assert m["kind"] in kinds and m["severity"] in ("info", "warning", "critical")
            assert m["first_step"] <= m["last_step"] and m["evidence"]


def test_exploding_first_step_is_before_the_nan(tmp_path):
    synthetic.write_standard(str(tmp_path))
    markers = tb_histdiag_plugin.diagnose(str(tmp_path), run="diverging")["runs"]["diverging"]["markers"]
    exploding = [m for m in markers if m["kind"] == "exploding_gradient"]
    nan = [m for m in markers if m["kind"] == "non_finite"]
    assert exploding and nan
    # Norms grow 3x a step from step 0: 10x over the early baseline by step 4, NaN from step 9.
    assert all(m["first_step"] < 9 for m in exploding)
    assert min(m["first_step"] for m in nan) == 9
