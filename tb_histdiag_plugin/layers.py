"""Grouping histogram tags into layers and roles, in depth order.

Tag names are the only structure a histogram log has, so this module reads the
naming conventions real writers and common training code produce:

* Keras 3 ``TensorBoard`` callback: ``sequential/dense_1/kernel/histogram``
* ``layer_{i}_weights`` / ``layer_{i}_biases`` / ``layer_{i}_gradients``
* ``dense_0/kernel`` and ``dense_0/kernel/grad``; TF1 ``dense/kernel/gradients``
* PyTorch parameter names: ``fc1.weight``, ``fc1.bias``, ``fc1.weight.grad``,
  ``grad/fc1.weight``, ``fc1.weight/grad``, ``gradients/fc1.weight``
* activations: ``activations/fc1``, ``fc1/activations``, ``fc1/relu/activations``

Depth comes from numbers in names (``layer_2`` before ``layer_10``, ``dense``
before ``dense_1``) within a family of like-named layers, and otherwise from
the order the tags were first written, which is the model's order for every
writer we know of (Keras walks ``model.weights``, PyTorch ``named_parameters``).
"""

import dataclasses
import re

ROLES = ("weights", "bias", "gradient", "activation", "other")

_GRAD_WORDS = {"grad", "grads", "gradient", "gradients"}
_ACT_WORDS = {"activation", "activations", "act", "acts", "output", "outputs", "out"}
_WEIGHT_WORDS = {
    "kernel", "weight", "weights", "w", "embeddings", "embedding", "recurrent_kernel",
    "depthwise_kernel", "pointwise_kernel", "gamma", "scale",
}
_BIAS_WORDS = {"bias", "biases", "b", "beta", "offset"}
_OTHER_PARAM_WORDS = {"moving_mean", "moving_variance", "running_mean", "running_var"}
# Preferred parameter name for a layer's single "weights" tag.
_PRIMARY_WEIGHTS = ("kernel", "weight", "weights", "w", "embeddings", "embedding")
_STRIP_SUFFIXES = ("histogram", "histograms", "hist", "summary", "values")
_SUFFIX_RE = re.compile(
    r"^(?P<base>.+?)[_.](?P<word>weights|weight|kernel|biases|bias|gradients|gradient|grads|grad|"
    r"activations|activation|acts|act|outputs|output)$",
    re.IGNORECASE,
)
_NUMBER_RE = re.compile(r"(\d+)")
_OUTPUT_INDEX_RE = re.compile(r":\d+$")


@dataclasses.dataclass
class TagInfo:
    tag: str
    layer: str  # "" when the tag belongs to no layer
    role: str
    param: str  # "weights", "bias", "other" or "" (which parameter; for gradients too)
    param_name: str  # the parameter's own short name, e.g. "kernel", "recurrent_kernel"


def _strip_noise(tokens):
    while len(tokens) > 1 and tokens[-1].lower() in _STRIP_SUFFIXES:
        tokens = tokens[:-1]
    return tokens


def _param_kind(word):
    w = word.lower()
    if w in _WEIGHT_WORDS:
        return "weights"
    if w in _BIAS_WORDS:
        return "bias"
    if w in _OTHER_PARAM_WORDS:
        return "other"
    return ""


def parse_tag(tag):
    """Read one tag's layer, role and parameter from its name alone."""
    # TF variable names carry an output index: dense/kernel:0
    tokens = [_OUTPUT_INDEX_RE.sub("", t) for t in tag.split("/") if t]
    tokens = [t for t in _strip_noise(tokens) if t]
    if not tokens:
        return TagInfo(tag, "", "other", "", "")
    is_grad = is_act = False
    # Marker words as whole path components, at either end.  Activation words
    # count only on tags that name no parameter: "output/kernel" is a layer.
    while len(tokens) > 1 and tokens[-1].lower() in _GRAD_WORDS:
        tokens.pop()
        is_grad = True
    names_param = bool(_param_kind(tokens[-1]) or _param_kind(tokens[-1].split(".")[-1]))
    markers = _GRAD_WORDS if names_param else _GRAD_WORDS | _ACT_WORDS
    while len(tokens) > 1 and tokens[0].lower() in markers:
        word = tokens.pop(0).lower()
        is_grad |= word in _GRAD_WORDS
        is_act |= word in _ACT_WORDS
    while len(tokens) > 1 and tokens[-1].lower() in markers:
        word = tokens.pop().lower()
        is_grad |= word in _GRAD_WORDS
        is_act |= word in _ACT_WORDS

    # Dotted PyTorch names inside the last component: fc1.weight.grad
    last = tokens[-1]
    dotted = last.split(".")
    while len(dotted) > 1 and dotted[-1].lower() in _GRAD_WORDS:
        dotted.pop()
        is_grad = True
    param = ""
    param_name = ""
    if len(dotted) > 1 and _param_kind(dotted[-1]):
        param_name = dotted[-1]
        param = _param_kind(param_name)
        layer_tokens = tokens[:-1] + [".".join(dotted[:-1])]
    elif len(tokens) > 1 and _param_kind(tokens[-1]):
        param_name = tokens[-1]
        param = _param_kind(param_name)
        layer_tokens = tokens[:-1]
    elif len(tokens) > 1 and _param_kind(tokens[0]) in ("weights", "bias"):
        # A leading parameter word: weights/layer1, biases/layer1.
        param_name = tokens[0]
        param = _param_kind(param_name)
        layer_tokens = tokens[1:]
    else:
        layer_tokens = tokens[:-1] + [".".join(dotted)]
        # Suffix forms: layer_1_weights, conv1_grad, fc1_activations.
        match = _SUFFIX_RE.match(layer_tokens[-1])
        if match:
            word = match.group("word").lower()
            layer_tokens[-1] = match.group("base")
            if word in _GRAD_WORDS:
                is_grad = True
            elif word in _ACT_WORDS:
                is_act = True
            else:
                param_name = word
                param = _param_kind(word)
        # What the suffix was attached to may itself name the parameter:
        # dense/kernel_grad, conv1.weight_grad, layer1/weights_gradient.
        last_dotted = layer_tokens[-1].split(".")
        if not param and len(last_dotted) > 1 and _param_kind(last_dotted[-1]):
            param_name = last_dotted[-1]
            param = _param_kind(param_name)
            layer_tokens[-1] = ".".join(last_dotted[:-1])
        elif not param and len(layer_tokens) > 1 and _param_kind(layer_tokens[-1]):
            param_name = layer_tokens.pop()
            param = _param_kind(param_name)

    # "output/kernel": a layer called output, not an activation marker.
    if param and is_act and not is_grad:
        is_act = False
    layer = "/".join(layer_tokens)
    if is_grad:
        return TagInfo(tag, layer, "gradient", param or "weights", param_name)
    if is_act:
        return TagInfo(tag, layer, "activation", "", "")
    if param in ("weights", "bias"):
        return TagInfo(tag, layer, param, param, param_name)
    if param == "other":
        return TagInfo(tag, layer, "other", "other", param_name)
    return TagInfo(tag, "", "other", "", "")


def _natural_key(name):
    return [int(part) if part.isdigit() else part for part in _NUMBER_RE.split(name)]


def _family(name):
    """``dense_3`` → (``dense_``, 3); ``layer_2/conv`` → (``layer_/conv``, 2); ``dense`` → (``dense``, 0)."""
    numbers = _NUMBER_RE.findall(name)
    base = _NUMBER_RE.sub("#", name)
    if not numbers:
        return base, ()
    return base.rstrip("_#.") if base.endswith("#") and len(numbers) == 1 else base, tuple(int(x) for x in numbers)


def order_layers(first_seen):
    """Depth order of layer names.

    ``first_seen`` maps each layer to a sortable "first written" key.  Layers
    keep their write-order positions, but within a family of like-named layers
    (``dense``, ``dense_1``, ``dense_10``) the positions are refilled in numeric
    order, so numbering wins where names carry it.
    """
    by_write = sorted(first_seen, key=lambda name: (first_seen[name], _natural_key(name)))
    families = {}
    for position, name in enumerate(by_write):
        families.setdefault(_family(name)[0], []).append(position)
    ordered = list(by_write)
    for base, positions in families.items():
        members = sorted((by_write[p] for p in positions), key=lambda n: (_family(n)[1], _natural_key(n)))
        for position, name in zip(positions, members):
            ordered[position] = name
    return ordered


def _common_prefix(names):
    """A leading path component shared by every layer (``sequential/``), to drop."""
    if len(names) < 2:
        return ""
    heads = {name.split("/", 1)[0] for name in names}
    if len(heads) == 1 and all("/" in name for name in names):
        return heads.pop() + "/"
    return ""


def group(tags_first_seen):
    """Group tags into layers.

    ``tags_first_seen`` maps tag → a sortable first-written key (e.g.
    ``(first_step, first_wall_time)``).  Returns ``(layers, infos)``: the
    contract's layer list in depth order and a ``{tag: TagInfo}`` with layer
    names shortened the same way.
    """
    infos = {tag: parse_tag(tag) for tag in tags_first_seen}
    names = sorted({info.layer for info in infos.values() if info.layer})
    prefix = _common_prefix(names)
    if prefix:
        for info in infos.values():
            if info.layer.startswith(prefix):
                info.layer = info.layer[len(prefix):]
    first_seen = {}
    for tag, info in infos.items():
        if info.layer:
            key = tags_first_seen[tag]
            if info.layer not in first_seen or key < first_seen[info.layer]:
                first_seen[info.layer] = key
    layers = []
    for depth, name in enumerate(order_layers(first_seen)):
        members = [info for info in infos.values() if info.layer == name]
        layers.append({"name": name, "depth": depth, "tags": _primary_tags(members)})
    return layers, infos


def _primary_tags(members):
    """One tag per role for the layer summary; the weight tensor wins over others."""

    def rank(info):
        name = info.param_name.lower()
        primary = name in _PRIMARY_WEIGHTS or info.param in ("", "weights") and not name
        return (info.param != "weights" and info.role == "gradient", not primary, len(info.tag), info.tag)

    tags = {}
    for role in ("weights", "bias", "gradient", "activation"):
        candidates = sorted((m for m in members if m.role == role), key=rank)
        tags[role] = candidates[0].tag if candidates else None
    return tags
