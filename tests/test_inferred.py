"""Diagnosis from weights alone, on real tiny trainings logged the way people log.

Keras' stock ``TensorBoard(histogram_freq=1)`` callback writes weights and
biases only (no gradients since TF 2.0), and PyTorch users log
``named_parameters()`` with ``SummaryWriter.add_histogram``.  From such logs the
rules infer ``vanishing_gradient`` (weights that stop moving towards the input
while the output side moves; see ``tb_histdiag_plugin/rules/weights.py``).  Each
pathology has healthy twins that must not alarm: the same network trained with
Adam, a ReLU network with He initialisation, and a frozen middle layer (which is
``stagnant_weights``, not vanishing).  What the networks really did is measured
from the trained models' own gradients (``gradient_rms_by_depth``), never from
the plugin.  Unit tests on run views built from arrays (fast) probe the
thresholds; the trainings are marked ``slow``.
"""

import os

import numpy as np
import pytest

from tb_histdiag_plugin import rules
from rule_views import found, grads, run_of, spans_found, view

DEPTH = 8  # dense layers, the last one the linear output
WIDTH = 32
EPOCHS = 12


def _data(seed=0, n=512, d=8):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (np.sin(x[:, :1] * 1.5) + 0.5 * x[:, 1:2] * x[:, 2:3] - 0.3 * x[:, 3:4]).astype("float32")
    return x, y


def _keras_mlp(keras, act, init="glorot_uniform"):
    layers = [keras.Input((8,))]
    for i in range(DEPTH - 1):
        layers.append(keras.layers.Dense(WIDTH, activation=act, kernel_initializer=init,
                                         name="dense" if i == 0 else "dense_%d" % i))
    layers.append(keras.layers.Dense(1, name="dense_%d" % (DEPTH - 1)))
    return keras.Sequential(layers)


def keras_gradient_rms(model, x, y):
    """Kernel-gradient RMS per layer, input side first, on one batch (what really reached each layer)."""
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = tf.reduce_mean(tf.square(model(x[:128]) - y[:128]))
    kernels = [layer.kernel for layer in model.layers]
    grads = tape.gradient(loss, kernels)
    return [float(np.sqrt(np.mean(np.square(g.numpy())))) for g in grads]


def train_keras(logdir, name, act, optimizer, init="glorot_uniform", freeze=None):
    """A ``DEPTH``-layer MLP under the stock callback; returns the gradient RMS per layer at the end."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    keras.utils.set_random_seed(0)
    x, y = _data()
    model = _keras_mlp(keras, act, init)
    if freeze is not None:
        model.get_layer(freeze).trainable = False
    model.compile(optimizer=optimizer, loss="mse")
    model.fit(x, y, epochs=EPOCHS, batch_size=32, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(os.path.join(logdir, name), histogram_freq=1)])
    return keras_gradient_rms(model, x, y)


def train_torch(logdir, name, act, optimizer_name, lr):
    """The same MLP in PyTorch, ``named_parameters()`` logged with ``add_histogram`` every 10 steps."""
    import torch
    from torch.utils.tensorboard import SummaryWriter

    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = (torch.from_numpy(a) for a in _data())
    layers = []
    sizes = [8] + [WIDTH] * (DEPTH - 1) + [1]
    for i in range(DEPTH):
        layers.append(torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < DEPTH - 1:
            layers.append(torch.nn.Sigmoid() if act == "sigmoid" else torch.nn.ReLU())
    model = torch.nn.Sequential(*layers)
    opt = getattr(torch.optim, optimizer_name)(model.parameters(), lr=lr)
    writer = SummaryWriter(os.path.join(logdir, name))
    gen = torch.Generator().manual_seed(0)
    for step in range(200):
        idx = torch.randint(0, len(x), (32,), generator=gen)
        opt.zero_grad()
        loss = torch.nn.functional.mse_loss(model(x[idx]), y[idx])
        loss.backward()
        if step % 10 == 0:
            for pname, p in model.named_parameters():
                writer.add_histogram(pname, p.detach(), step)
        opt.step()
    writer.close()
    opt.zero_grad()
    torch.nn.functional.mse_loss(model(x[:128]), y[:128]).backward()
    return [float(m.weight.grad.pow(2).mean().sqrt()) for m in model if isinstance(m, torch.nn.Linear)]


def train_torch_relu_gradients(logdir, name, dead_share):
    """A ReLU MLP logged by ``HistogramLogger`` without activations; ``dead_share`` of fc2's units killed.

    Returns the share of fc2's units that are inactive on every sample at the end (measured, not assumed).
    """
    import torch
    from torch.utils.tensorboard import SummaryWriter

    from tb_histdiag_plugin.torch import HistogramLogger

    torch.manual_seed(0)
    torch.set_num_threads(1)
    x, y = (torch.from_numpy(a) for a in _data())
    model = torch.nn.Sequential()
    for i, (a, b) in enumerate([(8, 64), (64, 64), (64, 64), (64, 1)]):
        model.add_module("fc%d" % (i + 1), torch.nn.Linear(a, b))
        if i < 3:
            model.add_module("act%d" % (i + 1), torch.nn.ReLU())
    with torch.no_grad():
        # A bias far below what the layer's inputs reach: those units never fire, and stay so.
        model.fc2.bias[:int(64 * dead_share)] = -20.0
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    writer = SummaryWriter(os.path.join(logdir, name))
    logger = HistogramLogger(writer, model, every_n_steps=10, activations=False)
    gen = torch.Generator().manual_seed(0)
    for step in range(200):
        idx = torch.randint(0, len(x), (32,), generator=gen)
        opt.zero_grad()
        torch.nn.functional.mse_loss(model(x[idx]), y[idx]).backward()
        logger.step(step)
        opt.step()
    logger.remove()
    writer.close()
    with torch.no_grad():
        h2 = model.act2(model.fc2(model.act1(model.fc1(x))))
    return float((h2 <= 0).all(dim=0).float().mean())


RUNS = {
    # name: (trainer, kwargs)
    "keras_sigmoid_sgd": ("keras", dict(act="sigmoid", optimizer="sgd")),
    "keras_sigmoid_adam": ("keras", dict(act="sigmoid", optimizer="adam")),
    "keras_relu_he_sgd": ("keras", dict(act="relu", optimizer="sgd", init="he_normal")),
    "keras_frozen_middle": ("keras", dict(act="relu", optimizer="adam", init="he_normal", freeze="dense_3")),
    "torch_sigmoid_sgd": ("torch", dict(act="sigmoid", optimizer_name="SGD", lr=0.05)),
    "torch_relu_adam": ("torch", dict(act="relu", optimizer_name="Adam", lr=1e-3)),
    # Gradients without activations: dead units read from bias gradients.
    "torch_dead_relu_gradients": ("torch_gradients", dict(dead_share=0.75)),
    "torch_relu_gradients": ("torch_gradients", dict(dead_share=0.0)),
}
WEIGHTS_ONLY = [name for name, (trainer, _) in RUNS.items() if trainer != "torch_gradients"]


def write_logs(logdir):
    """Train every run of ``RUNS`` into ``logdir``; returns what each measured (gradient RMS per layer, or the
    share of dead units)."""
    grads = {}
    for name, (trainer, kwargs) in RUNS.items():
        if trainer == "keras":
            kwargs = dict(kwargs)
            import keras

            kwargs["optimizer"] = (keras.optimizers.SGD(0.05) if kwargs["optimizer"] == "sgd"
                                   else keras.optimizers.Adam(1e-3))
            grads[name] = train_keras(logdir, name, **kwargs)
        elif trainer == "torch":
            grads[name] = train_torch(logdir, name, **kwargs)
        else:
            grads[name] = train_torch_relu_gradients(logdir, name, **kwargs)
    return grads


@pytest.fixture(scope="module")
def inferred_logs(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("inferred"))
    grads = write_logs(logdir)
    from tb_histdiag_plugin import api

    return grads, api.diagnose(logdir)["runs"]


def serious(markers):
    return [(m["kind"], m["layer"], m["severity"], m["evidence"]) for m in markers if m["severity"] != "info"]


def doc_of(runs, name):
    """A run's document, keyed ``name/train`` for Keras' callback (it writes into ``train/``)."""
    return runs[name + "/train"] if name.startswith("keras") else runs[name]


@pytest.mark.slow
def test_every_run_is_weights_only_and_grouped(inferred_logs):
    _, runs = inferred_logs
    assert sorted(runs) == sorted(n + "/train" if n.startswith("keras") else n for n in RUNS)
    for name in WEIGHTS_ONLY:
        doc = doc_of(runs, name)
        assert len(doc["layers"]) == DEPTH, name
        assert {s["role"] for s in doc["series"]} == {"weights", "bias"}, name


@pytest.mark.slow
@pytest.mark.parametrize("name", ["keras_sigmoid_sgd", "torch_sigmoid_sgd"])
def test_sigmoid_sgd_gives_inferred_vanishing_gradient(inferred_logs, name):
    grads, runs = inferred_logs
    rms = grads[name]
    # What really happened: the input layer's gradient two orders of magnitude below the output's.
    assert rms[0] / rms[-1] < 1e-2
    doc = doc_of(runs, name)
    vanishing = [m for m in doc["markers"] if m["kind"] == "vanishing_gradient"]
    first = doc["layers"][0]["name"]
    assert first in {m["layer"] for m in vanishing}
    assert {(m["severity"], m["evidence_from"]) for m in vanishing} == {("warning", "weights")}
    assert all("GradientHistograms" in m["evidence"] and "HistogramLogger" in m["evidence"] for m in vanishing)
    depth = {layer["name"]: layer["depth"] for layer in doc["layers"]}
    # The input side, never the output layer; no stagnant marker on the layers vanishing explains.
    assert max(depth[m["layer"]] for m in vanishing) < DEPTH - 2
    assert not [m for m in doc["markers"] if m["kind"] == "stagnant_weights" and m["layer"] in
                {v["layer"] for v in vanishing}]
    assert not [m for m in doc["markers"] if m["severity"] == "critical"]


@pytest.mark.slow
@pytest.mark.parametrize("name", ["keras_sigmoid_adam", "keras_relu_he_sgd", "torch_relu_adam"])
def test_healthy_twins_raise_no_warning(inferred_logs, name):
    grads, runs = inferred_logs
    assert serious(doc_of(runs, name)["markers"]) == []
    if name != "keras_sigmoid_adam":
        # Positive control: gradients really reached the input (within an order of magnitude of the output).
        assert grads[name][0] / grads[name][-1] > 0.1


@pytest.mark.slow
def test_frozen_middle_layer_trained_is_stagnant_not_vanishing(inferred_logs):
    _, runs = inferred_logs
    doc = doc_of(runs, "keras_frozen_middle")
    assert [(m[0], m[1], m[2]) for m in serious(doc["markers"])] == [("stagnant_weights", "dense_3", "warning")]
    assert not [m for m in doc["markers"] if m["kind"] == "vanishing_gradient"]


@pytest.mark.slow
def test_dead_units_read_from_bias_gradients(inferred_logs):
    dead_share, runs = inferred_logs
    assert dead_share["torch_dead_relu_gradients"] >= 0.75 and dead_share["torch_relu_gradients"] < 0.25
    for name in ("torch_dead_relu_gradients", "torch_relu_gradients"):
        assert {s["role"] for s in runs[name]["series"]} == {"weights", "bias", "gradient"}, name
    found_dead = [(m["kind"], m["layer"], m["evidence_from"]) for m in runs["torch_dead_relu_gradients"]["markers"]
                  if m["kind"] == "dead_units"]
    assert found_dead == [("dead_units", "fc2", "gradients")]
    assert serious(runs["torch_relu_gradients"]["markers"]) == []


# ------------------------------------------------------------ the rules on run views built from arrays


def weights_only(*change, count=1000.0):
    """Kernels input side first, each moving by ``change`` per logged step (scalar or per step)."""
    counts = count if np.ndim(count) else [count] * len(change)
    return [view("l%d/kernel" % i, "l%d" % i, "weights", change=c, count=n, l2_norm=10.0, mean=0.0, std=0.1)
            for i, (c, n) in enumerate(zip(change, counts, strict=True))]


def test_inferred_vanishing_when_input_side_falls_behind_by_orders_of_magnitude():
    run = run_of(*weights_only(0.0, 1e-6, 1e-5, 1e-3, 2e-3))
    assert spans_found(run) == [("vanishing_gradient", name, "warning", "weights", 0, 70)
                                for name in ("l0", "l1", "l2")]
    evidence = rules.evaluate(run)[0]["evidence"]
    assert "inferred" in evidence and "bit-identical" in evidence
    assert "tb_histdiag_plugin.keras.GradientHistograms" in evidence
    assert "tb_histdiag_plugin.torch.HistogramLogger" in evidence


@pytest.mark.parametrize("second, fires", [(0.101, False), (0.1, True)])
def test_inferred_vanishing_slow_ratio_edge(second, fires):
    # The output side's fastest moves 1.0: the input-side group must each move at most 0.1.
    run = run_of(*weights_only(1e-3, second, 1.0, 1.0))
    expected = [("vanishing_gradient", name, "warning", "weights", 0, 70) for name in ("l0", "l1")] if fires else []
    assert spans_found(run, "vanishing_gradient") == expected


@pytest.mark.parametrize("slowest, fires", [(0.0101, False), (0.01, True)])
def test_inferred_vanishing_needs_orders_of_magnitude(slowest, fires):
    # Both input-side layers an order of magnitude behind; the slowest must be two.
    run = run_of(*weights_only(slowest, 0.05, 1.0, 1.0))
    expected = [("vanishing_gradient", name, "warning", "weights", 0, 70) for name in ("l0", "l1")] if fires else []
    assert spans_found(run, "vanishing_gradient") == expected


def test_inferred_vanishing_needs_two_input_side_layers():
    assert spans_found(run_of(*weights_only(1e-4, 1.0, 1.0))) == [
        ("stagnant_weights", "l0", "warning", "weights", 0, 70)]
    assert spans_found(run_of(*weights_only(1e-4, 1e-4, 1.0))) == [
        ("vanishing_gradient", name, "warning", "weights", 0, 70) for name in ("l0", "l1")]


def test_frozen_middle_layer_is_stagnant_not_vanishing():
    run = run_of(*weights_only(1e-3, 0.0, 1e-3, 2e-3))
    assert spans_found(run) == [("stagnant_weights", "l1", "warning", "weights", 0, 70)]


def test_frozen_backbone_is_stagnant_not_vanishing():
    # The first two layers frozen together (fine-tuning): bit-identical at every step, no fall.
    assert spans_found(run_of(*weights_only(0.0, 0.0, 1e-3, 2e-3))) == [
        ("stagnant_weights", name, "warning", "weights", 0, 70) for name in ("l0", "l1")]
    # Control: the same but the second layer creeping (a fall, however small): vanishing.
    assert spans_found(run_of(*weights_only(0.0, 1e-9, 1e-3, 2e-3))) == [
        ("vanishing_gradient", name, "warning", "weights", 0, 70) for name in ("l0", "l1")]


def test_adaptive_optimiser_pattern_is_healthy():
    # Adam: every layer moves about as much (here faster at the input, as seen on a sigmoid net).
    assert found(run_of(*weights_only(2e-2, 8e-3, 5e-3, 1e-3, 3e-4))) == []


def test_tiny_layers_are_neither_judged_nor_the_reference():
    # A 10-value output layer moves 1.0 per step: the 1000-value layers are not behind anything else.
    run = run_of(*weights_only(1e-4, 1e-4, 1e-4, 1.0, count=[1000.0, 1000.0, 1000.0, 10.0]))
    assert found(run, "vanishing_gradient") == []
    run = run_of(*weights_only(1e-4, 1e-4, 1.0, 1.0, count=[10.0, 10.0, 1000.0, 1000.0]))
    assert found(run, "vanishing_gradient") == []


def test_no_inference_when_gradients_are_logged():
    balanced = grads(0.1, 0.1, 0.1, 0.1)
    run = run_of(*(weights_only(0.0, 1e-6, 1e-5, 1e-3) + balanced))
    assert found(run, "vanishing_gradient") == []


def jumping(norms, zero_start=0.0):
    zero = np.zeros(len(norms))
    zero[0] = zero_start
    return view("l0/kernel", "l0", "weights", l2_norm=norms, zero_fraction=zero, mean=0.0, std=0.1, change=1e-3)


@pytest.mark.parametrize("peak, fires", [(99.0, False), (100.0, True), (1e6, True)])
def test_inferred_exploding_factor_edge(peak, fires):
    run = run_of(jumping([1.0, 1.0, 1.0, 1.0, peak, peak, peak, peak]))
    # 100x over the 3 logged steps before at steps 40, 50 and 60; never above warning
    expected = [("exploding_gradient", "l0", "warning", "weights", 40, 60)] if fires else []
    assert spans_found(run, "exploding_gradient") == expected


@pytest.mark.parametrize("norms, fires", [
    ([1.0, 1.0, 1.0, 1.0, 10.0, 31.6, 100.0, 100.0], True),  # 100x within 3 logged steps
    ([1.0, 1.0, 1.0, 1.0, 3.2, 10.0, 31.6, 100.0], False),  # 100x over 4: a growth, not a jump
])
def test_inferred_exploding_window_edge(norms, fires):
    expected = [("exploding_gradient", "l0", "warning", "weights", 60, 60)] if fires else []  # 100 over step 30's 1
    assert spans_found(run_of(jumping(norms)), "exploding_gradient") == expected


def test_inferred_exploding_then_nan():
    v = jumping([1.0, 1.0, 1.0, 1.0, 1e3, np.nan, np.nan, np.nan])
    v.non_finite[5:] = True
    assert sorted(spans_found(run_of(v))) == [("exploding_gradient", "l0", "warning", "weights", 40, 40),
                                              ("non_finite", "l0", "critical", "weights", 50, 70)]


def test_zero_initialised_layer_growing_is_not_exploding():
    assert found(run_of(jumping([1e-6, 1e-3, 1e-2, 1e-1, 0.2, 0.3, 0.4, 0.5], zero_start=1.0)),
                 "exploding_gradient") == []
