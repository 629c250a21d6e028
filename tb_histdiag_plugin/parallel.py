"""Analysing runs on every core inside TensorBoard: reading threads, computing processes.

Inside TensorBoard the data provider lives in the server process (the Python
loader's multiplexer, or the gRPC channel to the Rust data server), so runs are
always read there, through it, on threads.  The Python loader's reads are a
Python loop holding the GIL and the statistics are many numpy calls on small
arrays, each re-taking it, so threads alone barely overlap (``bench/README.md``).
Hence the CPU part goes to ``ComputePool`` worker processes: a background run
is read whole and analysed whole by a worker while the next is read
(``diagnoser.Diagnoser``), and a request's run is read in tag groups whose
statistics the workers compute while the next group is read (``read_grouped``).
Outside TensorBoard each run gets its own loader, so the CLI and ``diagnose()``
use whole-run worker processes (``loading.analyse_logdir``).
"""

import multiprocessing
import os
import pickle
import queue
import threading
import time
from concurrent import futures
from concurrent.futures import process

from tb_histdiag_plugin import reading, stats


def workers(jobs=None):
    """The number of worker threads for ``jobs`` (None or < 1: every core)."""
    if jobs is None or jobs < 1:
        return max(1, os.cpu_count() or 1)
    return int(jobs)


class Background:
    """A bounded pool of daemon worker threads running at most one job per key.

    ``submit(key, fn)`` is a no-op while a job for ``key`` is queued or
    running, so a client polling ``/runs`` never queues the same run twice.
    Daemon threads (unlike ``concurrent.futures``' workers, which drain their
    queue at exit) never keep TensorBoard from shutting down.
    """

    def __init__(self, jobs=None):
        self._size = workers(jobs)
        self._queue = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._pending = set()
        self._threads = []

    def submit(self, key, fn):
        with self._lock:
            if key in self._pending:
                return False
            self._pending.add(key)
            if len(self._threads) < min(self._size, len(self._pending)):
                thread = threading.Thread(target=self._work, name="histdiag-bg-%d" % len(self._threads), daemon=True)
                self._threads.append(thread)
                thread.start()
        self._queue.put((key, fn))
        return True

    def _work(self):
        while True:
            key, fn = self._queue.get()
            try:
                fn()
            except Exception:  # the job records its own failure; keep the worker alive
                pass
            finally:
                with self._lock:
                    self._pending.discard(key)

    def busy(self):
        """Jobs queued or running."""
        with self._lock:
            return len(self._pending)


class ComputePool:
    """Worker processes for the CPU part of background analyses.

    Inside TensorBoard, reads go through the server's data provider and hold
    the GIL (the Python loader's ``read_tensors`` is a Python loop), and the
    statistics are many numpy calls on small arrays, each re-taking the GIL:
    threads barely overlap (``bench/README.md``).  So a background thread
    reads a run through the data provider in the server, as ever, and hands
    the normalised arrays to a worker process for statistics and rules
    (``diagnosis.analyse``), while the next thread reads the next run.  Only
    arrays cross the process boundary, never the data provider.

    Workers are spawned (no fork of a threaded server) on first use and exit
    with the server (they watch their parent).  If the pool cannot be
    started or breaks, ``run`` computes in the calling thread instead, from
    then on: the same result, only slower.
    """

    def __init__(self, processes):
        self.processes = processes
        self._executor = None
        self._broken = processes < 1
        self._warm = False
        self._lock = threading.Lock()

    def _get(self):
        with self._lock:
            if self._executor is None and not self._broken:
                try:
                    self._executor = futures.ProcessPoolExecutor(
                        self.processes, mp_context=multiprocessing.get_context("spawn"),
                        initializer=_watch_parent, initargs=(os.getpid(),))
                except Exception:  # no processes here (e.g. a sandbox without semaphores)
                    self._broken = True
            return self._executor

    def _give_up(self):
        with self._lock:
            self._broken = True
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)

    def submit(self, fn, *args):
        """Start ``fn(*args)`` in a worker process (both picklable); ``.result()`` waits for it.
        Without a usable pool it is computed here and now."""
        executor = self._get()
        if executor is not None:
            try:
                return _Job(self, executor.submit(fn, *args), fn, args)
            except Exception:  # broken, shut down, or no child processes allowed here
                self._give_up()
        return self.here(fn, *args)

    def here(self, fn, *args):
        """``fn(*args)`` computed in this thread now, as a job like ``submit``'s."""
        return _Job(self, None, fn, args)

    def run(self, fn, *args):
        """``fn(*args)`` in a worker process, else in this thread."""
        return self.submit(fn, *args).result()

    def warm_up(self, wait=False):
        """Start the worker processes now (spawning one costs about a second)."""
        with self._lock:
            first, self._warm = not self._warm, True
        if not first and not wait:
            return
        jobs = [self.submit(int) for _ in range(self.processes if self._get() is not None else 0)]
        for job in jobs if wait else ():
            job.result()

    @property
    def broken(self):
        return self._broken

    def close(self):
        """Stop the workers; later jobs are computed in the caller's thread."""
        with self._lock:
            executor, self._executor, self._broken = self._executor, None, True
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


class _Job:
    """A ``ComputePool`` job: a worker's future, or the value computed in the caller's thread."""

    def __init__(self, pool, future, fn, args):
        self._pool, self._future, self._fn, self._args = pool, future, fn, args
        if future is None:
            self._value = fn(*args)

    def result(self):
        if self._future is None:
            return self._value
        try:
            return self._future.result()  # fn's own exceptions are raised here, as in this thread
        except (process.BrokenProcessPool, pickle.PicklingError):  # a worker died, or unpicklable
            self._pool._give_up()
            return self._fn(*self._args)


def _watch_parent(parent, interval=1.0):
    """A worker's initializer: exit when the server that spawned it is gone
    (killed servers leave no orphans; a worker holds no state worth keeping)."""

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="histdiag-parent-watch", daemon=True).start()


# Tags per statistics call.  A request's run is read in these groups, and each
# group's statistics are computed (by a ``ComputePool`` worker when there is
# one) while the next group is read.  The groups depend on the tag names alone,
# so a run's numbers are the same whichever path computed them
# (``diagnosis.RunAnalysis`` uses them too).
STATS_GROUP_TAGS = 25


def stat_groups(tags):
    """The tag names in groups of ``STATS_GROUP_TAGS``, sorted."""
    names = sorted(tags)
    return [names[i:i + STATS_GROUP_TAGS] for i in range(0, len(names), STATS_GROUP_TAGS)]


def group_stats(series_list):
    """``{tag: statistics}`` of ``reading.Series`` stacked in one call (``stats.many_series_stats``)."""
    return dict(zip([s.tag for s in series_list],
                    stats.many_series_stats([(s.buckets, s.n_rows) for s in series_list])))


# Wider histograms (PyTorch's default bins: ~800 mostly empty rows per step) cost
# more to send to a worker (pickled through a pipe) than their statistics cost
# here (measured in ``bench/sweep.py``): those are computed in the calling thread.
SEND_MAX_ROWS = 64


def worth_sending(series_list):
    """Whether a worker should compute these series' statistics (see ``SEND_MAX_ROWS``)."""
    return max(s.buckets.shape[1] for s in series_list) <= SEND_MAX_ROWS


def read_grouped(data_provider, ctx, experiment_id, run, tags, pool):
    """``({tag: reading.Series}, {tag: statistics})`` of ``run``, read group by group
    through the data provider, each group's statistics computed by ``pool`` while
    the next is read."""
    series, jobs = {}, []
    for group in stat_groups(tags):
        part = reading.read_run(data_provider, ctx, experiment_id, run,
                                {t: tags[t] for t in group} if isinstance(tags, dict) else group)
        series.update(part)
        members = [part[t] for t in group if t in part]
        if members:
            send = pool.submit if worth_sending(members) else pool.here
            jobs.append(send(group_stats, members))
    tag_stats = {}
    for job in jobs:
        tag_stats.update(job.result())
    return series, tag_stats
