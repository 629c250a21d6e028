"""No false alarm on varied healthy training: a warning must mean something.

Real, tiny trainings beyond the demo's healthy runs: a PyTorch MLP with SGD and
momentum, an embedding model with sparse gradients, a Keras CNN with
BatchNorm under the stock callback and GradientHistograms, a Glorot tanh MLP.
Each is healthy by construction (sensible initialisation and learning rate);
gradients growing as a model leaves its initial plateau, or an output layer
growing a few times over on separable data, may be noted as ``info`` only.
"""

import os

import numpy as np
import pytest

import tb_histdiag_plugin

pytestmark = pytest.mark.slow


def train_torch(logdir):
    import torch
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    from tb_histdiag_plugin.torch import HistogramLogger

    torch.manual_seed(0)
    torch.set_num_threads(1)
    bce = nn.functional.binary_cross_entropy_with_logits

    x = torch.randn(512, 20)
    y = (x @ torch.randn(20, 1) > 0).float()
    model = nn.Sequential(nn.Linear(20, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    logger = HistogramLogger(SummaryWriter(os.path.join(logdir, "torch_sgd_momentum")), model, every_n_steps=10)
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
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    logger = HistogramLogger(SummaryWriter(os.path.join(logdir, "torch_embedding")), model, every_n_steps=10)
    for step in range(300):
        idx = torch.randint(0, 1024, (32,))
        opt.zero_grad()
        bce(model(tokens[idx]), labels[idx]).backward()
        logger.step(step)
        opt.step()
    logger.remove()


def train_keras(logdir):
    import keras

    from tb_histdiag_plugin.keras import GradientHistograms

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    x = rng.normal(size=(512, 16, 16, 1)).astype("float32")
    y = (x[:, :8].mean(axis=(1, 2, 3)) > x[:, 8:].mean(axis=(1, 2, 3))).astype("float32")
    cnn = keras.Sequential([
        keras.Input((16, 16, 1)),
        keras.layers.Conv2D(8, 3, activation="relu"),
        keras.layers.BatchNormalization(),
        keras.layers.MaxPooling2D(),
        keras.layers.Conv2D(16, 3, activation="relu"),
        keras.layers.GlobalAveragePooling2D(),
        keras.layers.Dense(16, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    cnn.compile("adam", "binary_crossentropy")
    cnn.fit(x, y, epochs=15, batch_size=64, verbose=0, callbacks=[
        keras.callbacks.TensorBoard(os.path.join(logdir, "keras_cnn"), histogram_freq=1),
        GradientHistograms(os.path.join(logdir, "keras_cnn"), sample_batch=(x[:128], y[:128]))])

    x = rng.normal(size=(512, 20)).astype("float32")
    y = x[:, :3].sum(1, keepdims=True).astype("float32")
    mlp = keras.Sequential([keras.Input((20,)), keras.layers.Dense(64, activation="tanh"),
                            keras.layers.Dense(64, activation="tanh"), keras.layers.Dense(1)])
    mlp.compile(keras.optimizers.SGD(0.01), "mse")
    mlp.fit(x, y, epochs=20, batch_size=32, verbose=0,
            callbacks=[GradientHistograms(os.path.join(logdir, "keras_tanh"), sample_batch=(x[:128], y[:128]))])


@pytest.fixture(scope="module")
def healthy_logs(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("healthy"))
    train_torch(logdir)
    train_keras(logdir)
    return logdir


def test_healthy_trainings_raise_no_warning(healthy_logs):
    doc = tb_histdiag_plugin.diagnose(healthy_logs)
    assert set(doc["runs"]) == {"torch_sgd_momentum", "torch_embedding", "keras_cnn/train", "keras_cnn/gradients",
                                "keras_tanh/gradients"}
    alarms = {run: [(m["kind"], m["tag"], m["evidence"]) for m in d["markers"] if m["severity"] != "info"]
              for run, d in doc["runs"].items()}
    assert not any(alarms.values()), alarms
