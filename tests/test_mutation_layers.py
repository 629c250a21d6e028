"""Grouping a run's tags into layers and blocks (``layers.py``), one rule at a time.

Added for mutation testing (tests/mutation/): test_layers.py checks whole runs of real
models; these pin down each grouping rule with a run where that rule decides the answer:
which tag stands for a layer's role, when indexed children are blocks, when a common
prefix goes, which layers count as normalisation.  Every expected layer list is worked
out by hand from the rules in layers.py's docstrings.
"""

from tb_histdiag_plugin import layers


def run(tags, keys=None):
    """``(names, blocks, tags per layer, infos)`` of tags written in this order (or at ``keys``)."""
    keys = keys or list(range(len(tags)))
    built, infos = layers.group({tag: (0.0, k) for tag, k in zip(tags, keys)})
    assert [layer["depth"] for layer in built] == list(range(len(built)))
    return ([b["name"] for b in built], [b["block"] for b in built], {b["name"]: b["tags"] for b in built}, infos)


# ------------------------------------------------------------ the tag standing for each role

def test_the_kernel_stands_for_the_weights_even_when_its_tag_is_longer():
    kernel, recurrent = "lstm/lstm_cell/kernel/histogram", "lstm/recurrent_kernel"
    names, _, tags, _ = run([recurrent, kernel])
    assert names == ["lstm"]
    assert tags["lstm"] == {"weights": kernel, "bias": None, "gradient": None, "activation": None}


def test_a_gradient_naming_no_parameter_is_the_weights_and_stands_before_a_named_one():
    """``lstm/gradients`` is the layer's (weights') gradient: it beats a recurrent kernel's, though longer."""
    plain, recurrent = "lstm/gradients/summaries/histogram", "lstm/recurrent_kernel/grad"
    names, _, tags, infos = run(["lstm/kernel", recurrent, plain])
    assert names == ["lstm"]
    assert (infos[plain].param, infos[plain].param_name) == ("weights", "")
    assert tags["lstm"]["gradient"] == plain


def test_without_a_plain_kernel_the_shorter_tag_stands():
    names, _, tags, _ = run(["conv/pointwise_kernel", "conv/depthwise_kernel", "conv/dw_bias"])
    assert names == ["conv"]
    assert tags["conv"]["weights"] == "conv/depthwise_kernel"  # same length: the first in text order


def test_a_weight_gradient_stands_before_a_bias_gradient():
    """Even a non-primary weight's gradient (``recurrent_kernel``) beats a shorter bias gradient."""
    weight_grad, bias_grad = "lstm/recurrent_kernel/grad", "lstm/bias/grad"
    names, _, tags, _ = run(["lstm/recurrent_kernel", bias_grad, weight_grad])
    assert tags["lstm"]["gradient"] == weight_grad
    # and a gradient with no parameter word is the weights' gradient: it beats the bias's
    names, _, tags, _ = run(["layer_3_weights", "layer_3_biases_grad", "layer_3_gradients"])
    assert names == ["layer_3"]
    assert tags["layer_3"]["gradient"] == "layer_3_gradients"
    names, _, tags, _ = run(["dense/kernel", "dense/bias/grad", "dense/gradients"])
    assert tags["dense"]["gradient"] == "dense/gradients"


def test_the_post_activation_stands_before_the_pre_activation():
    """Only the tag's last component says "pre": ``prenet`` and ``prelu`` do not."""
    post, pre = "prenet/prelu/activations", "prenet/pre_activations"
    names, _, tags, _ = run(["prenet/kernel", pre, post])
    assert names == ["prenet"]
    assert tags["prenet"]["activation"] == post
    # With no pre-activation the shorter tag stands, slash or not.
    names, _, tags, _ = run(["dense_1/kernel", "dense_1/activations", "dense_1_out"])
    assert names == ["dense_1"]
    assert tags["dense_1"]["activation"] == "dense_1_out"


# ------------------------------------------------------------ depth order

def test_ties_in_write_order_go_by_number_across_families():
    """One merged summary event: every tag ties, so numbers order unlike families too."""
    names, *_ = run(["layer10/bn/beta", "layer2/conv/kernel"], keys=[0, 0])
    assert names == ["layer2/conv", "layer10/bn"]


# ------------------------------------------------------------ blocks

def test_blocks_stay_together_though_written_interleaved():
    tags = ["encoder.layer.0.attn.weight", "encoder.layer.1.attn.weight",
            "encoder.layer.0.mlp.weight", "encoder.layer.1.mlp.weight", "pooler.weight"]
    names, blocks, _, _ = run(tags)
    assert names == ["encoder.layer.0.attn", "encoder.layer.0.mlp", "encoder.layer.1.attn", "encoder.layer.1.mlp",
                     "pooler"]  # (pooler shares no prefix with them)
    assert blocks == ["encoder.layer.0", "encoder.layer.0", "encoder.layer.1", "encoder.layer.1", None]


def test_two_blocks_are_enough():
    names, blocks, _, _ = run(["layers.%d.%s.weight" % (i, s) for i in range(2) for s in ("attn", "mlp")])
    assert names == ["layers.0.attn", "layers.0.mlp", "layers.1.attn", "layers.1.mlp"]
    assert blocks == ["layers.0", "layers.0", "layers.1", "layers.1"]


def test_indexed_children_of_one_layer_each_are_no_blocks():
    names, blocks, _, _ = run(["layers.%d.linear.weight" % i for i in range(3)])
    assert names == ["layers.0.linear", "layers.1.linear", "layers.2.linear"]
    assert blocks == [None] * 3


def test_one_indexed_child_is_no_repetition():
    """``head.0`` holds two layers but has no sibling index: not a block, beside real ones."""
    tags = ["encoder.layers.%d.%s.weight" % (i, s) for i in range(2) for s in ("attn", "mlp")]
    tags += ["head.0.dense.weight", "head.0.norm.weight"]
    names, blocks, _, _ = run(tags)
    assert names == ["encoder.layers.0.attn", "encoder.layers.0.mlp", "encoder.layers.1.attn",
                     "encoder.layers.1.mlp", "head.0.dense", "head.0.norm"]
    assert blocks == ["encoder.layers.0"] * 2 + ["encoder.layers.1"] * 2 + [None, None]


def test_a_container_index_wins_over_a_shallower_numbered_name():
    tags = ["stage_%d/layers.%d/%s/kernel" % (s, i, sub) for s in (1, 2) for i in (0, 1) for sub in ("conv", "bn")]
    names, blocks, _, _ = run(tags)
    assert names == [t[:-len("/kernel")] for t in tags]
    assert blocks == ["stage_%d/layers.%d" % (s, i) for s in (1, 2) for i in (0, 1) for _ in range(2)]


def test_between_numbered_names_the_shallowest_wins():
    """``block1`` (a fused number) and ``block1_unit_1`` (an ``_N`` number) are both numbered names."""
    tags = ["block%d_unit_%d/%s/kernel" % (b, u, sub) for b in (1, 2) for u in (1, 2) for sub in ("conv", "bn")]
    _, blocks, _, _ = run(tags)
    assert blocks == ["block%d" % b for b in (1, 2) for _ in range(4)]
    tags = ["stage_%d/block%d_%s/kernel" % (s, b, sub) for s in (1, 2) for b in (2, 3) for sub in ("conv", "bn")]
    _, blocks, _, _ = run(tags)
    assert blocks == ["stage_%d" % s for s in (1, 2) for _ in range(4)]


def test_a_layer_named_like_the_blocks_stem_alone_is_in_no_block():
    tags = ["block/kernel"] + ["block_%d/%s/kernel" % (i, s) for i in (1, 2) for s in ("attn", "mlp")]
    names, blocks, _, _ = run(tags)
    assert names == ["block", "block_1/attn", "block_1/mlp", "block_2/attn", "block_2/mlp"]
    assert blocks == [None, "block_1", "block_1", "block_2", "block_2"]


# ------------------------------------------------------------ the common prefix

def test_a_run_of_one_layer_keeps_its_whole_name():
    names, _, _, infos = run(["sequential/dense/kernel/histogram", "sequential/dense/bias/histogram"])
    assert names == ["sequential/dense"]
    assert infos["sequential/dense/bias/histogram"].layer == "sequential/dense"


def test_one_parameter_layer_shares_its_prefix_with_the_activation_layers():
    names, _, _, _ = run(["model/fc/kernel", "model/relu/activations"])
    assert names == ["fc", "relu"]


def test_two_parameter_layers_set_the_prefix_alone():
    """slim's ``activations/<end point>`` tags do not stop ``InceptionV3/`` going."""
    tags = ["InceptionV3/Conv2d_1a/weights", "InceptionV3/Conv2d_2a/weights", "activations/Conv2d_1a"]
    names, _, tags_of, _ = run(tags)
    assert names == ["Conv2d_1a", "Conv2d_2a"]
    assert tags_of["Conv2d_1a"]["activation"] == "activations/Conv2d_1a"


# ------------------------------------------------------------ activation scopes

def test_activation_scopes_join_only_a_layer_with_parameters():
    names, _, _, infos = run(["fc1/activations", "fc1/relu/activations"])
    assert names == ["fc1", "fc1/relu"]
    names, _, _, infos = run(["fc1/kernel", "fc1/activations", "fc1/relu/activations"])
    assert names == ["fc1"]
    assert infos["fc1/relu/activations"].layer == "fc1"


# ------------------------------------------------------------ normalisation layers

def test_only_running_statistics_make_a_whole_layer_normalisation():
    _, _, _, infos = run(["attn/kernel", "attn/gamma"])  # SAGAN's attention scale: no statistics
    assert infos["attn/gamma"].norm and not infos["attn/kernel"].norm
    _, _, _, infos = run(["downsample.1.weight", "downsample.1.bias", "downsample.1.running_var",
                          "downsample.1/activations"])
    assert infos["downsample.1.weight"].norm and infos["downsample.1.bias"].norm
    assert infos["downsample.1.running_var"].norm
    assert infos["downsample.1/activations"].layer == "downsample.1"
    assert not infos["downsample.1/activations"].norm  # an activation is never a parameter to leave alone
