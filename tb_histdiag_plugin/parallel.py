"""Analysing runs on every core: a thread pool over the data provider.

Threads, not processes (measured in ``bench/sweep.py``; see ``bench/README.md``):
inside TensorBoard the data provider lives in the server process (the Python
loader's multiplexer, or the gRPC channel to the Rust data server), so a worker
process could not read through it; and the statistics (``stats.py``) are
numpy over large arrays, which releases the GIL.  The part that stays serial is
the Python loader's ``read_tensors`` (a Python loop over tensor protos).
Outside TensorBoard each run gets its own loader, so the CLI and ``diagnose()``
use worker processes instead (``loading.analyse_logdir``).
"""

import os
import queue
import threading


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
