"""Rules read from gradient histograms: vanishing, exploding, dead units from bias gradients.

Pure functions ``rule(run, settings) -> [marker]`` (see ``rules/base.py``);
every marker here has ``evidence_from: "gradients"``.
"""

import numpy as np

from tb_histdiag_plugin.rules.base import aligned, fmt, grade, marker, peer_medians, runs_of, span_markers, spans

SOURCE = "gradients"
# A gradient whose zero share is at least this is zero everywhere at the stored
# resolution (an all-zero tensor's histogram is one bucket at zero).
ALL_ZERO = 1.0 - 1e-9
# Fewest layers with bias gradients for the peer comparison of dead units: one
# layer is not a crowd to stand out from.
MIN_DEAD_PEERS = 1


def _nonzero_rms(grads):
    """RMS of the non-zero part of each gradient, ``[layers, steps]``.

    A sparse gradient (an embedding's untouched rows) is small per element
    without having vanished, so the rule compares the RMS of its non-zero part.
    """
    names, steps, rms = aligned(grads, "rms")
    _, _, zero = aligned(grads, "zero_fraction")
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.where(np.isfinite(zero) & (zero < 1.0), rms / np.sqrt(np.maximum(1.0 - zero, 1e-12)), rms)
    return names, steps, rms, zero


def _nearer_output_max(rms):
    """Per row and step, the largest RMS among the rows after it (nearer the output) and which row that is.

    Rows are layers in depth order; one pass from the output side keeps this
    linear in layers (200 layers x 5,000 steps in a few tens of milliseconds).
    ``-inf`` where no row nearer the output has a value.
    """
    filled = np.where(np.isfinite(rms), rms, -np.inf)
    ref = np.full(rms.shape, -np.inf)
    ref_row = np.zeros(rms.shape, dtype=int)
    best = np.full(rms.shape[1], -np.inf)
    arg = np.zeros(rms.shape[1], dtype=int)
    for row in range(len(rms) - 1, -1, -1):
        ref[row], ref_row[row] = best, arg
        better = filled[row] >= best  # ties go to the shallower layer
        best = np.where(better, filled[row], best)
        arg = np.where(better, row, arg)
    return ref, ref_row


def vanishing_gradient(run, settings):
    """Gradients orders of magnitude below those of layers nearer the output, or ~0.

    Also a gradient that becomes exactly zero everywhere after being non-zero:
    the extreme of vanishing, however late in the run it starts.
    """
    grads = run.primary("gradient")
    names, steps, rms, zero = _nonzero_rms(grads)
    nearer_max, nearer_row = _nearer_output_max(rms)  # ``names`` are in depth order
    out = []
    for row, name in enumerate(names):
        s = grads[name]
        ref, ref_row = nearer_max[row], nearer_row[row]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.where(ref > 0, rms[row] / ref, np.nan)
        relative = np.isfinite(ratio) & (ratio < settings["vanishing_ratio"])
        absolute = np.isfinite(rms[row]) & (rms[row] < settings["vanishing_abs"])
        observed = int(np.isfinite(rms[row]).sum())
        found = spans(relative | absolute)
        if found and (relative | absolute).sum() >= settings["persist_fraction"] * observed:
            idx = np.concatenate([np.arange(i, j + 1) for i, j in found])
            out.append(_vanishing_marker(s, names, steps, rms[row], ratio, ref, ref_row, relative, absolute, idx,
                                         settings))
            continue
        zeroed = _zero_onset(s, steps, rms[row], zero[row])
        if zeroed is not None:
            out.append(zeroed)
    return out


def _vanishing_marker(s, names, steps, rms, ratio, ref, ref_row, relative, absolute, idx, settings):
    if absolute[idx].any():  # practically zero wins: no ratio to speak of
        worst = idx[np.argmax(absolute[idx])]
    else:
        worst = idx[np.nanargmin(np.where(np.isfinite(ratio[idx]), ratio[idx], np.inf))]
    smallest = np.nanmin(np.where(relative[idx], ratio[idx], np.inf))
    critical = absolute[idx].any() or smallest <= settings["vanishing_critical_ratio"]
    observed = int(np.isfinite(rms).sum())
    if relative[worst] and rms[worst] > 0:
        evidence = ("gradient RMS %s at step %d is 1/%s of %s's %s (nearer the output); below %s of it at %d of %d steps"
                    % (fmt(rms[worst]), steps[worst], fmt(1.0 / ratio[worst]), names[ref_row[worst]],
                       fmt(ref[worst]), fmt(settings["vanishing_ratio"]), int(relative.sum()), observed))
    else:
        evidence = ("gradient RMS %s at step %d is practically zero (below %s) at %d of %d steps"
                    % (fmt(rms[worst]), steps[worst], fmt(settings["vanishing_abs"]), int(absolute.sum()), observed))
    return marker("vanishing_gradient", "critical" if critical else "warning", s, steps[idx[0]], steps[idx[-1]],
                  evidence, SOURCE)


def _zero_onset(s, steps, rms, zero):
    """A gradient exactly zero everywhere from some step to the end, non-zero before: critical."""
    valid = np.nonzero(np.isfinite(zero))[0]
    if len(valid) < 2:
        return None
    all_zero = zero[valid] >= ALL_ZERO
    if not all_zero[-1] or all_zero.all():
        return None  # zero from the start is the persistent case above
    onset = len(all_zero) - int(np.argmin(all_zero[::-1]))  # first index of the trailing zero run
    tail = len(all_zero) - onset
    if tail < min(2, len(all_zero)):
        return None
    before = valid[onset - 1]
    first, last = valid[onset], valid[-1]
    return marker("vanishing_gradient", "critical", s, steps[first], steps[last],
                  "gradient is exactly zero everywhere from step %d to %d (%d logged steps), after RMS %s at step %d"
                  % (steps[first], steps[last], tail, fmt(rms[before]), steps[before]), SOURCE)


def exploding_gradient(run, settings):
    """Gradient norms an order of magnitude above their early values, or absurd."""
    out = []
    early = int(settings["early_steps"])
    for name, s in run.primary("gradient").items():
        norm = s.stats["l2_norm"]
        finite = np.nonzero(np.isfinite(norm) & (norm > 0))[0]
        if len(finite) == 0:
            continue
        base_idx = finite[:early]
        baseline = float(np.median(norm[base_idx]))
        after = np.zeros(len(norm), dtype=bool)
        after[base_idx[-1] + 1:] = True
        with np.errstate(invalid="ignore", divide="ignore"):
            growth = norm / baseline
        grown = after & np.isfinite(growth) & (growth >= settings["exploding_factor"])
        absurd = np.isfinite(norm) & (norm >= settings["exploding_abs"])
        cond = grown | absurd
        # Growth followed by NaN/Inf counts even on one logged step.
        found = [(i, j) for i, j in spans(cond | s.non_finite) if cond[i:j + 1].any()]
        if not found:
            continue
        i = min(i for i, _ in found)
        j = max(j for _, j in found)
        cond_idx = np.nonzero(cond[i:j + 1])[0] + i
        peak = cond_idx[np.nanargmax(norm[cond_idx])]
        went_nan = bool(s.non_finite[i:].any())
        severity = grade(growth[peak], settings["exploding_warning_factor"], settings["exploding_critical_factor"])
        escape = None if absurd[cond_idx].any() or went_nan else _plateau_escape(run, s.steps[base_idx[-1]],
                                                                                 s.steps[peak], settings)
        if escape is not None:
            severity = "info"
        if absurd[cond_idx].any() or went_nan:
            severity = "critical"
        evidence = ("gradient L2 norm %s early (median of steps %d–%d) → %s at step %d (%s×)"
                    % (fmt(baseline), s.steps[base_idx[0]], s.steps[base_idx[-1]], fmt(norm[peak]), s.steps[peak],
                       fmt(growth[peak])))
        if escape is not None:
            evidence += ("; the training loss fell from %s to %s meanwhile: gradients growing out of an initial "
                         "plateau, not diverging" % (fmt(escape[0]), fmt(escape[1])))
        if went_nan:
            evidence += "; non-finite from step %d" % s.steps[i + np.argmax(s.non_finite[i:])]
        out.append(marker("exploding_gradient", severity, s, s.steps[cond_idx[0]], s.steps[cond_idx[-1]], evidence,
                          SOURCE))
    return out


def _plateau_escape(run, base_step, peak_step, settings):
    """``(loss at base_step, loss at peak_step)`` when the logged training loss fell in between, else None.

    A small model (a tutorial's Dense(5) stack) often starts near a saddle of
    its loss, where the input side's gradients are tiny; they grow by two
    orders of magnitude as it leaves, while the loss falls.  Exploding
    gradients make the loss rise (or go NaN), so growth under a loss that fell
    by at least ``loss_min_fall`` of its level and stays finite is noted
    (info), not warned about.
    """
    signal = (getattr(run, "scalars", None) or {}).get("loss")
    if signal is None:
        return None
    before, after = signal.at(base_step), signal.at(peak_step)
    steps, values = signal.steps, signal.values
    within = (steps >= base_step) & (steps <= peak_step)
    if (not (np.isfinite(before) and np.isfinite(after)) or not np.isfinite(values[within]).all()
            or after > (1.0 - settings["loss_min_fall"]) * before):
        return None
    return float(before), float(after)


def dead_units_from_gradients(run, settings):
    """Most of a layer's units get an exactly zero bias gradient, far more than its peers' (dead ReLUs).

    A ReLU unit inactive on every sample of a batch passes no gradient to its
    bias, so the bias gradient's share of exact zeros is the share of dead
    units, if it lasts: a unit silent on one batch was only inactive for it (at
    batch size 1, about half of a healthy ReLU layer's units are), so the share
    must hold ``dead_gradient_steps`` logged steps in a row.  Read only when
    the run logs no activations (``dead_units`` in
    ``rules/activations.py`` reads those directly).
    """
    if run.has_role("activation"):
        return []
    bias = {s.layer: s for s in run.series if s.role == "gradient" and s.param == "bias" and s.layer}
    if len(bias) < MIN_DEAD_PEERS + 1:
        return []
    names, steps, zero = aligned(bias, "zero_fraction")
    peers = peer_medians(zero)
    out = []
    for row, name in enumerate(names):
        peer = peers[row]
        mine = zero[row]
        at = (np.isfinite(mine) & np.isfinite(peer) & (mine > settings["dead_gradient_fraction"])
              & (mine - peer >= settings["dead_gradient_margin"]))
        # Dead units stay silent: the share must hold on several logged steps of this layer in a row.
        valid = np.nonzero(np.isfinite(mine))[0]
        cond = np.zeros(len(steps), dtype=bool)
        cond[valid] = runs_of(at[valid], int(settings["dead_gradient_steps"]))

        def evidence(k, mine=mine, peer=peer):
            return ("%s%% of bias-gradient entries are exactly zero at step %d (units that passed no gradient on the "
                    "whole batch), against %s%% for the other layers (median)"
                    % (fmt(100 * mine[k]), steps[k], fmt(100 * peer[k])))

        out.extend(span_markers("dead_units", bias[name], cond, mine,
                                lambda v: grade(v, critical=settings["dead_critical_fraction"], base="warning"),
                                evidence, steps=steps, evidence_from=SOURCE))
    return out
