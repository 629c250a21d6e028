"""Sizes and numpy-made data sets shared by the demo's Keras and PyTorch runs (``demo.py``)."""

import numpy as np


def size(quick):
    """Logged steps (epochs) per run and data set size: ``make demo`` vs. the tests' quick mode."""
    return {"epochs": 20, "samples": 256} if quick else {"epochs": 40, "samples": 512}


def regression_data(seed, n, d=8):
    """A smooth nonlinear target of standard-normal inputs (a task every healthy run can learn)."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, d)).astype("float32")
    y = (np.sin(x[:, :1] * 1.5) + 0.5 * x[:, 1:2] * x[:, 2:3] - 0.3 * x[:, 3:4]).astype("float32")
    return x, y

