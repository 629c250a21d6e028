"""No false alarm on varied healthy training, and an alarm on each one's broken twin.

Real, tiny trainings beyond the demo's healthy runs: a PyTorch MLP with SGD and
momentum, an embedding model with sparse gradients, a Keras CNN with
BatchNorm under the stock callback and GradientHistograms, a Glorot tanh MLP.
Each is healthy by construction (sensible initialisation and learning rate);
gradients growing as a model leaves its initial plateau, or an output layer
growing a few times over on separable data, may be noted as ``info`` only.

Silence proves nothing by itself, so each test first checks that the layers
and gradient tags were recognised, and each training has a broken twin, the
same code with one fault (a learning rate far too large, dead ReLU units, a
saturating initialisation), which must raise its marker.
"""

import os

import numpy as np
import pytest

import tb_histdiag_plugin
from tb_histdiag_plugin.result import SEVERITY_RANK

pytestmark = pytest.mark.slow

# Epochs of the Keras trainings: each logs once per epoch.
CNN_EPOCHS = 8
TANH_EPOCHS = 10

# run -> its layers with weights the diagnosis must find, in depth order, and whether it logs gradients.
HEALTHY = {
    "torch_sgd_momentum": (["0", "2", "4"], True),
    "torch_embedding": (["emb", "fc1", "out"], True),
    "keras_cnn/train": (["conv2d", "batch_normalization", "conv2d_1", "dense", "dense_1"], False),
    "keras_cnn/gradients": (["conv2d", "batch_normalization", "conv2d_1", "dense", "dense_1"], True),
    "keras_tanh/gradients": (["dense", "dense_1", "dense_2"], True),
}
# broken twin -> (marker kinds, one of which must be raised at warning or worse, on one of these layers)
BROKEN = {
    # A learning rate 100 times too large throws the ReLU units past the point of no return: they die.
    "torch_sgd_momentum_broken": ({"dead_units"}, {"1", "3"}),
    "torch_embedding_broken": ({"dead_units"}, {"act"}),
    "keras_cnn_broken/train": ({"stagnant_weights"}, {"dense"}),
    "keras_cnn_broken/gradients": ({"dead_units"}, {"dense"}),
    "keras_tanh_broken/gradients": ({"saturation"}, {"dense", "dense_1"}),
}


def train_torch(logdir, broken):
    import torch
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    from tb_histdiag_plugin.torch import HistogramLogger

    suffix = "_broken" if broken else ""
    torch.manual_seed(0)
    torch.set_num_threads(1)
    bce = nn.functional.binary_cross_entropy_with_logits

    x = torch.randn(512, 20)
    y = (x @ torch.randn(20, 1) > 0).float()
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    # Broken: a learning rate a hundred times too large.
    opt = torch.optim.SGD(model.parameters(), lr=5.0 if broken else 0.05, momentum=0.9)
    logger = HistogramLogger(SummaryWriter(os.path.join(logdir, "torch_sgd_momentum" + suffix)), model,
                             every_n_steps=10)
    for step in range(400):
        idx = torch.randint(0, 512, (64,))
        opt.zero_grad()
        bce(model(x[idx]), y[idx]).backward()
        logger.step(step)
        opt.step()
    logger.remove()

    vocab = 2000
    tokens = torch.randint(0, vocab, (1024, 12))
    labels = (tokens % 7 == 0).float().mean(1, keepdim=True).gt(0.1).float()

    class Bag(nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = nn.EmbeddingBag(vocab, 32)
            self.fc1 = nn.Linear(32, 32)
            self.act = nn.ReLU()
            self.out = nn.Linear(32, 1)

        def forward(self, t):
            return self.out(self.act(self.fc1(self.emb(t))))

    model = Bag()
    if broken:  # a bias far below anything the inputs reach: every ReLU unit dead
        with torch.no_grad():
            model.fc1.bias.fill_(-20.0)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    logger = HistogramLogger(SummaryWriter(os.path.join(logdir, "torch_embedding" + suffix)), model,
                             every_n_steps=10)
    for step in range(300):
        idx = torch.randint(0, 1024, (32,))
        opt.zero_grad()
        bce(model(tokens[idx]), labels[idx]).backward()
        logger.step(step)
        opt.step()
    logger.remove()


def train_keras(logdir, broken):
    import keras

    from tb_histdiag_plugin.keras import GradientHistograms

    suffix = "_broken" if broken else ""
    keras.backend.clear_session()  # stock layer names (dense, dense_1) for both twins
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 16, 16, 1)).astype("float32")
    y = (x[:, :8].mean(axis=(1, 2, 3)) > x[:, 8:].mean(axis=(1, 2, 3))).astype("float32")
    # Broken: the hidden dense layer's bias far below its inputs: every unit dead, its weights never move.
    dense_bias = keras.initializers.Constant(-50.0) if broken else "zeros"
    cnn = keras.Sequential([
        keras.Input((16, 16, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(16, activation="relu", bias_initializer=dense_bias),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    cnn.compile("adam", "binary_crossentropy")
    run = os.path.join(logdir, "keras_cnn" + suffix)
    cnn.fit(x, y, epochs=CNN_EPOCHS, batch_size=64, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(run, histogram_freq=1),
        GradientHistograms(run, sample_batch=(x[:128], y[:128]))])

    keras.backend.clear_session()
    x = rng.normal(size=(512, 20)).astype("float32")
    y = x[:, :3].sum(1, keepdims=True).astype("float32")
    # Broken: weights of standard deviation 5, so the tanh units sit at -1 or +1.
    init = keras.initializers.RandomNormal(stddev=5.0, seed=0) if broken else "glorot_uniform"
    mlp = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="tanh", kernel_initializer=init),
                            keras.layers.Dense(64, activation="tanh", kernel_initializer=init), keras.layers.Dense(1)])
    mlp.compile(keras.optimizers.SGD(0.01), "mse")
    mlp.fit(x, y, epochs=TANH_EPOCHS, batch_size=32, verbose=0,
            callbacks=[GradientHistograms(os.path.join(logdir, "keras_tanh" + suffix),
                                          sample_batch=(x[:128], y[:128]))])


@pytest.fixture(scope="module")
def diagnosed(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("healthy"))
    for broken in (False, True):
        train_torch(logdir, broken)
        train_keras(logdir, broken)
    doc = tb_histdiag_plugin.diagnose(logdir)
    assert set(doc["runs"]) == set(HEALTHY) | set(BROKEN)
    return doc["runs"]


def serious(doc):
    return [(m["kind"], m["layer"], m["severity"], m["evidence"]) for m in doc["markers"]
            if SEVERITY_RANK[m["severity"]] >= SEVERITY_RANK["warning"]]


@pytest.mark.parametrize("run", sorted(HEALTHY))
def test_healthy_training_is_read_and_raises_no_warning(diagnosed, run):
    doc = diagnosed[run]
    layers, with_gradients = HEALTHY[run]
    weighted = {s["layer"] for s in doc["series"] if s["role"] == "weights"}
    assert [layer["name"] for layer in doc["layers"] if layer["name"] in weighted] == layers
    gradients = {s["layer"] for s in doc["series"] if s["role"] == "gradient"}
    if with_gradients:  # every layer with weights has its gradient recognised as such
        assert gradients == weighted, (weighted, gradients)
    else:
        assert not gradients
    assert not serious(doc)


@pytest.mark.parametrize("run", sorted(BROKEN))
def test_broken_twin_alarms(diagnosed, run):
    kinds, layers = BROKEN[run]
    alarms = serious(diagnosed[run])
    assert any(kind in kinds and layer in layers for kind, layer, _, _ in alarms), alarms
