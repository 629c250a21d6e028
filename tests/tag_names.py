"""Histogram tag names as real writers and common training code write them.

Each row: (writer, tag, layer, role, param, param_name, norm), where ``layer``
is what ``layers.parse_tag`` reads from the tag alone (before a run's common
prefix is dropped; ``""`` = ungrouped).  Sources of each form:

* keras2: tf.keras ``TensorBoard`` callback (TF 2.x) logs
  ``weight.name.replace(":", "_") + "/histogram"``; TF 2.0-2.3 wrote it without
  the suffix; the TF1-era callback wrote ``<weight>_grad`` and ``<layer>_out``.
* keras3: Keras 3's callback logs ``weight.path + "/histogram"`` (paths as
  printed by keras 3.15 for these layers).
* tf1: ``tf.compat.v1.summary.histogram`` inside name scopes (tags printed by
  TF 2.21's v1 API): the classic ``layer_name + "/weights"`` inside the
  ``layer_name`` and ``weights`` scopes, mnist_with_summaries'
  ``summaries/histogram``, cifar10's ``var.op.name + "/gradients"``.
* tf2: ``tf.summary.histogram`` in a GradientTape loop: ``var.name`` keeps its
  ``:0``; ``name_scope("layer1")`` + ``"weights"``; tests/writers.py's forms.
* slim: TF-slim ``variable.op.name`` and ``"activations/" + end_point``.
* flax: ``flax.traverse_util.flatten_dict(variables, sep="/")`` of linen
  auto-named modules; haiku: its ``module/~/submodule`` names, ``w``/``b``.
* torch: ``named_parameters()`` / ``state_dict()`` names (printed by torch 2.13
  for these modules), and the usual gradient tags.
* lightning: the LightningModule ``on_after_backward`` example
  (``name``, ``f"{name}_grad"``), modules under ``self.model``/``self.encoder``.
* hf / timm: Hugging Face and timm parameter names (BERT, GPT-2, Llama, ViT,
  EfficientNet).
* tbx: tensorboardX's demo (resnet18 ``named_parameters``); ignite's
  ``WeightsHistHandler``/``GradsHistHandler`` (``weights/`` and ``grads/`` +
  name with dots as slashes); chainer links (``predictor/l1/W``).
* seed: hand-written loops: ``layer_{i}_weights``, ``W1``/``b1``, ``dW1``,
  Caffe2-style ``fc1_w``/``fc1_b``, ``conv1_W``, MXNet Gluon ``dense0_weight``.
"""

W, B, G, A, O = "weights", "bias", "gradient", "activation", "other"

ROWS = [
    # writer, tag, layer, role, param, param_name, norm
    ("keras2", "dense/kernel_0/histogram", "dense", W, W, "kernel", False),
    ("keras2", "dense/bias_0/histogram", "dense", B, B, "bias", False),
    ("keras2", "dense_1/kernel_0/histogram", "dense_1", W, W, "kernel", False),
    ("keras2", "batch_normalization/gamma_0/histogram", "batch_normalization", W, W, "gamma", True),
    ("keras2", "batch_normalization/beta_0/histogram", "batch_normalization", B, B, "beta", True),
    ("keras2", "batch_normalization/moving_mean_0/histogram", "batch_normalization", O, O, "moving_mean", True),
    ("keras2", "batch_normalization/moving_variance_0/histogram", "batch_normalization", O, O, "moving_variance",
     True),
    ("keras2", "lstm/lstm_cell/kernel_0/histogram", "lstm", W, W, "kernel", False),
    ("keras2", "lstm/lstm_cell/recurrent_kernel_0/histogram", "lstm", W, W, "recurrent_kernel", False),
    ("keras2", "lstm_1/lstm_cell_1/bias_0/histogram", "lstm_1", B, B, "bias", False),
    ("keras2", "embedding/embeddings_0/histogram", "embedding", W, W, "embeddings", False),
    ("keras2", "conv2d/kernel_0", "conv2d", W, W, "kernel", False),
    ("keras2", "dense_1/kernel_0_grad", "dense_1", G, W, "kernel", False),
    ("keras2", "dense_1/bias_0_grad", "dense_1", G, B, "bias", False),
    ("keras2", "dense_1_out", "dense_1", A, "", "", False),
    ("keras2", "block1_conv1/kernel_0/histogram", "block1_conv1", W, W, "kernel", False),
    ("keras3", "sequential/dense/kernel/histogram", "sequential/dense", W, W, "kernel", False),
    ("keras3", "sequential/dense_1/bias/histogram", "sequential/dense_1", B, B, "bias", False),
    ("keras3", "sequential/batch_normalization/moving_variance/histogram", "sequential/batch_normalization", O, O,
     "moving_variance", True),
    ("keras3", "sequential/layer_normalization/gamma/histogram", "sequential/layer_normalization", W, W, "gamma", True),
    ("keras3", "sequential/lstm/lstm_cell/recurrent_kernel/histogram", "sequential/lstm", W, W, "recurrent_kernel",
     False),
    ("keras3", "gru/gru_cell/bias/histogram", "gru", B, B, "bias", False),
    ("keras3", "separable_conv2d/depthwise_kernel/histogram", "separable_conv2d", W, W, "depthwise_kernel", False),
    ("keras3", "bidirectional/forward_lstm_1/lstm_cell/kernel/histogram", "bidirectional/forward_lstm_1", W, W,
     "kernel", False),
    ("keras3", "multi_head_attention/attention_output/kernel/histogram", "multi_head_attention/attention_output", W,
     W, "kernel", False),
    ("keras3", "embedding/embeddings/histogram", "embedding", W, W, "embeddings", False),
    ("keras3", "conv2_block1_1_bn/gamma/histogram", "conv2_block1_1_bn", W, W, "gamma", True),
    ("tf1", "layer1/weights/layer1/weights", "layer1", W, W, "weights", False),
    ("tf1", "layer1/biases/layer1/biases", "layer1", B, B, "biases", False),
    ("tf1", "layer1/layer1/outputs", "layer1", A, "", "", False),
    ("tf1", "layer2/weights/summaries/histogram", "layer2", W, W, "weights", False),
    ("tf1", "layer2/biases/summaries/histogram", "layer2", B, B, "biases", False),
    ("tf1", "layer2/activations", "layer2", A, "", "", False),
    ("tf1", "layer2/Wx_plus_b/pre_activations", "layer2/Wx_plus_b", A, "", "", False),
    ("tf1", "conv1/weights/gradients", "conv1", G, W, "weights", False),
    ("tf1", "conv1/activations", "conv1", A, "", "", False),
    ("tf1", "softmax_linear/biases", "softmax_linear", B, B, "biases", False),
    ("tf1", "dense/kernel_0", "dense", W, W, "kernel", False),
    ("tf1", "gradients/dense/kernel_0", "dense", G, W, "kernel", False),
    ("tf2", "dense/kernel:0", "dense", W, W, "kernel", False),
    ("seed", "weights/layer1", "layer1", W, W, "weights", False),
    ("seed", "layer1/weights_gradient", "layer1", G, W, "weights", False),
    ("tf2", "layer1/weights", "layer1", W, W, "weights", False),
    ("tf2", "activations/dense", "dense", A, "", "", False),
    # Layers named like activation words (torch modules ``act``, ``out``).
    ("torch", "activations/act", "act", A, "", "", False),
    ("torch", "activations/out", "out", A, "", "", False),
    ("tf2", "output/activations", "output", A, "", "", False),
    ("tf2", "dense/kernel/grad", "dense", G, W, "kernel", False),
    ("slim", "conv1/weights", "conv1", W, W, "weights", False),
    ("slim", "conv1/biases", "conv1", B, B, "biases", False),
    ("slim", "InceptionV3/Conv2d_1a_3x3/weights", "InceptionV3/Conv2d_1a_3x3", W, W, "weights", False),
    ("slim", "InceptionV3/Conv2d_1a_3x3/BatchNorm/beta", "InceptionV3/Conv2d_1a_3x3/BatchNorm", B, B, "beta", True),
    ("slim", "InceptionV3/Conv2d_1a_3x3/BatchNorm/moving_mean", "InceptionV3/Conv2d_1a_3x3/BatchNorm", O, O,
     "moving_mean", True),
    ("slim", "activations/Conv2d_1a_3x3", "Conv2d_1a_3x3", A, "", "", False),
    ("slim", "vgg_16/conv1/conv1_1/weights", "vgg_16/conv1/conv1_1", W, W, "weights", False),
    ("flax", "params/Dense_0/kernel", "Dense_0", W, W, "kernel", False),
    ("flax", "params/Dense_0/bias", "Dense_0", B, B, "bias", False),
    ("flax", "params/Conv_1/kernel", "Conv_1", W, W, "kernel", False),
    ("flax", "params/BatchNorm_0/scale", "BatchNorm_0", W, W, "scale", True),
    ("flax", "params/BatchNorm_0/bias", "BatchNorm_0", B, B, "bias", True),
    ("flax", "batch_stats/BatchNorm_0/mean", "BatchNorm_0", O, O, "mean", True),
    ("flax", "batch_stats/BatchNorm_0/var", "BatchNorm_0", O, O, "var", True),
    ("flax", "params/LayerNorm_0/scale", "LayerNorm_0", W, W, "scale", True),
    ("flax", "params/Embed_0/embedding", "Embed_0", W, W, "embedding", False),
    ("flax", "params/encoder/encoderblock_0/SelfAttention_0/out/kernel", "encoder/encoderblock_0/SelfAttention_0/out",
     W, W, "kernel", False),
    ("haiku", "mlp/~/linear_0/w", "mlp/linear_0", W, W, "w", False),
    ("haiku", "mlp/~/linear_0/b", "mlp/linear_0", B, B, "b", False),
    ("haiku", "batch_norm/offset", "batch_norm", B, B, "offset", True),
    ("haiku", "layer_norm/scale", "layer_norm", W, W, "scale", True),
    ("torch", "fc1.weight", "fc1", W, W, "weight", False),
    ("torch", "fc1.bias", "fc1", B, B, "bias", False),
    ("torch", "fc1.weight.grad", "fc1", G, W, "weight", False),
    ("torch", "fc1/weight/grad", "fc1", G, W, "weight", False),
    ("torch", "bn1.weight", "bn1", W, W, "weight", True),
    ("torch", "bn1.running_mean", "bn1", O, O, "running_mean", True),
    ("torch", "bn1.num_batches_tracked", "bn1", O, O, "num_batches_tracked", True),
    ("torch", "lstm.weight_ih_l0", "lstm", W, W, "weight_ih_l0", False),
    ("torch", "lstm.bias_hh_l1", "lstm", B, B, "bias_hh_l1", False),
    ("torch", "self_attn.in_proj_weight", "self_attn", W, W, "in_proj_weight", False),
    ("torch", "self_attn.out_proj.weight", "self_attn.out_proj", W, W, "weight", False),
    ("torch", "norm1.bias", "norm1", B, B, "bias", True),
    ("torch", "0.weight", "0", W, W, "weight", False),
    ("torch", "fc.weight_g", "fc", W, W, "weight_g", False),
    ("torch", "module.fc1.weight", "module.fc1", W, W, "weight", False),
    ("lightning", "layer_1.weight", "layer_1", W, W, "weight", False),
    ("lightning", "layer_1.weight_grad", "layer_1", G, W, "weight", False),
    ("lightning", "model.layer1.0.conv1.weight", "model.layer1.0.conv1", W, W, "weight", False),
    ("lightning", "encoder.0.bias", "encoder.0", B, B, "bias", False),
    ("hf", "bert.embeddings.word_embeddings.weight", "bert.embeddings.word_embeddings", W, W, "weight", False),
    ("hf", "bert.embeddings.LayerNorm.weight", "bert.embeddings.LayerNorm", W, W, "weight", True),
    ("hf", "bert.encoder.layer.0.attention.self.query.weight", "bert.encoder.layer.0.attention.self.query", W, W,
     "weight", False),
    ("hf", "bert.encoder.layer.0.attention.output.dense.bias", "bert.encoder.layer.0.attention.output.dense", B, B,
     "bias", False),
    ("hf", "bert.encoder.layer.11.output.LayerNorm.bias", "bert.encoder.layer.11.output.LayerNorm", B, B, "bias",
     True),
    ("hf", "bert.pooler.dense.weight", "bert.pooler.dense", W, W, "weight", False),
    ("hf", "classifier.weight", "classifier", W, W, "weight", False),
    ("hf", "transformer.h.0.ln_1.weight", "transformer.h.0.ln_1", W, W, "weight", True),
    ("hf", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.attn.c_attn", W, W, "weight", False),
    ("hf", "transformer.ln_f.bias", "transformer.ln_f", B, B, "bias", True),
    ("hf", "model.layers.0.input_layernorm.weight", "model.layers.0.input_layernorm", W, W, "weight", True),
    ("hf", "model.layers.0.self_attn.q_proj.weight", "model.layers.0.self_attn.q_proj", W, W, "weight", False),
    ("timm", "blocks.0.attn.qkv.weight", "blocks.0.attn.qkv", W, W, "weight", False),
    ("timm", "blocks.0.norm1.weight", "blocks.0.norm1", W, W, "weight", True),
    ("timm", "blocks.0.mlp.fc1.bias", "blocks.0.mlp.fc1", B, B, "bias", False),
    ("timm", "patch_embed.proj.weight", "patch_embed.proj", W, W, "weight", False),
    ("timm", "blocks.0.0.conv_dw.weight", "blocks.0.0.conv_dw", W, W, "weight", False),
    ("timm", "blocks.0.0.bn1.bias", "blocks.0.0.bn1", B, B, "bias", True),
    ("timm", "cls_token", "", O, "", "", False),
    ("timm", "pos_embed", "", O, "", "", False),
    ("tbx", "layer2.0.downsample.0.weight", "layer2.0.downsample.0", W, W, "weight", False),
    ("tbx", "grad/fc1.weight", "fc1", G, W, "weight", False),
    ("tbx", "weights/fc1/weight", "fc1", W, W, "weight", False),
    ("tbx", "grads/fc1/bias", "fc1", G, B, "bias", False),
    ("tbx", "predictor/l1/W", "predictor/l1", W, W, "W", False),
    ("tbx", "predictor/l1/b", "predictor/l1", B, B, "b", False),
    ("seed", "layer_3_weights", "layer_3", W, W, "weights", False),
    ("seed", "layer_3_biases", "layer_3", B, B, "biases", False),
    ("seed", "layer_3_gradients", "layer_3", G, W, "", False),
    ("seed", "dense/kernel_grad", "dense", G, W, "kernel", False),
    ("seed", "W1", "1", W, W, "W", False),
    ("seed", "b1", "1", B, B, "b", False),
    ("seed", "dW2", "2", G, W, "W", False),
    ("seed", "fc1_w", "fc1", W, W, "w", False),
    ("seed", "fc1_b", "fc1", B, B, "b", False),
    ("seed", "conv1_W", "conv1", W, W, "W", False),
    ("seed", "dense0_weight", "dense0", W, W, "weight", False),
    ("seed", "batchnorm0_running_mean", "batchnorm0", O, O, "running_mean", True),
    ("seed", "fc1/relu/activations", "fc1/relu", A, "", "", False),
    ("seed", "loss_distribution", "", O, "", "", False),
    ("seed", "weights", "", O, "", "", False),
    ("seed", "kernel/histogram", "", O, "", "", False),
]
