"""The rules that read activation histograms: dead units and saturation
(``tb_histdiag_plugin/rules/activations.py``).

Every test states the statistics a run would have and the exact markers
expected: just below a threshold nothing (or the lower tier), at and just above
it the marker; a healthy control beside every pathology.  Threshold values are
written here as numbers, not read from the code under test.
"""

import pytest

from rule_views import run_of, spans_found, view


# ------------------------------------------------------------ dead units

@pytest.mark.parametrize("zero, severity", [(0.89, None), (0.9, "warning"), (0.98, "warning"), (0.99, "critical")])
def test_dead_units_from_activations_edges(zero, severity):
    run = run_of(view("l0/activations", "l0", "activation", zero_fraction=zero, min=0.0, max=3.0),
                 view("l1/activations", "l1", "activation", zero_fraction=0.5, min=0.0, max=3.0))
    expected = [("dead_units", "l0", severity, "activations", 0, 70)] if severity else []  # every step
    assert spans_found(run, "dead_units") == expected


# ------------------------------------------------------------ saturation

def tanh(tag, layer, at_bounds):
    """A tanh activation with ``at_bounds`` of its values piled at -1 and +1 (half each)."""
    return view(tag, layer, "activation", min=-1.0, max=1.0, min_fraction=at_bounds / 2, max_fraction=at_bounds / 2,
                mean=0.0, p1=-0.5, p5=-0.4, p25=-0.2, p50=0.0, p75=0.2, p95=0.4, p99=0.5)


@pytest.mark.parametrize("share, severity", [(0.49, None), (0.5, "warning"), (0.89, "warning"), (0.9, "critical")])
def test_saturation_edges(share, severity):
    run = run_of(tanh("l0/activations", "l0", share), tanh("l1/activations", "l1", 0.1), view("out/kernel", "out", "weights"))
    expected = [("saturation", "l0", severity, "activations", 0, 70)] if severity else []
    assert spans_found(run, "saturation") == expected


def test_saturation_exempts_only_the_deepest_layer():
    # l1 is the deepest layer with an activation histogram, but the model's output is "out".
    run = run_of(tanh("l0/activations", "l0", 0.95), tanh("l1/activations", "l1", 0.95),
                 view("out/kernel", "out", "weights"))
    assert spans_found(run, "saturation") == [("saturation", name, "critical", "activations", 0, 70)
                                              for name in ("l0", "l1")]
    run = run_of(tanh("l0/activations", "l0", 0.95), tanh("out/activations", "out", 0.95))
    assert spans_found(run, "saturation") == [("saturation", "l0", "critical", "activations", 0, 70)]
