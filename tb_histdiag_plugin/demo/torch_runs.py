"""The demo's PyTorch runs (``demo.py`` lists them), logged with ``tb_histdiag_plugin.torch.HistogramLogger``
through ``torch.utils.tensorboard`` or tensorboardX.

Beside the histograms every run writes its training curve as PyTorch loops
do: ``writer.add_scalar("Loss/train", ...)``, ``"Accuracy/train"`` for
classifiers, and ``"Loss/validation"`` / ``"Accuracy/validation"`` on
held-out samples.
"""

import numpy as np

from tb_histdiag_plugin.demo.data import VALIDATION, blobs, regression_split, size


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


def _train(run_dir, model, x, y, steps, log_every, optimizer, loss_fn, writer="torch", batch=None, after_step=None,
           val=None, accuracy=None, scalar_every=None):
    """Train ``steps`` optimiser steps, logging histograms every ``log_every`` (minibatches of ``batch`` if given).

    Scalars as a PyTorch loop writes them: ``Loss/train`` (and
    ``Accuracy/train`` when ``accuracy(outputs, targets)`` is given), the mean
    over the last ``scalar_every`` steps, logged at the interval's last step
    (default: an epoch, ``len(x) // batch`` steps, with minibatches; else
    ``log_every``); with ``val=(x, y)`` also ``Loss/validation`` (and
    ``Accuracy/validation``) on that held-out set at the same steps.
    ``after_step(model)`` runs after every optimiser step (and once before the
    first), e.g. a weight constraint.
    """
    torch = _torch()
    from tb_histdiag_plugin.torch import HistogramLogger

    w = _writer(run_dir, writer)
    logger = HistogramLogger(w, model, every_n_steps=log_every)
    gen = torch.Generator().manual_seed(0)
    scalar_every = scalar_every or (max(1, len(x) // batch) if batch else log_every)
    running = []
    if after_step:
        after_step(model)
    for step in range(steps):
        if batch:
            idx = torch.randint(0, len(x), (batch,), generator=gen)
            xb, yb = x[idx], y[idx]
        else:
            xb, yb = x, y
        optimizer.zero_grad()
        out = model(xb)
        loss = loss_fn(out, yb)
        loss.backward()
        logger.step(step)
        optimizer.step()
        if after_step:
            after_step(model)
        running.append((loss.item(), accuracy(out, yb) if accuracy else None))
        if (step + 1) % scalar_every == 0:
            w.add_scalar("Loss/train", float(np.mean([r[0] for r in running])), step)
            if accuracy:
                w.add_scalar("Accuracy/train", float(np.mean([r[1] for r in running])), step)
            running = []
            if val is not None:
                with torch.no_grad():
                    out = model(val[0])
                    w.add_scalar("Loss/validation", loss_fn(out, val[1]).item(), step)
                    if accuracy:
                        w.add_scalar("Accuracy/validation", accuracy(out, val[1]), step)
    logger.remove()
    w.close()


def _class_accuracy(out, target):
    """Share of rows whose largest logit is the target class."""
    return (out.argmax(dim=1) == target).float().mean().item()


def _binary_accuracy(out, target):
    """Share of logits on the target's side of zero (``binary_cross_entropy_with_logits``)."""
    return ((out > 0).float() == target).float().mean().item()


def _tensors(torch, x, y):
    return torch.from_numpy(np.asarray(x, dtype="float32")), torch.from_numpy(np.asarray(y, dtype="float32"))


def _split(torch, seed, quick):
    """``regression_split`` as tensors: the training set and ``(x, y)`` held out."""
    (x, y), (xv, yv) = regression_split(seed, size(quick)["samples"])
    return _tensors(torch, x, y), _tensors(torch, xv, yv)


def _mlp(torch, sizes, bias=True):
    model = torch.nn.Sequential()
    for i in range(len(sizes) - 1):
        model.add_module("fc%d" % (i + 1), torch.nn.Linear(sizes[i], sizes[i + 1], bias=bias))
        if i < len(sizes) - 2:
            model.add_module("act%d" % (i + 1), torch.nn.ReLU())
    return model


def _steps(quick, per_log=5):
    return size(quick)["epochs"] * per_log, per_log


def run_healthy_torch(run_dir, quick):
    torch = _torch()
    torch.manual_seed(20)
    (x, y), val = _split(torch, 20, quick)
    model = _mlp(torch, [8, 32, 32, 1])
    steps, every = _steps(quick)
    _train(run_dir, model, x, y, steps, every, torch.optim.Adam(model.parameters(), 3e-3),
           torch.nn.functional.mse_loss, batch=32, val=val)


def _skip_net(torch):
    """fc1 → relu → fc2 → relu; the output reads both ReLU layers."""
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
    (x, y), val = _split(torch, 21, quick)
    model = _skip_net(torch)
    with torch.no_grad():
        # A bias far below what the layer's inputs can reach: every unit of the
        # second ReLU layer is negative for every input, and stays so.
        model.fc2.bias.fill_(-5.0)
    steps, every = _steps(quick)
    _train(run_dir, model, x, y, steps, every, torch.optim.SGD(model.parameters(), 0.01),
           torch.nn.functional.mse_loss, writer="tensorboardX", batch=32, val=val)


def _decay_run(run_dir, quick, weight_decay):
    torch = _torch()
    torch.manual_seed(22)
    rng = np.random.default_rng(22)
    n = size(quick)["samples"]
    x, y = _tensors(torch, rng.normal(size=(n, 8)), 0.1 * rng.normal(size=(n, 1)))  # little signal: mostly noise
    held_out = np.random.default_rng(122)
    val = _tensors(torch, held_out.normal(size=(VALIDATION, 8)), 0.1 * held_out.normal(size=(VALIDATION, 1)))
    model = _mlp(torch, [8, 32, 32, 1])
    steps, every = _steps(quick, per_log=2 if quick else 1)
    _train(run_dir, model, x, y, steps, every, torch.optim.SGD(model.parameters(), 0.05, weight_decay=weight_decay),
           torch.nn.functional.mse_loss, val=val)


def run_weight_decay(run_dir, quick):
    _decay_run(run_dir, quick, 0.5)


def run_no_weight_decay(run_dir, quick):
    _decay_run(run_dir, quick, 0.0)


def run_weight_growth(run_dir, quick):
    torch = _torch()
    torch.manual_seed(23)
    rng = np.random.default_rng(23)
    n, d = size(quick)["samples"], 16
    direction = rng.normal(size=d)
    direction -= direction.mean()
    x = rng.normal(size=(n + VALIDATION, d))  # the first n train, the rest are held out
    margin = x @ direction
    x += np.outer(np.sign(margin) * 0.1, direction / np.linalg.norm(direction))  # separable with a margin
    x, y = _tensors(torch, x, (margin > 0)[:, None])
    model = torch.nn.Sequential()
    model.add_module("linear", torch.nn.Linear(d, 1))
    steps, every = _steps(quick, per_log=5)
    _train(run_dir, model, x[:n], y[:n], steps, every, torch.optim.SGD(model.parameters(), 5.0),
           torch.nn.functional.binary_cross_entropy_with_logits, writer="tensorboardX", val=(x[n:], y[n:]),
           accuracy=_binary_accuracy)


CLIP = 0.05
# The off-centre run's target mean (an unstandardised target, e.g. a temperature).
OFFSET = 10.0


def run_weight_clipping(run_dir, quick):
    """WGAN-style weight clipping: every parameter clamped to [-CLIP, CLIP] after each step."""
    torch = _torch()
    torch.manual_seed(24)
    (x, y), val = _split(torch, 24, quick)
    model = _mlp(torch, [8, 64, 64, 1])

    def clamp(m):
        with torch.no_grad():
            for p in m.parameters():
                p.clamp_(-CLIP, CLIP)

    steps, every = _steps(quick)
    _train(run_dir, model, x, y, steps, every, torch.optim.SGD(model.parameters(), 0.01),
           torch.nn.functional.mse_loss, batch=32, after_step=clamp, val=val)


def run_off_center_no_bias(run_dir, quick):
    """A regression head without a bias on a target far from zero: its weights drift to one side."""
    torch = _torch()
    torch.manual_seed(25)
    (x, y), (xv, yv) = regression_split(25, size(quick)["samples"])
    x, y = _tensors(torch, x, y + OFFSET)
    val = _tensors(torch, xv, yv + OFFSET)
    model = torch.nn.Sequential()
    model.add_module("fc1", torch.nn.Linear(8, 32))
    model.add_module("act1", torch.nn.Sigmoid())
    model.add_module("fc2", torch.nn.Linear(32, 1, bias=False))
    steps, every = _steps(quick)
    _train(run_dir, model, x, y, steps, every, torch.optim.SGD(model.parameters(), 0.01),
           torch.nn.functional.mse_loss, batch=32, val=val)


def run_not_learning(run_dir, quick):
    """A 10-class classifier whose SGD learning rate (1e-6) is far too small: the loss stays at chance, ln 10."""
    torch = _torch()
    torch.manual_seed(3)
    x, y = blobs(3, size(quick)["samples"] + VALIDATION, classes=10)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    n = size(quick)["samples"]
    model = _mlp(torch, [16, 64, 64, 10])
    steps, every = _steps(quick)
    _train(run_dir, model, x[:n], y[:n], steps, every, torch.optim.SGD(model.parameters(), 1e-6),
           torch.nn.functional.cross_entropy, val=(x[n:], y[n:]), accuracy=_class_accuracy)


def run_oscillating_loss(run_dir, quick):
    """Softmax regression by full-batch gradient descent with a step far above its stable limit.

    On a quadratic this would diverge; the cross-entropy's curvature falls as
    the logits grow, so the weights settle into a two-step cycle instead: the
    loss (logged every step) alternates between two levels for good.
    """
    torch = _torch()
    torch.manual_seed(1)
    x, y = blobs(1, 256, classes=3, informative=4, spread=1.5)  # the same small problem in both modes
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    model = torch.nn.Sequential()
    model.add_module("linear", torch.nn.Linear(16, 3))
    steps, every = _steps(quick)
    _train(run_dir, model, x, y, steps, every, torch.optim.SGD(model.parameters(), 4.0),
           torch.nn.functional.cross_entropy, accuracy=_class_accuracy, scalar_every=1)
