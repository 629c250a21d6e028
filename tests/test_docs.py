"""The README documents every setting, marker kind and demo run the code has, and the demo's commands."""

import os

from tb_histdiag_plugin import demo
from tb_histdiag_plugin.settings import SETTINGS

README = open(os.path.join(os.path.dirname(__file__), "..", "README.md"), encoding="utf-8").read()
KINDS = ("vanishing_gradient", "exploding_gradient", "non_finite", "dead_units", "saturation", "stagnant_weights",
         "weight_decay_shrink", "weight_growth", "off_center", "clipped_values")


def test_every_setting_is_documented_with_its_default():
    undocumented = [s.name for s in SETTINGS if "| `%s` | %g |" % (s.name, s.default) not in README]
    assert not undocumented, undocumented


def test_every_marker_kind_is_documented():
    assert not [kind for kind in KINDS if "| `%s` |" % kind not in README]


def test_every_demo_run_is_in_the_table():
    assert not [name for name in demo.RUNS if "| `%s` |" % name not in README]


def test_the_two_commands_and_the_demo_address():
    assert "make demo" in README and "make test" in README
    assert "HOST=0.0.0.0 make demo" in README and "--bind_all" not in README
