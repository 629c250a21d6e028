"""Loading a logdir outside TensorBoard, with TensorBoard's own loading code.

The CLI and the Python API read logs exactly as ``tensorboard --load_fast=false``
does (the event multiplexer and its data provider, which also migrate TF1 and
PyTorch histogram protos), so no TensorFlow is needed and the report sees the
same data as the tab.  Unlike the server, every sample is kept.

A logdir may be a URL (``s3://``, ``gs://``): it is listed and read through
TensorBoard's file systems (``remote.py``).  ``diagnose_logdir`` runs each run
as a task in local worker processes or, given a ``dask.distributed`` client,
on a cluster (``cluster.py``); the workers read the logdir themselves.
"""

import json
import multiprocessing
import os
import signal
import sys
import types
from concurrent import futures
from concurrent.futures import process

from tensorboard import context
from tensorboard.backend.event_processing import data_provider as tb_data_provider
from tensorboard.backend.event_processing import io_wrapper
from tensorboard.backend.event_processing import plugin_event_multiplexer

from tb_histdiag_plugin import diagnoser, parallel, reading, remote


class LogdirError(ValueError):
    """A logdir that does not exist or holds no histograms."""


class RunFailed(Exception):
    """A run that could not be loaded or analysed (the message is one line, naming the cause)."""


def _multiplexer():
    return plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={reading.HISTOGRAM_PLUGIN: 0},
        max_reload_threads=1,
    )


def _check(logdir):
    if remote.is_url(logdir):
        try:
            remote.check_dir(logdir)
        except remote.RemoteError as e:
            raise LogdirError(str(e)) from e
    elif not os.path.isdir(logdir):
        raise LogdirError("logdir %r does not exist or is not a directory" % logdir)


def local_provider(logdir):
    """A loaded data provider over ``logdir`` keeping all histogram samples."""
    _check(logdir)
    try:
        remote.use_stub_here(logdir)
    except remote.RemoteError as e:
        raise LogdirError(str(e)) from e
    multiplexer = _multiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)


def run_dirs(logdir):
    """``{run: directory}`` of the runs of ``logdir``, named as TensorBoard names them."""
    _check(logdir)
    if remote.is_url(logdir):
        try:
            return remote.run_dirs(logdir)
        except remote.RemoteError as e:
            raise LogdirError(str(e)) from e
    return {os.path.relpath(d, logdir): d for d in io_wrapper.GetLogdirSubdirectories(logdir)}


# Most sibling or child runs loaded beside a run for its training signals.
_MAX_RELATED = 64


def related_dirs(run, path):
    """``[(run, directory)]`` of the runs whose scalars may belong to ``run`` (``scalars.Index``): its split
    siblings (Keras' ``X/train`` beside ``X/validation``) and its direct children (``add_scalars``)."""
    from tensorboard.compat import tf

    from tb_histdiag_plugin import scalar_names

    out = []
    try:
        base, split = scalar_names.split_of_run(run)
        if split is not None:
            parent, own = path.rstrip("/").rsplit("/", 1)
            for entry in sorted(tf.io.gfile.listdir(parent)):
                entry = entry.rstrip("/")
                if entry != own and scalar_names.split_of_run(entry)[1] is not None:
                    out.append(((base + "/" if base else "") + entry, parent + "/" + entry))
        for entry in sorted(tf.io.gfile.listdir(path)):
            entry = entry.rstrip("/")
            if tf.io.gfile.isdir(path.rstrip("/") + "/" + entry):
                out.append((run + "/" + entry, path.rstrip("/") + "/" + entry))
    except Exception:  # unreadable siblings: the run's own scalars still count
        return out[:_MAX_RELATED]
    return [(r, d) for r, d in out if tf.io.gfile.isdir(d)][:_MAX_RELATED]


def _analyse_run(args):
    """Load one run with its own multiplexer and analyse it (a worker's job); its related runs
    (``related_dirs``) are loaded beside it for their training signals."""
    run, path = args
    multiplexer = _multiplexer()
    multiplexer.AddRun(path, name=run)
    for other, other_path in related_dirs(run, path):
        multiplexer.AddRun(other_path, name=other)
    multiplexer.Reload()
    provider = tb_data_provider.MultiplexerDataProvider(multiplexer, remote.dirname(path))
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


def diagnose_run(run, path, settings=None):
    """``(run, document JSON or None)``: one run loaded, analysed and its document made, in
    this process (a worker's task: only names, paths, settings and the JSON cross processes).

    ``settings`` are the raw overrides ``api.diagnose`` takes; None means no
    histograms.  Any failure raises ``RunFailed`` with a one-line message.
    """
    from tb_histdiag_plugin.settings import parse_settings

    if not remote.is_url(path) and not os.path.isdir(path):
        raise RunFailed("no directory %s where this run was analysed (is the logdir on a file system "
                        "every worker shares?)" % path)
    try:
        remote.use_stub_here(path)
        run, analysis = _analyse_run((run, path))
        if analysis is None:
            return run, None
        return run, analysis.document_json(parse_settings(settings or {}), max_points=None)  # every step
    except Exception as e:
        raise RunFailed(remote.describe(e)) from None


def _local_task(run, path, settings):
    """``diagnose_run`` as ``(run, JSON or None, error or None)``."""
    try:
        return diagnose_run(run, path, settings) + (None,)
    except RunFailed as e:
        return run, None, str(e)


def _worker_init():
    """A local worker process: reads with TensorBoard's stub; Ctrl-C is the parent's to handle."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    prefer_tensorflow_stub()


def _run_locally(work, settings, jobs, url):
    """Yield ``(run, JSON or None, error or None)`` as the runs of ``work`` finish, in ``jobs`` processes.

    One job runs here, in this process, unless the logdir is an ``s3://`` URL
    this process cannot read (TensorFlow loaded, ``remote.use_stub_here``).
    """
    n = min(parallel.workers(jobs), max(1, len(work)))
    if n == 1 and not (url and remote.is_s3(url) and not remote.stub_in_effect()):
        for run, path in work:
            yield _local_task(run, path, settings)
        return
    # fork is cheap, but not after TensorFlow started its threads.
    ctx = multiprocessing.get_context("spawn" if "tensorflow" in sys.modules else "fork")
    executor = futures.ProcessPoolExecutor(n, mp_context=ctx, initializer=_worker_init)
    finished = False
    try:
        pending = {executor.submit(_local_task, run, path, settings): run for run, path in work}
        for future in futures.as_completed(pending):
            try:
                yield future.result()
            except process.BrokenProcessPool as e:
                yield pending[future], None, "its worker process died (%s)" % remote.describe(e)
        finished = True
    finally:
        if not finished:  # Ctrl-C, or the caller stopped reading: drop the rest now
            for worker in list((getattr(executor, "_processes", None) or {}).values()):
                worker.terminate()
        executor.shutdown(wait=finished, cancel_futures=True)


def diagnose_logdir(logdir, runs=None, jobs=None, settings=None, tasks=None, progress=None, raw=False):
    """``({run: document}, {run: error})`` of the runs of ``logdir`` (or of ``runs``).

    Each run is a task (``diagnose_run``) loaded and analysed by a worker that
    reads the logdir itself: in ``jobs`` local processes (None: every core),
    or by ``tasks(work, settings)``, which runs ``diagnose_run`` on each
    ``(run, path)`` of ``work`` elsewhere and yields ``(run, JSON or None,
    error or None)`` as they finish (``cluster.run_tasks`` on a Dask
    cluster).  The documents are the same either way.  Runs without histograms are left out; a run that
    fails is in the second dict with a one-line reason, the others are kept.
    ``progress(run, done, total, error)`` is called as each run finishes.
    With ``raw`` the documents are left as the workers' JSON text (what
    ``json.dumps(document, separators=(",", ":"))`` gives): a big sweep's
    report need not parse and re-serialise every document in this one process.
    """
    dirs = run_dirs(logdir)
    names = sorted(dirs) if runs is None else list(runs)
    unknown = [r for r in names if r not in dirs]
    if unknown:
        raise KeyError("no run %r in %r" % (unknown[0], logdir))
    url = remote.is_url(logdir)
    # Largest first, so the workers do not end on one big run (object sizes would cost a request each).
    work = [(r, dirs[r] if url else os.path.abspath(dirs[r])) for r in names]
    if not url:
        work.sort(key=lambda rp: -_dir_bytes(rp[1]))
    if tasks is not None:
        done = tasks(work, settings)
    else:
        done = _run_locally(work, settings, jobs, logdir if url else None)
    documents, failed = {}, {}
    for i, (run, text, error) in enumerate(done, 1):
        if error is not None:
            failed[run] = error
        elif text is not None:
            documents[run] = text if raw else json.loads(text)
        if progress is not None:
            progress(run, i, len(work), error)
    return {run: documents[run] for run in sorted(documents)}, {run: failed[run] for run in sorted(failed)}


def _dir_bytes(path):
    if remote.is_url(path):
        return 0  # a request per object: not worth it for ordering
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
