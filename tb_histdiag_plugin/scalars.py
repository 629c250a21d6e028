"""The training signals beside the histograms: loss, accuracy, learning rate.

Read through TensorBoard's data provider (``list_scalars``/``read_scalars``,
plugin ``scalars``), from the run itself and from the sibling runs frameworks
split them into (Keras writes histograms and ``epoch_loss`` into ``X/train``,
validation scalars into ``X/validation``; PyTorch's ``add_scalars`` writes
``X/Loss_train``).  Which tag is which signal is read from the name's parts
(``scalar_names.py``).  Unrecognised tags are ignored; a tag that cannot be
read as numbers is skipped: the histogram diagnosis never depends on scalars.
"""

import dataclasses
import math

import numpy as np

from tensorboard.data import provider

from tb_histdiag_plugin import downsample, scalar_names
from tb_histdiag_plugin.jsonvalues import json_list

SCALARS_PLUGIN = "scalars"
# read_scalars needs an int; anything above the stored reservoir means "all".
ALL_SAMPLES = 10**9
# More scalar tags than this in the runs a run draws on are not classified one by one
# beyond it (a run logging thousands of per-parameter scalars): the first ones in
# sorted order that name a signal still count.
MAX_TAGS = 20_000
# A signal's values are not read beyond this many points (a reservoir of 1,000 is
# TensorBoard's default for scalars; the CLI keeps every sample).
MAX_POINTS = 100_000


@dataclasses.dataclass
class Signal:
    """One recognised training signal: where it was read, and its values by step."""

    run: str
    tag: str
    steps: np.ndarray  # int64, increasing
    values: np.ndarray  # float64, NaN/Inf as logged

    def finite(self):
        """``(steps, values)`` where the value is finite."""
        ok = np.isfinite(self.values)
        return self.steps[ok], self.values[ok]

    def at(self, step):
        """The value at the last logged step at or before ``step`` (NaN if none)."""
        i = int(np.searchsorted(self.steps, step, side="right")) - 1
        return float(self.values[i]) if i >= 0 else math.nan


class Index:
    """A scalar listing ``{run: {tag: ScalarTimeSeries}}`` indexed by the runs' split bases and parents,
    so finding each run's related runs costs one lookup, not a pass over every run of a sweep."""

    def __init__(self, listing):
        self.listing = listing
        self._chosen = {}  # run -> choose(run): a /runs poll asks for every run, its analyses again
        self.by_base, self.children = {}, {}
        for other in listing:
            base, split = scalar_names.split_of_run(other)
            if split is not None:
                self.by_base.setdefault(base, []).append((other, split))
            if "/" in other:
                self.children.setdefault(other.rsplit("/", 1)[0], []).append(other)

    def related_runs(self, run):
        """The runs whose scalars belong to ``run``: itself, its splits' siblings
        (``X/train`` ↔ ``X/validation``) and its direct children (``add_scalars``)."""
        base, split = scalar_names.split_of_run(run)
        out = [(run, split)] if run in self.listing else []
        if split is not None:
            out += [(other, s) for other, s in self.by_base.get(base, ()) if other != run]
        out += [(child, scalar_names.split_of_run(child)[1]) for child in self.children.get(run, ())
                if child not in {o for o, _ in out}]
        return out

    def candidates(self, run):
        """``[(run, name, split, tag)]`` of every scalar tag that may be one of ``run``'s signals.

        A child run written by ``add_scalars("Loss", {"train": …})`` is named
        ``…/Loss_train`` and holds the tag ``Loss``: its own name says what it is.
        """
        out = []
        for other, split in self.related_runs(run):
            tags = sorted(self.listing.get(other) or ())[:MAX_TAGS]
            leaf = other[len(run) + 1:] if other.startswith(run + "/") else None
            for tag in tags:
                if leaf and scalar_names.classify(leaf) is not None:
                    out.append((other, leaf, None, tag))
                else:
                    out.append((other, tag, split, tag))
        return out

    def choose(self, run):
        """``{signal: (run, tag)}`` of the run's signals (computed once per listing)."""
        if run not in self._chosen:
            self._chosen[run] = self._choose(run)
        return self._chosen[run]

    def _choose(self, run):
        found = self.candidates(run)
        named = {(r, name): tag for r, name, _, tag in found}
        chosen = scalar_names.pick(((r, name, split) for r, name, split, _ in found), run=run)
        return {signal: (r, named[(r, name)]) for signal, (r, name) in chosen.items()}


def list_scalars(data_provider, ctx, experiment_id):
    """``{run: {tag: ScalarTimeSeries}}`` of every run (``{}`` if the provider cannot list)."""
    try:
        return data_provider.list_scalars(ctx, experiment_id=experiment_id, plugin_name=SCALARS_PLUGIN) or {}
    except Exception:  # a provider without scalars, or a broken listing: no signals, same diagnosis
        return {}


def fingerprint(chosen, listing):
    """What changes when new scalar data arrives for the chosen signals."""
    out = []
    for signal in sorted(chosen):
        r, tag = chosen[signal]
        ts = (listing.get(r) or {}).get(tag)
        out.append((signal, r, tag, getattr(ts, "max_step", None), getattr(ts, "max_wall_time", None)))
    return tuple(out)


def read(data_provider, ctx, experiment_id, chosen):
    """``{signal: Signal}`` for ``chosen`` (``choose``'s result); unreadable tags are left out."""
    by_run = {}
    for signal, (r, tag) in chosen.items():
        by_run.setdefault(r, {})[tag] = signal
    out = {}
    for r, tags in by_run.items():
        try:
            data = data_provider.read_scalars(
                ctx, experiment_id=experiment_id, plugin_name=SCALARS_PLUGIN, downsample=ALL_SAMPLES,
                run_tag_filter=provider.RunTagFilter(runs=[r], tags=list(tags)))
        except Exception:  # a tag that is not a scalar after all (a tensor of many values)
            data = {}
        for tag, datums in (data.get(r) or {}).items():
            signal = to_signal(r, tag, datums)
            if signal is not None:
                out[tags[tag]] = signal
    return out


def to_signal(run, tag, datums):
    """A ``Signal`` from scalar datums, sorted by step (the last value of a repeated step wins), or None."""
    pairs = []
    for d in datums[:MAX_POINTS]:
        try:
            pairs.append((int(d.step), float(d.value)))
        except (TypeError, ValueError, OverflowError):
            continue
    if not pairs:
        return None
    steps = np.array([p[0] for p in pairs], dtype=np.int64)
    values = np.array([p[1] for p in pairs], dtype=np.float64)
    order = np.argsort(steps, kind="stable")
    steps, values = steps[order], values[order]
    last = np.append(steps[1:] != steps[:-1], True)
    return Signal(run, tag, steps[last], values[last])


def percent_scaled(signals):
    """Accuracy written in percent (timm's ``eval_top1``) as a share in [0, 1]."""
    out = dict(signals)
    for name in ("accuracy", "val_accuracy"):
        s = out.get(name)
        if s is None:
            continue
        finite = s.values[np.isfinite(s.values)]
        is_percent = getattr(scalar_names, "is_percent", lambda tag: False)(s.tag)
        if len(finite) and (is_percent or np.nanmax(finite) > 1.0 + 1e-6) and np.nanmax(finite) <= 100.0:
            out[name] = Signal(s.run, s.tag, s.steps, s.values / 100.0)
    return out


# A classifier's loss starts near chance (ln C: small logits at initialisation); a first
# loss within this factor of ln C, either way, says the output layer is a classifier's.
CHANCE_START = 1.5


def infer_classes(run_view, signals=None):
    """``(classes, chance_loss)`` from the output layer's bias size, or ``(None, None)``.

    A softmax over C classes starts (and, learning nothing, stays) at a cross
    entropy of ln C; a binary head (one output) at ln 2.  The output layer is
    the deepest layer with logged parameters; without a logged bias there is
    no size to read.  The size alone does not make a classifier (a regression's
    one output), so the run must say so: an accuracy logged beside the loss, or
    a first loss within ``CHANCE_START`` times ln C.  Without a loss, None.
    """
    signals = signals or {}
    loss = signals.get("loss")
    if loss is None:
        return None, None
    by_tag = {s.tag: s for s in run_view.series}
    layer = next((l for l in reversed(run_view.layers)
                  if l["tags"].get("weights") in by_tag or l["tags"].get("bias") in by_tag), None)
    series = by_tag.get(layer["tags"].get("bias")) if layer else None
    if series is None:
        return None, None
    count = series.stats["count"]
    finite = count[np.isfinite(count)]
    units = int(round(float(finite[-1]))) if len(finite) else 0
    if units < 1:
        return None, None
    classes = 2 if units == 1 else units
    chance = math.log(classes)
    _, values = loss.finite()
    accuracy = signals.get("accuracy") is not None or signals.get("val_accuracy") is not None
    near = len(values) > 0 and chance / CHANCE_START <= values[0] <= chance * CHANCE_START
    return (classes, chance) if accuracy or near else (None, None)


def thinned(signal, max_points):
    """Indices of ``signal`` kept in a default document: thinned like the series (``downsample.py``: each
    step window's lowest and highest value, the first and last point, every non-finite point)."""
    n = len(signal.steps)
    if max_points is None or n <= max_points:
        return np.arange(n)
    values = np.where(np.isfinite(signal.values), signal.values, np.nan)
    edges = downsample.window_edges(signal.steps[0], signal.steps[-1])
    return downsample.keep_indices(signal.steps, {"min": values, "max": values, "rms": values},
                                   ~np.isfinite(signal.values), edges)


def document(signals, classes, chance_loss, max_points=None):
    """The document's ``scalars`` section: each signal's run, tag, steps and values (null where not finite)."""
    out = {}
    for name in scalar_names.SIGNALS:
        s = signals.get(name)
        if s is None:
            continue
        idx = thinned(s, max_points)
        out[name] = {"run": s.run, "tag": s.tag, "steps": s.steps[idx].tolist(), "values": json_list(s.values[idx])}
    out["classes"] = classes
    out["chance_loss"] = None if chance_loss is None else round(chance_loss, 6)
    return out
