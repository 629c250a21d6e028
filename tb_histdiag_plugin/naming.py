"""Reading one histogram tag's layer, role and parameter from its name.

Tag names are the only structure a histogram log has, so this module reads
naming *conventions* rather than a fixed list of forms (tests/tag_names.py
lists them, writer by writer).  A tag is cut into tokens at ``/`` and ``.``
(and at ``_`` where a role word is glued on), then:

* output indices go (``dense/kernel:0``; Keras 2 writes ``dense_1/kernel_0``,
  ``batch_normalization/moving_mean_0/histogram``), as do noise words
  (``histogram``, ``summaries``, Haiku's ``~``), Flax collections
  (``params/Dense_0/kernel``) and scopes written twice by TF1 name scopes
  (``layer1/weights/layer1/weights``, ``layer1/layer1/outputs``);
* gradient words anywhere make it a gradient (``fc1.weight.grad``,
  ``grad/fc1.weight``, ``grads/fc1/weight``, ``dense_1/kernel_0_grad``,
  ``layer_3_gradients``, ``dW1``); activation words at either end make it an
  activation when it names no parameter (``activations/fc1``,
  ``fc1/relu/activations``, ``dense_1_out``, ``layer1/Wx_plus_b/pre_activations``);
* the parameter is the last token that is a parameter word (``fc1.weight``,
  ``lstm/lstm_cell/recurrent_kernel``, ``bn1.running_mean``,
  ``attn.in_proj_weight``, ``lstm.weight_ih_l0``), else a category word in
  front or inside (``weights/layer1``, ``train/weights/fc1``), else one glued to
  the layer name (``layer_3_weights``, ``fc1_w``, ``conv1_W``, ``W1``/``b1``).
  Whatever precedes it is the layer (Keras' ``lstm/lstm_cell`` is ``lstm``).

Normalisation parameters (gamma, beta, moving/running statistics, Flax
``batch_stats`` mean/var, and any parameter of a layer whose name says norm:
``bn1``, ``LayerNorm``, ``ln_f``, ``norm1``, ``conv2_block1_1_bn``) get
``TagInfo.norm`` so the weight rules leave them alone.  A tag naming no layer
gets ``layer == ""``: it is never made a layer named after itself.
"""

import dataclasses
import functools
import re

ROLES = ("weights", "bias", "gradient", "activation", "other")

_GRAD_WORDS = frozenset({"grad", "grads", "gradient", "gradients"})
_ACT_WORDS = frozenset({"activation", "activations", "act", "acts", "output", "outputs", "out",
                        "pre_activation", "pre_activations", "preactivation", "preactivations"})
_STAT_WORDS = frozenset({"moving_mean", "moving_variance", "running_mean", "running_var", "num_batches_tracked"})
_PARAM_KIND = {
    **dict.fromkeys(("kernel", "weight", "weights", "w", "embeddings", "embedding", "recurrent_kernel",
                     "depthwise_kernel", "pointwise_kernel", "gamma", "scale"), "weights"),
    **dict.fromkeys(("bias", "biases", "b", "beta", "offset"), "bias"),
    **dict.fromkeys(_STAT_WORDS, "other"),
}
_NORM_PARAMS = frozenset({"gamma", "beta"}) | _STAT_WORDS
_FLAX_STATS = frozenset({"mean", "var"})  # batch_stats/BatchNorm_0/mean: statistics only in a norm layer
_NOISE = frozenset({"histogram", "histograms", "hist", "summary", "summaries", "values", "~", "__call__"})
_COLLECTIONS = frozenset({"params", "batch_stats", "parameters"})
_CATEGORY_WORDS = frozenset({"weights", "weight", "biases", "bias"})  # weights/fc1/weight, biases/layer1
_OUTPUT_INDEX_RE = re.compile(r":\d+$")
_INDEXED_RE = re.compile(r"^(.+?)_\d+$")
_SUFFIX_PARAM_RE = re.compile(
    r"^(?P<base>.+?)_(?P<word>recurrent_kernel|depthwise_kernel|pointwise_kernel|moving_mean|moving_variance|"
    r"running_mean|running_var|weights|weight|kernel|w|biases|bias|b|gamma|beta|embeddings)(?:_\d+)?$",
    re.IGNORECASE)
# in_proj_weight, q_bias, weight_ih_l0, weight_g; not layer_3_bias (a glued layer name ends in a digit)
_QUALIFIED_RE = re.compile(r"^(?:\w*[^\d_]_)?(?P<word>weight|bias)(?:_\w+)?$", re.IGNORECASE)
# W1, b2, dW1 (its gradient), W_hidden, biases_out; not weight_decay
_COMPACT_RE = re.compile(
    r"^(?P<grad>d)?(?P<word>[Ww]|b)(?P<rest>\d+)$|^(?P<word2>weights|biases|[Ww]|b)_(?P<rest2>\w+)$")
_GRAD_SUFFIX_RE = re.compile(r"^(?P<base>.+?)_(?:grads?|gradients?)$", re.IGNORECASE)
# Activation words that name a collection of tensors, never a layer of its own.
_ACT_COLLECTIONS = frozenset({"activations", "acts", "outputs", "pre_activations", "preactivations"})
_ACT_SUFFIX_RE = re.compile(r"^(?P<base>.+?)_(?:activations?|acts?|outputs?|out(?:_\d+)?|pre_?activations?)$",
                            re.IGNORECASE)
_CELL_RE = re.compile(r"^(?P<base>.+?)_cell(?:_\d+)?$")
_NORM_RE = re.compile(r"norm(?!al(?!iz))", re.IGNORECASE)
_NORM_ABBREV_RE = re.compile(r"^(bn|ln|gn)\d*$", re.IGNORECASE)


@dataclasses.dataclass
class TagInfo:
    tag: str
    layer: str  # "" when the tag belongs to no layer
    role: str
    param: str  # "weights", "bias", "other" or "" (which parameter; for gradients too)
    param_name: str  # the parameter's own short name, e.g. "kernel", "recurrent_kernel"
    norm: bool = False  # a normalisation layer's parameter: not judged as a weight


def _tokens(tag):
    """``(seps, texts)``: ``/`` components with repeats and noise removed, cut at dots."""
    parts = tag.split("/")
    if ":" in tag:
        parts = [_OUTPUT_INDEX_RE.sub("", c) for c in parts]
    parts = [c for c in parts if c and c != "~"]
    while len(parts) > 1 and parts[-1].lower() in _NOISE:
        parts.pop()
    if len(set(parts)) < len(parts):
        parts = _drop_repeats(parts)
    if "." not in tag:
        return ["/"] * len(parts), parts
    seps, texts = [], []
    for part in parts:
        sep = "/"
        for text in part.split("."):
            if text:
                seps.append(sep)
                texts.append(text)
                sep = "."
    while len(texts) > 1 and texts[-1].lower() in _NOISE:
        seps.pop()
        texts.pop()
    return seps, texts


def _drop_repeats(parts):
    """TF1 name scopes write the scope twice: ``a/w/a/w`` → ``a/w``; ``a/a/out`` → ``a/out``."""
    changed = True
    while changed and len(parts) > 1:
        changed = False
        for size in range(len(parts) // 2, 0, -1):
            for i in range(len(parts) - 2 * size + 1):
                run = parts[i:i + size]
                if run == parts[i + size:i + 2 * size] and not all(p.isdigit() for p in run):
                    parts = parts[:i + size] + parts[i + 2 * size:]
                    changed = True
                    break
            if changed:
                break
    return parts


def _param_word(text):
    """The parameter word ``text`` is, with a Keras 2 ``_0`` index dropped; else ``""``."""
    lower = text.lower()
    if lower in _PARAM_KIND:
        return text
    match = _INDEXED_RE.match(lower)
    if match and match.group(1) in _PARAM_KIND:
        return text[:len(match.group(1))]
    return ""


def is_norm_name(name):
    """Does a layer's last name component say normalisation (``bn1``, ``LayerNorm``, ``ln_f``)?"""
    last = re.split(r"[/.]", name)[-1]
    return bool(_NORM_RE.search(last)) or any(_NORM_ABBREV_RE.match(p) for p in last.split("_"))


def _glued(last):
    """A parameter glued to the layer name: ``layer_3_weights``, ``fc1_w``, ``W1``, ``dW1``.

    ``(layer part, parameter word, is a gradient)``, or None.
    """
    match = _SUFFIX_PARAM_RE.match(last)
    if match:
        return match.group("base"), match.group("word"), False
    match = _COMPACT_RE.match(last)
    if match:
        word, rest = (match.group("word"), match.group("rest")) if match.group("word") else (
            match.group("word2"), match.group("rest2"))
        if rest.lower() not in _PARAM_KIND:
            return rest, word, bool(match.group("grad"))
    return None


def parse_tag(tag):
    """Read one tag's layer, role and parameter from its name alone."""
    return TagInfo(tag, *_parse(tag))


def _parse(tag):
    """``(layer, role, param, param_name, norm)``; cached at the end of the module."""
    seps, texts = _tokens(tag)
    lowers = [t.lower() for t in texts]
    while len(texts) > 1 and lowers[0] in _COLLECTIONS:
        del seps[0], texts[0], lowers[0]
    is_grad = not _GRAD_WORDS.isdisjoint(lowers)
    if is_grad:
        keep = [i for i, w in enumerate(lowers) if w not in _GRAD_WORDS]
        seps, texts, lowers = [seps[i] for i in keep], [texts[i] for i in keep], [lowers[i] for i in keep]
    if not texts:
        return _NONE
    is_act = False
    if "_" in texts[-1]:
        match = _GRAD_SUFFIX_RE.match(texts[-1])
        if match:
            texts[-1], is_grad = match.group("base"), True
            lowers[-1] = texts[-1].lower()
    last_param = _param_word(texts[-1])
    if not last_param:
        # Collection words first, at either end: in ``activations/act`` the
        # layer is ``act``, in ``output/activations`` it is ``output``.
        for words in (_ACT_COLLECTIONS, _ACT_WORDS):
            for end in (-1, 0):
                while len(texts) > 1 and lowers[end] in words:
                    del seps[end], texts[end], lowers[end]
                    is_act = True
        if not is_act and not is_grad and "_" in texts[-1] and not _COMPACT_RE.match(texts[-1]):
            match = _ACT_SUFFIX_RE.match(texts[-1])
            if match:
                texts[-1], is_act = match.group("base"), True
                lowers[-1] = texts[-1].lower()

    param_name, n = "", len(texts)
    end, begin = n, 0  # the layer is texts[begin:end]
    if n > 1 and last_param:
        param_name, end = last_param, n - 1
    elif n > 1 and "_" in texts[-1] and _QUALIFIED_RE.match(texts[-1]):
        param_name, end = texts[-1], n - 1
    elif n > 1 and lowers[-1] in _FLAX_STATS and is_norm_name(texts[-2]):
        param_name, end = texts[-1], n - 1
    elif n > 1 and lowers[0] in _CATEGORY_WORDS and not is_act:
        param_name, begin = texts[0], 1
    elif n > 2 and not is_act and not _CATEGORY_WORDS.isdisjoint(lowers[1:-1]):
        # A category word inside: train/weights/fc1 is train/fc1's weights.
        middle = next(i for i in range(1, n - 1) if lowers[i] in _CATEGORY_WORDS)
        param_name = texts[middle]
        del seps[middle], texts[middle], lowers[middle]
        end = n - 1
    elif not is_act:
        glued = _glued(texts[-1])
        if glued:
            texts[-1], param_name, d_grad = glued
            is_grad |= d_grad
    # A leading category word: weights/fc1/weight (ignite), weight/fc1.weight.
    while end - begin > 1 and lowers[begin] in _CATEGORY_WORDS:
        begin += 1
    parts = []
    for i in range(begin, end):
        if i > begin and "_cell" in texts[i] and _is_cell(texts[i], texts[i - 1]):
            continue
        parts.append(seps[i] + texts[i] if parts else texts[i])
    layer = "".join(parts)

    lower = param_name.lower()
    param = _PARAM_KIND.get(lower, "")
    if not param and param_name:
        param = "other" if lower in _FLAX_STATS else _PARAM_KIND[_QUALIFIED_RE.match(param_name).group("word").lower()]
    if not param and not is_grad and not is_act or not layer or layer == tag:
        return _NONE
    norm = bool(param) and (lower in _NORM_PARAMS or lower in _FLAX_STATS or is_norm_name(layer))
    if is_grad:
        return layer, "gradient", param or "weights", param_name, norm
    if is_act and not param:
        return layer, "activation", "", "", False
    return layer, param if param in ("weights", "bias") else "other", param, param_name, norm


_NONE = ("", "other", "", "", False)


def _is_cell(text, previous):
    """Keras RNN cells sit under their layer: ``lstm/lstm_cell`` is the layer ``lstm``."""
    match = _CELL_RE.match(text)
    return bool(match) and match.group("base").lower() in previous.lower()


# Cached (a sweep's runs share their tags), applied here rather than as decorators: mutmut skips
# decorated functions, and these two are the tag reading that its mutation testing must reach.
is_norm_name = functools.lru_cache(maxsize=65536)(is_norm_name)
_parse = functools.lru_cache(maxsize=65536)(_parse)
