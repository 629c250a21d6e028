"""The README documents every setting and marker kind the code has."""

import os

from tb_histdiag_plugin import rules

README = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
KINDS = ("vanishing_gradient", "exploding_gradient", "non_finite", "dead_units", "saturation", "stagnant_weights",
         "weight_decay_shrink", "weight_growth", "off_center", "clipped_values")


def test_every_setting_is_documented_with_its_default():
    for s in rules.SETTINGS:
        assert "| `%s` | %g |" % (s.name, s.default) in README, s.name


def test_every_marker_kind_is_documented():
    for kind in KINDS:
        assert "| `%s` |" % kind in README, kind


def test_the_two_commands():
    assert "make demo" in README and "make test" in README
