"""Which training signal a scalar summary is, read from its tag and its run.

The run-level diagnosis needs the loss, accuracy and learning-rate curves, and
every tool names them its own way (tests/scalar_names.py lists real names, tool
by tool).  So, as naming.py does for histogram tags, a tag is read by its
parts: cut at every non-alphanumeric character and at camelCase (``TotalLoss``),
glued words undone (``batchloss``, ``lr0``, ``top_5``), then

* a signal word says what it is: loss/cost or a cross-entropy, acc/accuracy/
  top-1, lr/learning rate.  None, or words of two signals: not a signal;
* a split word says train or validation (``val``, ``valid``, ``eval``,
  ``test``, ignite's ``valdation`` [sic]); without one, the run's split decides;
* a level word says epoch or batch (``epoch_``, ``_step``, ``_vs_iterations``);
* a word of ``_NOT_SIGNAL`` anywhere makes it no signal: regularisation, KL and
  auxiliary losses; GAN losses (a GAN has no one training loss, which of them
  to watch is the modeller's choice); the AMP loss scale; best-so-far values;
  top-5 accuracy (not *the* accuracy); error rates; momentum, weight decay and
  the settings of a schedule (``lr_decay`` is its factor, not the rate);
* any other word is a qualifier.  ``_KINDS`` words name a kind of the whole
  (``mse_loss``, ``sparse_categorical_accuracy``, ``lr-Adam``); anything else
  is a part (``loss_cls``, ``train/box_loss``): ``pick`` takes the plain name
  first, a lone part as a last resort, and no part where several parts of an
  unlogged total compete (YOLOv5's box/obj/cls losses).

Top-1 accuracy is usually written in percent (timm ``eval_top1``, ``acc1``):
``is_percent`` says so from the name; a caller seeing values above 1 may scale.
"""

import functools
import re
from typing import NamedTuple

SIGNALS = ("loss", "val_loss", "accuracy", "val_accuracy", "learning_rate")
PERCENT_HINTS = frozenset({"top1", "acc1", "prec1", "percent", "pct"})

_TRAIN = frozenset({"train", "training", "trn"})
_VALID = frozenset({"val", "valid", "validation", "valdation", "eval", "evaluation", "test", "testing", "dev",
                    "holdout"})
_TRAIN_RUNS = frozenset({"train", "training"})
_VALID_RUNS = frozenset({"validation", "val", "valid", "eval", "evaluation", "test"})
_EPOCH = frozenset({"epoch", "epochs"})
_BATCH = frozenset({"batch", "batches", "step", "steps", "iter", "iters", "iteration", "iterations", "vs"})
_SIGNAL_WORDS = {
    **dict.fromkeys(("loss", "cost", "crossentropy", "xentropy", "xent", "nll"), "loss"),
    **dict.fromkeys(("acc", "accuracy", "top1", "acc1", "prec1"), "accuracy"),
    **dict.fromkeys(("lr", "learningrate"), "learning_rate"),
}
_PLAIN = frozenset({"loss", "cost", "acc", "accuracy", "lr", "learningrate"})
_KINDS = {
    "loss": frozenset({"crossentropy", "xentropy", "xent", "nll", "ce", "bce", "mse", "mae", "l1", "ctc", "focal",
                       "huber", "hinge", "smooth", "sparse", "categorical", "binary", "softmax", "sigmoid", "logits",
                       "with"}),
    "accuracy": frozenset({"top1", "acc1", "prec1", "sparse", "categorical", "binary"}),
    "learning_rate": frozenset({"adam", "adamw", "sgd", "rmsprop", "adagrad", "adadelta", "adamax", "nadam", "radam",
                                "lamb", "lars", "lion", "adafactor", "sparseadam", "lbfgs", "asgd", "rprop", "ftrl",
                                "optimizer", "opt", "group", "pg"}),
}
# Words that say nothing about which curve it is.
_NEUTRAL = (_TRAIN | _VALID | _EPOCH | _BATCH | {
    "avg", "average", "mean", "running", "smoothed", "total", "overall", "raw", "ema", "value", "values", "scalar",
    "scalars", "summary", "summaries", "metric", "metrics", "main", "final", "losses", "x", "sum", "current",
    "percent", "pct"})
_NOT_THE_LOSS = frozenset({  # regularisation, KL, auxiliary and GAN losses
    "kl", "kld", "kldiv", "reg", "regularization", "regularisation", "regularizer", "l2", "penalty", "aux",
    "auxiliary", "gen", "generator", "disc", "discriminator", "g", "d", "adv", "adversarial", "critic", "gp"})
_NOT_THE_CURVE = frozenset({  # statistics, media and bookkeeping about a signal, not the signal
    "scale", "best", "min", "max", "std", "var", "variance", "gap", "diff", "delta", "ratio", "grad", "grads",
    "gradient", "norm", "weight", "weights", "count", "time", "images", "image", "img", "hist", "histogram",
    "distribution"})
_NOT_THE_ACCURACY = frozenset({"error", "err", "top", "topk"})  # top_k, top5: not *the* accuracy
_NOT_THE_RATE = frozenset({  # optimiser state and schedule settings
    "momentum", "mom", "beta", "beta1", "beta2", "betas", "eps", "wd", "decay", "sqr", "finder", "base", "initial",
    "init", "peak", "factor", "gamma", "mult", "multiplier", "warmup"})
_NOT_SIGNAL = _NOT_THE_LOSS | _NOT_THE_CURVE | _NOT_THE_ACCURACY | _NOT_THE_RATE
_KNOWN = frozenset(_SIGNAL_WORDS) | _NEUTRAL | _NOT_SIGNAL | frozenset().union(*_KINDS.values())
_PAIRS = {("learning", "rate"): "learningrate", ("cross", "entropy"): "crossentropy", ("weight", "decay"): "wd",
          ("kl", "div"): "kl"}
_GLUED_TAILS = ("loss", "accuracy", "acc")
_CAMEL_RE = re.compile(r"(?<=[a-z0-9])(?=[A-Z][a-z])")
_TOPK_RE = re.compile(r"(?<![a-z])(?:(top)[@_-]?|(acc|prec)@?)(?=\d)")  # top_5, top-1, acc@1; not acc_1
_TRAILING_DIGITS_RE = re.compile(r"^([a-z]+?)\d+$")


class _Reading(NamedTuple):
    kind: str  # "loss", "accuracy" or "learning_rate"
    split: str | None  # what the tag itself says: "train", "validation" or None
    level: int  # 0 epoch, 1 unsaid, 2 batch/step/iteration
    rank: int  # 0 plain, 1 a kind of it, 2 a part of it
    parts: frozenset  # the words that make it a part
    size: int  # number of words: the simplest name first


def _word(token):
    """The known word a token is: itself, ``top1``/``topk`` for top-k, else its letters without a number."""
    match = re.fullmatch(r"(top|acc|prec)(\d+)", token)
    if match:
        return match.group(1) + "1" if match.group(2) == "1" else "topk"
    if token in _KNOWN or token.isdigit():
        return token
    match = _TRAILING_DIGITS_RE.match(token)  # lr0, pg1, group0
    if match and match.group(1) in _KNOWN:
        return match.group(1)
    for tail in _GLUED_TAILS:  # batchloss, valacc
        head = token[:-len(tail)]
        if token.endswith(tail) and head in _KNOWN:
            return head + " " + tail
    return token


def _words(tag):
    text = _TOPK_RE.sub(lambda m: m.group(1) or m.group(2), _CAMEL_RE.sub(" ", tag).lower())
    words = " ".join(_word(t) for t in re.split(r"[^0-9a-z]+", text) if t).split()
    out = []
    for word in words:
        if out and (out[-1], word) in _PAIRS:
            out[-1] = _PAIRS[out[-1], word]
        else:
            out.append(word)
    return [w for w in out if not w.isdigit()]


@functools.lru_cache(maxsize=65536)
def _read(tag):
    words = _words(tag)
    kinds = {_SIGNAL_WORDS[w] for w in words if w in _SIGNAL_WORDS}
    if len(kinds) != 1 or not _NOT_SIGNAL.isdisjoint(words):
        return None
    kind = kinds.pop()
    split = "validation" if not _VALID.isdisjoint(words) else "train" if not _TRAIN.isdisjoint(words) else None
    level = 0 if not _EPOCH.isdisjoint(words) else 2 if not _BATCH.isdisjoint(words) else 1
    parts = frozenset(w for w in words if w not in _NEUTRAL and w not in _PLAIN and w not in _KINDS[kind])
    rank = 2 if parts else 1 if any(w in _KINDS[kind] for w in words) else 0
    return _Reading(kind, split, level, rank, parts, len(words))


def split_of_run(run: str) -> tuple[str, str | None]:
    """('X', 'train'|'validation'|None): Keras writes X/train and X/validation (also 'val', 'eval', 'test', 'valid',
    'training'); the base is the run without that last component ('' for a run named just 'train')."""
    base, _, last = run.replace("\\", "/").rstrip("/").rpartition("/")
    last = last.lower()
    if last in _TRAIN_RUNS:
        return base, "train"
    if last in _VALID_RUNS:
        return base, "validation"
    return run, None


def classify(tag: str, split: str | None = None) -> str | None:
    """The signal a scalar tag is, or None. `split` is the run's split from split_of_run: with split 'validation'
    a plain loss/accuracy tag is val_loss/val_accuracy."""
    reading = _read(tag)
    if reading is None:
        return None
    if reading.kind == "learning_rate":
        return reading.kind
    return "val_" + reading.kind if (reading.split or split) == "validation" else reading.kind


def is_percent(tag: str) -> bool:
    """Does the name say the accuracy is in percent (``eval_top1``, ``acc1``, ``Acc@1``, ``accuracy_pct``)?"""
    return "%" in tag or not PERCENT_HINTS.isdisjoint(_words(tag))


def pick(candidates, run: str | None = None) -> dict:
    """candidates: iterable of (run, tag, split). Returns {signal: (run, tag)} choosing, when several tags map to
    one signal, the best one, in this order: the plain name over a kind over a part (``loss`` over ``mse_loss``
    over ``loss/box_reg``); the histogram run itself (``run``, when given) over a sibling; epoch-level over
    unsaid over batch-level (Keras ``epoch_loss`` over ``batch_loss``/``evaluation_loss_vs_iterations``); a run
    of the signal's own split (train for train signals); the simplest name; then by name, so deterministic."""
    found = {}
    for cand_run, tag, split in candidates:
        signal = classify(tag, split)
        if signal is None:
            continue
        reading = _read(tag)
        own = "validation" if signal.startswith("val_") else "train"
        key = (reading.rank, run is not None and cand_run != run, reading.level,
               0 if split == own else 1 if split is None else 2, reading.size, tag, cand_run)
        found.setdefault(signal, []).append((key, reading.parts))
    chosen = {}
    for signal, keyed in found.items():
        keyed.sort(key=lambda k: k[0])
        key, _ = keyed[0]
        if key[0] == 2 and len({parts for _, parts in keyed}) > 1:
            continue  # parts of an unlogged total: none of them is the loss
        chosen[signal] = (key[-1], key[-2])
    return chosen
