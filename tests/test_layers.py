"""Tag naming conventions of real writers and common code → layers and roles."""

import pytest
from tag_names import ROWS

from tb_histdiag_plugin import layers

CASES = [
    ("sequential/dense_1/kernel/histogram", "sequential/dense_1", "weights"),
    ("sequential/dense_1/bias/histogram", "sequential/dense_1", "bias"),
    ("layer_3_weights", "layer_3", "weights"),
    ("layer_3_biases", "layer_3", "bias"),
    ("layer_3_gradients", "layer_3", "gradient"),
    ("dense_0/kernel", "dense_0", "weights"),
    ("dense_0/kernel/grad", "dense_0", "gradient"),
    ("fc1.weight", "fc1", "weights"),
    ("fc1.bias", "fc1", "bias"),
    ("fc1.weight.grad", "fc1", "gradient"),
    ("fc1.bias.grad", "fc1", "gradient"),
    ("grad/fc1.weight", "fc1", "gradient"),
    ("fc1.weight/grad", "fc1", "gradient"),
    ("gradients/fc1.weight", "fc1", "gradient"),
    ("dense/gradients", "dense", "gradient"),
    ("activations/fc1", "fc1", "activation"),
    ("fc1/activations", "fc1", "activation"),
    ("output/kernel", "output", "weights"),
    ("encoder.layers.0.weight", "encoder.layers.0", "weights"),
    ("bn/moving_mean", "bn", "other"),
    ("loss_distribution", "", "other"),
    ("<img src=x onerror=alert(1)>", "", "other"),
    ("dense/kernel:0", "dense", "weights"),
    ("gradients/dense/kernel:0", "dense", "gradient"),
    ("dense/kernel_grad", "dense", "gradient"),
    ("dense_1/bias_grad", "dense_1", "gradient"),
    ("conv1.weight_grad", "conv1", "gradient"),
    ("layer1/weights_gradient", "layer1", "gradient"),
    ("weights/layer1", "layer1", "weights"),
    ("biases/layer1", "layer1", "bias"),
]


@pytest.mark.parametrize("tag,layer,role", CASES)
def test_parse_tag(tag, layer, role):
    info = layers.parse_tag(tag)
    assert (info.layer, info.role) == (layer, role)


def test_gradient_knows_its_parameter():
    assert layers.parse_tag("fc1.bias.grad").param == "bias"
    assert layers.parse_tag("dense_0/kernel/grad").param == "weights"


def depth_order(tags):
    built, _ = layers.group({tag: (0.0, i) for i, tag in enumerate(tags)})
    return [layer["name"] for layer in built]


def test_numbers_in_names_order_depth():
    assert depth_order(["layer_10_weights", "layer_2_weights", "layer_1_weights"]) == ["layer_1", "layer_2", "layer_10"]
    assert depth_order(["sequential/dense_1/kernel/histogram", "sequential/dense/kernel/histogram"]) == [
        "dense", "dense_1"]


def test_write_order_where_names_carry_no_order():
    assert depth_order(["encoder/kernel", "bottleneck/kernel", "decoder/kernel"]) == ["encoder", "bottleneck", "decoder"]
    assert depth_order(["fc1.weight", "conv1.weight", "fc2.weight"]) == ["fc1", "conv1", "fc2"]


def test_layer_summary_and_common_prefix():
    built, infos = layers.group({t: (0.0, i) for i, t in enumerate([
        "model/dense/kernel", "model/dense/bias", "model/dense/kernel/grad", "model/dense/bias/grad",
        "activations/model/dense", "model/dense_1/kernel", "stray"])})
    assert built[0] == {"name": "dense", "depth": 0, "tags": {
        "weights": "model/dense/kernel", "bias": "model/dense/bias", "gradient": "model/dense/kernel/grad",
        "activation": "activations/model/dense"}, "block": None}
    assert infos["stray"].layer == "" and infos["stray"].role == "other"


# ------------------------------------------------------------ the name table

def test_the_table_spans_writers():
    assert len(ROWS) >= 60
    assert len({row[0] for row in ROWS}) >= 10


@pytest.mark.parametrize("writer,tag,layer,role,param,param_name,norm", ROWS, ids=[r[1] for r in ROWS])
def test_tag_table(writer, tag, layer, role, param, param_name, norm):
    info = layers.parse_tag(tag)
    assert (info.layer, info.role, info.param, info.param_name, info.norm) == (layer, role, param, param_name, norm)


def test_no_tag_becomes_a_layer_named_after_itself():
    for _, tag, *_ in ROWS + [(None, t, None) for t, *_ in CASES]:
        assert layers.parse_tag(tag).layer != tag


# ------------------------------------------------------------ whole runs

def run(tags):
    """Group tags written in this order; returns (names, blocks, infos)."""
    built, infos = layers.group({tag: (0.0, i) for i, tag in enumerate(tags)})
    assert [layer["depth"] for layer in built] == list(range(len(built)))
    return [b["name"] for b in built], [b["block"] for b in built], infos


def test_keras2_callback_run():
    tags = ["dense/kernel_0/histogram", "dense/bias_0/histogram"]
    tags += ["batch_normalization/%s_0/histogram" % p for p in ("gamma", "beta", "moving_mean", "moving_variance")]
    tags += ["dense_1/kernel_0/histogram", "dense_1/bias_0/histogram"]
    names, blocks, infos = run(tags)
    assert names == ["dense", "batch_normalization", "dense_1"]
    assert blocks == [None, None, None]
    assert [t for t in tags if infos[t].norm] == tags[2:6]
    assert layers.ungrouped(infos) == []


def test_keras3_callback_run_drops_the_model_prefix():
    tags = ["sequential/%s/%s/histogram" % (layer, p) for layer in ("dense", "dense_1", "dense_2")
            for p in ("kernel", "bias")]
    names, blocks, infos = run(tags)
    assert names == ["dense", "dense_1", "dense_2"]
    assert infos["sequential/dense_2/bias/histogram"].layer == "dense_2"


def test_tf1_doubled_scopes_make_one_layer_each():
    tags = []
    for layer in ("layer1", "layer2"):
        tags += ["%s/weights/%s/weights" % (layer, layer), "%s/biases/%s/biases" % (layer, layer),
                 "%s/%s/outputs" % (layer, layer)]
    built, _ = layers.group({tag: (0.0, i) for i, tag in enumerate(tags)})
    assert [b["name"] for b in built] == ["layer1", "layer2"]
    assert built[1]["tags"] == {"weights": "layer2/weights/layer2/weights", "bias": "layer2/biases/layer2/biases",
                                "gradient": None, "activation": "layer2/layer2/outputs"}


def test_mnist_with_summaries_scopes_join_their_layer():
    tags = []
    for layer in ("layer1", "layer2"):
        tags += ["%s/weights/summaries/histogram" % layer, "%s/biases/summaries/histogram" % layer,
                 "%s/Wx_plus_b/pre_activations" % layer, "%s/activations" % layer]
    built, infos = layers.group({tag: (0.0, i) for i, tag in enumerate(tags)})
    assert [b["name"] for b in built] == ["layer1", "layer2"]
    assert infos["layer1/Wx_plus_b/pre_activations"].layer == "layer1"
    assert built[0]["tags"]["activation"] == "layer1/activations"


def test_slim_activations_join_the_prefixed_layers():
    tags = ["InceptionV3/Conv2d_1a_3x3/weights", "InceptionV3/Conv2d_1a_3x3/BatchNorm/beta",
            "InceptionV3/Conv2d_1a_3x3/BatchNorm/moving_mean", "InceptionV3/Conv2d_2a_3x3/weights",
            "InceptionV3/Conv2d_2a_3x3/BatchNorm/beta", "InceptionV3/Logits/Conv2d_1c_1x1/weights",
            "InceptionV3/Logits/Conv2d_1c_1x1/biases", "activations/Conv2d_1a_3x3", "activations/Conv2d_2a_3x3"]
    built, infos = layers.group({tag: (0.0, i) for i, tag in enumerate(tags)})
    assert [b["name"] for b in built] == ["Conv2d_1a_3x3", "Conv2d_1a_3x3/BatchNorm", "Conv2d_2a_3x3",
                                          "Conv2d_2a_3x3/BatchNorm", "Logits/Conv2d_1c_1x1"]
    assert built[0]["tags"]["activation"] == "activations/Conv2d_1a_3x3"
    assert infos["InceptionV3/Conv2d_1a_3x3/BatchNorm/beta"].norm
    assert not infos["InceptionV3/Conv2d_1a_3x3/weights"].norm


BERT_SUBLAYERS = ["attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
                  "attention.output.LayerNorm", "intermediate.dense", "output.dense", "output.LayerNorm"]


def bert_tags(n_layers=12):
    """BertForSequenceClassification.named_parameters() order."""
    names = ["bert.embeddings.%s" % e for e in ("word_embeddings", "position_embeddings",
                                                "token_type_embeddings", "LayerNorm")]
    names += ["bert.encoder.layer.%d.%s" % (i, s) for i in range(n_layers) for s in BERT_SUBLAYERS]
    names += ["bert.pooler.dense", "classifier"]
    return names, [n + p for n in names for p in (".weight", ".bias") if "embeddings" not in n or p == ".weight"
                   or "LayerNorm" in n]


def test_bert_blocks_and_depth():
    expected, tags = bert_tags()
    names, blocks, infos = run(tags)
    assert names == expected
    assert len(names) == 102
    assert blocks[:4] == [None] * 4 and blocks[-2:] == [None, None]
    assert blocks[4:-2] == ["bert.encoder.layer.%d" % i for i in range(12) for _ in BERT_SUBLAYERS]
    assert [infos[t].norm for t in tags if "layer.3.output.LayerNorm" in t] == [True, True]
    assert not infos["bert.encoder.layer.3.output.dense.weight"].norm


def test_blocks_stay_in_numeric_order_when_written_sorted():
    """JAX flattens parameter dicts in sorted key order: layers_10 before layers_2."""
    tags = sorted("params/layers_%d/%s/kernel" % (i, s) for i in range(12) for s in ("attn", "mlp"))
    names, blocks, _ = run(tags)
    assert names == ["layers_%d/%s" % (i, s) for i in range(12) for s in ("attn", "mlp")]
    assert blocks == ["layers_%d" % i for i in range(12) for _ in range(2)]


def test_vit_blocks_and_ungrouped_tokens():
    subs = ["norm1", "attn.qkv", "attn.proj", "norm2", "mlp.fc1", "mlp.fc2"]
    expected = ["patch_embed.proj"] + ["blocks.%d.%s" % (i, s) for i in range(12) for s in subs] + ["norm", "head"]
    tags = ["cls_token", "pos_embed"] + [n + p for n in expected for p in (".weight", ".bias")]
    names, blocks, infos = run(tags)
    assert names == expected
    assert blocks == [None] + ["blocks.%d" % i for i in range(12) for _ in subs] + [None, None]
    assert layers.ungrouped(infos) == ["cls_token", "pos_embed"]
    assert infos["norm.weight"].norm and not infos["head.weight"].norm


def test_resnet_blocks_are_the_indexed_children():
    """torchvision resnet18 (the tensorboardX demo's named_parameters)."""
    expected = ["conv1", "bn1"]
    for stage in range(1, 5):
        for block in range(2):
            expected += ["layer%d.%d.%s" % (stage, block, s) for s in ("conv1", "bn1", "conv2", "bn2")]
            if stage > 1 and block == 0:
                expected += ["layer%d.0.downsample.0" % stage, "layer%d.0.downsample.1" % stage]
    expected.append("fc")
    tags = [n + ".weight" for n in expected] + ["layer2.0.downsample.1.running_mean"]
    names, blocks, infos = run(tags)
    assert names == expected
    assert blocks[:2] == [None, None] and blocks[-1] is None
    assert sorted(set(blocks[2:-1])) == ["layer%d.%d" % (s, b) for s in range(1, 5) for b in range(2)]
    # downsample.1's name does not say norm; its running statistics do.
    assert infos["layer2.0.downsample.1.weight"].norm and not infos["layer3.0.downsample.1.weight"].norm


def test_gpt2_blocks():
    subs = ["ln_1", "attn.c_attn", "attn.c_proj", "ln_2", "mlp.c_fc", "mlp.c_proj"]
    expected = ["transformer.wte", "transformer.wpe"] + [
        "transformer.h.%d.%s" % (i, s) for i in range(12) for s in subs] + ["transformer.ln_f", "lm_head"]
    names, blocks, _ = run([n + ".weight" for n in expected])
    assert names == expected
    assert blocks[2:-2] == ["transformer.h.%d" % i for i in range(12) for _ in subs]


def test_keras_numbered_blocks_include_the_unnumbered_first():
    tags = ["embedding/embeddings/histogram"]
    for i in range(3):
        suffix = "_%d" % i if i else ""
        for sub in ("multi_head_attention%s/query" % suffix, "multi_head_attention%s/key" % suffix,
                    "dense%s" % ("_%d" % (2 * i) if i else ""), "dense_%d" % (2 * i + 1)):
            tags.append("transformer_block%s/%s/kernel/histogram" % (suffix, sub))
    tags.append("dense_6/kernel/histogram")
    names, blocks, _ = run(tags)
    assert names[0] == "embedding" and names[-1] == "dense_6"
    assert blocks == [None] + ["transformer_block"] * 4 + ["transformer_block_1"] * 4 + [
        "transformer_block_2"] * 4 + [None]


def test_vgg_style_numbered_names_make_blocks():
    expected = ["block%d_conv%d" % (b, c) for b in range(1, 4) for c in range(1, 3)] + ["fc1", "predictions"]
    names, blocks, _ = run(["%s/kernel_0/histogram" % n for n in expected])
    assert names == expected
    assert blocks == ["block%d" % b for b in range(1, 4) for _ in range(2)] + [None, None]


@pytest.mark.parametrize("tags,expected", [
    (["dense/kernel", "dense_1/kernel", "dense_2/kernel"], ["dense", "dense_1", "dense_2"]),
    (["layer_%d_weights" % i for i in range(10)], ["layer_%d" % i for i in range(10)]),
    (["fc1.weight", "fc2.weight", "fc3.weight"], ["fc1", "fc2", "fc3"]),
    (["encoder.0.weight", "encoder.2.weight", "decoder.0.weight", "decoder.2.weight"],
     ["encoder.0", "encoder.2", "decoder.0", "decoder.2"]),
    (["model.0.weight", "model.2.weight"], ["model.0", "model.2"]),
    (["W1", "b1", "W2", "b2", "W3", "b3"], ["1", "2", "3"]),
    (["params/Dense_0/kernel", "params/Dense_1/kernel"], ["Dense_0", "Dense_1"]),
    (["bert.encoder.layer.0.%s.weight" % s for s in BERT_SUBLAYERS],
     ["layer.0." + s for s in BERT_SUBLAYERS]),  # a common prefix never leaves a bare index in front
])
def test_small_models_get_no_blocks(tags, expected):
    names, blocks, _ = run(tags)
    assert names == expected
    assert blocks == [None] * len(expected)


def test_activation_sub_scopes_join_their_layer():
    names, _, infos = run(["fc1.weight", "fc1/relu/activations", "fc2.weight", "fc2/relu/activations"])
    assert names == ["fc1", "fc2"]
    assert infos["fc2/relu/activations"].layer == "fc2"


def test_ungrouped_is_sorted_and_complete():
    _, _, infos = run(["zeta_distribution", "fc1.weight", "alpha", "fc2.weight", "cls_token"])
    assert layers.ungrouped(infos) == ["alpha", "cls_token", "zeta_distribution"]


@pytest.mark.parametrize("name,norm", [
    ("bn1", True), ("LayerNorm", True), ("layer_norm", True), ("batch_normalization_3", True), ("ln_f", True),
    ("norm1", True), ("input_layernorm", True), ("conv2_block1_1_bn", True), ("model/BatchNorm", True),
    ("normal_head", False), ("bnet", False), ("linear", False), ("dense_1", False), ("fc1", False),
])
def test_norm_names(name, norm):
    assert layers.is_norm_name(name) is norm


def test_blocks_in_numeric_order_when_every_tag_ties():
    """A merged TF1 summary writes every tag in one event: no write order to read."""
    _, tags = bert_tags()
    built, _ = layers.group({tag: (0.0, 0) for tag in tags})
    blocks = [b["block"] for b in built if b["block"]]
    assert list(dict.fromkeys(blocks)) == ["bert.encoder.layer.%d" % i for i in range(12)]
    assert blocks == sorted(blocks, key=lambda b: int(b.rsplit(".", 1)[1]))


# ------------------------------------------------------------ the libraries write these names

TABLE = {row[1]: row for row in ROWS}


def test_tf1_name_scopes_write_the_table_names():
    """The classic name-scope patterns, built with TensorFlow's v1 API: the op names are the tags."""
    import tensorflow as tf

    v1 = tf.compat.v1
    with tf.Graph().as_default():
        x = v1.placeholder(tf.float32, [None, 3])
        with tf.name_scope("layer1"):
            with tf.name_scope("weights"):
                w = tf.Variable(tf.zeros([3, 2]), name="W")
                ops = [v1.summary.histogram("layer1/weights", w)]
            with tf.name_scope("biases"):
                b = tf.Variable(tf.zeros([2]), name="b")
                ops.append(v1.summary.histogram("layer1/biases", b))
            ops.append(v1.summary.histogram("layer1/outputs", tf.matmul(x, w) + b))
        with tf.name_scope("layer2"):
            for scope in ("weights", "biases"):
                with tf.name_scope(scope), tf.name_scope("summaries"):
                    ops.append(v1.summary.histogram("histogram", w))
            with tf.name_scope("Wx_plus_b"):
                ops.append(v1.summary.histogram("pre_activations", x))
            ops.append(v1.summary.histogram("activations", x))
        ops.append(v1.summary.histogram("dense/kernel:0", w))  # a variable's name: ':' becomes '_'
        tags = [op.op.name for op in ops]
    assert all(TABLE[tag][0] == "tf1" for tag in tags), tags
    names, _, infos = run(tags)
    assert names == ["layer1", "layer2", "dense"]
    assert infos["layer2/Wx_plus_b/pre_activations"].layer == "layer2"


def test_keras3_callback_names_group():
    """Keras 3's callback logs ``weight.path`` + ``/histogram`` (keras/src/callbacks/tensorboard.py)."""
    import keras

    keras.backend.clear_session()
    model = keras.Sequential([keras.Input((5, 8)), keras.layers.LSTM(4), keras.layers.BatchNormalization(),
                              keras.layers.Dense(3), keras.layers.LayerNormalization()])
    tags = ["%s/histogram" % w.path.replace(":", "_") for layer in model.layers for w in layer.weights]
    assert {"sequential/lstm/lstm_cell/recurrent_kernel/histogram",
            "sequential/batch_normalization/moving_variance/histogram",
            "sequential/layer_normalization/gamma/histogram"} <= set(tags) & set(TABLE)
    names, blocks, infos = run(tags)
    assert names == ["lstm", "batch_normalization", "dense", "layer_normalization"]
    assert blocks == [None] * 4
    assert [t for t in tags if infos[t].norm] == [t for t in tags if "normalization" in t]


def test_torch_named_parameters_group():
    import torch

    model = torch.nn.Sequential()
    model.add_module("conv1", torch.nn.Conv2d(3, 4, 3))
    model.add_module("bn1", torch.nn.BatchNorm2d(4))
    model.add_module("encoder", torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(8, 2, 16), 3,
                                                            enable_nested_tensor=False))
    model.add_module("lstm", torch.nn.LSTM(8, 4, num_layers=2))
    model.add_module("fc", torch.nn.Linear(4, 1))
    tags = list(model.state_dict())
    names, blocks, infos = run(tags)
    per_block = ["self_attn", "self_attn.out_proj", "linear1", "linear2", "norm1", "norm2"]
    encoder = ["encoder.layers.%d.%s" % (i, s) for i in range(3) for s in per_block]
    assert names == ["conv1", "bn1"] + encoder + ["lstm", "fc"]
    assert blocks == [None, None] + ["encoder.layers.%d" % i for i in range(3) for _ in per_block] + [None, None]
    assert infos["encoder.layers.1.self_attn.in_proj_weight"].param_name == "in_proj_weight"
    assert infos["lstm.weight_hh_l1"].param == "weights" and infos["lstm.bias_ih_l0"].param == "bias"
    assert sorted(t for t in tags if infos[t].norm) == sorted(
        t for t in tags if t.startswith("bn1.") or ".norm" in t)
    assert layers.ungrouped(infos) == []
