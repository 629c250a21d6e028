"""Health rules: statistics arrays in, markers out.

Each rule is a pure function ``rule(run, settings) -> [marker]`` over a
``RunView`` (``rules/base.py``): the per-series statistics arrays of one run
plus its layers.  Thresholds are named settings (``settings.py``) whose
defaults come from published practice, and the few fixed constants sit named,
with their reasons, beside the rules that use them.  The guiding rule: a healthy
run gets no ``warning`` or ``critical`` marker, because a false alarm costs
more trust than a missed ``info``.  Conditions must hold on at least two
consecutive logged steps (or on every step of a series that has fewer), and a
condition over consecutive steps is one marker with ``first_step``/``last_step``.

Where the rules live, by what they read: ``rules/gradients.py`` (gradient
histograms), ``rules/activations.py`` (activations), ``rules/weights.py``
(weights and biases), ``rules/inferred.py`` (gradient problems inferred from
weights when no gradients are logged), ``rules/training.py`` (the run as a
whole, from the loss and accuracy logged beside the histograms).  Every marker says where its evidence
came from (``evidence_from``).
"""

import numpy as np

from tb_histdiag_plugin.rules import activations as rules_activations, gradients as rules_gradients
from tb_histdiag_plugin.rules import inferred as rules_inferred, training as rules_training, weights as rules_weights
from tb_histdiag_plugin.rules import coverage  # noqa: F401  (what the rules could not judge: diagnosis.py)
from tb_histdiag_plugin.rules.base import RunView, SeriesView, fmt, marker, sort_key, spans  # noqa: F401 (re-exported)
from tb_histdiag_plugin.settings import DEFAULTS, SETTINGS, Setting, SettingError, parse_settings  # noqa: F401


def non_finite(run, settings):
    """NaN or Inf in any logged tensor: training has diverged or data is corrupt.

    One marker per layer (a diverging layer's weights, gradients and
    activations go together), naming the tag that went first; its evidence
    comes from that tag's role.
    """
    groups = {}
    for s in run.series:
        if s.non_finite.any():
            groups.setdefault(s.layer or ("tag", s.tag), []).append(s)
    out = []
    for members in groups.values():
        first_of = {s.tag: s.steps[np.argmax(s.non_finite)] for s in members}
        s = min(members, key=lambda m: (first_of[m.tag], m.tag))
        hits = np.nonzero(s.non_finite)[0]
        first = hits[0]
        last_step = max(int(m.steps[np.nonzero(m.non_finite)[0][-1]]) for m in members)
        finite_before = np.nonzero(np.isfinite(s.stats["rms"][:first]))[0]
        tail = ""
        if len(finite_before):
            i = finite_before[-1]
            tail = "; last finite RMS %s at step %d" % (fmt(s.stats["rms"][i]), s.steps[i])
        others = ""
        if len(members) > 1:
            others = "; also %s" % ", ".join(sorted(m.tag for m in members if m is not s))
        out.append(marker("non_finite", "critical", s, s.steps[first], last_step,
                          "%s tensor held NaN or ±Inf at %d of %d logged steps, first at step %d%s%s"
                          % (s.role, len(hits), len(s.steps), s.steps[first], tail, others)))
    return out


def stagnant_weights(run, settings):
    """``weights.stagnant_weights``, leaving out layers an inferred vanishing gradient explains."""
    group = rules_inferred.vanishing_groups(run, settings)
    explained = set(group.names[:group.k]) if group else set()
    return rules_weights.stagnant_weights(run, settings, skip=explained)


RULES = (
    non_finite,
    rules_gradients.vanishing_gradient,
    rules_inferred.inferred_vanishing_gradient,
    rules_gradients.exploding_gradient,
    rules_inferred.inferred_exploding_gradient,
    rules_activations.dead_units,
    rules_gradients.dead_units_from_gradients,
    rules_activations.saturation,
    stagnant_weights,
    rules_weights.weight_decay_shrink,
    rules_weights.weight_growth,
    rules_weights.off_center,
    rules_weights.clipped_values,
    *rules_training.RULES,
)


def evaluate(run, settings=None):
    """All markers of a run, most severe first, then by depth and step."""
    settings = settings or DEFAULTS
    markers = []
    for rule in RULES:
        markers.extend(rule(run, settings))
    markers.sort(key=sort_key(run.depth()))
    return markers
