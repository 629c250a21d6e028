"""The Keras 3 callback: a real ``model.fit`` beside the stock TensorBoard callback,
read back with TensorBoard's own loader and held to the exact tensors."""

import os
import subprocess
import sys

import numpy as np
import pytest

from readback import assert_matches, read_histograms

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

pytestmark = pytest.mark.slow


def _data(n=96, d=6, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (x[:, :1] - 0.5 * x[:, 1:2] ** 2).astype("float32")
    return x, y


def _capture_callback(keras, tf, sample, exact, every_batch=False):
    """Records, after GradientHistograms ran, the exact weights and gradient of the sample batch."""
    x, y = sample
    loss_fn = keras.losses.MeanSquaredError()

    class Capture(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.batches = 0

        def _record(self, step):
            with tf.GradientTape() as tape:
                loss = loss_fn(y, self.model(x, training=False))
            variables = self.model.trainable_variables
            grads = tape.gradient(loss, variables)
            for v, g in zip(variables, grads):
                name = v.path.split("/")
                tag = "%s/%s" % (name[-2], name[-1])
                exact.setdefault(tag, {})[step] = v.numpy().copy()
                exact.setdefault(tag + "/grad", {})[step] = g.numpy().copy()

        def on_train_batch_end(self, batch, logs=None):
            if every_batch:
                self._record(self.batches)
                self.batches += 1

        def on_epoch_end(self, epoch, logs=None):
            if not every_batch:
                self._record(epoch)

    return Capture()


@pytest.fixture(scope="module")
def sequential_run(tmp_path_factory):
    """A Sequential model fitted with GradientHistograms and the stock TensorBoard callback in one logdir."""
    import keras
    import tensorflow as tf

    from tb_histdiag_plugin.keras import GradientHistograms

    keras.utils.set_random_seed(7)
    logdir = str(tmp_path_factory.mktemp("keras_seq"))
    x, y = _data()
    sample = (x[:32], y[:32])
    model = keras.Sequential([
        keras.Input((6,)),
        keras.layers.Dense(16, activation="relu", name="dense"),
        keras.layers.Dropout(0.5, name="dropout"),
        keras.layers.Dense(8, activation="tanh", name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    model.compile(optimizer=keras.optimizers.Adam(1e-2), loss="mse")
    exact = {}
    callbacks = [
        keras.callbacks.TensorBoard(logdir, histogram_freq=1),
        GradientHistograms(logdir, sample_batch=sample),
        _capture_callback(keras, tf, sample, exact),
    ]
    model.fit(x, y, epochs=3, batch_size=32, verbose=0, callbacks=callbacks)
    acts = keras.Model(model.inputs[0], [layer.output for layer in model.layers])(sample[0], training=False)
    activations = {layer.name: a.numpy() for layer, a in zip(model.layers, acts)}
    return logdir, exact, activations


def test_tags_steps_and_stock_callback_alongside(sequential_run):
    logdir, exact, _ = sequential_run
    assert {"gradients", "train"} <= set(os.listdir(logdir))
    logged = read_histograms(os.path.join(logdir, "gradients"))
    expected = set()
    for layer in ("dense", "dense_1", "dense_2"):
        expected |= {layer + "/kernel", layer + "/bias", layer + "/kernel/grad", layer + "/bias/grad",
                     layer + "/activations"}
    expected.add("dropout/activations")
    assert set(logged) == expected
    for tag, steps in logged.items():
        assert sorted(steps) == [0, 1, 2], tag
    # The stock callback's own run is untouched and still readable.
    stock = read_histograms(os.path.join(logdir, "train"))
    assert any(tag.endswith("/dense/kernel/histogram") for tag in stock), sorted(stock)


def test_gradients_and_weights_match_the_exact_tensors(sequential_run):
    logdir, exact, _ = sequential_run
    logged = read_histograms(os.path.join(logdir, "gradients"))
    assert set(exact) == {t for t in logged if not t.endswith("/activations")}
    for tag, steps in exact.items():
        for step, value in steps.items():
            assert_matches(logged[tag][step], value, "%s@%d" % (tag, step))
    # The gradients really change between epochs (they are recomputed, not cached).
    g = logged["dense/kernel/grad"]
    assert not np.array_equal(g[0], g[2])


def test_activations_are_each_layers_output_in_inference_mode(sequential_run):
    logdir, _, activations = sequential_run
    logged = read_histograms(os.path.join(logdir, "gradients"))
    for name, value in activations.items():
        # The last epoch's weights produced `activations` (computed after fit).
        assert_matches(logged[name + "/activations"][2], value, name)
    # Dropout in inference mode passes its input through unchanged.
    np.testing.assert_array_equal(activations["dropout"], activations["dense"])


def test_functional_model_every_n_batches(tmp_path):
    import keras
    import tensorflow as tf

    from tb_histdiag_plugin.keras import GradientHistograms

    keras.utils.set_random_seed(8)
    x, y = _data(n=64)
    sample = (x[:16], y[:16])
    inputs = keras.Input((6,), name="features")
    h = keras.layers.Dense(12, activation="relu", name="hidden")(inputs)
    h = keras.layers.BatchNormalization(name="norm")(h)
    outputs = keras.layers.Dense(1, name="out")(h)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer="sgd", loss="mse")
    exact = {}
    callbacks = [GradientHistograms(str(tmp_path), sample_batch=sample, every_n_batches=2, run=None),
                 _capture_callback(keras, tf, sample, exact, every_batch=True)]
    model.fit(x, y, epochs=2, batch_size=16, verbose=0, callbacks=callbacks)  # 8 batches: steps 0, 2, 4, 6
    logged = read_histograms(str(tmp_path))
    assert {"hidden/kernel", "hidden/kernel/grad", "norm/gamma", "norm/gamma/grad", "norm/beta/grad",
            "norm/moving_mean", "norm/moving_variance", "out/bias/grad", "hidden/activations",
            "norm/activations", "out/activations"} <= set(logged)
    assert "norm/moving_mean/grad" not in logged  # not trainable: no gradient
    assert "features/activations" not in logged  # input layers are left out
    for tag in ("hidden/kernel/grad", "norm/gamma/grad", "out/kernel/grad"):
        assert sorted(logged[tag]) == [0, 2, 4, 6]
        for step in (0, 2, 4, 6):
            assert_matches(logged[tag][step], exact[tag][step], "%s@%d" % (tag, step))


def test_importing_stays_light():
    code = ("import sys, tb_histdiag_plugin, tb_histdiag_plugin.keras, tb_histdiag_plugin.torch, "
            "tb_histdiag_plugin.demo\n"
            "heavy = [m for m in ('tensorflow', 'keras', 'torch', 'tensorboardX') if m in sys.modules]\n"
            "assert not heavy, heavy\n"
            "assert 'GradientHistograms' in dir(tb_histdiag_plugin.keras)\n")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_the_class_is_a_keras_callback():
    import keras

    from tb_histdiag_plugin import keras as thk

    assert issubclass(thk.GradientHistograms, keras.callbacks.Callback)
    assert thk.GradientHistograms is thk.GradientHistograms  # built once
    with pytest.raises(AttributeError):
        thk.NoSuchThing
    with pytest.raises(ValueError):
        thk.GradientHistograms("x", sample_batch=(1,))


@pytest.mark.parametrize("buckets", [30, 7, 1])
def test_buckets_in_a_graph_equal_tensorboards_own(buckets):
    """The cond-free buckets the callback traces give exactly TensorBoard's histogram tensor."""
    import tensorflow as tf
    from tensorboard.plugins.histogram import summary_v2

    from tb_histdiag_plugin.keras import _buckets

    rng = np.random.default_rng(3)
    cases = {
        "normal": rng.normal(size=(7, 5)).astype("float32"),
        "zeros": np.zeros(32, "float32"),  # a single value: all in the last bucket
        "one element": np.array([2.5], "float64"),
        "tiny range": np.array([1.0, 1.0 + 1e-12, 1.0], "float64"),
        "ints": rng.integers(-3, 4, size=50).astype("int32"),
        "with inf": np.array([0.0, 1.0, np.inf, -2.0], "float32"),
        "with nan": np.array([0.0, np.nan, 3.0], "float32"),
        "empty": np.zeros((0, 4), "float32"),
    }
    for i in range(20):  # weights-like values of many scales, read from a variable as the callback does
        cases["variable %d" % i] = tf.Variable(rng.normal(size=(16, 8)).astype("float32") * rng.uniform(0.01, 10))
    traced = tf.function(lambda v, d: _buckets(v, buckets, d), autograph=False)
    divisor = tf.constant(float(buckets), dtype=tf.float64)
    for name, value in cases.items():
        value = value.value() if isinstance(value, tf.Variable) else tf.constant(value)
        got = traced(value, divisor).numpy()
        expected = summary_v2._buckets(value, buckets).numpy()
        assert got.shape == expected.shape == (buckets, 3), name
        np.testing.assert_array_equal(got, expected, err_msg=name)
    # A hand check beside the comparison: 4 values over [0, 3] in 3 buckets.
    np.testing.assert_array_equal(_buckets(tf.constant([0.0, 1.0, 1.5, 3.0]), 3, tf.constant(3.0, tf.float64)).numpy(),
                                  [[0, 1, 1], [1, 2, 2], [2, 3, 1]])


def test_buckets_falls_back_when_the_size_is_unknown():
    import tensorflow as tf

    from tb_histdiag_plugin.keras import _buckets

    seen = []
    fn = tf.function(lambda v: seen.append(_buckets(v, 30, 30.0)) or 0, autograph=False,
                     input_signature=[tf.TensorSpec([None], tf.float32)])
    fn(tf.constant([1.0, 2.0]))
    assert seen == [None]
    assert _buckets(tf.constant([1.0]), 0, 0.0) is None
