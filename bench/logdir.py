"""The benchmark's scale logdir, written with TensorBoard's own writer (no TensorFlow).

Five runs of 100 histogram tags (25 layers x kernel, bias, kernel gradient,
activations), TF2 layout (``summary_v2.histogram_pb``, 30 buckets, the
``tf.summary.histogram`` default): ``run_0`` .. ``run_3`` with 500 steps and
``long`` with 5,000 steps.  Each run ends with a scalar ``bench/done`` so the
benchmark can tell when a loader has read the whole file.  The logdir is cached
under ``bench/.data/`` and rewritten only when ``VERSION`` or the shape changes.
"""

import json
import multiprocessing
import os
import shutil
import sys
import time
import types

if "tensorflow" not in sys.modules:
    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))

import numpy as np  # noqa: E402

from tensorboard.compat.proto import event_pb2  # noqa: E402
from tensorboard.plugins.histogram import summary_v2 as histogram_summary  # noqa: E402
from tensorboard.plugins.scalar import summary_v2 as scalar_summary  # noqa: E402
from tensorboard.summary.writer.event_file_writer import EventFileWriter  # noqa: E402

VERSION = 1
LAYERS = 25
TAGS = LAYERS * 4
VALUES = 256  # values per logged tensor (the cost of reading does not depend on it)
BUCKETS = 30
WALL0 = 1.7e9
DONE_TAG = "bench/done"


def runs_spec(short_runs=4, short_steps=500, long_steps=5000):
    spec = {"run_%d" % i: short_steps for i in range(short_runs)}
    if long_steps:
        spec["long"] = long_steps
    return spec


def tag_names():
    names = []
    for i in range(LAYERS):
        names += ["dense_%d/kernel" % i, "dense_%d/bias" % i, "dense_%d/kernel/grad" % i,
                  "dense_%d/activations" % i]
    return names


def write_run(logdir, run, steps, seed):
    """One run: slowly moving weights, gradients shrinking towards the input
    (the first layers vanish, so the rules find something), ReLU activations
    with one dying layer."""
    rng = np.random.default_rng(seed)
    writer = EventFileWriter(os.path.join(logdir, run), max_queue_size=1000, flush_secs=30)
    kernels = [rng.normal(0, 0.1, VALUES) for _ in range(LAYERS)]
    biases = [rng.normal(0, 0.01, VALUES) for _ in range(LAYERS)]
    for step in range(steps):
        wall = WALL0 + step
        for i in range(LAYERS):
            kernels[i] += rng.normal(0, 1e-3, VALUES)
            biases[i] += rng.normal(0, 1e-4, VALUES)
            grad_scale = 1e-2 * (10.0 ** (-(LAYERS - 1 - i) / 6.0))
            act = np.maximum(rng.normal(-2.5 * (i == 7) * step / steps, 1.0, VALUES), 0.0)
            tensors = (
                ("dense_%d/kernel" % i, kernels[i]),
                ("dense_%d/bias" % i, biases[i]),
                ("dense_%d/kernel/grad" % i, rng.normal(0, grad_scale, VALUES)),
                ("dense_%d/activations" % i, act),
            )
            for j, (tag, values) in enumerate(tensors):
                summary = histogram_summary.histogram_pb(tag, values, buckets=BUCKETS)
                writer.add_event(event_pb2.Event(step=step, wall_time=wall + (4 * i + j) * 1e-4, summary=summary))
    writer.add_event(event_pb2.Event(step=steps, wall_time=WALL0 + steps,
                                     summary=scalar_summary.scalar_pb(DONE_TAG, 1.0)))
    writer.close()
    return run


def _write_one(args):
    return write_run(*args)


def ensure(root, spec, processes=2, log=print):
    """Write (or reuse) the logdir for ``spec`` under ``root``; returns its path."""
    name = "logdir-v%d-%s" % (VERSION, "-".join("%s%d" % (r, s) for r, s in sorted(spec.items())))
    logdir = os.path.join(root, name)
    stamp = os.path.join(logdir, ".complete")
    want = {"version": VERSION, "spec": spec, "tags": TAGS, "buckets": BUCKETS}
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == want:
                log("reusing logdir %s" % logdir)
                return logdir
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    t0 = time.perf_counter()
    jobs = [(logdir, run, steps, seed) for seed, (run, steps) in enumerate(sorted(spec.items(), key=lambda kv: -kv[1]))]
    log("writing logdir %s (%d histogram events) ..." % (logdir, TAGS * sum(spec.values())))
    with multiprocessing.Pool(max(1, min(processes, len(jobs)))) as pool:
        for run in pool.imap_unordered(_write_one, jobs):
            log("  wrote %s" % run)
    with open(stamp, "w") as f:
        json.dump(want, f)
    log("logdir written in %.1f s" % (time.perf_counter() - t0))
    return logdir
