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
    want = {"version": VERSION, "spec": spec, "tags": TAGS, "buckets": BUCKETS}
    jobs = [(logdir, run, steps, seed) for seed, (run, steps) in enumerate(sorted(spec.items(), key=lambda kv: -kv[1]))]
    return _written(logdir, want, _write_one, jobs, processes, log,
                    "writing logdir %s (%d histogram events) ..." % (logdir, TAGS * sum(spec.values())),
                    lambda run: log("  wrote %s" % run))


def _written(logdir, want, write, jobs, processes, log, what, done=lambda result: None):
    """``logdir``, reused when its ``.complete`` stamp says ``want``, else written by ``write`` over ``jobs``."""
    stamp = os.path.join(logdir, ".complete")
    if os.path.exists(stamp):
        with open(stamp) as f:
            if json.load(f) == want:
                log("reusing logdir %s" % logdir)
                return logdir
    shutil.rmtree(logdir, ignore_errors=True)
    os.makedirs(logdir)
    t0 = time.perf_counter()
    log(what)
    with multiprocessing.Pool(max(1, min(processes, len(jobs)))) as pool:
        for result in pool.imap_unordered(write, jobs):
            done(result)
    with open(stamp, "w") as f:
        json.dump(want, f)
    log("logdir written in %.1f s" % (time.perf_counter() - t0))
    return logdir


# ---------------------------------------------------------------- sweep and PyTorch-style logdirs

SWEEP_LAYERS = 25  # x kernel, kernel gradient, activations = 75 tags


def write_sweep_run(logdir, run, steps, seed):
    """One run of a learning-rate sweep: 75 TF2 histogram tags x ``steps``.

    A third of the runs have vanishing gradients (the rules find something)."""
    rng = np.random.default_rng(seed)
    writer = EventFileWriter(os.path.join(logdir, run), max_queue_size=1000, flush_secs=30)
    decay = 1.0 + (seed % 3 == 0) * 1.5
    for step in range(steps):
        for i in range(SWEEP_LAYERS):
            grad_scale = 1e-2 * decay ** (-(SWEEP_LAYERS - 1 - i))
            tensors = (
                ("layer_%02d/kernel" % i, rng.normal(0, 0.1 + 1e-4 * step, VALUES)),
                ("layer_%02d/kernel/grad" % i, rng.normal(0, grad_scale, VALUES)),
                ("layer_%02d/activations" % i, np.maximum(rng.normal(0, 1.0, VALUES), 0.0)),
            )
            for j, (tag, values) in enumerate(tensors):
                summary = histogram_summary.histogram_pb(tag, values, buckets=BUCKETS)
                writer.add_event(event_pb2.Event(step=step, wall_time=WALL0 + step + (3 * i + j) * 1e-4,
                                                 summary=summary))
    writer.add_event(event_pb2.Event(step=steps, wall_time=WALL0 + steps,
                                     summary=scalar_summary.scalar_pb(DONE_TAG, 1.0)))
    writer.close()
    return run


def write_torch_run(logdir, run, steps, seed, tags=50):
    """PyTorch's own ``SummaryWriter.add_histogram`` with its default bins
    (``bins="tensorflow"``: ~1,500 exponential edges, trimmed to the occupied
    range, so about 100-300 buckets per step)."""
    import torch
    from torch.utils.tensorboard import SummaryWriter

    torch.set_num_threads(1)
    rng = np.random.default_rng(seed)
    writer = SummaryWriter(os.path.join(logdir, run), max_queue=1000, flush_secs=30)
    layers = tags // 2
    for step in range(steps):
        for i in range(layers):
            writer.add_histogram("fc%d.weight" % i, rng.normal(0, 0.1, 1024), step)
            writer.add_histogram("fc%d.weight.grad" % i, rng.normal(0, 1e-3 * 2.0 ** i, 1024), step)
    writer.add_scalar(DONE_TAG, 1.0, steps)
    writer.close()
    return run


def _write_job(args):
    kind, logdir, run, steps, seed = args
    return {"sweep": write_sweep_run, "torch": write_torch_run}[kind](logdir, run, steps, seed)


def ensure_kind(root, kind, runs, steps, processes=2, log=print):
    """Write (or reuse) ``runs`` runs of ``steps`` steps of ``kind`` ("sweep" or "torch")."""
    logdir = os.path.join(root, "%s-v%d-%dx%d" % (kind, VERSION, runs, steps))
    want = {"version": VERSION, "kind": kind, "runs": runs, "steps": steps}
    names = ["lr=%.0e,seed=%d" % (10.0 ** -(1 + i % 5), i // 5) if kind == "sweep" else "torch_%d" % i
             for i in range(runs)]
    jobs = [(kind, logdir, name, steps, seed) for seed, name in enumerate(names)]
    return _written(logdir, want, _write_job, jobs, processes, log,
                    "writing %s logdir %s (%d runs x %d steps) ..." % (kind, logdir, runs, steps))
