"""Rules read from weight (and bias) histograms: what the parameters themselves did.

Pure functions ``rule(run, settings) -> [marker]`` (see ``rules/base.py``).
Normalisation parameters (``SeriesView.is_norm``: gamma, beta, running
statistics) are trained towards what the data need rather than initialised
symmetric around zero, so the growth, shrink and centring rules skip them.
"""

import numpy as np

from tb_histdiag_plugin.rules.base import (
    SMALL_INIT_SHARE, aligned, fmt, grade, initial_rms, marker, on_steps, ordinal_share, peer_medians, runs_of,
    small_init_floor, span_markers, spans)

SOURCE = "weights"
# A tensor whose zero share is at least this is zero everywhere at the stored
# resolution (as ``rules/gradients.py``'s ALL_ZERO).
ALL_ZERO = 1.0 - 1e-9
# A tensor of fewer values than this (a tutorial model's 5x5 kernel, 5-unit
# bias) has about one value per bucket (TF2 writes 30 buckets, PyTorch's
# ~10%-wide bins hold one value each), and every writer stores its minimum and
# maximum exactly: its histogram is nearly the tensor itself.  Any update that
# moves all its values (as every optimiser step with a nonzero gradient does)
# moves its extremes and shows, and a value shared by several entries shows as
# one bucket holding far more than its neighbours.
EXACT_TENSOR = 32
# ``off_center`` judges only weights whose first logged |mean| / std is below
# this: a symmetric zero-mean initialisation (Glorot, He) starts near 0; a
# distribution that starts off centre was initialised that way on purpose.
SYMMETRIC_START = 0.25
# ``weight_growth`` needs the norm at the end within this share of its peak:
# weights that grew and came back down are not growing without bound.
STILL_RISING = 0.95
# ``clipped_values`` needs at least this many values in the pile: a few equal
# extremes in a small tensor are chance, not a clip.
CLIPPED_MIN_VALUES = 10
# ... in a tensor of at least this many values: with ~30 buckets, a tensor of
# a few dozen values has a value or two in every bucket, so its edge buckets
# may look like piles (a 32-value bias read 84% "at the bounds").
CLIPPED_MIN_TENSOR = 100
# In a tensor of fewer than ``EXACT_TENSOR`` values a pile shows as one bucket
# holding far more than its neighbours (``stats.py`` keeps it as a pile at the
# bound only when its excess over them is beyond counting noise, more than 3).
# There a pile of ``CLIPPED_SMALL_PILE`` values is judged, if it holds on
# ``CLIPPED_SMALL_STEPS`` logged steps in a row: a clip or a constraint acts at
# every step, a few equal values happen once; and its bound must stay put
# while the tensor moves.  Tensors from this size up to
# ``CLIPPED_MIN_TENSOR`` are not judged (``rules/coverage.py`` says so).
CLIPPED_SMALL_TENSOR = EXACT_TENSOR
CLIPPED_SMALL_PILE = 4
# The same number of logged steps in a row as ``stagnant_steps``' default:
# one repeated pile is chance, three in a row is a constraint at work.
CLIPPED_SMALL_STEPS = 3


# A histogram shows a change only when values cross bucket edges: moving one
# value across a bucket (about 0.1 std wide: tensorboardX/torch's 10% bins;
# TF2's 30 buckets over the range are 0.2-0.3 std) changes Wasserstein / std by
# about 0.1 / count.  A pace of at least this many / count (ten crossings per
# logged step) shows in every histogram; a slower one reads as bit-identical
# on many steps without the layer being still (a fine-tuned backbone under a
# small learning rate).
VISIBLE_CHANGE = 1.0
# ... except in a tensor of fewer than ``EXACT_TENSOR`` values (see there):
# every pace above ``stagnant_change`` shows in it.


def _judged(s):
    """Weights the growth, shrink and centring rules judge (not a normalisation layer's)."""
    return s.role == "weights" and not s.is_norm


def stagnant_weights(run, settings, skip=()):
    """Weights that stop changing while training goes on.

    Two readings.  Relative: a layer's weights move orders of magnitude less
    than the other layers' (a frozen or dead layer among learning ones).
    Absolute: weights bit-identical (change at most ``stagnant_change``) for
    ``stagnant_steps`` logged steps in a row although the peers are still too,
    which the relative reading cannot see.  A layer whose bias still moves is
    learning (kernels may barely move while biases carry the fit) and is left
    alone by both readings.  When every layer is still at once, nothing is
    learning: critical.  Steps where the whole run pauses between updates
    (``paused_steps``: gradient accumulation) are left out of both readings.
    Layers in ``skip`` (explained by an inferred vanishing gradient,
    ``rules/inferred.py``) get no marker here.
    """
    names, steps, change, still_at, bias_moves, observed = _stillness(run, settings)
    if not names:
        return []
    weights = run.primary("weights")
    observed = observed & ~_pauses(observed, still_at, bias_moves)[None, :]
    # Every observed kernel and bias still: no layer is learning.
    nothing_learns = observed.any(axis=0) & (still_at | ~observed).all(axis=0) & ~bias_moves.any(axis=0)
    need = int(settings["stagnant_steps"])
    peers = peer_medians(change)
    with np.errstate(all="ignore"):  # the slowest pace each histogram shows (0 where its count is unknown)
        counts = aligned(weights, "count")[2]
        visible = np.where(counts < EXACT_TENSOR, 0.0, np.nan_to_num(VISIBLE_CHANGE / counts, nan=0.0, posinf=0.0))
    dead_input = _dead_input(run, names, steps, still_at, bias_moves, observed, settings)
    out = []
    for row, name in enumerate(names):
        if name in skip:
            continue
        mine = change[row]
        peer = peers[row]
        relative = observed[row] & np.isfinite(peer) & (peer > settings["stagnant_change"]) & (
            (mine <= settings["stagnant_change"]) | (mine < settings["stagnant_ratio"] * peer)) & ~bias_moves[row]
        relative &= peer >= visible[row]  # at the peers' pace, this histogram would show a change
        valid = np.nonzero(observed[row])[0]
        # Consecutive logged steps of this layer (another layer's cadence may interleave NaN).
        absolute = np.zeros(len(steps), dtype=bool)
        moved = mine[valid][~still_at[row, valid]]
        if not len(moved) or np.median(moved) >= np.median(visible[row, valid]):  # a pace the histogram shows
            # A moving bias means the layer learns, unless its input is exactly zero (the layer after a
            # dead one): then its kernel gets an exactly zero gradient and only the bias can move.
            held = still_at[row] & (~bias_moves[row] | dead_input[row][0])
            absolute[valid] = runs_of(held[valid], need)
        cond = (relative | absolute)[valid]
        for i, j in spans(cond):
            a, b = valid[i], valid[j]
            window = valid[i:j + 1]
            median_mine = float(np.median(mine[window]))
            why = dead_input[row][1]
            if relative[window].any():
                evidence = ("weights changed by %s (Wasserstein / std, median per logged step) from step %d to %d, "
                            "against %s for the other layers"
                            % (fmt(median_mine), steps[a], steps[b], fmt(float(np.nanmedian(peer[window])))))
            else:
                evidence = ("weights bit-identical (change %s per logged step, at most %s) from step %d to %d, "
                            "%d logged steps" % (fmt(median_mine), fmt(settings["stagnant_change"]), steps[a],
                                                 steps[b], int(still_at[row, window].sum())))
                if (bias_moves[row, window] & dead_input[row][0][window]).any() and why:
                    evidence += "; only its bias moves: %s" % why
            severity = "warning"
            if nothing_learns[window].sum() >= need or (len(valid) < need and nothing_learns[window].all()):
                severity = "critical"
                evidence += "; no layer of the run is learning (every logged weight and bias is still)"
            out.append(marker("stagnant_weights", severity, weights[name], steps[a], steps[b], evidence, SOURCE))
    return out


def _dead_input(run, names, steps, still_at, bias_moves, observed, settings):
    """Per layer: ``(mask over steps where its input is exactly zero, why)``, the input of a layer after a dead one.

    A dead ReLU layer outputs exactly zero, so the next layer's kernel gets an
    exactly zero gradient (input x upstream gradient) and never moves, while
    its bias still does.  Read, strongest first, from: the activations between
    the previous layer with weights and this one, exactly zero everywhere; the
    kernel's own gradient, exactly zero everywhere; or, from weights alone,
    the previous layer still (kernel and bias) at a step where this kernel is
    still and its bias moves, at a pace the other layers' weights show in this
    kernel's histogram (``VISIBLE_CHANGE``): a frozen layer's nonzero output
    would move it.
    """
    depth = run.depth()
    weights = run.primary("weights")
    grads = run.primary("gradient")
    acts = [s for s in run.series if s.role == "activation" and s.layer]
    weights_only = not run.has_role("gradient") and not run.has_role("activation")
    if weights_only:
        with np.errstate(all="ignore"):
            counts = aligned(weights, "count")[2]
            moving = np.where(observed & ~still_at, aligned(weights, "change")[2], np.nan)
            # The pace of the layers that move, per step (0 where none does).
            pace = np.array([np.nanmedian(col) if np.isfinite(col).any() else 0.0 for col in moving.T])
    out = []
    for row, name in enumerate(names):
        mask = np.zeros(len(steps), dtype=bool)
        why = ""
        prev = [r for r in range(row) if depth.get(names[r], -1) < depth.get(name, -1)]
        prev = max(prev, key=lambda r: depth.get(names[r], -1)) if prev else None
        low = depth.get(names[prev], -1) if prev is not None else -1
        for a in acts:
            if low <= a.depth < depth.get(name, -1):
                zero = on_steps(a, "zero_fraction", steps)
                hit = np.isfinite(zero) & (zero >= ALL_ZERO)
                if hit.any():
                    mask |= hit
                    why = why or "the activations of %s before it are exactly zero (a dead layer)" % (a.layer,)
        if name in grads and grads[name].param != "bias":
            zero = on_steps(grads[name], "zero_fraction", steps)
            hit = np.isfinite(zero) & (zero >= ALL_ZERO)
            if hit.any():
                mask |= hit
                why = why or ("its kernel gradient is exactly zero, so the kernel cannot move (a zero input, as "
                              "after a dead layer)")
        if prev is not None and weights_only:
            count = counts[row]
            upstream_still = observed[prev] & still_at[prev] & ~bias_moves[prev]
            with np.errstate(all="ignore"):
                shows = np.where(count < EXACT_TENSOR, pace > settings["stagnant_change"],
                                 pace >= VISIBLE_CHANGE / count)
                hit = upstream_still & np.isfinite(count) & shows
            if hit.any():
                mask |= hit
                why = why or ("%s before it is still too (kernel and bias), so its input is constant: exactly zero if "
                              "%s is dead" % (names[prev], names[prev]))
        out.append((mask, why))
    return out


def _stillness(run, settings):
    """``(names, steps, change, still_at, bias_moves, observed)`` of the layers' primary weights on one step axis."""
    weights = run.primary("weights")
    names, steps, change = aligned(weights, "change")
    biases = run.primary("bias")
    still_at = np.isfinite(change) & (change <= settings["stagnant_change"])
    bias_moves = np.zeros_like(still_at)
    for row, name in enumerate(names):
        if name in biases:
            bias_moves[row] = _moves(biases[name], settings["stagnant_change"], steps)
    return names, steps, change, still_at, bias_moves, np.isfinite(change)


def _pauses(observed, still_at, bias_moves):
    """Per step: does the whole run pause between updates there (gradient accumulation), rather than stop?

    With gradient accumulation over k micro-steps logged at every micro-step,
    every weight and bias is bit-identical for k - 1 logged steps, then all
    move at once.  A stretch where nothing moves that ends in a move is such a
    pause; a stretch at the end of the logs is one only if no longer than the
    longest pause before it (k - 1): longer, an update that was due never came.
    """
    moving = ((observed & ~still_at) | bias_moves).any(axis=0)
    seen = np.nonzero(observed.any(axis=0) | bias_moves.any(axis=0))[0]
    pause = np.zeros(observed.shape[1], dtype=bool)
    longest = 0
    for i, j in spans(~moving[seen], min_len=1, max_gap=0):
        if j + 1 < len(seen):  # a move follows
            pause[seen[i:j + 1]] = True
            longest = max(longest, j - i + 1)
        elif j - i + 1 <= longest:
            pause[seen[i:j + 1]] = True
    return pause


def paused_steps(run, settings):
    """The steps where the whole run pauses between updates (``_pauses``), as step numbers."""
    names, steps, change, still_at, bias_moves, observed = _stillness(run, settings)
    return steps[_pauses(observed, still_at, bias_moves)] if names else steps[:0]


def _moves(s, still, steps):
    """Per step of ``steps``: did ``s`` move since its previous logged step?

    By its change, or, where that is undefined (a single value or a constant
    tensor has no spread, like a one-output layer's bias), by its mean.
    """
    mean = s.stats["mean"]
    with np.errstate(all="ignore"):
        shift = np.abs(np.diff(mean, prepend=np.nan)) / np.maximum(np.abs(mean), np.finfo(float).tiny)
    moved = (s.stats["change"] > still) | (~np.isfinite(s.stats["change"]) & (shift > still))
    at = np.full(len(steps), False)
    at[np.searchsorted(steps, s.steps)] = moved
    return at


def _trends(run, shrinking):
    """``(series, finite indices, end/start norm ratio, share of moves that way)`` of each judged weight series."""
    for s in run.series:
        norm = s.stats["l2_norm"]
        idx = np.nonzero(np.isfinite(norm))[0]
        if not _judged(s) or len(idx) < 3 or norm[idx[0]] <= 0:
            continue
        share = ordinal_share(norm, (lambda d: d < 0) if shrinking else (lambda d: d > 0))
        yield s, idx, norm[idx[-1]] / norm[idx[0]], share


def _norm_sentence(s, idx, verb):
    norm = s.stats["l2_norm"]
    return "weight L2 norm %s from %s at step %d to %s at step %d" % (
        verb, fmt(norm[idx[0]]), s.steps[idx[0]], fmt(norm[idx[-1]]), s.steps[idx[-1]])


def weight_decay_shrink(run, settings):
    """Weight norms shrinking steadily: decay at work (info), or too strong (warning)."""
    out = []
    for s, idx, ratio, share in _trends(run, shrinking=True):
        if ratio <= settings["shrink_ratio"] and share >= settings["steady_fraction"]:
            severity = grade(ratio, settings["shrink_warning_ratio"], lower_is_worse=True)
            onset = idx[np.argmax(s.stats["l2_norm"][idx] <= settings["shrink_ratio"] * s.stats["l2_norm"][idx[0]])]
            out.append(marker("weight_decay_shrink", severity, s, s.steps[onset], s.steps[idx[-1]],
                              "%s (%s%% of it), falling at %d%% of steps"
                              % (_norm_sentence(s, idx, "fell"), fmt(100 * ratio), round(100 * share)), SOURCE))
    return out


def weight_growth(run, settings):
    """Weight norms growing steadily without bound.

    A layer initialised far smaller than the others has its growth measured
    from ``SMALL_INIT_SHARE`` of their initial scale (``rules/base.py``):
    catching up with them is no growth without bound.
    """
    initial = {s.tag: initial_rms(s) for s in run.series if _judged(s)}
    out = []
    for s, idx, ratio, share in _trends(run, shrinking=False):
        norm = s.stats["l2_norm"]
        floor = small_init_floor(initial, s.tag) * np.sqrt(s.stats["count"][idx[0]])
        small = floor > norm[idx[0]]
        if small:
            ratio = norm[idx[-1]] / floor
        still_growing = norm[idx[-1]] >= STILL_RISING * np.nanmax(norm)
        if ratio >= settings["growth_ratio"] and share >= settings["steady_fraction"] and still_growing:
            severity = grade(ratio, settings["growth_warning_ratio"], settings["growth_critical_ratio"])
            measured = ("; %s× from %s of the other layers' initial RMS, as it started far smaller"
                        % (fmt(ratio), fmt(SMALL_INIT_SHARE)) if small else "")
            base = floor if small else norm[idx[0]]
            onset = idx[np.argmax(norm[idx] >= settings["growth_ratio"] * base)]  # where it first holds
            out.append(marker("weight_growth", severity, s, s.steps[onset], s.steps[idx[-1]],
                              "%s (%s×%s), rising at %d%% of steps"
                              % (_norm_sentence(s, idx, "grew"), fmt(norm[idx[-1]] / norm[idx[0]]), measured,
                                 round(100 * share)), SOURCE))
    return out


def off_center(run, settings):
    """Weights initialised symmetric around zero that drift off centre."""
    out = []
    for s in run.series:
        if not _judged(s):
            continue
        mean, std = s.stats["mean"], s.stats["std"]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.abs(mean) / std
        idx = np.nonzero(np.isfinite(ratio))[0]
        if len(idx) < 2 or ratio[idx[0]] >= SYMMETRIC_START:
            continue
        cond = np.isfinite(ratio) & (ratio >= settings["off_center_ratio"])

        def evidence(k, s=s, mean=mean, ratio=ratio, first=idx[0]):
            return ("weight mean %s is %s std from zero at step %d (%s at step %d)"
                    % (fmt(mean[k]), fmt(ratio[k]), s.steps[k], fmt(ratio[first]), s.steps[first]))

        out.extend(span_markers("off_center", s, cond, ratio, lambda v: grade(v, settings["off_center_warning_ratio"]),
                                evidence, evidence_from=SOURCE))
    return out


def clipped_values(run, settings):
    """A large share of values piled exactly at the minimum or maximum (a clip or a constraint)."""
    out = []
    for s in run.series:
        if s.role == "activation":
            # Piles in activations are the dead-units and saturation rules'
            # business (a normalisation layer moves ReLU zeros to its minimum).
            continue
        st = s.stats
        with np.errstate(invalid="ignore"):
            # A pile at zero is dead units' or sparsity's business, except the
            # bound of a one-sided constraint: weights that are never negative
            # (never positive), piled at exactly zero (Keras' ``NonNeg``).
            one_sided = s.role == "weights" and _one_sided(st)
            at_min = np.where((st["min"] != 0) | one_sided, st["min_fraction"], 0.0)
            at_max = np.where((st["max"] != 0) | one_sided, st["max_fraction"], 0.0)
            # A clip to [-c, c] piles values at both bounds: the share clipped
            # is the two piles together, not the larger one.
            share = np.nan_to_num(at_min) + np.nan_to_num(at_max)
            share = np.where(np.isnan(at_min) & np.isnan(at_max), np.nan, share)
            pile = share * st["count"]
            large = (pile >= CLIPPED_MIN_VALUES) & (st["count"] >= CLIPPED_MIN_TENSOR)
            small = (pile >= CLIPPED_SMALL_PILE - 1e-9) & (st["count"] < CLIPPED_SMALL_TENSOR)
            # ... and the bound must hold still while the tensor moves: a clip or a constraint has a fixed
            # bound, where a cluster of close values (one ~10%-wide PyTorch bin) moves with the training.
            held = np.ones(len(share), dtype=bool)
            for bound, piled in (("min", at_min), ("max", at_max)):
                same = np.concatenate([[False], st[bound][1:] == st[bound][:-1]])
                held &= ~(np.nan_to_num(piled) > 0) | same
            small &= held & (st["change"] > settings["stagnant_change"])
            enough = st["std"] > 0
        base = np.isfinite(share) & enough & (share >= settings["clipped_fraction"])
        cond = base & large
        # Small tensors: the pile must last (see CLIPPED_SMALL_PILE).
        cond |= runs_of(base & small, CLIPPED_SMALL_STEPS) & (base & small)

        def evidence(k, s=s, st=st, at_min=at_min, at_max=at_max, share=share, one_sided=one_sided):
            piles = []
            if at_min[k] > 0:
                piles.append("%s%% at the minimum %s" % (fmt(100 * at_min[k]), fmt(st["min"][k])))
            if at_max[k] > 0:
                piles.append("%s%% at the maximum %s" % (fmt(100 * at_max[k]), fmt(st["max"][k])))
            return "%s%% of the %s values (%d of %d) sit exactly at a bound at step %d (%s)%s" % (
                fmt(100 * share[k]), s.role, round(share[k] * st["count"][k]), round(st["count"][k]), s.steps[k],
                ", ".join(piles), "; never below zero: a non-negativity constraint" if one_sided and st["min"][k] == 0
                else "; never above zero: a non-positivity constraint" if one_sided and st["max"][k] == 0 else "")

        out.extend(span_markers("clipped_values", s, cond, share,
                                lambda v: grade(v, settings["clipped_warning_fraction"]), evidence))
    return out


def _one_sided(st):
    """Weights on one side of zero at every logged step after the first, touching it: a sign constraint's bound.

    The first logged step may be the initialisation, before the constraint
    first acted; a tensor that is zero everywhere is no constraint's doing.
    """
    lo, hi = st["min"][1:], st["max"][1:]
    ok = np.isfinite(lo) & np.isfinite(hi) & (hi > lo)
    if ok.sum() < 2:
        return False
    lo, hi = lo[ok], hi[ok]
    return bool(((lo == 0).all() and (hi > 0).all()) or ((hi == 0).all() and (lo < 0).all()))
