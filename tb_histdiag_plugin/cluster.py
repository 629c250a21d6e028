"""Runs as tasks on an existing Dask distributed cluster (the optional extra ``dask``).

``tb-histdiag report LOGDIR --scheduler ADDRESS`` and ``diagnose(logdir,
client=...)`` submit one task per run (``loading.diagnose_run``): the worker
loads the run from the logdir itself (a path every worker can read: a shared
file system or an ``s3://``/``gs://`` URL), analyses it and sends back the
run's document as JSON.  Only the run's name and path, the setting overrides
and that JSON cross the network; the documents equal ``--jobs``'s.

A task is retried once (``retries=1``) when it raises, e.g. on a transient
storage error; a task whose worker dies is rescheduled by the scheduler (its
``distributed.scheduler.allowed-failures``, 3 by default) and reported as
failed when it gives up.  Dask is imported only here, only when used.
"""

import uuid

from tb_histdiag_plugin import loading, remote

CONNECT_TIMEOUT_S = 10


class SchedulerError(ConnectionError):
    """No Dask scheduler at the address given, or Dask not installed (the message is one line)."""


def _distributed():
    try:
        import distributed
    except ImportError:
        raise SchedulerError('--scheduler needs Dask\'s distributed scheduler: pip install "tb-histdiag[dask]"') \
            from None
    return distributed


def connect(address, timeout=CONNECT_TIMEOUT_S):
    """A ``distributed.Client`` connected to the scheduler at ``address``; ``SchedulerError`` if none answers."""
    distributed = _distributed()
    try:
        return distributed.Client(address, timeout=timeout, set_as_default=False)
    except Exception as e:  # OSError (refused, timed out), ValueError (a malformed address), ...
        raise SchedulerError("cannot reach the Dask scheduler at %s: %s" % (address, remote.describe(e))) from None


def _reason(error):
    name = type(error).__name__
    if name == "KilledWorker":
        return "its Dask worker died while analysing it, every time the scheduler retried (%s)" % name
    if name in ("CancelledError", "FutureCancelledError"):
        return "cancelled on the Dask cluster"
    if isinstance(error, loading.RunFailed):
        return "%s (failed twice on Dask workers)" % error
    return remote.describe(error)


def task(run, path, settings):
    """A worker's task: ``loading.diagnose_run``, read with TensorBoard's stub like the
    local workers (``loading._worker_init``) unless this worker loaded TensorFlow already."""
    loading.prefer_tensorflow_stub()
    return loading.diagnose_run(run, path, settings)


def run_tasks(client, work, settings):
    """Yield ``(run, document JSON or None, error or None)`` as the tasks of ``work`` (``[(run, path)]``) finish.

    Each result is dropped from the cluster once yielded; stopping early
    (Ctrl-C, an exception in the caller) cancels the tasks not finished.
    """
    distributed = _distributed()
    if not work:
        return
    batch = uuid.uuid4().hex[:8]  # keys name the run in Dask's dashboard, unique per call
    submitted = client.map(task, [run for run, _ in work], [path for _, path in work],
                           settings=dict(settings or {}), retries=1, pure=False,
                           key=["histdiag-%s-%s-%d" % (batch, run, i) for i, (run, _) in enumerate(work)])
    pending = {future.key: (future, run) for future, (run, _) in zip(submitted, work)}
    done = distributed.as_completed(submitted, loop=client.loop)
    del submitted
    finished = False
    try:
        for future in done:
            _, run = pending.pop(future.key)
            if future.status == "finished":
                name, text = future.result()
                yield name, text, None
            else:
                yield run, None, _reason(future.exception())
            future.release()
        finished = True
    finally:
        if not finished and pending:
            client.cancel([future for future, _ in pending.values()])
