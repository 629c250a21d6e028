"""What every health rule shares: the run view, spans of steps, and marker building.

A rule is a pure function ``rule(run, settings) -> [marker]`` over a
``RunView`` (per-series statistics arrays of one run, plus its layers in depth
order); the rules live in ``rules/gradients.py``, ``rules/activations.py``,
``rules/weights.py`` and ``rules/inferred.py``, and ``rules/__init__.py`` runs them all.
"""

import dataclasses

import numpy as np

from tb_histdiag_plugin.layers import NO_DEPTH
from tb_histdiag_plugin.severity import SEVERITY_RANK

# A condition must hold on this many logged steps in a row to make a marker
# (or on every step of a shorter series): one odd step is noise, not a trend.
MIN_SPAN = 2
# Runs of a condition separated by at most this many logged steps where it does
# not hold are one marker: a condition flickering around its threshold is one
# finding, not many.
MAX_GAP = 2
# Parameter names that belong to a normalisation layer (scale, shift and running
# statistics): trained towards what the data need, not initialised symmetric
# around zero, so growth/shrink/centring rules do not judge them.  Used only
# when the view does not say (``SeriesView.norm``, filled from ``layers.py``).
NORM_PARAM_NAMES = frozenset({"gamma", "beta", "moving_mean", "moving_variance", "running_mean", "running_var"})
# A layer initialised far smaller than the others (a residual branch's last
# layer near zero, Fixup/SkipInit-style) grows by orders of magnitude while it
# catches up with them: healthy.  Growth rules measure its growth from no less
# than this share of the other layers' median initial RMS (``small_init_floor``).
# Under Glorot/He initialisation a layer's RMS goes as 1/sqrt(fan-in), so a
# 10x smaller RMS than the median layer takes a 100x larger fan-in: beyond
# ordinary architectures (VGG's 25,088-input fc6 sits at 0.3x its convs).
SMALL_INIT_SHARE = 0.1
# Where a series' values come from, for a marker's ``evidence_from``.
SOURCE_OF_ROLE = {"gradient": "gradients", "activation": "activations", "weights": "weights", "bias": "weights",
                  "other": "weights"}


@dataclasses.dataclass
class SeriesView:
    tag: str
    layer: str  # "" for no layer
    depth: int  # -1 for no layer
    role: str
    param: str
    steps: np.ndarray
    non_finite: np.ndarray
    stats: dict  # name -> float array, NaN where null
    param_name: str = ""  # the parameter's own short name ("kernel", "gamma", ...)
    norm: bool = False  # a normalisation layer's parameter (see NORM_PARAM_NAMES)

    @property
    def is_norm(self):
        return bool(self.norm) or self.param_name.lower() in NORM_PARAM_NAMES


@dataclasses.dataclass
class RunView:
    series: list
    layers: list  # contract layer dicts, depth order
    scalars: dict = dataclasses.field(default_factory=dict)  # {signal: scalars.Signal}: loss, accuracy, lr
    classes: object = None  # int, inferred from the output layer (scalars.infer_classes), or None
    chance_loss: object = None  # float: ln C (ln 2 for a binary head), or None

    def primary(self, role):
        """``{layer_name: SeriesView}`` of each layer's main tag for ``role``."""
        by_tag = {s.tag: s for s in self.series}
        out = {}
        for layer in self.layers:
            tag = layer["tags"].get(role)
            if tag in by_tag:
                out[layer["name"]] = by_tag[tag]
        return out

    def has_role(self, role):
        return any(s.role == role for s in self.series)

    def depth(self):
        return {layer["name"]: layer["depth"] for layer in self.layers}


def fmt(x):
    """A number for an evidence sentence: 3 significant digits."""
    if x is None or not np.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return "%.2e" % x
    return "%.3g" % x


def spans(mask, min_len=MIN_SPAN, max_gap=MAX_GAP):
    """Index ranges ``(i, j)`` where the condition holds, as markers should span them.

    Runs of True separated by at most ``max_gap`` False entries are one span;
    a span needs ``min_len`` True entries, or all of them in a shorter series.
    """
    mask = np.asarray(mask, dtype=bool)
    hits = np.nonzero(mask)[0]
    if len(hits) == 0:
        return []
    need = max(1, min(min_len, len(mask)))
    breaks = np.nonzero(np.diff(hits) > max_gap + 1)[0]
    starts = np.concatenate([[0], breaks + 1])
    ends = np.concatenate([breaks, [len(hits) - 1]])
    return [(int(hits[a]), int(hits[b])) for a, b in zip(starts, ends) if b - a + 1 >= need]


def runs_of(mask, need):
    """``mask`` kept only on runs of at least ``need`` consecutive True (or all of a shorter series)."""
    out = np.zeros(len(mask), dtype=bool)
    need = max(1, min(need, len(mask)))
    for i, j in spans(mask, min_len=1, max_gap=0):
        if j - i + 1 >= need:
            out[i:j + 1] = True
    return out


def marker(kind, severity, series, first_step, last_step, evidence, evidence_from=None):
    """A contract marker dict; ``evidence_from`` defaults to where ``series`` comes from."""
    assert severity in SEVERITY_RANK, severity
    return {
        "kind": kind,
        "severity": severity,
        "tag": series.tag,
        "layer": series.layer or None,
        "first_step": int(first_step),
        "last_step": int(last_step),
        "evidence": evidence,
        "evidence_from": evidence_from or SOURCE_OF_ROLE.get(series.role, "weights"),
    }


def grade(value, warning=None, critical=None, base="info", lower_is_worse=False):
    """The severity of ``value`` against optional warning and critical thresholds (``>=``, or ``<=``)."""
    worse = (lambda a, b: a <= b) if lower_is_worse else (lambda a, b: a >= b)
    if critical is not None and worse(value, critical):
        return "critical"
    if warning is not None and worse(value, warning):
        return "warning"
    return base


def span_markers(kind, series, cond, score, severity, evidence, worst="max", steps=None, evidence_from=None,
                 min_len=MIN_SPAN, max_gap=MAX_GAP):
    """One marker per span of ``cond``, graded and described at the span's worst step.

    ``score`` is the per-step value that says how bad a step is (the worst step
    is its ``max`` or ``min`` within the span); ``severity(value)`` and
    ``evidence(k)`` (``k`` the worst step's index) make the rest.  ``steps``
    defaults to the series' own steps (pass the aligned steps when ``cond`` is
    over a run-wide step axis).
    """
    steps = series.steps if steps is None else steps
    pick = np.nanargmax if worst == "max" else np.nanargmin
    out = []
    for i, j in spans(cond, min_len=min_len, max_gap=max_gap):
        window = np.where(cond[i:j + 1], score[i:j + 1], np.nan)
        k = i + int(pick(window)) if np.isfinite(window).any() else i
        out.append(marker(kind, severity(score[k]), series, steps[i], steps[j], evidence(k), evidence_from))
    return out


def aligned(series_by_layer, stat):
    """A ``[layers, steps]`` matrix of ``stat`` over the union of steps (NaN = missing)."""
    names = list(series_by_layer)
    if not names:
        return names, np.zeros(0, dtype=np.int64), np.zeros((0, 0))
    steps = np.unique(np.concatenate([s.steps for s in series_by_layer.values()]))
    matrix = np.array([on_steps(series_by_layer[name], stat, steps) for name in names])
    return names, steps, matrix


def on_steps(series, stat, steps):
    """``stat`` of ``series`` at each of ``steps`` (NaN where the series has no such step)."""
    out = np.full(len(steps), np.nan)
    at = np.searchsorted(steps, series.steps)
    inside = at < len(steps)
    hit = inside & (steps[np.minimum(at, len(steps) - 1)] == series.steps)
    out[at[hit]] = series.stats[stat][hit]
    return out


def peer_medians(matrix):
    """``[rows, cols]``: per column, the median of every other row's value (NaN where no other has one).

    One sort per column instead of a median per row: a run's 200 layers over
    5,000 steps cost a fraction of a second, not a minute.
    """
    rows, cols = matrix.shape
    order = np.argsort(matrix, axis=0)  # NaN last
    ordered = np.take_along_axis(matrix, order, axis=0)
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.broadcast_to(np.arange(rows)[:, None], (rows, cols)), axis=0)
    own = np.isfinite(matrix)
    others = np.isfinite(matrix).sum(axis=0)[None, :] - own  # how many other rows have a value

    def at(q):  # q-th smallest of the others = q-th of the column, skipping the row's own value
        index = np.where(own & (q >= rank), q + 1, q)
        return np.take_along_axis(ordered, np.clip(index, 0, rows - 1), axis=0)

    median = 0.5 * (at((others - 1) // 2) + at(others // 2))
    return np.where(others > 0, median, np.nan)


def ordinal_share(values, good):
    """Share of finite consecutive moves that satisfy ``good(diff)``.

    Steps where the value did not move at all are no move either way (the
    pauses between updates of gradient accumulation).
    """
    moves = np.diff(values[np.isfinite(values)])
    moves = moves[moves != 0]
    if len(moves) < 2:
        return 0.0
    return float(np.mean(good(moves)))


def initial_rms(s):
    """The RMS of a series at its first logged step with a finite norm (NaN if none)."""
    norm, count = s.stats["l2_norm"], s.stats["count"]
    finite = np.nonzero(np.isfinite(norm) & np.isfinite(count) & (count > 0))[0]
    return float(norm[finite[0]] / np.sqrt(count[finite[0]])) if len(finite) else np.nan


def small_init_floor(initial, key):
    """``SMALL_INIT_SHARE`` of the median initial RMS of every entry of ``initial`` but ``key`` (0 if none)."""
    others = [v for other, v in initial.items() if other != key and v > 0]
    return SMALL_INIT_SHARE * float(np.median(others)) if others else 0.0


def sort_key(depth):
    """Marker order: most severe first, then by depth, step, kind and tag."""
    def key(m):
        return (-SEVERITY_RANK[m["severity"]], depth.get(m["layer"], NO_DEPTH), m["first_step"], m["kind"], m["tag"])
    return key

