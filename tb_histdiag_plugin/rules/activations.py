"""Rules read from activation histograms: dead units and saturation.

Pure functions ``rule(run, settings) -> [marker]`` (see ``rules/base.py``);
every marker here has ``evidence_from: "activations"``.
"""

import numpy as np

from tb_histdiag_plugin.rules.base import fmt, grade, span_markers
from tb_histdiag_plugin.stats import PERCENTILES

SOURCE = "activations"
# Values may overshoot a bounded activation's range by float rounding
# (sigmoid(x) computed in float32 can print as 1.0000001).
BOUND_TOLERANCE = 1e-3
# An activation with at least this share of exact zeros at some step is
# ReLU-like (sigmoid and tanh outputs are practically never exactly zero), so
# its values within [0, 1] are not a bounded activation's.
RELU_LIKE_ZEROS = 0.3


def dead_units(run, settings):
    """Most activation values exactly zero: dead ReLUs pass no gradient."""
    out = []
    for s in run.series:
        if s.role != "activation":
            continue
        zero = s.stats["zero_fraction"]
        cond = np.isfinite(zero) & (zero >= settings["dead_fraction"])
        finite = np.nonzero(np.isfinite(zero))[0]

        def evidence(k, s=s, zero=zero, first=finite[0] if len(finite) else 0):
            return ("%s%% of activation values are exactly zero at step %d (%s%% at step %d)"
                    % (fmt(100 * zero[k]), s.steps[k], fmt(100 * zero[first]), s.steps[first]))

        out.extend(span_markers("dead_units", s, cond, zero,
                                lambda v: grade(v, critical=settings["dead_critical_fraction"], base="warning"),
                                evidence, evidence_from=SOURCE))
    return out


def bounded_share(s, settings):
    """Share of values within the margin of a bounded activation's bounds per step, and the lower bound; or None."""
    if not np.isfinite(s.stats["min"]).any():
        return None
    lo_all, hi_all = np.nanmin(s.stats["min"]), np.nanmax(s.stats["max"])
    if (not (np.isfinite(lo_all) and np.isfinite(hi_all)) or lo_all < -1 - BOUND_TOLERANCE
            or hi_all > 1 + BOUND_TOLERANCE):
        return None
    if np.nanmax(s.stats["zero_fraction"]) >= RELU_LIKE_ZEROS:
        return None
    lower = -1.0 if lo_all < 0 else 0.0
    margin = settings["saturation_margin"]
    st = s.stats
    low = np.where(st["min"] <= lower + margin, st["min_fraction"], 0.0)
    high = np.where(st["max"] >= 1.0 - margin, st["max_fraction"], 0.0)
    # Percentiles bound the share from below: if p5 is within the margin, at least 5% are.
    for p in PERCENTILES:
        q = st["p%d" % p]
        low = np.maximum(low, np.where(q <= lower + margin, p / 100.0, 0.0))
        high = np.maximum(high, np.where(q >= 1.0 - margin, 1.0 - p / 100.0, 0.0))
    share = np.minimum(low + high, 1.0)
    return np.where(np.isfinite(st["mean"]), share, np.nan), lower


def saturation(run, settings):
    """Bounded activations (tanh, sigmoid) piled up at their bounds.

    The model's output layer (the deepest layer of the run) is exempt: a
    confident classifier's sigmoid output sits at its bounds by design.
    """
    output_layer = run.layers[-1]["name"] if run.layers else None
    out = []
    for s in run.series:
        if s.role != "activation" or (s.layer and s.layer == output_layer):
            continue
        found = bounded_share(s, settings)
        if found is None:
            continue
        share, lower = found
        cond = np.isfinite(share) & (share >= settings["saturation_fraction"])
        kind = "tanh-like, bounds ±1" if lower < 0 else "sigmoid-like, bounds 0 and 1"

        def evidence(k, s=s, share=share, kind=kind):
            return ("about %s%% of activation values lie within %s of the bounds at step %d (%s)"
                    % (fmt(100 * share[k]), fmt(settings["saturation_margin"]), s.steps[k], kind))

        out.extend(span_markers("saturation", s, cond, share,
                                lambda v: grade(v, critical=settings["saturation_critical_fraction"], base="warning"),
                                evidence, evidence_from=SOURCE))
    return out
