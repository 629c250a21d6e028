"""What the health rules could not judge, and why: the document's ``unjudged`` list.

``unjudged(run, settings) -> [{"layer", "tag", "rule", "reason"}]`` is a pure
function over the same ``RunView`` the rules get (``rules/base.py``).  A rule
that skips a tensor stays silent about it; this says so, so that a layer with
no marker reads as "not judged" rather than "healthy".  The limits are the
rules' own named constants (``rules/weights.py``, ``rules/inferred.py``);
each entry's reason is one sentence with the numbers.  Tutorial-size models
(layers of 5 to 16 units) are mostly judged: their tensors of 2 to 31 values
are read as the tensor itself (about one value per bucket); what is left is
mostly a one-value tensor (a single output unit's bias or a 1x1 kernel) and,
for clipping, tensors of 32 to 99 values.
"""

import numpy as np

from tb_histdiag_plugin.rules import inferred, weights as rules_weights


def _largest(s):
    count = s.stats["count"]
    return int(np.nanmax(count)) if np.isfinite(count).any() else 0


def _entry(s, rule, reason):
    return {"layer": s.layer or None, "tag": s.tag, "rule": rule, "reason": reason}


def _values(n):
    return "%d value%s" % (n, "" if n == 1 else "s")


def unjudged(run, settings):
    """Per tensor and rule that could not judge it: ``{"layer", "tag", "rule", "reason"}``, in series order."""
    out = []
    primary = {s.tag for s in run.primary("weights").values()}
    weights_only = not run.has_role("gradient")
    large, small = inferred.size_classes(run) if weights_only else ({}, {})
    for s in run.series:
        n = _largest(s)
        if n == 0 or s.role == "activation":
            continue
        spread = np.isfinite(s.stats["change"]).any()
        if s.tag in primary and not spread:
            why = ("holds %s, so it has no spread and its change between logged steps (Wasserstein / std) is "
                   "undefined" % _values(n)) if n < inferred.MIN_SMALL_VALUES else (
                   "holds %s that never had a spread at two consecutive logged steps, so its change (Wasserstein / "
                   "std) is undefined" % _values(n))
            out.append(_entry(s, "stagnant_weights", "%s %s: whether it stops moving cannot be read." % (s.tag, why)))
            if weights_only and not s.is_norm:
                out.append(_entry(s, "vanishing_gradient",
                                  "%s %s: its pace cannot be compared with the other layers' to infer vanishing "
                                  "gradients from weights." % (s.tag, why)))
        if s.role == "weights" and not s.is_norm and n < 2:
            out.append(_entry(s, "off_center", "%s holds %s: a single value has no spread to measure its distance "
                                               "from zero in." % (s.tag, _values(n))))
        if n <= rules_weights.CLIPPED_SMALL_PILE:
            out.append(_entry(s, "clipped_values",
                              "%s holds %s: a pile at a bound needs %d equal values and one beside them, %d in all."
                              % (s.tag, _values(n), rules_weights.CLIPPED_SMALL_PILE,
                                 rules_weights.CLIPPED_SMALL_PILE + 1)))
        elif rules_weights.CLIPPED_SMALL_TENSOR <= n < rules_weights.CLIPPED_MIN_TENSOR:
            out.append(_entry(s, "clipped_values",
                              "%s holds %s: 1 to 3 per bucket, too many to read a pile of a few equal values (as in "
                              "tensors of fewer than %d) and too few to tell a pile of %d from an edge bucket's own "
                              "count (tensors of %d or more)."
                              % (s.tag, _values(n), rules_weights.CLIPPED_SMALL_TENSOR,
                                 rules_weights.CLIPPED_MIN_VALUES, rules_weights.CLIPPED_MIN_TENSOR)))
    # Inferring vanishing gradients from weights compares layers of one size class; a class of too few layers
    # beside the other is not compared with anything.
    if large and small:
        for members, other, word in ((large, small, "%d or more" % inferred.MIN_VALUES),
                                     (small, large, "fewer than %d" % inferred.MIN_VALUES)):
            if len(members) >= inferred.MIN_LAYERS + 1:
                continue
            for name, s in members.items():
                out.append(_entry(s, "vanishing_gradient",
                                  "%s holds %s, and only %d layer%s of the run hold%s %s values: a histogram's change "
                                  "is comparable only between layers of like size (one value per bucket or many), so "
                                  "its pace is not compared with the %d other layers' to infer vanishing gradients "
                                  "from weights."
                                  % (s.tag, _values(_largest(s)), len(members), "" if len(members) == 1 else "s",
                                     "s" if len(members) == 1 else "", word, len(other))))
    return out
