"""Gradient problems inferred from weight histograms, for runs that log no gradients.

Most logs on disk hold weights only (Keras' stock ``TensorBoard`` callback, the
``named_parameters()`` loops of PyTorch tutorials).  Under plain SGD a layer's
update is its gradient times the learning rate, so weights that stop moving
towards the input while the output side moves are the vanishing-gradient
signature, and weight norms jumping by orders of magnitude are the exploding
one.  Both are inferences: a histogram's change between logged steps is a
lower bound of the real update, and adaptive optimisers (Adam, RMSProp)
normalise updates, so the reading is strong for SGD and weak for Adam.  Hence
every marker here is at most a ``warning``, has ``evidence_from: "weights"``
and says how to confirm with real gradient histograms.
"""

from typing import NamedTuple

import numpy as np

from tb_histdiag_plugin.rules.base import SMALL_INIT_SHARE, aligned, fmt, initial_rms, small_init_floor, span_markers
from tb_histdiag_plugin.rules.weights import paused_steps

SOURCE = "weights"
MOST = "warning"
CONFIRM = ("inferred from weights (the run logs no gradients); confirm by logging gradients with "
           "tb_histdiag_plugin.keras.GradientHistograms or tb_histdiag_plugin.torch.HistogramLogger")
# Layers with fewer weights than this are neither judged against larger ones
# nor used as their output-side reference: a small histogram's change follows
# single values (first order in the update) where a large one's averages them
# out (second order for random-direction updates), so it is not comparable
# across sizes.  Small layers (a tutorial model's Dense(5) stack: kernels of
# 5 to 25 values, about one value per bucket) are compared with one another
# instead, when the large ones find no fall: their changes are all first order.
MIN_VALUES = 100
# A layer of fewer values than this has no spread (one value: its change,
# Wasserstein / std, is undefined) and is not read at all (``rules/coverage.py`` says so).
MIN_SMALL_VALUES = 2
# A layer whose first logged values are mostly (this share or more) exactly
# zero was initialised at zero: its norm grows from nothing, no explosion.
ZERO_INITIALISED = 0.5
# The group is slow at a step when at least this share of its layers is: one
# layer near ``inferred_slow_ratio`` flickers across it from step to step, and
# must not hide the layers orders of magnitude below it.
SLOW_MAJORITY = 0.5
# A fine-tuned model's pretrained backbone under a small learning rate moves
# as one (its layers within ``inferred_slow_ratio`` of each other), a step
# below its fresh head; a vanishing gradient falls layer by layer towards the
# input.  A slow group of at least this many layers that moves as one is a
# backbone, not a fall (two layers are too few to tell a step from a fall).
MIN_BACKBONE = 3
# The input-side group must hold at least this many layers: one slow layer is
# the stagnant-weights rule's business (a frozen layer), a fall is a trend.
MIN_LAYERS = 2


def size_classes(run):
    """``(large, small)``: primary weight series by layer, depth order, of MIN_VALUES values or more, and fewer.

    Normalisation parameters and layers of fewer than ``MIN_SMALL_VALUES``
    values, or whose change is never defined, are in neither.
    """
    large, small = {}, {}
    for name, s in run.primary("weights").items():
        count = s.stats["count"]
        if s.is_norm or not np.isfinite(count).any():
            continue
        if np.nanmax(count) >= MIN_VALUES:
            large[name] = s
        elif np.nanmax(count) >= MIN_SMALL_VALUES and np.isfinite(s.stats["change"]).any():
            small[name] = s
    return large, small


def _layers(run):
    """Primary weight series by layer, in depth order, that the inference may read (the large ones)."""
    return size_classes(run)[0]


class SlowGroup(NamedTuple):
    """Input-side layers whose weights fall behind the output side's."""
    names: list  # the judged layers, depth order
    steps: np.ndarray  # the aligned step axis
    change: np.ndarray  # [layers, steps] weight change per logged step
    k: int  # names[:k] are the slow input-side group
    slow: np.ndarray  # [k, steps]: where each of them is slow against the output side
    ref: np.ndarray  # [steps]: the output side's fastest change
    weights: dict  # layer name -> SeriesView


def vanishing_groups(run, settings):
    """The ``SlowGroup`` of a run that logs no gradients, or ``None``.

    Layers frozen together (a fine-tuned model's frozen backbone: every one
    bit-identical at every step) are no fall towards the input; they are the
    stagnant-weights rule's business.  Nor is a backbone fine-tuned under a
    smaller learning rate than its head (``MIN_BACKBONE``).
    """
    if run.has_role("gradient"):
        return None
    large, small = size_classes(run)
    group = _slow_group(run, large, settings)
    if group is None and len(small) >= MIN_LAYERS + 1:
        group = _slow_group(run, small, settings)
    return group


def _slow_group(run, weights, settings):
    """``vanishing_groups`` over the layers ``weights`` (one size class)."""
    names, steps, change = aligned(weights, "change")
    if len(names) < MIN_LAYERS + 1:
        return None
    # Steps between updates (gradient accumulation) say nothing about any layer's pace; only a step where
    # every layer read here is still can be one.
    if (np.isfinite(change).any(axis=0) & ~(change > settings["stagnant_change"]).any(axis=0)).any():
        change = np.where(np.isin(steps, paused_steps(run, settings))[None, :], np.nan, change)
    with np.errstate(all="ignore"):
        typical = np.array([np.nanmedian(row) if np.isfinite(row).any() else np.nan for row in change])
    if not np.isfinite(typical).all():
        return None
    # The largest input-side group [0, k) whose every layer moves less than
    # ``inferred_slow_ratio`` of the fastest layer nearer the output, the
    # slowest orders of magnitude less, and slow on most steps.  A group that
    # fails is tried without its output-most layer: a borderline layer near
    # the slow ratio must not hide the layers orders of magnitude below it.
    for k in range(len(names) - 1, MIN_LAYERS - 1, -1):
        ref = typical[k:].max()
        if (ref <= settings["stagnant_change"] or typical[:k].max() > settings["inferred_slow_ratio"] * ref
                or typical[:k].min() > settings["inferred_vanishing_ratio"] * ref):
            continue
        if not (np.nan_to_num(change[:k]) > 0).any():  # frozen together, not fading
            return None
        with np.errstate(all="ignore"):
            level = np.nanmean(change[:k], axis=1)  # the mean: a barely moving layer's median is 0
        if k >= MIN_BACKBONE and level.min() >= settings["inferred_slow_ratio"] * level.max():
            return None  # a backbone moving as one under its own learning rate, not a fall
        # Persistence, step by step: the group stays slow against the output side.
        with np.errstate(all="ignore"):
            ref_t = np.nanmax(np.where(np.isfinite(change[k:]), change[k:], -np.inf), axis=0)
        moving = np.isfinite(ref_t) & (ref_t > settings["stagnant_change"])
        slow = np.isfinite(change[:k]) & moving & (change[:k] <= settings["inferred_slow_ratio"] * ref_t)
        observed = int((np.isfinite(change[:k]).all(axis=0) & moving).sum())
        group_slow = slow.mean(axis=0) >= SLOW_MAJORITY
        if observed and group_slow.sum() >= settings["persist_fraction"] * observed:
            return SlowGroup(names, steps, change, k, slow, ref_t, weights)
    return None


def inferred_vanishing_gradient(run, settings):
    """Weights that stop changing towards the input while the output side moves (no gradients logged)."""
    group = vanishing_groups(run, settings)
    if group is None:
        return []
    names, steps, change, k, slow, ref_t, weights = group
    fastest = names[k + int(np.argmax([np.nanmedian(row) for row in change[k:]]))]
    out = []
    for row in range(k):
        mine = change[row]
        with np.errstate(all="ignore"):
            ratio = np.where(ref_t > 0, mine / ref_t, np.nan)

        def evidence(i, mine=mine, ratio=ratio):
            moved = ("did not change at all (bit-identical histograms)" if mine[i] == 0 else
                     "changed by %s per logged step (Wasserstein / std), 1/%s of the output side's %s"
                     % (fmt(mine[i]), fmt(1.0 / ratio[i]), fmt(ref_t[i])))
            return ("at step %d the weights %s; the %d layers from the input to %s move less than %s of the output "
                    "side's fastest layer (%s) at %d of %d logged steps; %s"
                    % (steps[i], moved, k, names[k - 1], fmt(settings["inferred_slow_ratio"]), fastest,
                       int(slow[row].sum()), int(np.isfinite(mine).sum()), CONFIRM))

        # One marker per layer over the whole slow stretch: the finding is about the run.
        out.extend(span_markers("vanishing_gradient", weights[names[row]], slow[row], np.nan_to_num(ratio, nan=1.0),
                                lambda v: MOST, evidence, worst="min", steps=steps, evidence_from=SOURCE,
                                max_gap=len(steps)))
    return out


def inferred_exploding_gradient(run, settings):
    """Weight norms jumping by orders of magnitude within a few logged steps (no gradients logged).

    A layer initialised at zero (``ZERO_INITIALISED``) grows from nothing,
    which is no explosion, so it is not judged; one initialised far smaller
    than the others has its jump measured from ``SMALL_INIT_SHARE`` of their
    scale, so catching up with them is no explosion either.
    """
    if run.has_role("gradient"):
        return []
    window = max(1, int(settings["inferred_exploding_steps"]))
    initial = {name: initial_rms(s) for name, s in _layers(run).items()}
    out = []
    for name, s in run.primary("weights").items():
        norm = s.stats["l2_norm"]
        zero = s.stats["zero_fraction"]
        finite = np.nonzero(np.isfinite(norm))[0]
        if s.is_norm or len(finite) < 2 or not zero[finite[0]] < ZERO_INITIALISED or norm[finite[0]] <= 0:
            continue
        # Per step, growth over the smallest norm of the ``window`` logged steps before it.
        usable = np.where(np.isfinite(norm) & (norm > 0), norm, np.inf)
        before = np.lib.stride_tricks.sliding_window_view(np.concatenate([np.full(window, np.inf), usable[:-1]]),
                                                          window).min(axis=1)
        floor = small_init_floor(initial, name) * np.sqrt(s.stats["count"])
        floored = np.isfinite(before) & (np.nan_to_num(floor) > before)
        before = np.where(floored, floor, before)
        with np.errstate(all="ignore"):
            jump = np.where(np.isfinite(before) & np.isfinite(norm), norm / before, np.nan)
        cond = np.isfinite(jump) & (jump >= settings["inferred_exploding_factor"])
        first = s.steps[finite[0]]

        def evidence(i, s=s, norm=norm, jump=jump, floored=floored):
            small = (" (measured from %s of the other layers' initial scale: the layer started smaller)"
                     % fmt(SMALL_INIT_SHARE) if floored[i] else "")
            return ("weight L2 norm jumped %s× within %d logged steps to %s at step %d (%s at step %d)%s; %s"
                    % (fmt(jump[i]), window, fmt(norm[i]), s.steps[i], fmt(norm[finite[0]]), first, small, CONFIRM))

        # One logged step is enough: the step after an explosion is often NaN.
        out.extend(span_markers("exploding_gradient", s, cond, jump, lambda v: MOST, evidence, min_len=1,
                                evidence_from=SOURCE))
    return out

