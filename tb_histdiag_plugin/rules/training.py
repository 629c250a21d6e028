"""Rules read from the training signals logged beside the histograms: the run as a whole.

Pure functions ``rule(run, settings) -> [marker]`` over the ``RunView``'s
``scalars`` (``scalars.py``: loss, accuracy, learning rate).  Their markers have
``layer: null``, ``tag`` the scalar tag and ``evidence_from: "scalars"``.  A run
without a recognised loss gets none of them, and they never change the
histogram rules' markers.

The references: TheDeepChecker's non-decreasing loss (every relative drop
under 5% over 5 checks), diverging loss (loss / running minimum >= 2) and
fluctuating loss (smoothness: direction changes at more than half the checks);
DeepDiagnosis' "loss not decreasing" over N = 5; TheDeepChecker's initial loss
against ln C, the only chance-level rule in the literature, applied here to the
whole run; AUTOTRAINER's oscillation on accuracy (local extremes 0.03 apart).
"""

import math

import numpy as np

from tb_histdiag_plugin.rules.base import fmt, spans

SOURCE = "scalars"
# Smoothing window (logged points) for the loss before reading a trend: a
# rolling median of 3 keeps a level, drops one noisy batch.
SMOOTH = 3
# The share of the logged points that a stretch stuck at chance must cover (the
# last third at least): a loss that has only just reached chance may yet fall.
STUCK_SHARE = 1.0 / 3.0
# Weights "moving" in the CS231n sense: a layer whose change per logged step
# (Wasserstein / std) reaches this is learning (said in the evidence).
MOVING_CHANGE = 1e-3
# A diverging loss is critical when it climbs this many times above its
# running minimum (an order of magnitude), or back above its start.
DIVERGE_CRITICAL = 10.0


def _marker(kind, severity, signal, first_step, last_step, evidence):
    return {"kind": kind, "severity": severity, "tag": signal.tag, "layer": None, "first_step": int(first_step),
            "last_step": int(last_step), "evidence": evidence, "evidence_from": SOURCE}


def _smooth(values, window=SMOOTH):
    """Rolling median over ``window`` points (centred; shorter at the ends)."""
    n = len(values)
    if n < window:
        return values.copy()
    half = window // 2
    padded = np.concatenate([np.full(half, values[0]), values, np.full(half, values[-1])])
    stacked = np.lib.stride_tricks.sliding_window_view(padded, window)
    return np.median(stacked, axis=1)


def _weights_pace(run):
    """The largest median ``change`` per logged step of any layer's weights, or None without weights."""
    best = None
    for s in run.series:
        if s.role != "weights" or s.is_norm:
            continue
        change = s.stats["change"][np.isfinite(s.stats["change"])]
        if len(change):
            pace = float(np.median(change))
            best = pace if best is None else max(best, pace)
    return best


def _at_chance(level, accuracy, run, settings):
    """Does a loss ``level`` (or the accuracy at its end) sit at chance?  ``(bool, reason)``."""
    chance = run.chance_loss
    if chance is not None and abs(level - chance) <= settings["chance_tolerance"] * chance:
        return True, "at chance (ln %d = %s)" % (run.classes, fmt(chance))
    if accuracy is not None and run.classes:
        _, acc = accuracy.finite()
        if len(acc) >= 2:
            tail = float(np.median(acc[-max(2, len(acc) // 3):]))
            bound = 1.0 / run.classes + settings["chance_tolerance"] * (1.0 - 1.0 / run.classes)
            if tail <= bound:
                return True, "accuracy %s at chance (1/%d)" % (fmt(tail), run.classes)
    return False, ""


def not_learning(run, settings):
    """The training loss does not fall by a meaningful share, or sits at chance.

    Over the whole run: the (smoothed) loss at the end is less than
    ``loss_min_fall`` below its start: the run learns nothing from its first
    step (warning; critical at chance).  Over its last stretch: a loss that fell
    but has sat at chance since (the last stretch from which it never falls by
    ``loss_min_fall`` again, at least a third of the run and
    ``loss_min_points`` points) is stuck there (critical).  A loss that fell and
    then plateaued elsewhere is done, not stuck; one that rises or turns NaN is
    ``loss_diverging``'s.  Needs ``loss_min_points`` logged values.
    """
    loss = run.scalars.get("loss")
    if loss is None or not np.isfinite(loss.values).all():
        return []
    steps, values = loss.steps, loss.values
    n = len(values)
    need = int(settings["loss_min_points"])
    if n < need:
        return []
    v = _smooth(values)
    tiny = np.finfo(float).tiny
    start, end = float(v[0]), float(v[-1])
    if end > start * (1.0 + settings["loss_min_fall"]):
        return []  # rising: diverging, not stuck
    fell = (start - end) / max(abs(start), tiny)
    onset = 0
    if fell >= settings["loss_min_fall"]:
        # Learned something: stuck only if it has sat at chance over its last stretch.
        later_min = np.minimum.accumulate(v[::-1])[::-1]
        falls = (v - later_min) / np.maximum(np.abs(v), tiny) >= settings["loss_min_fall"]
        onset = int(np.nonzero(falls)[0][-1]) + 1 if falls.any() else 0
        if n - onset < max(need, math.ceil(STUCK_SHARE * n)):
            return []
    level = float(np.median(v[onset:]))
    chance, reason = _at_chance(level, run.scalars.get("accuracy"), run, settings)
    if onset > 0 and not chance:
        return []  # learned, then plateaued: done
    if run.chance_loss is not None and not chance and level < 0.5 * run.chance_loss:
        return []  # a low loss from the start (fine-tuning): nothing left to learn
    severity = "critical" if chance else "warning"
    if onset == 0:
        raw_fall = (values[0] - values[-1]) / max(abs(values[0]), tiny)
        evidence = ("training loss %s at step %d → %s at step %d: fell %s%% over %d logged steps (less than %s%%)"
                    % (fmt(values[0]), steps[0], fmt(values[-1]), steps[-1], fmt(100 * max(raw_fall, 0.0)), n,
                       fmt(100 * settings["loss_min_fall"])))
    else:
        evidence = ("training loss stuck from step %d: %s → %s at step %d, after falling from %s at step %d"
                    % (steps[onset], fmt(values[onset]), fmt(values[-1]), steps[-1], fmt(values[0]), steps[0]))
    if reason:
        evidence += "; " + reason
    pace = _weights_pace(run)
    if pace is not None:
        evidence += ("; weights still (largest change per logged step %s, below %s)" if pace < MOVING_CHANGE
                     else "; weights move (largest change per logged step %s, at least %s)") % (
                         fmt(pace), fmt(MOVING_CHANGE))
    return [_marker("not_learning", severity, loss, steps[onset], steps[-1], evidence)]


def loss_diverging(run, settings):
    """The loss climbs far above its running minimum and keeps climbing, or turns NaN/Inf.

    Rising: at least ``loss_diverge_factor`` times its running minimum, having
    given back at least a quarter of what it had gained, on two logged steps in
    a row, and still there (or higher) at the end of that stretch.  NaN/Inf:
    critical from the first such step, whatever came before.
    """
    loss = run.scalars.get("loss")
    if loss is None or len(loss.values) < 2:
        return []
    steps, values = loss.steps, loss.values
    bad = ~np.isfinite(values)
    finite = np.where(bad, np.nan, values)
    if np.isfinite(finite).sum() == 0 and not bad.any():
        return []
    running_min = np.fmin.accumulate(np.where(np.isfinite(finite), finite, np.inf))
    head = finite[np.isfinite(finite)][0] if np.isfinite(finite).any() else np.nan
    with np.errstate(invalid="ignore"):
        rising = (np.isfinite(finite) & (running_min > 0) & (finite >= settings["loss_diverge_factor"] * running_min)
                  & (finite - running_min >= 0.25 * (head - running_min)))
    first_bad = int(np.argmax(bad)) if bad.any() else None
    # Two logged steps in a row, still as high at the end; or one, followed by NaN/Inf.
    found = [(i, j) for i, j in spans(rising, min_len=1, max_gap=0)
             if (j > i and finite[j] >= finite[i]) or (first_bad is not None and j + 1 == first_bad)]
    if not found and first_bad is None:
        return []
    if found:
        i, j = found[0]
        # Rising points are finite, so the peak is a number; a NaN/Inf before the rise starts the marker.
        peak = i + int(np.argmax(finite[i:j + 1]))
        if first_bad is not None:
            i = min(i, first_bad)
        last = j if first_bad is None else max(j, int(np.nonzero(bad)[0][-1]))
        ratio = finite[peak] / running_min[peak]
        evidence = ("training loss rose from its minimum %s to %s at step %d (%s×)"
                    % (fmt(running_min[peak]), fmt(finite[peak]), steps[peak], fmt(ratio)))
        critical = first_bad is not None or ratio >= DIVERGE_CRITICAL or finite[peak] >= head
    else:
        i = first_bad
        last = int(np.nonzero(bad)[0][-1])
        evidence = "training loss"
        critical = True
    if first_bad is not None:
        prev = np.nonzero(np.isfinite(finite[:first_bad]))[0]
        tail = "; last finite %s at step %d" % (fmt(finite[prev[-1]]), steps[prev[-1]]) if len(prev) else ""
        evidence += "%sis NaN/Inf from step %d (%d of %d logged steps)%s" % (
            "; it " if found else " ", steps[first_bad], int(bad.sum()), len(values), tail)
    return [_marker("loss_diverging", "critical" if critical else "warning", loss, steps[i], steps[last], evidence)]


def _direction_changes(values):
    """Per interior point: does the curve turn there (a local max or min), and by how much (the smaller swing)."""
    d = np.diff(values)
    turn = np.sign(d[1:]) * np.sign(d[:-1]) < 0
    swing = np.minimum(np.abs(d[1:]), np.abs(d[:-1]))
    return turn, swing


def oscillating_loss(run, settings):
    """The loss (or, without a loss, the accuracy) turns up and down at most logged steps, beyond noise.

    TheDeepChecker's smoothness on the loss: direction changes at more than
    ``oscillation_turns`` of the points; each turn counts only when both swings
    around it are at least ``oscillation_swing`` of the loss level and of the
    loss's whole range (not a converged loss's noise near zero) (an epoch
    loss's noise is far below; AUTOTRAINER's 0.03 on accuracy is the same idea).
    A warning when the loss makes no net progress over the oscillating stretch,
    info when it still falls overall.
    """
    signal, is_loss = run.scalars.get("loss"), True
    if signal is None:
        signal, is_loss = run.scalars.get("accuracy"), False
    if signal is None:
        return []
    steps, values = signal.finite()
    n = len(values)
    if n < max(int(settings["loss_min_points"]), 4):
        return []
    turn, swing = _direction_changes(values)
    if is_loss:
        level = np.maximum(np.abs(values[1:-1]), np.finfo(float).tiny)
        # ... and of the loss's whole range: a converged loss's last digits swing wildly relative to it.
        span = float(np.max(values) - np.min(values))
        big = (swing / level >= settings["oscillation_swing"]) & (swing >= settings["oscillation_swing"] * span)
    else:
        big = swing >= settings["oscillation_swing"]
    counted = turn & big
    if counted.sum() < 2 or counted.mean() <= settings["oscillation_turns"]:
        return []
    idx = np.nonzero(counted)[0] + 1
    a, b = idx[0] - 1, min(idx[-1] + 1, n - 1)
    window = values[a:b + 1]
    # Net progress: the mean of the first third against the last third (a mean over whole swings, where the
    # median of a curve alternating between two levels jumps between them).
    third = max(1, len(window) // 3)
    early, late = float(np.mean(window[:third])), float(np.mean(window[-third:]))
    progress = (early - late) / max(abs(early), np.finfo(float).tiny) if is_loss else (late - early)
    severity = "info" if progress >= settings["loss_min_fall"] else "warning"
    size = fmt(float(np.median(swing[counted])))
    if is_loss:
        size += ", %s%% of the level" % fmt(100 * float(np.median((swing / level)[counted])))
    evidence = ("%s turns up and down at %d of %d logged steps (median swing %s) from step %d to %d; %s"
                % ("training loss" if is_loss else "training accuracy", int(counted.sum()), n - 2, size,
                   steps[a], steps[b], "still falling overall" if severity == "info" else "no net progress over it"))
    return [_marker("oscillating_loss", severity, signal, steps[a], steps[b], evidence)]


RULES = (not_learning, loss_diverging, oscillating_loss)
