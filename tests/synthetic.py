"""Small synthetic trainings as histogram frames, for tests of routes, errors and rules.

Each generator returns ``[(step, {tag: ndarray})]``; ``write_run`` (the writer
in ``tests/support.py``) stores them with TensorBoard's own numpy code, the code
behind TF2's ``tf.summary.histogram`` (no TensorFlow needed).
"""

import numpy as np

# The writers live in tests/support.py; these names stay for the tests that use them.
from support import write_frames as write_run  # noqa: F401
from support import write_scalars  # noqa: F401


def vanishing(steps=12, layers=6, seed=0):
    """Gradients shrinking a decade per layer away from the output."""
    rng = np.random.default_rng(seed)
    out = []
    for step in range(steps):
        tensors = {}
        for i in range(layers):
            tensors["layer_%d_weights" % i] = rng.normal(0, 0.3, 1024) * (1 + 0.02 * step)
            tensors["layer_%d_gradients" % i] = rng.normal(0, 1e-2 * 10.0 ** (i - layers + 1), 1024)
        out.append((step, tensors))
    return out


def healthy(steps=12, layers=4, seed=1):
    rng = np.random.default_rng(seed)
    base = [rng.normal(0, 0.3, 1024) for _ in range(layers)]
    out = []
    for step in range(steps):
        tensors = {}
        for i in range(layers):
            base[i] = base[i] + rng.normal(0, 0.01, 1024)
            tensors["dense_%d/kernel" % i] = base[i]
            tensors["dense_%d/kernel/grad" % i] = rng.normal(0, 1e-2, 1024) * (1 + 0.1 * np.sin(step))
            tensors["dense_%d/activations" % i] = np.maximum(rng.normal(0, 1, 1024), 0)
        out.append((step, tensors))
    return out


def diverging(steps=12, seed=2):
    """Gradient norms growing 3x per step, then NaN."""
    rng = np.random.default_rng(seed)
    out = []
    for step in range(steps):
        scale = 1e-2 * 3.0 ** step
        tensors = {}
        for i in range(3):
            g = rng.normal(0, scale, 512)
            w = rng.normal(0, 0.3 * (1 + step), 512)
            if step >= 9:
                g[::7] = np.nan
                w[::5] = np.inf
            tensors["fc%d.weight" % (i + 1)] = w
            tensors["fc%d.weight.grad" % (i + 1)] = g
        out.append((step, tensors))
    return out


def write_standard(logdir):
    """healthy, vanishing and diverging runs, plus one with only scalars."""
    write_run(logdir, "healthy", healthy())
    write_run(logdir, "vanishing", vanishing())
    write_run(logdir, "diverging", diverging())
    write_scalars(logdir, "scalars_only")
    return ["diverging", "healthy", "vanishing"]
