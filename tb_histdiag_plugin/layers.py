"""Grouping histogram tags into layers, roles and blocks, in depth order.

Tag names are the only structure a histogram log has, so this module reads
naming *conventions* rather than a fixed list of forms.  A tag is cut into
tokens at ``/`` and ``.`` (and ``_`` where a role word is glued on), then:

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
  ``attn.in_proj_weight``, ``lstm.weight_ih_l0``), else a leading one
  (``weights/layer1``), else one glued to the layer name (``layer_3_weights``,
  ``fc1_w``, ``conv1_W``, ``W1``/``b1``).  Whatever precedes it is the layer.

Normalisation parameters (gamma, beta, moving/running statistics, Flax
``batch_stats`` mean/var, and any parameter of a layer whose name says norm:
``bn1``, ``LayerNorm``, ``ln_f``, ``norm1``, ``conv2_block1_1_bn``) keep their
layer but get ``TagInfo.norm`` so the weight rules leave them alone.  A tag
that names no layer keeps ``layer == ""`` and is listed by ``ungrouped``.

Depth comes from write order (Keras walks ``model.weights``, PyTorch
``named_parameters``), corrected by numbers within a family of like-named
layers (``layer_2`` before ``layer_10``; JAX writes dicts sorted, so
``Dense_10`` before ``Dense_2``).  Layers under one repeated, indexed prefix
(``encoder.layer.3``, ``blocks.7``, ``transformer_block_2``) form blocks.
The name table in tests/tag_names.py lists the forms, writer by writer.
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
# Preferred parameter name for a layer's single "weights" tag.
_PRIMARY_WEIGHTS = ("kernel", "weight", "weights", "w", "embeddings", "embedding")
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
_COMPACT_RE = re.compile(r"^(?P<grad>d)?(?P<word>[Ww]|b)(?P<rest>\d+)$|^(?P<word2>weights?|biases?|[Ww]|b)_(?P<rest2>\w+)$")
_GRAD_SUFFIX_RE = re.compile(r"^(?P<base>.+?)_(?:grads?|gradients?)$", re.IGNORECASE)
_ACT_SUFFIX_RE = re.compile(r"^(?P<base>.+?)_(?:activations?|acts?|outputs?|out(?:_\d+)?|pre_?activations?)$",
                            re.IGNORECASE)
_CELL_RE = re.compile(r"^(?P<base>.+?)_cell(?:_\d+)?$")
_NORM_RE = re.compile(r"norm(?!al(?!iz))", re.IGNORECASE)
_NORM_ABBREV_RE = re.compile(r"^(bn|ln|gn)\d*$", re.IGNORECASE)
_NUMBER_RE = re.compile(r"(\d+)")


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


@functools.lru_cache(maxsize=65536)
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


@functools.lru_cache(maxsize=65536)
def _parse(tag):
    """``(layer, role, param, param_name, norm)``; cached: a sweep's runs share their tags."""
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
        while len(texts) > 1 and lowers[-1] in _ACT_WORDS:
            del seps[-1], texts[-1], lowers[-1]
            is_act = True
        while len(texts) > 1 and lowers[0] in _ACT_WORDS:
            del seps[0], texts[0], lowers[0]
            is_act = True
        if not is_act and not is_grad and "_" in texts[-1]:
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


# ---------------------------------------------------------------- depth order

def _natural_key(name):
    return [int(part) if part.isdigit() else part for part in _NUMBER_RE.split(name)]


def _family(name):
    """``dense_3`` → (``dense``, (3,)); ``layer_2/conv`` → (``layer_#/conv``, (2,)); ``dense`` → (``dense``, ())."""
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
    family = {name: _family(name) for name in by_write}
    families = {}
    for position, name in enumerate(by_write):
        families.setdefault(family[name][0], []).append(position)
    ordered = list(by_write)
    for positions in families.values():
        if len(positions) > 1:
            members = sorted((by_write[p] for p in positions), key=lambda n: (family[n][1], _natural_key(n)))
            for position, name in zip(positions, members):
                ordered[position] = name
    return ordered


def _split_first(name):
    """``("model", "/", "dense")`` for ``model/dense``; the first of ``/`` or ``.`` cuts."""
    match = re.search(r"[/.]", name)
    return (name[:match.start()], name[match.start()], name[match.end():]) if match else (name, "", "")


def _common_prefix(names):
    """Leading components every layer shares (``sequential/``, ``model.``), to drop.

    Never leaves a name that starts with a bare index (``model.0``) or is empty.
    """
    prefix = ""
    rest = list(names)
    while len(rest) > 1:
        cuts = [_split_first(n) for n in rest]
        head = cuts[0][:2]
        if not head[1] or any(c[:2] != head or not c[2] or _split_first(c[2])[0].isdigit() for c in cuts):
            break
        prefix += head[0] + head[1]
        rest = [c[2] for c in cuts]
    return prefix


def _merge_activation_scopes(infos):
    """``layer1/Wx_plus_b/pre_activations`` and ``fc1/relu/activations`` belong to ``layer1`` and ``fc1``."""
    roles = {}
    for info in infos.values():
        if info.layer:
            roles.setdefault(info.layer, set()).add(info.role)
    parents = {name for name, r in roles.items() if r != {"activation"}}
    moved = {}
    for name, r in roles.items():
        if r == {"activation"}:
            cut = [m.start() for m in re.finditer(r"[/.]", name)]
            parent = next((name[:c] for c in reversed(cut) if name[:c] in parents), None)
            if parent:
                moved[name] = parent
    for info in infos.values():
        info.layer = moved.get(info.layer, info.layer)


def group(tags_first_seen):
    """Group tags into layers.

    ``tags_first_seen`` maps tag → a sortable first-written key (e.g.
    ``(first_wall_time, first_step)``).  Returns ``(layers, infos)``: the
    contract's layer list in depth order, each with its ``block`` (or None),
    and a ``{tag: TagInfo}`` with layer names shortened the same way.
    """
    infos = {tag: parse_tag(tag) for tag in tags_first_seen}
    _merge_activation_scopes(infos)
    # The prefix is read from parameter layers, so activations/Conv2d_1a joins InceptionV3/Conv2d_1a.
    names = {info.layer for info in infos.values() if info.layer and info.role != "activation"}
    prefix = _common_prefix(sorted(names if len(names) > 1 else {i.layer for i in infos.values() if i.layer}))
    members, first_seen = {}, {}
    for tag, info in infos.items():
        if not info.layer:
            continue
        if prefix and info.layer.startswith(prefix):
            info.layer = info.layer[len(prefix):]
        members.setdefault(info.layer, []).append(info)
        key = tags_first_seen[tag]
        if info.layer not in first_seen or key < first_seen[info.layer]:
            first_seen[info.layer] = key
    for group_members in members.values():
        # A layer holding running statistics is a normalisation layer (torchvision's downsample.1).
        if any(m.norm and m.param == "other" for m in group_members):
            for m in group_members:
                m.norm = m.role != "activation"
    ordered = order_layers(first_seen)
    blocks = find_blocks(ordered)
    ordered = _blocks_together(ordered, blocks)
    layers = [{"name": name, "depth": depth, "tags": _primary_tags(members[name]), "block": blocks.get(name)}
              for depth, name in enumerate(ordered)]
    return layers, infos


def ungrouped(infos):
    """Tags that belong to no layer, sorted: listed as such, never dropped silently."""
    return sorted(tag for tag, info in infos.items() if not info.layer)


def _primary_tags(members):
    """One tag per role for the layer summary; the weight tensor wins over others."""

    def rank(info):
        name = info.param_name.lower()
        primary = name in _PRIMARY_WEIGHTS or info.param in ("", "weights") and not name
        pre = info.role == "activation" and "pre" in info.tag.lower().rsplit("/", 1)[-1]
        return (info.param != "weights" and info.role == "gradient", not primary, pre, len(info.tag), info.tag)

    by_role = {}
    for m in members:
        by_role.setdefault(m.role, []).append(m)
    tags = {}
    for role in ("weights", "bias", "gradient", "activation"):
        candidates = by_role.get(role)
        tags[role] = (min(candidates, key=rank) if len(candidates) > 1 else candidates[0]).tag if candidates else None
    return tags


# ---------------------------------------------------------------- blocks

_CUT_RE = re.compile(r"([/._])")
_FUSED_INDEX_RE = re.compile(r"^([A-Za-z]+)(\d+)$")


def _block_candidates(name):
    """``[(tier, block, template)]``: every indexed prefix that has more name after it.

    Tier 0 is a container index (``encoder.layer.3.attention`` → ``encoder.layer.3``,
    template ``encoder.layer.#``; ``layer1.0.conv1`` → ``layer1.0``); tier 1 a
    numbered name (``transformer_block_2/dense``, ``block1_conv1`` → ``block1``).
    ``dense_1`` has none: nothing follows its index.
    """
    pieces = _CUT_RE.split(name)  # text, sep, text, sep, ...
    out = []
    for i in range(0, len(pieces) - 2, 2):
        text = pieces[i]
        head = "".join(pieces[:i])
        if text.isdigit():
            out.append((0 if i and pieces[i - 1] in "./" else 1, head + text, head + "#"))
        else:
            match = _FUSED_INDEX_RE.match(text)
            if match:
                out.append((1, head + text, head + match.group(1) + "#"))
    return out


def find_blocks(names):
    """``{layer: block}`` for layers under a repeated, indexed prefix; empty when there are none.

    A template (``encoder.layer.#``) makes blocks when it has two or more
    indices and one of them holds two or more layers, so ``dense``/``dense_1``
    never do.  Each layer takes its shallowest valid container index, else its
    shallowest valid numbered name; Keras' unnumbered first copy
    (``transformer_block`` beside ``transformer_block_1``) joins its siblings.
    A run with fewer than two blocks has none.
    """
    candidates = {name: _block_candidates(name) for name in names}
    sizes, indices = {}, {}
    for name, found in candidates.items():
        for _, block, template in found:
            sizes[block] = sizes.get(block, 0) + 1
            indices.setdefault(template, set()).add(block)
    valid = {t for t, blocks in indices.items() if len(blocks) > 1 and max(sizes[b] for b in blocks) > 1}
    result = {}
    for name, found in candidates.items():
        usable = [(tier, block) for tier, block, template in found if template in valid]
        block = min(usable, key=lambda c: (c[0], len(c[1])))[1] if usable else None
        if block is None:
            pieces = _CUT_RE.split(name)
            block = next(("".join(pieces[:i + 1]) for i in range(0, len(pieces) - 2, 2)
                          if "".join(pieces[:i + 1]) + "_#" in valid), None)
        if block is not None:
            result[name] = block
    if len(set(result.values())) < 2:
        return {}
    return result


def _blocks_together(ordered, blocks):
    """Keep each block's layers contiguous, at its first layer's place, in their own order."""
    if not blocks:
        return ordered
    def block_of(name):
        return ("block", blocks[name]) if name in blocks else ("layer", name)

    by_block = {}
    for name in ordered:
        by_block.setdefault(block_of(name), []).append(name)
    out = []
    for name in ordered:
        if block_of(name) in by_block:
            out.extend(by_block.pop(block_of(name)))
    return out
