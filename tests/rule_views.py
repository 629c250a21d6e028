"""Run views built from numpy arrays, for the unit tests of the health rules.

The rules are pure functions of statistics arrays (``tb_histdiag_plugin/rules_*.py``);
``view`` states a series' statistics, ``run_of`` puts views in a run (input side
first), ``found`` lists the markers the rules give it and ``marks`` the same with
their spans (first and last step).  Used by
``tests/test_rules*.py``, ``tests/test_edges_*.py`` and ``tests/test_inferred.py``.
"""

import numpy as np

from tb_histdiag_plugin import result, rules, settings, stats

STEPS = 8


def on(steps, value, other):
    """A per-step array over ``STEPS`` logged steps: ``value`` at the indices ``steps``, ``other`` elsewhere."""
    return np.where(np.isin(np.arange(STEPS), list(steps)), value, other)


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


def marks(run, kind=None, **overrides):
    """``[(kind, layer, severity, first_step, last_step)]`` of the markers (of ``kind``): what a marker claims and
    where, for the edge tests (steps are 0, 10, 20, ... by ``view``)."""
    found(run, kind, **overrides)  # the field checks
    markers = rules.evaluate(run, settings.parse_settings(overrides))
    return [(m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"]) for m in markers
            if kind is None or m["kind"] == kind]


def spans_found(run, kind=None, **overrides):
    """``found`` with each marker's span: ``[(kind, layer, severity, evidence_from, first_step, last_step)]``."""
    found(run, kind, **overrides)  # the field checks
    markers = rules.evaluate(run, settings.parse_settings(overrides))
    return [(m["kind"], m["layer"], m["severity"], m["evidence_from"], m["first_step"], m["last_step"])
            for m in markers if kind is None or m["kind"] == kind]


def grads(*rms_by_layer, zero=None):
    """Kernel-gradient views, input side first, with the given RMS per step."""
    return [view("l%d/kernel/grad" % i, "l%d" % i, "gradient", "weights", rms=r, l2_norm=r,
                 zero_fraction=0.0 if zero is None else zero[i]) for i, r in enumerate(rms_by_layer)]
