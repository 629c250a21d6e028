"""The health rules' thresholds: named, bounded, each with the practice it comes from.

One ``Setting`` per threshold; ``parse_settings`` validates overrides from the
tab's thresholds form, the ``diagnostics`` query parameters and the CLI's
``--set NAME=VALUE`` (``SettingError`` becomes a 400 or exit status 2).  The
rules themselves live in ``rules.py`` and the ``rules_*.py`` modules.
"""

import dataclasses
import math


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
    Setting("inferred_slow_ratio", 0.1, 0.0, 1.0,
            "without gradient histograms: input-side layers whose weights change less than this share of the "
            "fastest output-side layer's (Wasserstein / std per logged step) fall behind it",
            "an order of magnitude, on each of at least two layers from the input on; under SGD a layer's update "
            "is lr x gradient, so its change follows its gradient (CS231n update/weight ratio)"),
    Setting("inferred_vanishing_ratio", 1e-2, 0.0, 1.0,
            "without gradient histograms: the slowest of those input-side layers must change at most this share of the "
            "output side's fastest, to infer vanishing gradients (warning)",
            "two orders of magnitude, as vanishing_ratio; adaptive optimisers (Adam) normalise updates, so a weaker "
            "fall is no evidence"),
    Setting("inferred_exploding_factor", 100.0, 1.0, 1e15,
            "without gradient histograms: weight L2 norm this many times its smallest value of the few logged steps "
            "before, to infer exploding gradients (warning)",
            "orders of magnitude: healthy weight norms change by percents per step, a diverging SGD step multiplies "
            "them"),
    Setting("inferred_exploding_steps", 3, 1, 1000,
            "logged steps over which the weight-norm jump is measured", "a jump, not a steady growth (weight_growth)"),
    Setting("persist_fraction", 0.5, 0.0, 1.0,
            "share of a layer's logged steps on which vanishing gradients (read or inferred) must hold",
            "a persistent condition, not an early transient (SageMaker rules likewise look across steps)"),
    Setting("early_steps", 3, 1, 1000,
            "logged steps that make up the early baseline", "the first few logged steps, before training has moved"),
    Setting("dead_fraction", 0.9, 0.0, 1.0,
            "share of activation values exactly zero for a dead-units warning",
            "TFCheck/DLCheck flag > 95% zero ReLU outputs; SageMaker dead_relu fires at > 50% dead units; "
            "healthy ReLU layers sit near 50% zeros, so 90% leaves room"),
    Setting("dead_gradient_fraction", 0.5, 0.0, 1.0,
            "share of a layer's bias-gradient entries exactly zero (units that passed no gradient on the whole "
            "batch) above which its units are dead, when no activations are logged",
            "SageMaker Debugger dead_relu flags a layer at more than 50% dead units"),
    Setting("dead_gradient_margin", 0.25, 0.0, 1.0,
            "how far (in share of units) a layer's zero bias gradients must exceed the other layers' median",
            "dead units stand out from their peers; a share common to every layer is the data's sparsity"),
    Setting("dead_gradient_steps", 3, 1, 1000,
            "logged steps in a row on which a layer's zero bias-gradient share must hold to read as dead units",
            "dead units stay silent; one batch's silence is chance (at batch size 1 about half of a healthy ReLU "
            "layer's units are inactive for the one example); as stagnant_steps, three in a row is a trend"),
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
    Setting("stagnant_steps", 3, 1, 1000,
            "logged steps in a row with bit-identical weights (change at most stagnant_change) that make a layer "
            "stagnant even when the other layers are still too; critical when every layer is",
            "several logged steps: one repeated log is chance, three in a row is a layer (or run) not learning"),
    Setting("shrink_ratio", 0.8, 0.0, 1.0,
            "weight L2 norm at the end at most this share of its start, falling steadily (info)",
            "a 20% steady fall makes L2 regularisation visible: weight decay at work (Krogh & Hertz 1992; "
            "Loshchilov & Hutter 2019)"),
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
            "share of values piled exactly at the minimum and maximum together (info)",
            "hard clipping or a max-norm constraint (Srivastava et al. 2014) leaves such piles"),
    Setting("loss_min_points", 5, 2, 100000,
            "fewest logged training-loss values (in the stuck stretch, too) to judge whether a run learns",
            "TheDeepChecker and DeepDiagnosis judge the loss over N = 5 checks; fewer cannot tell noise from trend"),
    Setting("loss_min_fall", 0.05, 0.0, 1.0,
            "share of its level by which the training loss must fall to count as learning (not_learning)",
            "TheDeepChecker's non-decreasing loss: every relative drop under 5% over 5 checks"),
    Setting("chance_tolerance", 0.1, 0.0, 1.0,
            "a loss within this share of chance (ln C for C classes, ln 2 for a binary head) sits at chance "
            "(not_learning is critical); an accuracy within this share of the way from 1/C to 1 likewise",
            "TheDeepChecker checks the initial loss against ln C; a network that learns nothing stays there"),
    Setting("loss_diverge_factor", 2.0, 1.0, 1e12,
            "training loss at least this many times its running minimum, and rising (loss_diverging)",
            "TheDeepChecker's diverging loss: loss / running minimum >= 2"),
    Setting("oscillation_turns", 0.5, 0.0, 1.0,
            "share of the logged steps at which the loss turns up or down, above which it oscillates",
            "TheDeepChecker's fluctuating loss: smoothness (n - direction changes) / n < 0.5"),
    Setting("oscillation_swing", 0.05, 0.0, 1e6,
            "least swing around a turn, as a share of the loss level (or in accuracy points), that counts",
            "AUTOTRAINER's oscillation counts accuracy extremes 0.03 apart; epoch losses move by far less than "
            "5% from noise"),
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
