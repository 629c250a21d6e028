"""A run's markers on one step axis: what came first, and what followed from it.

Debugger V2 jumps to the first NaN because "later alerts are repetitions or
consequences of earlier ones"; this module does the same for every sign the
rules read.  Markers are ordered by onset (``first_step``: where each condition
first holds); each gets ``caused_by``, the marker it follows from by one of the
named ``LINKS`` (or None), and ``link``, that rule's name.  Linked markers form
episodes; each episode's root is its first sign.  ``first_sign`` is the
earliest warning or critical sign of the run's first episode with one, and
``headline`` tells the run's story in one sentence.  A learning rate that
rose before the first sign (``LR_RISE``) is named beside it: the learning rate
is no marker, so it is context (``first_sign["learning_rate"]``), not a cause.
"""

import math

import numpy as np

from tb_histdiag_plugin.rules.base import fmt
from tb_histdiag_plugin.severity import SEVERITY_RANK

# (name, cause kinds, effect kinds, why).  A marker's cause is an earlier-onset
# marker (same onset: earlier in ``CAUSE_ORDER``) linked to it by one of these.
LINKS = (
    ("explosion_grows_weights", ("exploding_gradient",), ("weight_growth",),
     "large gradients make large updates: weights grow"),
    ("growth_saturates", ("exploding_gradient", "weight_growth"), ("saturation",),
     "larger weights push pre-activations beyond the bounded range of tanh/sigmoid"),
    ("explosion_kills_units", ("exploding_gradient", "weight_growth"), ("dead_units",),
     "a large update pushes ReLU units' biases negative for every input"),
    ("saturation_zeroes_gradient", ("saturation",), ("vanishing_gradient",),
     "a saturated unit's derivative is ~0, so no gradient passes it"),
    ("dead_units_zero_gradient", ("dead_units",), ("vanishing_gradient",),
     "a dead layer outputs zero and passes no gradient, to its own weights or upstream"),
    ("zero_gradient_stills_weights", ("vanishing_gradient", "saturation", "dead_units"), ("stagnant_weights",),
     "no gradient, no update: the weights stop changing"),
    ("explosion_overflows", ("exploding_gradient", "weight_growth", "loss_diverging"), ("non_finite",),
     "values beyond float range become Inf, then NaN"),
    ("nan_spreads", ("non_finite",), ("non_finite", "loss_diverging"),
     "one NaN in a forward or backward pass reaches every layer and the loss"),
    ("explosion_diverges_loss", ("exploding_gradient", "weight_growth"), ("loss_diverging", "oscillating_loss"),
     "updates too large overshoot the minimum: the loss climbs or swings"),
    ("divergence_explodes", ("loss_diverging",), ("exploding_gradient", "weight_growth"),
     "a climbing loss has growing gradients"),
    ("explosion_spreads", ("exploding_gradient", "weight_growth"), ("exploding_gradient", "weight_growth"),
     "a diverging layer's outputs and gradients feed its neighbours: the explosion reaches them too"),
    ("same_condition_spreads", ("vanishing_gradient",), ("vanishing_gradient",),
     "gradients shrink layer by layer towards the input: one vanishing problem, however many layers show it"),
    ("same_condition_spreads", ("saturation",), ("saturation",),
     "the same saturation in another layer: one problem of scale (initialisation, inputs, learning rate)"),
    ("same_condition_spreads", ("dead_units",), ("dead_units",),
     "units dying in another layer: one problem (a learning rate or initialisation that kills ReLUs)"),
    ("same_condition_spreads", ("stagnant_weights",), ("stagnant_weights",),
     "another still layer: one problem (a step too small, frozen parameters, or no gradient)"),
    ("nothing_learns", ("not_learning",), ("stagnant_weights",),
     "a run that learns nothing (a step far too small, or no gradient) leaves its weights still as well"),
    ("stall_stops_learning", ("stagnant_weights", "vanishing_gradient", "dead_units", "saturation"),
     ("not_learning",), "layers that do not learn leave the loss where it was"),
)
# Order of kinds with the same onset: causes before their effects.
CAUSE_ORDER = ("exploding_gradient", "weight_growth", "loss_diverging", "saturation", "dead_units",
               "vanishing_gradient", "stagnant_weights", "non_finite", "not_learning", "oscillating_loss")
_RANK = {kind: i for i, kind in enumerate(CAUSE_ORDER)}
_PHRASE = {
    "exploding_gradient": "exploding gradient", "vanishing_gradient": "gradients vanishing",
    "non_finite": "NaN", "dead_units": "dead units", "saturation": "units saturated",
    "stagnant_weights": "weights still", "weight_decay_shrink": "weights shrinking", "weight_growth": "weights growing",
    "off_center": "weights off centre", "clipped_values": "values clipped", "not_learning": "loss not falling",
    "loss_diverging": "loss diverging", "oscillating_loss": "loss oscillating",
}
# A learning rate that rises by at least this factor (warm-up, a schedule's
# restart, a mistaken multiplier) is named beside an explosion that follows.
LR_RISE = 2.0


def _order(markers):
    return sorted(range(len(markers)), key=lambda i: (markers[i]["first_step"], _RANK.get(markers[i]["kind"], 99),
                                                      -SEVERITY_RANK[markers[i]["severity"]], i))


def _links_by_effect():
    out = {}
    for name, causes, effects, _ in LINKS:
        for effect in effects:
            for cause in causes:
                out.setdefault(effect, []).append((cause, name))
    return out


_BY_EFFECT = _links_by_effect()


def link(markers, depth=None):
    """``(caused_by, link)`` lists, one entry per marker: the index of the marker it follows from and the rule.

    Among earlier markers linked to it, the cause is one in the same layer if
    any, else the latest onset (the nearest step before it), then the more
    severe.  Markers are processed in onset order, so links never form a cycle.
    """
    caused_by, names = [None] * len(markers), [None] * len(markers)
    seen = []
    for i in _order(markers):
        m = markers[i]
        rules = dict(_BY_EFFECT.get(m["kind"], ()))
        best = None
        for j in seen:
            c = markers[j]
            if c["kind"] not in rules or (c["kind"] == m["kind"] and c["layer"] == m["layer"]):
                continue
            score = (c["layer"] is not None and c["layer"] == m["layer"], c["first_step"],
                     SEVERITY_RANK[c["severity"]])
            if best is None or score > best[0]:
                best = (score, j, rules[c["kind"]])
        if best is not None:
            caused_by[i], names[i] = best[1], best[2]
        seen.append(i)
    return caused_by, names


def episodes(markers, caused_by):
    """The episodes in order of onset: ``[{"first", "markers", "first_step", "last_step"}]``."""
    def root(i):
        while caused_by[i] is not None:
            i = caused_by[i]
        return i

    order = _order(markers)
    rank = {i: position for position, i in enumerate(order)}
    groups = {}
    for i in order:
        groups.setdefault(root(i), []).append(i)
    out = [{"first": r, "markers": members, "first_step": min(markers[k]["first_step"] for k in members),
            "last_step": max(markers[k]["last_step"] for k in members)} for r, members in groups.items()]
    return sorted(out, key=lambda e: (e["first_step"], rank[e["first"]]))


def first_sign(markers, timeline):
    """The earliest warning or critical marker of the first episode that has one (None for a healthy run)."""
    for episode in timeline:
        serious = [i for i in episode["markers"] if SEVERITY_RANK[markers[i]["severity"]] >= SEVERITY_RANK["warning"]]
        if serious:
            i = episode["first"] if episode["first"] in serious else serious[0]
            m = markers[i]
            return {"kind": m["kind"], "layer": m["layer"], "step": m["first_step"], "marker": i}
    return None


def learning_rate_context(signals, step):
    """``{"value", "step", "from", "from_step"}``: the learning rate at ``step`` and, if it rose at least
    ``LR_RISE``-fold before it, where from; None without a logged learning rate."""
    lr = signals.get("learning_rate")
    if lr is None:
        return None
    value = lr.at(step)
    if not math.isfinite(value):
        return None
    out = {"value": value, "step": int(step), "from": None, "from_step": None}
    before = [(int(s), float(v)) for s, v in zip(lr.steps, lr.values) if s <= step and math.isfinite(v) and v > 0]
    if before:
        low_step, low = min(before, key=lambda p: (p[1], p[0]))
        if value >= LR_RISE * low:
            out.update({"from": low, "from_step": low_step})
    return out


def _where(m):
    return " in %s" % m["layer"] if m["layer"] else ""


def _loss_detail(m, signals):
    """``loss 2.31 → 2.29, at chance`` for a first sign read from the loss; else None."""
    loss = signals.get("loss")
    if m["evidence_from"] != "scalars" or loss is None:
        return None
    before = loss.steps <= m["first_step"]
    known = np.isfinite(loss.values) & before
    start = loss.values[np.nonzero(known)[0][-1]] if known.any() else np.nan
    inside = loss.values[(loss.steps >= m["first_step"]) & (loss.steps <= m["last_step"])]
    if not len(inside):
        return None
    show = (lambda v: fmt(v) if np.isfinite(v) else "NaN")  # noqa: E731
    return "loss %s → %s%s" % (show(start), show(inside[-1]), ", at chance" if "at chance" in m["evidence"] else "")


def headline(markers, timeline, sign, signals, layers):
    """One sentence for the run: its first sign and what followed, or that it is healthy (and learning)."""
    loss = signals.get("loss")
    if sign is None:
        text = "Healthy: no warning signs in %d layer%s" % (len(layers), "" if len(layers) == 1 else "s")
        if loss is not None:
            steps, values = loss.finite()
            if len(values) >= 2:
                verb = "learning: loss fell" if values[-1] < values[0] else "loss went"
                text += "; %s from %s at step %d to %s at step %d" % (verb, fmt(values[0]), steps[0],
                                                                     fmt(values[-1]), steps[-1])
        return text + "."
    m = markers[sign["marker"]]
    text = "First sign: %s%s at step %d" % (_PHRASE.get(m["kind"], m["kind"]), _where(m), m["first_step"])
    context = [_loss_detail(m, signals)]
    lr = sign.get("learning_rate")  # annotate's learning_rate_context at the sign's step
    if lr is not None:
        context.append("learning rate %s%s" % (fmt(lr["value"]), "" if lr["from"] is None else
                                               ", up from %s at step %d" % (fmt(lr["from"]), lr["from_step"])))
    if any(context):
        text += " (%s)" % "; ".join(c for c in context if c)
    episode = next(e for e in timeline if sign["marker"] in e["markers"])
    followers, seen = [], {m["kind"]}
    for i in episode["markers"]:
        k = markers[i]["kind"]
        if k not in seen and SEVERITY_RANK[markers[i]["severity"]] >= SEVERITY_RANK["warning"]:
            seen.add(k)
            followers.append("%s from %d" % (_PHRASE.get(k, k), markers[i]["first_step"]))
    if followers:
        text += "; " + ", ".join(followers[:4])
    others = [e for e in timeline if e is not episode and any(
        SEVERITY_RANK[markers[i]["severity"]] >= SEVERITY_RANK["warning"] for i in e["markers"])]
    if others:
        text += "; %d other problem%s" % (len(others), "" if len(others) == 1 else "s")
    return text + "."


def annotate(markers, signals, layers):
    """``(markers with caused_by/link, timeline, first_sign, headline)`` of a run."""
    caused_by, names = link(markers)
    marked = [dict(m, caused_by=caused_by[i], link=names[i]) for i, m in enumerate(markers)]
    timeline = episodes(marked, caused_by)
    sign = first_sign(marked, timeline)
    if sign is not None:
        lr = learning_rate_context(signals, sign["step"])
        if lr is not None:
            sign["learning_rate"] = lr
    return marked, timeline, sign, headline(marked, timeline, sign, signals, layers)
