"""Tag naming conventions of real writers and common code → layers and roles."""

import pytest

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
        "activation": "activations/model/dense"}}
    assert infos["stray"].layer == "" and infos["stray"].role == "other"
