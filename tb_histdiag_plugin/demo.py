"""Demo logs: tiny models really trained on the CPU, one run per pathology.

``python -m tb_histdiag_plugin.demo --logdir DIR [--quick] [--runs a,b] [--force]``
writes one run subdirectory of ``DIR`` per entry of ``RUNS``.  Every run trains
a small model on numpy-made data with fixed seeds and logs weights, gradients
and activations as histograms, through the Keras callback
(``tb_histdiag_plugin.keras.GradientHistograms``, TensorFlow's
``tf.summary``) or the PyTorch helper (``tb_histdiag_plugin.torch.HistogramLogger``
with ``torch.utils.tensorboard`` or tensorboardX), so both paths are shown.

A run that finished writes a ``.done`` file last; a later call skips finished
runs (so a second ``make demo`` starts in seconds) and rewrites unfinished ones.

``RUNS`` says, for each run, what it shows and which marker kinds
(see the contract) it is expected to raise; healthy runs expect none and must
get no ``warning`` or ``critical`` marker.
"""

import argparse
import json
import os
import shutil
import sys
import time

if __name__ == "__main__":
    # Run as a script (python tb_histdiag_plugin/demo.py), this directory would
    # come first on sys.path and its keras.py / torch.py would shadow the real
    # packages; ``python -m tb_histdiag_plugin.demo`` is the documented way.
    _here = os.path.dirname(os.path.abspath(__file__))
    sys.path[:] = [p for p in sys.path if os.path.abspath(p or ".") != _here]

import numpy as np  # noqa: E402

RUNS = {
    "healthy": {
        "expect": [],
        "framework": "keras",
        "description": "A well-initialised ReLU MLP trained with Adam on a smooth regression task (Keras callback): "
                       "gradients of similar size in every layer, about half the ReLU outputs zero, weights moving "
                       "a little every epoch. No warning or critical marker.",
    },
    "healthy_torch": {
        "expect": [],
        "framework": "torch",
        "description": "The PyTorch twin of 'healthy': a ReLU MLP with Adam, logged with HistogramLogger through "
                       "torch.utils.tensorboard. No warning or critical marker.",
    },
    "vanishing_sigmoid": {
        "expect": ["vanishing_gradient"],
        "framework": "keras",
        "description": "A 10-layer sigmoid MLP trained with plain SGD: each sigmoid layer scales the backward "
                       "signal by at most 1/4, so the first layers' gradients are orders of magnitude smaller "
                       "than the last layers'.",
    },
    "exploding_lr": {
        "expect": ["exploding_gradient", "non_finite"],
        "framework": "keras",
        "description": "A three-layer linear network trained with full-batch SGD whose learning-rate warm-up "
                       "ramps far past the stable limit: once it is crossed every step overshoots, gradient norms "
                       "grow by orders of magnitude within a few steps and end in Inf/NaN (logged every batch).",
    },
    "dead_relu": {
        "expect": ["dead_units", "stagnant_weights", "vanishing_gradient"],
        "framework": "torch",
        "description": "A ReLU network with a skip path (the output reads both ReLU layers) whose second ReLU "
                       "layer has its bias initialised at -5, far below what its inputs can reach: every unit is "
                       "dead, its outputs are exactly zero, it gets zero gradient and its weights never change, "
                       "while the first layer and the output train on through the skip path (PyTorch, "
                       "tensorboardX writer).",
    },
    "frozen_layer": {
        "expect": ["stagnant_weights"],
        "framework": "keras",
        "description": "A ReLU MLP whose middle layer is frozen (trainable=False) while the other layers train: "
                       "its weights are bit-identical at every logged step.",
    },
    "weight_decay": {
        "expect": ["weight_decay_shrink"],
        "framework": "torch",
        "description": "Full-batch SGD with a strong L2 weight decay (weight_decay=0.5) on a task with little "
                       "signal: every weight norm shrinks steadily towards zero.",
    },
    "no_weight_decay": {
        "expect": [],
        "framework": "torch",
        "description": "The control for 'weight_decay': the same model, data and optimiser without decay. "
                       "No warning or critical marker.",
    },
    "weight_growth": {
        "expect": ["weight_growth"],
        "framework": "torch",
        "description": "Logistic regression on linearly separable data with a large learning rate and no "
                       "regularisation: the loss keeps falling only by scaling the weights up, so their norm grows "
                       "without bound (tensorboardX writer).",
    },
    "tanh_saturation": {
        "expect": ["saturation"],
        "framework": "keras",
        "description": "A tanh MLP initialised with weights of standard deviation 5: nearly every hidden "
                       "activation sits within 0.05 of -1 or +1, where tanh passes almost no gradient.",
    },
}

DONE = ".done"


def _size(quick):
    """Logged steps per run and data size."""
    return {"epochs": 20, "samples": 256} if quick else {"epochs": 40, "samples": 512}


# ---------------------------------------------------------------- Keras runs

def _keras():
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    return keras


def _fit(run_dir, model, x, y, epochs, batch_size, optimizer, loss="mse", every_n_batches=None, sample=64):
    """``model.fit`` with GradientHistograms writing straight into ``run_dir`` (a fixed batch of ``sample``)."""
    from tb_histdiag_plugin.keras import GradientHistograms

    model.compile(optimizer=optimizer, loss=loss)
    callback = GradientHistograms(run_dir, sample_batch=(x[:sample], y[:sample]), run=None,
                                  every_n_batches=every_n_batches)
    model.fit(x, y, epochs=epochs, batch_size=batch_size, shuffle=True, verbose=0, callbacks=[callback])
    callback.close()


def _regression_data(seed, n, d=8):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (np.sin(x[:, :1] * 1.5) + 0.5 * x[:, 1:2] * x[:, 2:3] - 0.3 * x[:, 3:4]).astype("float32")
    return x, y


def run_healthy(run_dir, quick):
    keras = _keras()
    size = _size(quick)
    keras.utils.set_random_seed(10)
    x, y = _regression_data(10, size["samples"])
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(32, activation="relu", name="dense"),
        keras.layers.Dense(32, activation="relu", name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    _fit(run_dir, model, x, y, size["epochs"], 32, keras.optimizers.Adam(3e-3))


def run_vanishing_sigmoid(run_dir, quick):
    keras = _keras()
    size = _size(quick)
    keras.utils.set_random_seed(11)
    x, y = _regression_data(11, size["samples"])
    layers = [keras.Input((8,))]
    for i in range(10):
        layers.append(keras.layers.Dense(32, activation="sigmoid", name="dense" if i == 0 else "dense_%d" % i))
    layers.append(keras.layers.Dense(1, name="dense_10"))
    _fit(run_dir, keras.Sequential(layers), x, y, size["epochs"], 32, keras.optimizers.SGD(0.05))


def run_exploding_lr(run_dir, quick):
    keras = _keras()
    size = _size(quick)
    keras.utils.set_random_seed(12)
    x, y = _regression_data(12, 128)
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(16, name="dense"),
        keras.layers.Dense(16, name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    # A linear warm-up that ramps the learning rate from 0.01 past the stable
    # limit (about 0.3 here) to 0.6; one full batch per epoch, logged every batch.
    schedule = keras.optimizers.schedules.PolynomialDecay(0.01, size["epochs"], 0.6, power=1.0)
    _fit(run_dir, model, x, y, size["epochs"], len(x), keras.optimizers.SGD(schedule), every_n_batches=1)


def run_frozen_layer(run_dir, quick):
    keras = _keras()
    size = _size(quick)
    keras.utils.set_random_seed(13)
    x, y = _regression_data(13, size["samples"])
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(32, activation="relu", name="dense"),
        keras.layers.Dense(32, activation="relu", name="dense_1"),
        keras.layers.Dense(32, activation="relu", name="dense_2"),
        keras.layers.Dense(1, name="dense_3"),
    ])
    model.get_layer("dense_1").trainable = False
    _fit(run_dir, model, x, y, size["epochs"], 32, keras.optimizers.Adam(3e-3))


def run_tanh_saturation(run_dir, quick):
    keras = _keras()
    size = _size(quick)
    keras.utils.set_random_seed(14)
    x, y = _regression_data(14, size["samples"])
    big = keras.initializers.RandomNormal(stddev=5.0, seed=14)
    model = keras.Sequential([
        keras.Input((8,)),
        keras.layers.Dense(32, activation="tanh", kernel_initializer=big, name="dense"),
        keras.layers.Dense(32, activation="tanh", kernel_initializer=big, name="dense_1"),
        keras.layers.Dense(1, name="dense_2"),
    ])
    _fit(run_dir, model, x, y, size["epochs"], 32, keras.optimizers.SGD(0.01))


# ---------------------------------------------------------------- PyTorch runs

def _torch():
    import torch

    torch.set_num_threads(1)
    return torch


def _writer(run_dir, kind):
    if kind == "tensorboardX":
        from tensorboardX import SummaryWriter
    else:
        from torch.utils.tensorboard import SummaryWriter
    return SummaryWriter(run_dir)


def _torch_train(run_dir, model, x, y, steps, log_every, optimizer, loss_fn, writer="torch", batch=None,
                 lr_at=None):
    """Train ``steps`` optimiser steps, logging every ``log_every`` (minibatches of ``batch`` if given)."""
    torch = _torch()
    from tb_histdiag_plugin.torch import HistogramLogger

    w = _writer(run_dir, writer)
    logger = HistogramLogger(w, model, every_n_steps=log_every)
    gen = torch.Generator().manual_seed(0)
    base_lr = [g["lr"] for g in optimizer.param_groups]
    for step in range(steps):
        if batch:
            idx = torch.randint(0, len(x), (batch,), generator=gen)
            xb, yb = x[idx], y[idx]
        else:
            xb, yb = x, y
        if lr_at is not None:
            for g, lr in zip(optimizer.param_groups, base_lr):
                g["lr"] = lr_at(step, lr)
        optimizer.zero_grad()
        loss = loss_fn(model(xb), yb)
        loss.backward()
        logger.step(step)
        optimizer.step()
    logger.remove()
    w.close()


def _torch_data(seed, n, d=8):
    torch = _torch()
    x, y = _regression_data(seed, n, d)
    return torch.from_numpy(x), torch.from_numpy(y)


def _mlp(torch, sizes, act="relu"):
    model = torch.nn.Sequential()
    for i in range(len(sizes) - 1):
        model.add_module("fc%d" % (i + 1), torch.nn.Linear(sizes[i], sizes[i + 1]))
        if i < len(sizes) - 2:
            model.add_module("act%d" % (i + 1), torch.nn.ReLU() if act == "relu" else torch.nn.Tanh())
    return model


def _steps(quick, per_log=5):
    logged = _size(quick)["epochs"]
    return logged * per_log, per_log


def run_healthy_torch(run_dir, quick):
    torch = _torch()
    torch.manual_seed(20)
    x, y = _torch_data(20, _size(quick)["samples"])
    model = _mlp(torch, [8, 32, 32, 1])
    steps, every = _steps(quick)
    _torch_train(run_dir, model, x, y, steps, every, torch.optim.Adam(model.parameters(), 3e-3),
                 torch.nn.functional.mse_loss, batch=32)


class _SkipNet:
    """Built lazily (needs torch): fc1 → relu → fc2 → relu, output reads both ReLU layers."""

    @staticmethod
    def build(torch):
        class SkipNet(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.fc1 = torch.nn.Linear(8, 32)
                self.act1 = torch.nn.ReLU()
                self.fc2 = torch.nn.Linear(32, 32)
                self.act2 = torch.nn.ReLU()
                self.fc3 = torch.nn.Linear(64, 1)

            def forward(self, x):
                h1 = self.act1(self.fc1(x))
                h2 = self.act2(self.fc2(h1))
                return self.fc3(torch.cat([h1, h2], dim=1))

        return SkipNet()


def run_dead_relu(run_dir, quick):
    torch = _torch()
    torch.manual_seed(21)
    x, y = _torch_data(21, _size(quick)["samples"])
    model = _SkipNet.build(torch)
    with torch.no_grad():
        # A bias far below what the layer's inputs can reach: every unit of the
        # second ReLU layer is negative for every input, and stays so.
        model.fc2.bias.fill_(-5.0)
    steps, every = _steps(quick)
    _torch_train(run_dir, model, x, y, steps, every, torch.optim.SGD(model.parameters(), 0.01),
                 torch.nn.functional.mse_loss, writer="tensorboardX", batch=32)


def _decay_run(run_dir, quick, weight_decay):
    torch = _torch()
    torch.manual_seed(22)
    rng = np.random.default_rng(22)
    n = _size(quick)["samples"]
    x = torch.from_numpy(rng.normal(size=(n, 8)).astype("float32"))
    y = torch.from_numpy((0.1 * rng.normal(size=(n, 1))).astype("float32"))  # little signal: mostly noise
    model = _mlp(torch, [8, 32, 32, 1])
    steps, every = _steps(quick, per_log=2 if quick else 1)
    _torch_train(run_dir, model, x, y, steps, every,
                 torch.optim.SGD(model.parameters(), 0.05, weight_decay=weight_decay),
                 torch.nn.functional.mse_loss)


def run_weight_decay(run_dir, quick):
    _decay_run(run_dir, quick, 0.5)


def run_no_weight_decay(run_dir, quick):
    _decay_run(run_dir, quick, 0.0)


def run_weight_growth(run_dir, quick):
    torch = _torch()
    torch.manual_seed(23)
    rng = np.random.default_rng(23)
    n, d = _size(quick)["samples"], 16
    direction = rng.normal(size=d)
    direction -= direction.mean()
    x = rng.normal(size=(n, d))
    margin = x @ direction
    x += np.outer(np.sign(margin) * 0.1, direction / np.linalg.norm(direction))  # separable with a margin
    y = (margin > 0).astype("float32")[:, None]
    model = torch.nn.Sequential()
    model.add_module("linear", torch.nn.Linear(d, 1))
    steps, every = _steps(quick, per_log=5)
    _torch_train(run_dir, model, torch.from_numpy(x.astype("float32")), torch.from_numpy(y), steps, every,
                 torch.optim.SGD(model.parameters(), 5.0), torch.nn.functional.binary_cross_entropy_with_logits,
                 writer="tensorboardX")


WRITERS = {
    "healthy": run_healthy,
    "healthy_torch": run_healthy_torch,
    "vanishing_sigmoid": run_vanishing_sigmoid,
    "exploding_lr": run_exploding_lr,
    "dead_relu": run_dead_relu,
    "frozen_layer": run_frozen_layer,
    "weight_decay": run_weight_decay,
    "no_weight_decay": run_no_weight_decay,
    "weight_growth": run_weight_growth,
    "tanh_saturation": run_tanh_saturation,
}
assert set(WRITERS) == set(RUNS)


def is_done(run_dir):
    return os.path.isfile(os.path.join(run_dir, DONE))


def write_demo_logs(logdir, quick=False, runs=None, force=False, log=None):
    """Write the demo runs into ``logdir/<run>``; returns the names of the runs requested.

    ``runs`` picks a subset of ``RUNS`` (default: all).  Finished runs (with a
    ``.done`` file) are skipped unless ``force``; an unfinished run directory is
    deleted and written again.  ``log`` is called with progress lines.
    """
    names = list(RUNS) if runs is None else list(runs)
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        raise ValueError("unknown demo run(s) %s (known: %s)" % (", ".join(unknown), ", ".join(RUNS)))
    os.makedirs(logdir, exist_ok=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for name in names:
        run_dir = os.path.join(logdir, name)
        if is_done(run_dir) and not force:
            if log:
                log("%-18s already written, skipped" % name)
            continue
        if os.path.exists(run_dir):
            shutil.rmtree(run_dir)
        os.makedirs(run_dir)
        start = time.time()
        WRITERS[name](run_dir, quick)
        elapsed = time.time() - start
        with open(os.path.join(run_dir, DONE), "w") as f:
            json.dump({"run": name, "quick": bool(quick), "seconds": round(elapsed, 2),
                       "expect": RUNS[name]["expect"]}, f)
        if log:
            log("%-18s written in %.1f s" % (name, elapsed))
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tb_histdiag_plugin.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--logdir", required=True, help="directory to write one run subdirectory per demo run into")
    parser.add_argument("--quick", action="store_true", help="fewer steps and less data (for tests)")
    parser.add_argument("--runs", help="comma-separated subset of: " + ", ".join(RUNS))
    parser.add_argument("--force", action="store_true", help="rewrite runs that are already finished")
    args = parser.parse_args(argv)
    runs = [r for r in args.runs.split(",") if r] if args.runs else None
    unknown = [r for r in runs or () if r not in RUNS]
    if unknown:
        parser.error("unknown run(s) %s (known: %s)" % (", ".join(unknown), ", ".join(RUNS)))
    start = time.time()
    write_demo_logs(args.logdir, quick=args.quick, runs=runs, force=args.force,
                    log=lambda line: print("tb-histdiag demo: " + line, flush=True))
    print("tb-histdiag demo: logs in %s (%.1f s)" % (args.logdir, time.time() - start), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
