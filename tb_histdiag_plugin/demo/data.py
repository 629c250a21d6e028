"""Sizes and numpy-made data sets shared by the demo's Keras and PyTorch runs (``demo.py``)."""

import numpy as np


def size(quick):
    """Logged steps (epochs) per run and data set size: ``make demo`` vs. the tests' quick mode."""
    return {"epochs": 20, "samples": 256} if quick else {"epochs": 40, "samples": 512}


# Held-out samples for a run's validation loss (and accuracy).
VALIDATION = 128


def regression_data(seed, n, d=8):
    """A smooth nonlinear target of standard-normal inputs (a task every healthy run can learn)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (np.sin(x[:, :1] * 1.5) + 0.5 * x[:, 1:2] * x[:, 2:3] - 0.3 * x[:, 3:4]).astype("float32")
    return x, y


def regression_split(seed, n, n_val=VALIDATION, d=8):
    """``regression_data(seed, n)`` (the same samples) and ``n_val`` held-out samples drawn after them."""
    x, y = regression_data(seed, n + n_val, d)
    return (x[:n], y[:n]), (x[n:], y[n:])


def blobs(seed, n, classes, d=16, informative=None, spread=1.5):
    """``classes`` Gaussian clusters with unit noise (labels ``0 .. classes-1``), a learnable classification task.

    The class centres differ in the first ``informative`` inputs only (all
    ``d`` by default), by ``spread`` standard deviations per input.
    """
    rng = np.random.default_rng(seed)
    informative = d if informative is None else informative
    centres = np.zeros((classes, d))
    centres[:, :informative] = rng.normal(size=(classes, informative)) * spread
    y = rng.integers(0, classes, n)
    x = (centres[y] + rng.normal(size=(n, d))).astype("float32")
    return x, y.astype("int64")
