"""Synthetic histogram logs for the end-to-end tests, written without TensorFlow."""

import os

import numpy as np
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.histogram import summary_v2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

N_LAYERS = 6
STEPS = list(range(0, 20, 2))
XSS_TAG = "<img src=x onerror=alert(1)>"


def _write(logdir, run, tagged_arrays_by_step):
    writer = EventFileWriter(os.path.join(logdir, run))
    t0 = 1.7e9
    for step, arrays in tagged_arrays_by_step:
        for tag, arr in arrays:
            writer.add_event(event_pb2.Event(
                step=step, wall_time=t0 + step,
                summary=summary_v2.histogram_pb(tag, np.asarray(arr, dtype=np.float64), buckets=30)))
    writer.close()


def _run_arrays(rng, grad_scale_for_layer, steps=STEPS, n_layers=N_LAYERS, extra=()):
    out = []
    for step in steps:
        arrays = []
        for i in range(n_layers):
            w = rng.normal(0.0, 0.3 * (1 + 0.01 * step), size=400)
            b = rng.normal(0.0, 0.05, size=32)
            g = rng.normal(0.0, grad_scale_for_layer(i), size=400)
            arrays += [("layer_%d_weights" % i, w), ("layer_%d_biases" % i, b), ("layer_%d_gradients" % i, g)]
        arrays += [(tag, rng.normal(0.0, 1.0, size=100)) for tag in extra]
        out.append((step, arrays))
    return out


def write_logs(logdir):
    """Write the runs ``vanishing``, ``healthy`` and ``xss``; return their names."""
    rng = np.random.default_rng(0)
    # Early layers' gradients 1e-6 of the last layer's.
    scales = np.logspace(-6, 0, N_LAYERS) * 1e-2
    _write(logdir, "vanishing", _run_arrays(rng, lambda i: scales[i]))
    _write(logdir, "healthy", _run_arrays(rng, lambda i: 1e-2))
    _write(logdir, "xss", _run_arrays(rng, lambda i: 1e-2, n_layers=2, extra=(XSS_TAG,)))
    return ["vanishing", "healthy", "xss"]


if __name__ == "__main__":
    import sys

    print(write_logs(sys.argv[1]))
