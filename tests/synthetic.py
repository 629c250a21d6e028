"""Small synthetic trainings as histogram frames, for tests of routes, errors and rules.

Each generator returns ``[(step, {tag: ndarray})]``; ``write_run`` (the writer
in ``tests/support.py``) stores them with TensorBoard's own numpy code, the code
behind TF2's ``tf.summary.histogram`` (no TensorFlow needed).
"""

import numpy as np

# The writers live in tests/support.py; these names stay for the tests that use them.
from support import write_frames as write_run  # noqa: F401
from support import write_scalars  # noqa: F401


# Gradient RMS of the vanishing fixture's layers against the output layer's, by distance from the output:
# each at least a factor 5 from vanishing_ratio 1e-2 and vanishing_critical_ratio 1e-4, from the 1e-6 that
# tests/test_api.py and tests/test_cli.py set to turn the rule off, and (times the output's 0.1) from
# vanishing_abs 1e-7.  A decade per layer would put the third layer from the output exactly at 1e-2
# (sampling noise deciding its marker).
VANISHING_SCALES = (1.0, 1e-1, 1e-3, 1e-5, 10.0 ** -5.2, 10.0 ** -5.3)
VANISHING_OUTPUT_STD = 0.1


def vanishing(steps=12, layers=6, seed=0):
    """Gradients falling by orders of magnitude away from the output (at most 6 layers): the layer next to
    the output is healthy (1e-1 of it), the next one vanishing (1e-3, warning), the rest critical (1e-5 and
    a little below)."""
    rng = np.random.default_rng(seed)
    out = []
    for step in range(steps):
        tensors = {}
        for i in range(layers):
            tensors["layer_%d_weights" % i] = rng.normal(0, 0.3, 1024) * (1 + 0.02 * step)
            scale = VANISHING_OUTPUT_STD * VANISHING_SCALES[layers - 1 - i]
            tensors["layer_%d_gradients" % i] = rng.normal(0, scale, 1024)
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


# The diverging fixture's gradient std per step over its first four (its early baseline is the first three):
# flat, then 10**3.75 (5,600x) and a quarter decade more per step, so every step is a factor 3 or more from
# the exploding factors 10, 100 and 1000 (between two decades no value is: sampling noise would decide); the
# last finite norm (1.3e4) is 80x under exploding_abs 1e6.  The weights' std grows steadily to 10**2.75 (560x)
# its start by the last finite step: more than 3x the critical growth 100.
DIVERGING_GROWTH = (1.0, 1.0, 1.0, 1.0) + tuple(10.0 ** (3.75 + 0.25 * k) for k in range(5))
DIVERGING_WEIGHT_GROWTH = 10.0 ** 2.75
DIVERGING_NAN_FROM = 9


def diverging(steps=12, seed=2):
    """Gradient norms jumping thousands of times over after a flat start, then NaN (weights Inf) from step 9;
    weights growing steadily by orders of magnitude meanwhile."""
    rng = np.random.default_rng(seed)
    out = []
    for step in range(steps):
        k = min(step, len(DIVERGING_GROWTH) - 1)
        scale = 1e-2 * DIVERGING_GROWTH[k]
        tensors = {}
        for i in range(3):
            g = rng.normal(0, scale, 512)
            w = rng.normal(0, 0.3 * DIVERGING_WEIGHT_GROWTH ** (k / (DIVERGING_NAN_FROM - 1)), 512)
            if step >= DIVERGING_NAN_FROM:
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
