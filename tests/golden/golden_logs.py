"""The golden logdir: small deterministic runs in several writers' layouts.

Written with TensorBoard's own numpy writer (no TensorFlow), every value from a
seeded generator and every wall time fixed, so the same bytes come out on every
machine.  Two layouts: TF2's tensor summaries (``summary_v2.histogram_pb``, 30
buckets, what ``tf.summary.histogram`` writes) and TF1's ``HistogramProto`` as
torch's ``SummaryWriter`` and tensorboardX write it (TensorFlow's ~1,500
exponential bucket edges, empty end buckets trimmed).  ``tests/golden/test_golden.py``
snapshots every route's answer on these runs.
"""

import os

import numpy as np

import synthetic
from support import write_frames

WALL0 = 1.7e9


# ---------------------------------------------------------------- TF1 / torch layout

def _tf_bucket_limits():
    """TensorFlow's default histogram edges: +-1e-12 * 1.1**k up to 1e20 (torch's ``bins="tensorflow"``)."""
    pos, v = [], 1e-12
    while v < 1e20:
        pos.append(v)
        v *= 1.1
    return np.array([-x for x in reversed(pos)] + [0.0] + pos + [np.finfo(np.float64).max])


_LIMITS = _tf_bucket_limits()


def histogram_proto(values):
    """``HistogramProto`` of ``values`` as ``torch.utils.tensorboard.summary.make_histogram`` builds it."""
    from tensorboard.compat.proto import summary_pb2

    values = np.asarray(values, dtype=np.float64).ravel()
    counts, edges = np.histogram(values, bins=np.concatenate([[-np.finfo(np.float64).max], _LIMITS]))
    # torch keeps one empty bucket before the first filled one and trims the rest of both ends
    cum = np.cumsum(np.greater(counts, 0))
    start, end = np.searchsorted(cum, [0, cum[-1] - 1], side="right")
    start, end = int(start), int(end) + 1
    counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
    limits = edges[start:end + 1]
    return summary_pb2.HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                                      sum_squares=values.dot(values), bucket_limit=limits.tolist(),
                                      bucket=counts.tolist())


def write_proto_run(logdir, run, frames):
    """``frames`` as TF1-style ``Summary.Value(histo=...)`` events (torch / tensorboardX layout)."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(os.path.join(logdir, run))
    for step, tensors in frames:
        for i, (tag, values) in enumerate(tensors.items()):
            summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histogram_proto(values))])
            writer.add_event(event_pb2.Event(step=step, wall_time=WALL0 + step + i * 1e-3, summary=summary))
    writer.close()


# ---------------------------------------------------------------- trainings as frames

# The saturated tanh layer's gain: tanh(600 x) is exactly +-1 in float64 where |x| > 0.032, for 97.5% of
# N(0, 1) values: 2.5% unsaturated, a factor 4 under the 10% that saturation_critical_fraction 0.9 leaves
# (a gain of 8 put 82% within 0.05 of the bounds, between the thresholds 50% and 90% but near both).
SATURATING_GAIN = 600.0


def _relu_net(steps, layers, seed, dead_layer=None, frozen_layer=None, act="relu", n=256):
    """Weights drifting slowly, balanced gradients, activations; one layer may die or freeze."""
    rng = np.random.default_rng(seed)
    kernels = [rng.normal(0, 0.3, n) for _ in range(layers)]
    out = []
    for step in range(steps):
        tensors = {}
        for i in range(layers):
            if i != frozen_layer:
                kernels[i] = kernels[i] + rng.normal(0, 0.01, n)
            pre = rng.normal(0, 1, n)
            if act == "tanh":
                acts = np.tanh(pre * (SATURATING_GAIN if i == dead_layer else 1.0))
            else:
                acts = np.maximum(pre - (4.0 if i == dead_layer else 0.0), 0)
            grad = rng.normal(0, 1e-2, n) * (0.0 if i == frozen_layer else 1.0)
            tensors["dense_%d/kernel" % i] = kernels[i]
            tensors["dense_%d/kernel/grad" % i] = grad
            tensors["dense_%d/activations" % i] = acts
        out.append((step, tensors))
    return out


# The weights-only run's update size per layer, by distance from the output: the two output-side layers
# move alike, the next one 1/100 as much, the input layer 1/1000 (a decade per layer would put the third
# layer from the output at inferred_slow_ratio 0.1 exactly, noise deciding whether it falls behind).
WEIGHTS_ONLY_PACE = (1.0, 1.0, 1e-2, 1e-3)


def _weights_only(steps, layers, seed, n=256):
    """Weights only; the input-side layers' weights stop moving while the output side keeps moving."""
    rng = np.random.default_rng(seed)
    kernels = [rng.normal(0, 0.3, n) for _ in range(layers)]
    out = []
    for step in range(steps):
        for i in range(layers):
            kernels[i] = kernels[i] + rng.normal(0, 0.02 * WEIGHTS_ONLY_PACE[layers - 1 - i], n)
        out.append((step, {"dense_%d/kernel" % i: kernels[i] for i in range(layers)}))
    return out


def _torch_net(steps, seed, explode=False, n=256):
    """torch-style tags (``fc1.weight``, ``fc1.weight.grad``); if ``explode``, gradients flat for four steps, then
    thousands of times larger (``synthetic.DIVERGING_GROWTH``: every step a factor 3 from the exploding factors)."""
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0, 0.2, n) for _ in range(3)]
    out = []
    for step in range(steps):
        tensors = {}
        for i in range(3):
            weights[i] = weights[i] + rng.normal(0, 0.005, n)
            scale = 1e-2 * (synthetic.DIVERGING_GROWTH[min(step, 8)] if explode else 1.0)
            tensors["fc%d.weight" % (i + 1)] = weights[i]
            tensors["fc%d.weight.grad" % (i + 1)] = rng.normal(0, scale, n)
        out.append((step, tensors))
    return out


def _long(steps, seed, n=128):
    """One layer over many steps (the default document thins it); NaN gradients at one step."""
    rng = np.random.default_rng(seed)
    kernel = rng.normal(0, 0.3, n)
    out = []
    for step in range(steps):
        kernel = kernel + rng.normal(0, 0.002, n)
        grad = rng.normal(0, 1e-2 * (1 + 0.5 * np.sin(step / 50.0)), n)
        if step == 777:
            grad[::9] = np.nan
        out.append((step, {"dense/kernel": kernel, "dense/kernel/grad": grad}))
    return out


LONG_STEPS = 1200

RUNS = {
    # run: (layout, frames)
    "tf2_healthy": ("tf2", lambda: _relu_net(16, 3, seed=10)),
    "tf2_vanishing": ("tf2", lambda: synthetic.vanishing(steps=12, layers=5, seed=11)),
    "tf2_exploding_nan": ("tf2", lambda: synthetic.diverging(steps=12, seed=12)),
    "tf2_dead_units": ("tf2", lambda: _relu_net(16, 3, seed=13, dead_layer=1)),
    "tf2_stagnant": ("tf2", lambda: _relu_net(16, 3, seed=14, frozen_layer=1)),
    "tf2_saturation": ("tf2", lambda: _relu_net(16, 3, seed=15, dead_layer=0, act="tanh")),
    "tf2_tanh_healthy": ("tf2", lambda: _relu_net(16, 3, seed=16, act="tanh")),
    "weights_only": ("tf2", lambda: _weights_only(16, 4, seed=17)),
    "torch_healthy": ("proto", lambda: _torch_net(10, seed=18)),
    "torch_exploding": ("proto", lambda: _torch_net(10, seed=19, explode=True)),
    "long": ("tf2", lambda: _long(LONG_STEPS, seed=20)),
}


def write_golden_logdir(logdir):
    """Every run of ``RUNS`` under ``logdir``, plus a scalar-only run the tab must leave out."""
    for run, (layout, frames) in RUNS.items():
        if layout == "tf2":
            write_frames(logdir, run, frames(), wall_time=WALL0)
        else:
            write_proto_run(logdir, run, frames())
    synthetic.write_scalars(logdir, "scalars_only")
    return sorted(RUNS)
