"""The demo's Keras runs (``demo.py`` lists them): tiny models trained on the CPU.

Most runs log through ``tb_histdiag_plugin.keras.GradientHistograms``
(weights, gradients on a fixed batch, activations).  Two log as most people's
runs do, weights only: ``weights_only_sigmoid`` through Keras' stock
``TensorBoard(histogram_freq=1)`` callback (tags
``sequential/dense/kernel/histogram``, run ``<name>/train``) and
``seed_layer_weights`` through a ``GradientTape`` loop calling
``tf.summary.histogram("layer_{i}_weights", ...)``.

Every run also logs its training curve as Keras does: the stock
``TensorBoard`` callback writes ``epoch_loss`` and ``epoch_learning_rate`` into
the run's ``train`` subdirectory and the validation ``epoch_loss`` into
``validation``; the ``GradientTape`` loop writes ``tf.summary.scalar("epoch_loss",
...)`` beside its histograms.
"""

import os

from tb_histdiag_plugin.demo.data import regression_data, regression_split, size


def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


def _scalars(keras, run_dir):
    """Keras' stock callback for the training curve only: ``epoch_loss``, ``epoch_learning_rate`` into
    ``run_dir/train``, the validation ``epoch_loss`` into ``run_dir/validation`` (no histograms, no graph)."""
    return keras.callbacks.TensorBoard(run_dir, histogram_freq=0, write_graph=False)


def _fit(run_dir, model, x, y, epochs, batch_size, optimizer, loss="mse", every_n_batches=None, sample=64,
         validation=None):
    """``model.fit`` with GradientHistograms writing straight into ``run_dir`` (a fixed batch of ``sample``)
    and the stock callback writing the loss (on ``validation=(x, y)`` too) beside it."""
    from tb_histdiag_plugin.keras import GradientHistograms

    keras = _keras()
    model.compile(optimizer=optimizer, loss=loss)
    callback = GradientHistograms(run_dir, sample_batch=(x[:sample], y[:sample]), run=None,
                                  every_n_batches=every_n_batches)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, validation_data=validation,
              callbacks=[callback, _scalars(keras, run_dir)])
    callback.close()


def _sigmoid_stack(keras, depth=10, width=32):
    """``depth`` sigmoid layers and a linear output: each sigmoid scales the backward signal by at most 1/4."""
    layers = [keras.Input((8,))]
    for i in range(depth):
        layers.append(keras.layers.Dense(width, activation="sigmoid", name="dense" if i == 0 else "dense_%d" % i))
    layers.append(keras.layers.Dense(1, name="dense_%d" % depth))
    return keras.Sequential(layers, name="sequential")


def run_healthy(run_dir, quick):
    keras = _keras()
    n = size(quick)
    keras.utils.set_random_seed(10)
    (x, y), val = regression_split(10, n["samples"])
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(32, activation="relu", name="dense"),
        keras.layers.Dense(32, activation="relu", name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    _fit(run_dir, model, x, y, n["epochs"], 32, keras.optimizers.Adam(3e-3), validation=val)


def run_vanishing_sigmoid(run_dir, quick):
    keras = _keras()
    n = size(quick)
    keras.utils.set_random_seed(11)
    (x, y), val = regression_split(11, n["samples"])
    _fit(run_dir, _sigmoid_stack(keras), x, y, n["epochs"], 32, keras.optimizers.SGD(0.05), validation=val)


def run_weights_only_sigmoid(run_dir, quick):
    """The same deep sigmoid network and SGD, logged by the stock callback alone (weights, once per epoch)."""
    keras = _keras()
    n = size(quick)
    keras.utils.set_random_seed(11)
    (x, y), val = regression_split(11, n["samples"])
    model = _sigmoid_stack(keras)
    model.compile(optimizer=keras.optimizers.SGD(0.05), loss="mse")
    model.fit(x, y, epochs=n["epochs"], batch_size=32, shuffle=True, verbose=0, validation_data=val,
              callbacks=[keras.callbacks.TensorBoard(run_dir, histogram_freq=1, write_graph=False)])


def run_seed_layer_weights(run_dir, quick):
    """A hand-written GradientTape loop logging ``layer_{i}_weights`` / ``layer_{i}_biases`` each epoch.

    A He-initialised ReLU MLP with plain SGD: healthy, and weights only, the
    control for ``weights_only_sigmoid``.
    """
    keras = _keras()
    import tensorflow as tf

    n = size(quick)
    keras.utils.set_random_seed(16)
    (x, y), (xv, yv) = regression_split(16, n["samples"])
    layers = [keras.layers.Dense(32, activation="relu", kernel_initializer="he_normal") for _ in range(3)]
    layers.append(keras.layers.Dense(1))
    model = keras.Sequential([keras.Input((8,))] + layers)
    opt = keras.optimizers.SGD(0.02)
    writer = tf.summary.create_file_writer(run_dir)

    @tf.function
    def train_step(xb, yb):
        with tf.GradientTape() as tape:
            loss = tf.reduce_mean((model(xb, training=True) - yb) ** 2)
        opt.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
        return loss

    step = 0
    with writer.as_default():
        for _ in range(n["epochs"]):
            losses = []
            for start in range(0, len(x), 32):
                losses.append(float(train_step(x[start:start + 32], y[start:start + 32])))
                step += 1
            tf.summary.scalar("epoch_loss", sum(losses) / len(losses), step=step)
            tf.summary.scalar("epoch_val_loss", float(tf.reduce_mean((model(xv) - yv) ** 2)), step=step)
            for i, layer in enumerate(layers):
                tf.summary.histogram("layer_%d_weights" % i, layer.kernel, step=step)
                tf.summary.histogram("layer_%d_biases" % i, layer.bias, step=step)
    writer.close()


def run_exploding_lr(run_dir, quick):
    keras = _keras()
    n = size(quick)
    keras.utils.set_random_seed(12)
    x, y = regression_data(12, 128)
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(16, name="dense"),
        keras.layers.Dense(16, name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    # A linear warm-up that ramps the learning rate from 0.01 past the stable
    # limit (the loss turns up once it passes about 0.15) to 0.6; one full
    # batch per epoch, histograms logged every batch, the rate by the stock callback.
    schedule = keras.optimizers.schedules.PolynomialDecay(0.01, n["epochs"], 0.6, power=1.0)
    _fit(run_dir, model, x, y, n["epochs"], len(x), keras.optimizers.SGD(schedule), every_n_batches=1)


def run_frozen_layer(run_dir, quick):
    keras = _keras()
    n = size(quick)
    keras.utils.set_random_seed(13)
    (x, y), val = regression_split(13, n["samples"])
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(32, activation="relu", name="dense"),
        keras.layers.Dense(32, activation="relu", name="dense_1"),
        keras.layers.Dense(32, activation="relu", name="dense_2"),
        keras.layers.Dense(1, name="dense_3"),
    ])
    model.get_layer("dense_1").trainable = False
    _fit(run_dir, model, x, y, n["epochs"], 32, keras.optimizers.Adam(3e-3), validation=val)


def run_tanh_saturation(run_dir, quick):
    keras = _keras()
    n = size(quick)
    keras.utils.set_random_seed(14)
    (x, y), val = regression_split(14, n["samples"])
    big = keras.initializers.RandomNormal(stddev=5.0, seed=14)
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(32, activation="tanh", kernel_initializer=big, name="dense"),
        keras.layers.Dense(32, activation="tanh", kernel_initializer=big, name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    _fit(run_dir, model, x, y, n["epochs"], 32, keras.optimizers.SGD(0.01), validation=val)
