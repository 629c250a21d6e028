"""Analysing runs on every core inside TensorBoard: reading threads, computing processes.

Inside TensorBoard the data provider lives in the server process (the Python
loader's multiplexer, or the gRPC channel to the Rust data server), so runs are
read there, on ``Background`` threads; the statistics and rules of each run
then run in a ``ComputePool`` worker process, so that reading the next run and
computing this one overlap (measured in ``bench/sweep.py``; see
``bench/README.md``).  Outside TensorBoard each run gets its own loader, so the
CLI and ``diagnose()`` use whole-run worker processes (``loading.analyse_logdir``).
"""

import multiprocessing
import os
import pickle
import queue
import threading
import time
from concurrent import futures
from concurrent.futures import process


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

    def run(self, fn, *args):
        """``fn(*args)`` in a worker process (both picklable), else in this thread."""
        executor = self._get()
        if executor is None:
            return fn(*args)
        try:
            future = executor.submit(fn, *args)
        except (process.BrokenProcessPool, RuntimeError, OSError):  # broken or shut down
            self._give_up()
            return fn(*args)
        try:
            return future.result()  # fn's own exceptions are raised here, as in this thread
        except (process.BrokenProcessPool, pickle.PicklingError):  # a worker died, or unpicklable
            self._give_up()
            return fn(*args)

    @property
    def broken(self):
        return self._broken

    def close(self):
        with self._lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True, cancel_futures=True)


def _watch_parent(parent, interval=1.0):
    """A worker's initializer: exit when the server that spawned it is gone
    (killed servers leave no orphans; a worker holds no state worth keeping)."""

    def watch():
        while True:
            time.sleep(interval)
            if os.getppid() != parent:
                os._exit(0)

    threading.Thread(target=watch, name="histdiag-parent-watch", daemon=True).start()
