"""Grouping histogram tags into layers and blocks, in depth order.

Each tag's layer, role and parameter come from its name (naming.py); this
module groups them per run.  Activation-only sub-scopes join their layer
(``fc1/relu/activations`` → ``fc1``); the prefix every parameter layer shares
(``sequential/``, ``model.``) is dropped; a layer holding running statistics
is a normalisation layer even if its name does not say so (``downsample.1``).

Depth comes from write order (Keras walks ``model.weights``, PyTorch
``named_parameters``), corrected by numbers within a family of like-named
layers (``layer_2`` before ``layer_10``; JAX writes dicts sorted, so
``Dense_10`` comes before ``Dense_2``).  Layers under one repeated, indexed
prefix (``encoder.layer.3``, ``blocks.7``, ``transformer_block_2``) form blocks
and stay together.
"""

import re

from tb_histdiag_plugin.naming import ROLES, TagInfo, is_norm_name, parse_tag  # noqa: F401 (the public names)

# Preferred parameter name for a layer's single "weights" tag.
_PRIMARY_WEIGHTS = ("kernel", "weight", "weights", "w", "embeddings", "embedding")
_NUMBER_RE = re.compile(r"(\d+)")


# ---------------------------------------------------------------- depth order

# The depth of a tag in no layer, or of a layer not in a run: sorts after every layer.
NO_DEPTH = 1 << 30


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
