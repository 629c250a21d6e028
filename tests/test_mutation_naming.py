"""Reading a tag's layer, role and parameter from its name (``naming.py``), form by form.

Added for mutation testing (tests/mutation/): test_layers.py checks the table of real
writers' names (tests/tag_names.py) and whole runs; these pin down the steps of the
reading one at a time (noise words at either level, doubled TF1 scopes, glued and compact
parameter words, RNN cells) with names where that step decides the answer.  Every expected
reading follows from the conventions in naming.py's docstring, worked out by hand.

``naming._parse`` caches its answers (a sweep's runs share their tags); each test here
starts from an empty cache so the reading is really done, not looked up.
"""

import pytest
from tag_names import ROWS

from tb_histdiag_plugin import naming

W, B, G, A, O = "weights", "bias", "gradient", "activation", "other"
NONE = ("", O, "", "", False)


@pytest.fixture(autouse=True)
def uncached():
    naming._parse.cache_clear()
    naming.is_norm_name.cache_clear()
    yield


def read(tag):
    info = naming.parse_tag(tag)
    assert info.tag == tag
    return info.layer, info.role, info.param, info.param_name, info.norm


@pytest.mark.parametrize("writer,tag,layer,role,param,param_name,norm", ROWS, ids=[r[1] for r in ROWS])
def test_table_read_afresh(writer, tag, layer, role, param, param_name, norm):
    assert read(tag) == (layer, role, param, param_name, norm)


# ------------------------------------------------------------ noise words

def test_noise_after_the_only_scope_goes():
    """``histogram`` after a single component goes, whether cut off by ``/`` or by ``.``."""
    assert read("W1/histogram") == ("1", W, W, "W", False)
    assert read("W1.histogram") == ("1", W, W, "W", False)
    assert read("layer_3_weights/summaries") == ("layer_3", W, W, "weights", False)
    assert read("fc1.weight.histogram") == ("fc1", W, W, "weight", False)
    assert read("fc1.weight/Histogram") == ("fc1", W, W, "weight", False)


def test_a_tag_of_noise_alone_names_nothing():
    assert read("histogram") == NONE
    assert read("summaries/histogram") == NONE
    assert read("values.histogram") == NONE


def test_empty_components_and_output_indices_go():
    assert read("dense//kernel") == ("dense", W, W, "kernel", False)
    assert read("dense/kernel:0") == ("dense", W, W, "kernel", False)
    assert read("dense/bias:12") == ("dense", B, B, "bias", False)
    assert read("mlp/~/linear_1/b") == ("mlp/linear_1", B, B, "b", False)


def test_slash_and_dot_components_join_with_their_own_separator():
    assert read("generator/fc1.weight") == ("generator/fc1", W, W, "weight", False)
    assert read("discriminator/block.0.conv.bias") == ("discriminator/block.0.conv", B, B, "bias", False)


# ------------------------------------------------------------ doubled TF1 scopes

def test_doubled_scopes_go_at_any_depth():
    assert read("W1/W1") == ("1", W, W, "W", False)
    assert read("model/layer1/layer1/outputs") == ("model/layer1", A, "", "", False)
    assert read("model/layer1/weights/layer1/weights") == ("model/layer1", W, W, "weights", False)
    # Two doubled scopes: both go (the second only after the first).
    assert read("encoder/encoder/dense/dense/kernel") == ("encoder/dense", W, W, "kernel", False)


def test_repeated_indices_are_not_doubled_scopes():
    """``blocks/0/0`` is block 0's sub-block 0, not a scope written twice."""
    assert read("blocks/0/0/kernel") == ("blocks/0/0", W, W, "kernel", False)
    assert read("stage/1/1/1/bias") == ("stage/1/1/1", B, B, "bias", False)


# ------------------------------------------------------------ glued and compact parameter words

def test_compact_word_before_an_underscore_names_the_layer_after_it():
    assert read("W_hidden") == ("hidden", W, W, "W", False)
    assert read("b_out") == ("out", B, B, "b", False)
    assert read("biases_out") == ("out", B, B, "biases", False)
    assert read("weights_layer2") == ("layer2", W, W, "weights", False)


def test_two_parameter_words_glued_name_no_layer():
    assert read("weights_scale") == NONE
    assert read("W_offset") == NONE


def test_compact_gradient_word():
    assert read("dW1") == ("1", G, W, "W", False)
    assert read("db3") == ("3", G, B, "b", False)
    assert read("W12") == ("12", W, W, "W", False)


def test_glued_suffix_is_a_parameter_not_a_gradient():
    assert read("conv2_bias") == ("conv2", B, B, "bias", False)
    assert read("embed_embeddings") == ("embed", W, W, "embeddings", False)
    assert read("rnn_recurrent_kernel") == ("rnn", W, W, "recurrent_kernel", False)


def test_keras2_indexed_parameter_words():
    assert read("dense_2/kernel_1") == ("dense_2", W, W, "kernel", False)
    assert read("dense_2/Bias_3") == ("dense_2", B, B, "Bias", False)
    # An index on a word that is no parameter word leaves it a layer name.
    assert read("dense_2/block_1/kernel") == ("dense_2/block_1", W, W, "kernel", False)


# ------------------------------------------------------------ RNN cells

def test_a_cell_named_after_its_layer_joins_it():
    assert read("encoder_lstm/lstm_cell_2/kernel") == ("encoder_lstm", W, W, "kernel", False)
    assert read("GRU/gru_cell/bias") == ("GRU", B, B, "bias", False)


def test_a_cell_named_otherwise_stays_in_the_layer_name():
    assert read("decoder/attention_cell/kernel") == ("decoder/attention_cell", W, W, "kernel", False)
    assert read("rnn/gru_cell/kernel") == ("rnn/gru_cell", W, W, "kernel", False)


# ------------------------------------------------------------ category words, collections, suffixes

def test_a_category_word_inside_names_the_parameter():
    """``train/weights/fc1`` is ``train/fc1``'s weights (a summary scope, then the category, then the layer)."""
    assert read("train/weights/fc1") == ("train/fc1", W, W, "weights", False)
    assert read("train/biases/fc1") == ("train/fc1", B, B, "biases", False)
    assert read("model/block/weights/fc1") == ("model/block/fc1", W, W, "weights", False)
    # Without a category word inside, a glued parameter word still names the parameter.
    assert read("encoder/block/layer_3_weights") == ("encoder/block/layer_3", W, W, "weights", False)


def test_a_collection_over_a_bare_parameter_names_no_layer():
    """Flax's ``params/scale`` (a parameter of the root module) is not a layer named ``params``."""
    assert read("params/scale") == NONE
    assert read("batch_stats/mean") == NONE


def test_flax_statistics_of_a_nested_norm_layer():
    assert read("batch_stats/encoder/BatchNorm_0/var") == ("encoder/BatchNorm_0", O, O, "var", True)


def test_gradient_suffix_after_a_glued_or_activation_word():
    assert read("layer_3_weights_grad") == ("layer_3", G, W, "weights", False)
    assert read("grads/fc1_w") == ("fc1", G, W, "w", False)
    layer, role, *_ = read("fc1/output_grad")  # the gradient at a layer's output is that layer's
    assert (layer, role) == ("fc1", G)
