"""Loading a logdir outside TensorBoard, with TensorBoard's own loading code.

The CLI and the Python API read logs exactly as ``tensorboard --load_fast=false``
does (the event multiplexer and its data provider, which also migrate TF1 and
PyTorch histogram protos), so no TensorFlow is needed and the report sees the
same data as the tab.  Unlike the server, every sample is kept.
"""

import multiprocessing
import os
import sys
import types

from tensorboard import context
from tensorboard.backend.event_processing import data_provider as tb_data_provider
from tensorboard.backend.event_processing import io_wrapper
from tensorboard.backend.event_processing import plugin_event_multiplexer

from tb_histdiag_plugin import diagnoser, parallel, reading


class LogdirError(ValueError):
    """A logdir that does not exist or holds no histograms."""


def _multiplexer():
    return plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={reading.HISTOGRAM_PLUGIN: 0},
        max_reload_threads=1,
    )


def _check(logdir):
    if not os.path.isdir(logdir):
        raise LogdirError("logdir %r does not exist or is not a directory" % logdir)


def local_provider(logdir):
    """A loaded data provider over ``logdir`` keeping all histogram samples."""
    _check(logdir)
    multiplexer = _multiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)


def run_dirs(logdir):
    """``{run: directory}`` of the runs of ``logdir``, named as TensorBoard names them."""
    _check(logdir)
    return {os.path.relpath(d, logdir): d for d in io_wrapper.GetLogdirSubdirectories(logdir)}


def _analyse_run(args):
    """Load one run with its own multiplexer and analyse it (a worker's job)."""
    run, path = args
    multiplexer = _multiplexer()
    multiplexer.AddRun(path, name=run)
    multiplexer.Reload()
    provider = tb_data_provider.MultiplexerDataProvider(multiplexer, os.path.dirname(path))
    tags = reading.list_histograms(provider, request_context(), "", [run]).get(run)
    if not tags:
        return run, None
    return run, diagnoser.Diagnoser(provider, cache_mb=0).analysis(request_context(), "", run, tags)


def analyse_logdir(logdir, runs=None, jobs=None):
    """``{run: diagnosis.RunAnalysis}`` of the runs of ``logdir`` holding histograms.

    Each run is loaded by its own multiplexer in one of ``jobs`` worker
    processes (None: every core) and dropped once analysed, so loading (the
    Python loader is pure Python, one core per process) runs on every core
    and at most ``jobs`` runs' tensors are held at a time; measured 2.6x
    faster end to end than one shared multiplexer with analysis threads
    (``bench/README.md``).  ``runs`` (names from ``run_dirs``) limits the work;
    an unknown run raises ``KeyError``.
    """
    dirs = run_dirs(logdir)
    names = sorted(dirs) if runs is None else list(runs)
    unknown = [r for r in names if r not in dirs]
    if unknown:
        raise KeyError("no run %r in %r" % (unknown[0], logdir))
    # Largest first, so the pool does not end on one big run.
    jobs_list = sorted(((r, dirs[r]) for r in names), key=lambda rp: -_dir_bytes(rp[1]))
    n = min(parallel.workers(jobs), max(1, len(jobs_list)))
    if n == 1:
        done = map(_analyse_run, jobs_list)
    else:
        # fork is cheap, but not after TensorFlow started its threads.
        ctx = multiprocessing.get_context("spawn" if "tensorflow" in sys.modules else "fork")
        with ctx.Pool(n, initializer=prefer_tensorflow_stub) as pool:
            done = pool.map(_analyse_run, jobs_list, chunksize=1)
    found = {run: analysis for run, analysis in done if analysis is not None}
    return {run: found[run] for run in sorted(found)}


def _dir_bytes(path):
    try:
        return sum(e.stat().st_size for e in os.scandir(path) if e.is_file())
    except OSError:
        return 0


def prefer_tensorflow_stub():
    """Have TensorBoard read files with its own TF stub, not TensorFlow.

    TensorBoard's ``compat.tf`` imports TensorFlow whenever it is installed,
    which costs seconds and floods stderr; ``tensorboard.compat.notf`` is its
    documented switch to the stub.  The choice is made once per process, and
    the stub cannot write summaries, so only a process that never writes them
    may call this: the CLI does, the Python API does not.
    """
    if "tensorflow" not in sys.modules and "tensorboard.compat.notf" not in sys.modules:
        sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")


def request_context():
    return context.RequestContext()
