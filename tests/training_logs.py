"""Real, tiny trainings that log histograms and their loss, for the run-level tests.

Each pathology has a healthy twin: the same code with one setting changed.
- ``torch_chance`` / ``torch_learns``: a 16-unit ReLU MLP on 10 Gaussian
  blobs, plain SGD at lr 1e-7 (learns nothing: the loss stays at ln 10) or Adam
  at 1e-2; ``HistogramLogger`` histograms, ``add_scalar("Loss/train")`` and
  ``("Accuracy/train")``.
- ``keras_chance`` / ``keras_learns``: the same data under Keras' stock
  ``TensorBoard(histogram_freq=1)`` callback (weights only, ``epoch_loss`` in
  ``X/train`` and validation in ``X/validation``).
- ``tape_explodes`` / ``tape_steady`` (ReLU) and ``tape_tanh_explodes`` /
  ``tape_tanh_steady``: an MLP in a ``GradientTape`` loop writing weights,
  gradients, activations, ``loss`` and ``learning_rate``; the broken ones warm
  their learning rate up by half again every step, far past the stable limit,
  until the loss (a hand-written cross entropy) and then every layer are NaN.
- ``circle_saturated`` / ``circle_learns``: AUTOTRAINER's Circle benchmark
  (``make_circles`` scaled ×100 into a stack of Dense(5) sigmoid layers) under
  the stock callback, and its twin on unscaled inputs with tanh.
"""

import math
import os

import numpy as np

CLASSES = 10
FEATURES = 8


def blobs(n=400, classes=CLASSES, features=FEATURES, seed=0):
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, size=(classes, features))
    y = rng.integers(0, classes, size=n)
    x = centres[y] + rng.normal(0, 1, size=(n, features))
    return x.astype(np.float32), y.astype(np.int64)


def circles(n=400, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, size=n)
    angle = rng.uniform(0, 2 * math.pi, size=n)
    radius = np.where(y == 1, 0.5, 1.0) + rng.normal(0, 0.05, size=n)
    x = np.stack([radius * np.cos(angle), radius * np.sin(angle)], axis=1) * scale
    return x.astype(np.float32), y.astype(np.float32)


def train_torch(logdir, run, learns, epochs=12, explodes=False):
    import torch
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    from tb_histdiag_plugin.torch import HistogramLogger

    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = blobs()
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    model = nn.Sequential(nn.Linear(FEATURES, 16), nn.ReLU(), nn.Linear(16, CLASSES))
    opt = torch.optim.Adam(model.parameters(), lr=1e-2) if learns else torch.optim.SGD(model.parameters(), lr=1e-7)
    if explodes:  # SGD whose learning rate warms up 4x per epoch from 0.01, far past the stable limit
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
    writer = SummaryWriter(os.path.join(logdir, run))
    logger = HistogramLogger(writer, model)
    for epoch in range(epochs):
        if explodes:
            for group in opt.param_groups:
                group["lr"] = 0.01 * 4.0 ** epoch
            writer.add_scalar("lr", opt.param_groups[0]["lr"], epoch)
        for i in range(0, len(x), 100):
            opt.zero_grad()
            loss = nn.functional.cross_entropy(model(x[i:i + 100]), y[i:i + 100])
            loss.backward()
            opt.step()
        with torch.no_grad():
            out = model(x)
            full = nn.functional.cross_entropy(out, y).item()
            acc = (out.argmax(1) == y).float().mean().item()
        model.zero_grad()
        nn.functional.cross_entropy(model(x), y).backward()
        logger.step(epoch)
        writer.add_scalar("Loss/train", full, epoch)
        writer.add_scalar("Accuracy/train", acc, epoch)
    writer.close()


def train_keras(logdir, run, learns, epochs=8, data="blobs"):
    import keras

    keras.utils.set_random_seed(0)
    if data == "blobs":
        x, y = blobs()
        layers = [keras.Input((FEATURES,)), keras.layers.Dense(16, activation="relu"),
                  keras.layers.Dense(CLASSES, activation="softmax")]
        loss = "sparse_categorical_crossentropy"
        opt = keras.optimizers.Adam(1e-2) if learns else keras.optimizers.SGD(1e-7)
    elif data == "explodes":  # the blobs under SGD at a learning rate far past the stable limit
        x, y = blobs()
        layers = [keras.Input((FEATURES,)), keras.layers.Dense(16, activation="relu"),
                  keras.layers.Dense(CLASSES, activation="softmax")]
        loss = "sparse_categorical_crossentropy"
        opt = keras.optimizers.SGD(5.0)
    else:  # AUTOTRAINER's Circle: Dense(5) stacks; the faulty one gets inputs x100 and sigmoid units
        x, y = circles(scale=1.0 if learns else 100.0)
        act = "tanh" if learns else "sigmoid"
        layers = [keras.Input((2,))] + [keras.layers.Dense(5, activation=act) for _ in range(3)] + [
            keras.layers.Dense(1, activation="sigmoid")]
        loss = "binary_crossentropy"
        opt = keras.optimizers.Adam(2e-2) if learns else keras.optimizers.SGD(1e-2)
    model = keras.Sequential(layers)
    model.compile(optimizer=opt, loss=loss, metrics=["accuracy"])
    callback = keras.callbacks.TensorBoard(os.path.join(logdir, run), histogram_freq=1)
    model.fit(x[:320], y[:320], validation_data=(x[320:], y[320:]), epochs=epochs, batch_size=32, verbose=0,
              callbacks=[callback])


def train_tape(logdir, run, explodes, steps=30, act="relu", lr=0.3):
    import tensorflow as tf

    tf.random.set_seed(0)
    x, y = blobs(n=200)
    x = tf.constant(x / x.std(axis=0))
    y = tf.constant(y)
    sizes = [FEATURES, 16, 16, CLASSES]
    init = tf.keras.initializers.GlorotUniform(seed=1)
    weights = [(tf.Variable(init((a, b))), tf.Variable(tf.zeros(b))) for a, b in zip(sizes[:-1], sizes[1:])]
    writer = tf.summary.create_file_writer(os.path.join(logdir, run))
    with writer.as_default():
        for step in range(steps):
            rate = 0.02 * 1.5 ** step if explodes else lr
            with tf.GradientTape() as tape:
                h = x
                acts = []
                for i, (w, b) in enumerate(weights):
                    h = tf.matmul(h, w) + b
                    if i < len(weights) - 1:
                        h = tf.tanh(h) if act == "tanh" else tf.nn.relu(h)
                        acts.append(h)
                # Cross entropy written by hand, as in many tutorials: a probability that underflows
                # to 0 gives log(0) = -inf, 0 * -inf = NaN: the explosion ends in NaN, not in a plateau.
                loss = -tf.reduce_mean(tf.reduce_sum(tf.one_hot(y, CLASSES) * tf.math.log(tf.nn.softmax(h)), axis=1))
            grads = tape.gradient(loss, [v for pair in weights for v in pair])
            if step % 2 == 0:
                for i, (w, b) in enumerate(weights):
                    tf.summary.histogram("dense_%d/kernel" % i, w, step=step)
                    tf.summary.histogram("dense_%d/bias" % i, b, step=step)
                    tf.summary.histogram("dense_%d/kernel/grad" % i, grads[2 * i], step=step)
                    if i < len(acts):
                        tf.summary.histogram("dense_%d/activations" % i, acts[i], step=step)
                tf.summary.scalar("loss", loss, step=step)
                tf.summary.scalar("learning_rate", rate, step=step)
            for v, g in zip([v for pair in weights for v in pair], grads):
                v.assign_sub(rate * g)
    writer.close()


def write_all(logdir):
    train_torch(logdir, "torch_chance", learns=False)
    train_torch(logdir, "torch_learns", learns=True)
    train_keras(logdir, "keras_chance", learns=False)
    train_keras(logdir, "keras_learns", learns=True)
    train_keras(logdir, "circle_saturated", learns=False, epochs=10, data="circles")
    train_keras(logdir, "circle_learns", learns=True, epochs=10, data="circles")
    train_torch(logdir, "torch_explodes", learns=False, explodes=True)
    train_keras(logdir, "keras_explodes", learns=False, data="explodes")
    train_tape(logdir, "tape_chance", explodes=False, lr=1e-7)
    train_tape(logdir, "tape_explodes", explodes=True)
    train_tape(logdir, "tape_steady", explodes=False)
    train_tape(logdir, "tape_tanh_explodes", explodes=True, act="tanh")
    train_tape(logdir, "tape_tanh_steady", explodes=False, act="tanh")
