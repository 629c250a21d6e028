"""Gradient-health rules: statistics arrays in, markers out.

Each rule is a pure function ``rule(run, settings) -> [marker]`` over a
``RunView`` (the per-series statistics arrays of one run plus its layers).
Thresholds are named settings (``SETTINGS``) whose defaults come from published
practice; the source of each default is written beside it.  The guiding rule:
a healthy run gets no ``warning`` or ``critical`` marker, because a false alarm
costs more trust than a missed ``info``.  Conditions must hold on at least two
consecutive logged steps (or on every step of a series that has fewer), and a
condition over consecutive steps is one marker with ``first_step``/``last_step``.
"""

import dataclasses
import math

import numpy as np


@dataclasses.dataclass(frozen=True)
class Setting:
    name: str
    default: float
    low: float
    high: float
    description: str
    source: str


SETTINGS = (
    Setting("vanishing_ratio", 1e-2, 0.0, 1.0,
            "gradient RMS below this share of the largest gradient RMS among the layers nearer the output",
            "two orders of magnitude, as in AUTOTRAINER's first/last-layer ratio beta1 = 1e-3 on norms "
            "(Zhang et al., ICSE 2021) and the vanishing-gradient analysis of Glorot & Bengio (2010)"),
    Setting("vanishing_critical_ratio", 1e-4, 0.0, 1.0,
            "the same ratio below which the marker is critical", "four orders of magnitude: no learning signal left"),
    Setting("vanishing_abs", 1e-7, 0.0, 1.0,
            "gradient RMS below this is practically zero (critical)",
            "SageMaker Debugger vanishing_gradient (mean |g| < 1e-7); DLCheck default"),
    Setting("exploding_factor", 10.0, 1.0, 1e12,
            "gradient L2 norm this many times its early value (median of the first logged steps)",
            "an order of magnitude of growth; AUTOTRAINER's exploding ratio beta3 = 70 is of the same order"),
    Setting("exploding_warning_factor", 100.0, 1.0, 1e15,
            "growth factor at which exploding gradients are a warning (below it: info, unless NaN follows)",
            "healthy runs leaving an initial plateau grow their gradients 10-30x; divergence grows them by orders "
            "of magnitude"),
    Setting("exploding_critical_factor", 1000.0, 1.0, 1e15,
            "growth factor at which exploding gradients are critical", "three orders of magnitude"),
    Setting("exploding_abs", 1e6, 0.0, 1e300,
            "gradient L2 norm at or above this is absurd whatever its history (critical)", "DLCheck: ||g|| > 1e6"),
    Setting("persist_fraction", 0.5, 0.0, 1.0,
            "share of a layer's logged steps on which vanishing gradients must hold",
            "a persistent condition, not an early transient (SageMaker rules likewise look across steps)"),
    Setting("early_steps", 3, 1, 1000,
            "logged steps that make up the early baseline", "the first few logged steps, before training has moved"),
    Setting("dead_fraction", 0.9, 0.0, 1.0,
            "share of activation values exactly zero for a dead-units warning",
            "TFCheck/DLCheck flag > 95% zero ReLU outputs; SageMaker dead_relu fires at > 50% dead units; "
            "healthy ReLU layers sit near 50% zeros, so 90% leaves room"),
    Setting("dead_critical_fraction", 0.99, 0.0, 1.0,
            "share of zeros at which dead units are critical", "practically the whole layer is silent"),
    Setting("saturation_fraction", 0.5, 0.0, 1.0,
            "share of a bounded activation's values within the margin of its bounds",
            "SageMaker saturated_activation: more than 50% of a layer saturated; Glorot & Bengio (2010) on "
            "sigmoid/tanh saturation"),
    Setting("saturation_critical_fraction", 0.9, 0.0, 1.0,
            "share at which saturation is critical", "nearly every unit passes no gradient"),
    Setting("saturation_margin", 0.05, 0.0, 0.5,
            "distance from the bound (tanh +-1, sigmoid 0/1) that counts as saturated",
            "DLCheck: mean |activation| of sigmoid/tanh above 0.95 or below 0.05"),
    Setting("stagnant_change", 1e-6, 0.0, 1.0,
            "per-step change (Wasserstein distance / std) at or below which weights did not move at all",
            "SageMaker unchanged_tensor / DLCheck untrained-parameter check (values unchanged between checks)"),
    Setting("stagnant_ratio", 1e-3, 0.0, 1.0,
            "weights moving less than this share of the median change of the other layers' weights",
            "CS231n 'ratio of updates to weights' (~1e-3 per step for a healthy layer); the distribution-level "
            "change of random-walk updates is second order, so only three orders of magnitude below the peers "
            "counts"),
    Setting("shrink_ratio", 0.7, 0.0, 1.0,
            "weight L2 norm at the end at most this share of its start, falling steadily (info)",
            "weight decay at work (Krogh & Hertz 1992; Loshchilov & Hutter 2019)"),
    Setting("shrink_warning_ratio", 0.1, 0.0, 1.0,
            "shrinking to this share or less is a warning: decay too strong", "90% of the weights' norm gone"),
    Setting("growth_ratio", 3.0, 1.0, 1e12,
            "weight L2 norm at the end at least this many times its start, rising steadily (info)",
            "well-initialised layers (Glorot & Bengio 2010; He et al. 2015) keep their norm within a small "
            "factor; AUTOTRAINER flags max |w| > 5 as large weights"),
    Setting("growth_warning_ratio", 10.0, 1.0, 1e15,
            "growth at which weight growth is a warning",
            "an order of magnitude: a healthy output layer on separable data grows a few times over"),
    Setting("growth_critical_ratio", 100.0, 1.0, 1e15,
            "growth at which weight growth is critical", "two orders of magnitude"),
    Setting("steady_fraction", 0.8, 0.5, 1.0,
            "share of step-to-step moves that must go the same way for shrink/growth", "a steady trend, not noise"),
    Setting("off_center_ratio", 1.0, 0.0, 1e6,
            "|mean| / std of weights (initialised symmetric around zero) at which they are off centre (info)",
            "symmetric zero-mean initialisation (Glorot & Bengio 2010; He et al. 2015)"),
    Setting("off_center_warning_ratio", 3.0, 0.0, 1e6,
            "|mean| / std at which off-centre weights are a warning", "the whole distribution on one side of zero"),
    Setting("clipped_fraction", 0.05, 0.0, 1.0,
            "share of values piled exactly at the minimum or maximum (info)",
            "hard clipping or a max-norm constraint (Srivastava et al. 2014) leaves such piles"),
    Setting("clipped_warning_fraction", 0.5, 0.0, 1.0,
            "share at the bounds at which clipping is a warning", "most values clipped"),
)
DEFAULTS = {s.name: s.default for s in SETTINGS}
_BY_NAME = {s.name: s for s in SETTINGS}


class SettingError(ValueError):
    """A setting override that is unknown or out of range (a 400 in HTTP)."""


def parse_settings(overrides):
    """Validate ``{name: text}`` overrides; returns the full settings dict."""
    settings = dict(DEFAULTS)
    for name, text in overrides.items():
        if name not in _BY_NAME:
            raise SettingError("unknown setting %r (known: %s)" % (name, ", ".join(sorted(_BY_NAME))))
        spec = _BY_NAME[name]
        try:
            value = float(text)
        except (TypeError, ValueError):
            raise SettingError("setting %r must be a number, got %r" % (name, str(text)[:100]))
        if not math.isfinite(value) or not spec.low <= value <= spec.high:
            raise SettingError("setting %r must be between %g and %g, got %r" % (name, spec.low, spec.high, str(text)[:100]))
        settings[name] = value
    return settings


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


@dataclasses.dataclass
class RunView:
    series: list
    layers: list  # contract layer dicts, depth order

    def primary(self, role):
        """``{layer_name: SeriesView}`` of each layer's main tag for ``role``."""
        by_tag = {s.tag: s for s in self.series}
        out = {}
        for layer in self.layers:
            tag = layer["tags"].get(role)
            if tag in by_tag:
                out[layer["name"]] = by_tag[tag]
        return out


# ---------------------------------------------------------------- helpers

def fmt(x):
    """A number for an evidence sentence: 3 significant digits."""
    if x is None or not np.isfinite(x):
        return str(x)
    if x != 0 and (abs(x) >= 1e5 or abs(x) < 1e-3):
        return "%.2e" % x
    return "%.3g" % x


def spans(mask, min_len=2, max_gap=2):
    """Index ranges ``(i, j)`` where the condition holds, as markers should span them.

    Runs of True separated by at most ``max_gap`` False entries are one span
    (a condition flickering around its threshold is one marker, not many); a
    span needs ``min_len`` True entries, or all of them in a shorter series.
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


def marker(kind, severity, series, first_step, last_step, evidence):
    return {
        "kind": kind,
        "severity": severity,
        "tag": series.tag,
        "layer": series.layer or None,
        "first_step": int(first_step),
        "last_step": int(last_step),
        "evidence": evidence,
    }


def _aligned(series_by_layer, stat):
    """A ``[layers, steps]`` matrix of ``stat`` over the union of steps (NaN = missing)."""
    names = list(series_by_layer)
    if not names:
        return names, np.zeros(0, dtype=np.int64), np.zeros((0, 0))
    steps = np.unique(np.concatenate([s.steps for s in series_by_layer.values()]))
    matrix = np.full((len(names), len(steps)), np.nan)
    for row, name in enumerate(names):
        s = series_by_layer[name]
        matrix[row, np.searchsorted(steps, s.steps)] = s.stats[stat]
    return names, steps, matrix


def _ordinal_share(values, good):
    """Share of finite consecutive moves that satisfy ``good(diff)``."""
    v = values[np.isfinite(values)]
    if len(v) < 3:
        return 0.0
    d = np.diff(v)
    return float(np.mean(good(d)))


# ---------------------------------------------------------------- rules

def non_finite(run, settings):
    """NaN or Inf in any logged tensor: training has diverged or data is corrupt.

    One marker per layer (a diverging layer's weights, gradients and
    activations go together), naming the tag that went first.
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
        first, last = hits[0], hits[-1]
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


def vanishing_gradient(run, settings):
    """Gradients orders of magnitude below those of layers nearer the output, or ~0."""
    grads = run.primary("gradient")
    names, steps, rms = _aligned(grads, "rms")
    _, _, zero = _aligned(grads, "zero_fraction")
    # Compare the RMS of the non-zero part: a sparse gradient (an embedding's
    # untouched rows) is small per element without having vanished.
    with np.errstate(invalid="ignore", divide="ignore"):
        rms = np.where(np.isfinite(zero) & (zero < 1.0), rms / np.sqrt(np.maximum(1.0 - zero, 1e-12)), rms)
    out = []
    depth = {layer["name"]: layer["depth"] for layer in run.layers}
    for row, name in enumerate(names):
        nearer = [r for r, other in enumerate(names) if depth[other] > depth[name]]
        with np.errstate(invalid="ignore", divide="ignore"):
            if nearer:
                ref = np.nanmax(np.where(np.isfinite(rms[nearer]), rms[nearer], -np.inf), axis=0)
                ref_row = np.array(nearer)[np.argmax(np.where(np.isfinite(rms[nearer]), rms[nearer], -np.inf), axis=0)]
                ratio = np.where(ref > 0, rms[row] / ref, np.nan)
            else:
                ref = np.full(len(steps), np.nan)
                ref_row = np.zeros(len(steps), dtype=int)
                ratio = np.full(len(steps), np.nan)
        relative = np.isfinite(ratio) & (ratio < settings["vanishing_ratio"])
        absolute = np.isfinite(rms[row]) & (rms[row] < settings["vanishing_abs"])
        found = spans(relative | absolute)
        observed = int(np.isfinite(rms[row]).sum())
        if not found or (relative | absolute).sum() < settings["persist_fraction"] * observed:
            continue
        idx = np.concatenate([np.arange(i, j + 1) for i, j in found])
        s = grads[name]
        if absolute[idx].any():  # practically zero wins: no ratio to speak of
            worst = idx[np.argmax(absolute[idx])]
        else:
            worst = idx[np.nanargmin(np.where(np.isfinite(ratio[idx]), ratio[idx], np.inf))]
        critical = absolute[idx].any() or (np.nanmin(np.where(relative[idx], ratio[idx], np.inf)) <= settings["vanishing_critical_ratio"])
        if relative[worst] and rms[row, worst] > 0:
            evidence = ("gradient RMS %s at step %d is 1/%s of %s's %s (nearer the output); below %s of it at %d of %d steps"
                        % (fmt(rms[row, worst]), steps[worst], fmt(1.0 / ratio[worst]), names[ref_row[worst]],
                           fmt(ref[worst]), fmt(settings["vanishing_ratio"]), int(relative.sum()), int(np.isfinite(rms[row]).sum())))
        else:
            evidence = ("gradient RMS %s at step %d is practically zero (below %s) at %d of %d steps"
                        % (fmt(rms[row, worst]), steps[worst], fmt(settings["vanishing_abs"]), int(absolute.sum()),
                           int(np.isfinite(rms[row]).sum())))
        out.append(marker("vanishing_gradient", "critical" if critical else "warning", s,
                          steps[idx[0]], steps[idx[-1]], evidence))
    return out


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
        diverged = s.non_finite.copy()
        found = spans(cond | diverged)
        found = [(i, j) for i, j in found if cond[i:j + 1].any()]
        if not found:
            continue
        i = min(i for i, _ in found)
        j = max(j for _, j in found)
        cond_idx = np.nonzero(cond[i:j + 1])[0] + i
        peak = cond_idx[np.nanargmax(norm[cond_idx])]
        went_nan = bool(s.non_finite[i:].any())
        critical = absurd[cond_idx].any() or went_nan or growth[peak] >= settings["exploding_critical_factor"]
        warning = growth[peak] >= settings["exploding_warning_factor"]
        evidence = ("gradient L2 norm %s early (median of steps %d–%d) → %s at step %d (%s×)"
                    % (fmt(baseline), s.steps[base_idx[0]], s.steps[base_idx[-1]], fmt(norm[peak]), s.steps[peak],
                       fmt(growth[peak])))
        if went_nan:
            evidence += "; non-finite from step %d" % s.steps[i + np.argmax(s.non_finite[i:])]
        last = cond_idx[-1]
        out.append(marker("exploding_gradient", "critical" if critical else "warning" if warning else "info", s,
                          s.steps[cond_idx[0]], s.steps[last], evidence))
    return out


def dead_units(run, settings):
    """Most activation values exactly zero: dead ReLUs pass no gradient."""
    out = []
    for s in run.series:
        if s.role != "activation":
            continue
        zero = s.stats["zero_fraction"]
        cond = np.isfinite(zero) & (zero >= settings["dead_fraction"])
        for i, j in spans(cond):
            worst = i + int(np.nanargmax(zero[i:j + 1]))
            first_finite = np.nonzero(np.isfinite(zero))[0][0]
            critical = zero[worst] >= settings["dead_critical_fraction"]
            out.append(marker("dead_units", "critical" if critical else "warning", s, s.steps[i], s.steps[j],
                              "%s%% of activation values are exactly zero at step %d (%s%% at step %d)"
                              % (fmt(100 * zero[worst]), s.steps[worst], fmt(100 * zero[first_finite]),
                                 s.steps[first_finite])))
    return out


def _bounded_share(s, settings):
    """Share of values within the margin of a bounded activation's bounds, or None."""
    lo_all, hi_all = np.nanmin(s.stats["min"]), np.nanmax(s.stats["max"])
    tol = 1e-3
    if not (np.isfinite(lo_all) and np.isfinite(hi_all)) or lo_all < -1 - tol or hi_all > 1 + tol:
        return None
    zero = s.stats["zero_fraction"]
    if np.nanmax(zero) >= 0.3:  # exact zeros: ReLU-like, not a sigmoid
        return None
    lower = -1.0 if lo_all < 0 else 0.0
    margin = settings["saturation_margin"]
    st = s.stats
    low = np.where(st["min"] <= lower + margin, st["min_fraction"], 0.0)
    high = np.where(st["max"] >= 1.0 - margin, st["max_fraction"], 0.0)
    for p in (1, 5, 25, 50, 75, 95, 99):
        q = st["p%d" % p]
        low = np.maximum(low, np.where(q <= lower + margin, p / 100.0, 0.0))
        high = np.maximum(high, np.where(q >= 1.0 - margin, 1.0 - p / 100.0, 0.0))
    share = np.minimum(low + high, 1.0)
    return np.where(np.isfinite(st["mean"]), share, np.nan), lower


def saturation(run, settings):
    """Bounded activations (tanh, sigmoid) piled up at their bounds."""
    out = []
    with_act = [layer["name"] for layer in run.layers if layer["tags"].get("activation")]
    output_layer = with_act[-1] if len(with_act) > 1 else None
    for s in run.series:
        # The output layer of a confident classifier sits at its bounds by design.
        if s.role != "activation" or (s.layer and s.layer == output_layer):
            continue
        found = _bounded_share(s, settings)
        if found is None:
            continue
        share, lower = found
        cond = np.isfinite(share) & (share >= settings["saturation_fraction"])
        for i, j in spans(cond):
            worst = i + int(np.nanargmax(share[i:j + 1]))
            critical = share[worst] >= settings["saturation_critical_fraction"]
            kind = "tanh-like, bounds ±1" if lower < 0 else "sigmoid-like, bounds 0 and 1"
            out.append(marker("saturation", "critical" if critical else "warning", s, s.steps[i], s.steps[j],
                              "about %s%% of activation values lie within %s of the bounds at step %d (%s)"
                              % (fmt(100 * share[worst]), fmt(settings["saturation_margin"]), s.steps[worst], kind)))
    return out


def stagnant_weights(run, settings):
    """Weights that stop changing while the other layers' weights still move."""
    weights = run.primary("weights")
    names, steps, change = _aligned(weights, "change")
    out = []
    if len(names) < 2:
        return out
    for row, name in enumerate(names):
        others = np.delete(change, row, axis=0)
        peer = np.full(len(steps), np.nan)
        has_peer = np.isfinite(others).any(axis=0)
        if has_peer.any():
            peer[has_peer] = np.nanmedian(others[:, has_peer], axis=0)
        mine = change[row]
        peers_move = np.isfinite(peer) & (peer > settings["stagnant_change"])
        still = np.isfinite(mine) & peers_move & (
            (mine <= settings["stagnant_change"]) | (mine < settings["stagnant_ratio"] * peer))
        valid = np.isfinite(mine)
        cond = still[valid]
        valid_idx = np.nonzero(valid)[0]
        for i, j in spans(cond):
            a, b = valid_idx[i], valid_idx[j]
            s = weights[name]
            median_mine = float(np.median(mine[valid_idx[i:j + 1]]))
            median_peer = float(np.nanmedian(peer[valid_idx[i:j + 1]]))
            out.append(marker("stagnant_weights", "warning", s, steps[a], steps[b],
                              "weights changed by %s (Wasserstein / std, median per logged step) from step %d to %d, "
                              "against %s for the other layers"
                              % (fmt(median_mine), steps[a], steps[b], fmt(median_peer))))
    return out


def _trend(s, settings, shrinking):
    norm = s.stats["l2_norm"]
    idx = np.nonzero(np.isfinite(norm))[0]
    if len(idx) < 3 or norm[idx[0]] <= 0:
        return None
    ratio = norm[idx[-1]] / norm[idx[0]]
    share = _ordinal_share(norm, (lambda d: d < 0) if shrinking else (lambda d: d > 0))
    return idx, ratio, share


def weight_decay_shrink(run, settings):
    """Weight norms shrinking steadily towards zero: decay at work, or too strong."""
    out = []
    for s in run.series:
        if s.role != "weights":
            continue
        found = _trend(s, settings, shrinking=True)
        if not found:
            continue
        idx, ratio, share = found
        if ratio <= settings["shrink_ratio"] and share >= settings["steady_fraction"]:
            severity = "warning" if ratio <= settings["shrink_warning_ratio"] else "info"
            norm = s.stats["l2_norm"]
            out.append(marker("weight_decay_shrink", severity, s, s.steps[idx[0]], s.steps[idx[-1]],
                              "weight L2 norm fell from %s at step %d to %s at step %d (%s%% of it), falling at %d%% of steps"
                              % (fmt(norm[idx[0]]), s.steps[idx[0]], fmt(norm[idx[-1]]), s.steps[idx[-1]],
                                 fmt(100 * ratio), round(100 * share))))
    return out


def weight_growth(run, settings):
    """Weight norms growing steadily without bound."""
    out = []
    for s in run.series:
        if s.role != "weights":
            continue
        found = _trend(s, settings, shrinking=False)
        if not found:
            continue
        idx, ratio, share = found
        norm = s.stats["l2_norm"]
        still_growing = norm[idx[-1]] >= 0.95 * np.nanmax(norm)
        if ratio >= settings["growth_ratio"] and share >= settings["steady_fraction"] and still_growing:
            severity = ("critical" if ratio >= settings["growth_critical_ratio"]
                        else "warning" if ratio >= settings["growth_warning_ratio"] else "info")
            out.append(marker("weight_growth", severity, s, s.steps[idx[0]], s.steps[idx[-1]],
                              "weight L2 norm grew from %s at step %d to %s at step %d (%s×), rising at %d%% of steps"
                              % (fmt(norm[idx[0]]), s.steps[idx[0]], fmt(norm[idx[-1]]), s.steps[idx[-1]],
                                 fmt(ratio), round(100 * share))))
    return out


def off_center(run, settings):
    """Weights initialised symmetric around zero that drift off centre."""
    out = []
    for s in run.series:
        if s.role != "weights":
            continue
        mean, std = s.stats["mean"], s.stats["std"]
        with np.errstate(invalid="ignore", divide="ignore"):
            ratio = np.abs(mean) / std
        idx = np.nonzero(np.isfinite(ratio))[0]
        if len(idx) < 2 or ratio[idx[0]] >= 0.25:  # not a symmetric initialisation
            continue
        cond = np.isfinite(ratio) & (ratio >= settings["off_center_ratio"])
        for i, j in spans(cond):
            worst = i + int(np.nanargmax(ratio[i:j + 1]))
            severity = "warning" if ratio[worst] >= settings["off_center_warning_ratio"] else "info"
            out.append(marker("off_center", severity, s, s.steps[i], s.steps[j],
                              "weight mean %s is %s std from zero at step %d (%s at step %d)"
                              % (fmt(mean[worst]), fmt(ratio[worst]), s.steps[worst], fmt(ratio[idx[0]]), s.steps[idx[0]])))
    return out


def clipped_values(run, settings):
    """A large share of values piled exactly at the minimum or maximum."""
    out = []
    for s in run.series:
        st = s.stats
        if s.role == "activation":
            # Piles in activations are the dead-units and saturation rules'
            # business (a normalisation layer moves ReLU zeros to its minimum).
            continue
        with np.errstate(invalid="ignore"):
            at_min = np.where(st["min"] != 0, st["min_fraction"], 0.0)
            at_max = np.where(st["max"] != 0, st["max_fraction"], 0.0)
            share = np.fmax(at_min, at_max)
            enough = (share * st["count"] >= 10) & (st["std"] > 0)
        cond = np.isfinite(share) & enough & (share >= settings["clipped_fraction"])
        for i, j in spans(cond):
            worst = i + int(np.nanargmax(share[i:j + 1]))
            where = "minimum %s" % fmt(st["min"][worst]) if at_min[worst] >= at_max[worst] else "maximum %s" % fmt(st["max"][worst])
            severity = "warning" if share[worst] >= settings["clipped_warning_fraction"] else "info"
            out.append(marker("clipped_values", severity, s, s.steps[i], s.steps[j],
                              "%s%% of the %s values sit exactly at the %s at step %d"
                              % (fmt(100 * share[worst]), s.role, where, s.steps[worst])))
    return out


RULES = (non_finite, vanishing_gradient, exploding_gradient, dead_units, saturation, stagnant_weights,
         weight_decay_shrink, weight_growth, off_center, clipped_values)
_SEVERITY_ORDER = {"critical": 0, "warning": 1, "info": 2}


def evaluate(run, settings=None):
    """All markers of a run, most severe first, then by depth and step."""
    settings = settings or DEFAULTS
    depth = {layer["name"]: layer["depth"] for layer in run.layers}
    markers = []
    for rule in RULES:
        markers.extend(rule(run, settings))
    markers.sort(key=lambda m: (_SEVERITY_ORDER[m["severity"]], depth.get(m["layer"], 1 << 30), m["first_step"], m["kind"], m["tag"]))
    return markers
