"""Logs written by the real writers, with the exact tensors each one logged.

Every function trains or evaluates something tiny, writes histogram summaries
with one real writer (TF2 ``tf.summary``, Keras 3's ``TensorBoard`` callback,
TF1 graph-mode ``tf.compat.v1.summary.histogram``, PyTorch's ``SummaryWriter``,
tensorboardX) and returns ``{tag: {step: exact ndarray}}`` so tests can hold
the served statistics to the numbers of the very tensors that were logged.
"""

import os

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _record(exact, tag, step, value):
    exact.setdefault(tag, {})[int(step)] = np.asarray(value, dtype=np.float64).ravel()


def write_tf2(logdir, steps=6):
    """A GradientTape loop logging weights, biases, gradients and activations."""
    import tensorflow as tf

    tf.random.set_seed(1)
    rng = np.random.default_rng(1)
    x = rng.normal(size=(64, 8)).astype("float32")
    y = (x[:, :1] * 2 - x[:, 1:2]).astype("float32")
    model = tf.keras.Sequential([
        tf.keras.Input((8,)),
        tf.keras.layers.Dense(16, activation="relu", name="dense"),
        tf.keras.layers.Dense(16, activation="tanh", name="dense_1"),
        tf.keras.layers.Dense(1, name="dense_2"),
    ])
    opt = tf.keras.optimizers.SGD(0.05)
    writer = tf.summary.create_file_writer(os.path.join(logdir, "tf2"))
    exact = {}
    with writer.as_default():
        for step in range(steps):
            with tf.GradientTape() as tape:
                h = x
                acts = []
                for layer in model.layers:
                    h = layer(h)
                    acts.append(h)
                loss = tf.reduce_mean((h - y) ** 2)
            grads = tape.gradient(loss, model.trainable_variables)
            for layer, act in zip(model.layers, acts):
                tag = "activations/%s" % layer.name
                tf.summary.histogram(tag, act, step=step)
                _record(exact, tag, step, act.numpy())
            for var, grad in zip(model.trainable_variables, grads):
                name = "%s/%s" % (var.path.split("/")[-2], var.path.split("/")[-1])
                tf.summary.histogram(name, var, step=step)
                tf.summary.histogram(name + "/grad", grad, step=step)
                _record(exact, name, step, var.numpy())
                _record(exact, name + "/grad", step, grad.numpy())
            opt.apply_gradients(zip(grads, model.trainable_variables))
    writer.close()
    return exact


def write_keras(logdir, epochs=3):
    """Keras 3's stock TensorBoard callback with histogram_freq=1 (weights only)."""
    import keras

    # Keras names layers from a process-wide counter: start it afresh so the
    # stock names (dense, dense_1, dense_2) do not depend on earlier tests.
    keras.backend.clear_session()
    keras.utils.set_random_seed(2)
    rng = np.random.default_rng(2)
    x = rng.normal(size=(128, 6)).astype("float32")
    y = (x.sum(axis=1, keepdims=True) > 0).astype("float32")
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(12, activation="relu"),
        keras.layers.Dense(12, activation="relu"),
        keras.layers.Dense(1, activation="sigmoid"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    exact = {}

    class Capture(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            for w in self.model.weights:
                _record(exact, w.path + "/histogram", epoch, keras.ops.convert_to_numpy(w))

    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0,
              callbacks=[Capture(), keras.callbacks.TensorBoard(os.path.join(logdir, "keras"), histogram_freq=1)])
    return exact


def write_tf1(logdir, steps=4):
    """TF1 graph-mode histogram ops (C++ HistogramProto with exponential buckets)."""
    import tensorflow as tf

    v1 = tf.compat.v1
    rng = np.random.default_rng(3)
    exact = {}
    graph = tf.Graph()
    with graph.as_default():
        feeds = {name: v1.placeholder(tf.float32, shape=[None]) for name in
                 ("layer1/weights", "layer1/gradients", "layer2/weights", "layer2/gradients")}
        summaries = v1.summary.merge([v1.summary.histogram(name, ph) for name, ph in feeds.items()])
        writer = v1.summary.FileWriter(os.path.join(logdir, "tf1"), graph=None)
        with v1.Session(graph=graph) as sess:
            for step in range(steps):
                values = {
                    "layer1/weights": rng.normal(0, 0.5, 300),
                    "layer1/gradients": rng.normal(0, 1e-3, 300),
                    "layer2/weights": rng.uniform(-1, 1, 200),
                    "layer2/gradients": rng.normal(0.01, 0.02, 200),
                }
                feed = {feeds[k]: v.astype(np.float32) for k, v in values.items()}
                writer.add_summary(sess.run(summaries, feed_dict=feed), step)
                for k, v in values.items():
                    _record(exact, k, step, v.astype(np.float32))
        writer.close()
    return exact


def write_torch_like(logdir, run, writer_cls, tag_style, steps=5):
    """A real PyTorch loop logging parameters and their .grad with ``writer_cls``."""
    import torch

    torch.manual_seed(4)
    torch.set_num_threads(1)
    model = torch.nn.Sequential()
    model.add_module("fc1", torch.nn.Linear(10, 32))
    model.add_module("act1", torch.nn.ReLU())
    model.add_module("fc2", torch.nn.Linear(32, 16))
    model.add_module("act2", torch.nn.ReLU())
    model.add_module("fc3", torch.nn.Linear(16, 1))
    opt = torch.optim.SGD(model.parameters(), lr=0.05)
    gen = torch.Generator().manual_seed(5)
    x = torch.randn(64, 10, generator=gen)
    y = x[:, :1] * 3
    writer = writer_cls(os.path.join(logdir, run))
    exact = {}
    for step in range(steps):
        opt.zero_grad()
        loss = ((model(x) - y) ** 2).mean()
        loss.backward()
        for name, p in model.named_parameters():
            grad_tag = tag_style(name)
            writer.add_histogram(name, p.detach().numpy(), step)
            writer.add_histogram(grad_tag, p.grad.numpy(), step)
            _record(exact, name, step, p.detach().numpy().copy())
            _record(exact, grad_tag, step, p.grad.numpy().copy())
        opt.step()
    writer.close()
    return exact


def write_torch(logdir):
    from torch.utils.tensorboard import SummaryWriter

    return write_torch_like(logdir, "torch", SummaryWriter, lambda name: name + ".grad")


def write_tensorboardx(logdir):
    from tensorboardX import SummaryWriter

    return write_torch_like(logdir, "tbx", SummaryWriter, lambda name: "grad/" + name)


WRITERS = {
    "tf2": write_tf2,
    "keras/train": write_keras,
    "tf1": write_tf1,
    "torch": write_torch,
    "tbx": write_tensorboardx,
}


def write_all(logdir):
    """Every writer into its own run of ``logdir``: ``{run: {tag: {step: exact}}}``."""
    return {run: write(logdir) for run, write in WRITERS.items()}
