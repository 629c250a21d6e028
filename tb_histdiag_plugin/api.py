"""The Python API: the whole diagnosis of a logdir, as the CLI prints it.

``diagnose`` is what ``tb_histdiag_plugin.diagnose`` and ``tb-histdiag report``
call; ``read_buckets`` gives the stored buckets of one tag at one step.
"""

import functools
import json
import warnings

from tb_histdiag_plugin import loading
from tb_histdiag_plugin.buckets import read_buckets  # noqa: F401  (part of the API)
from tb_histdiag_plugin.result import Diagnosis
from tb_histdiag_plugin.settings import parse_settings


def diagnose(logdir, run=None, jobs=None, client=None, progress=None, **settings):
    """Diagnose every run of ``logdir`` (or just ``run``) holding histograms.

    Returns ``{"runs": {RUN: <diagnostics document>}}`` as a
    ``result.Diagnosis`` (a dict, equal to the JSON; shown as a markers table
    in Jupyter, with plot methods): the document the tab's ``diagnostics``
    route serves, with every logged step, as ``tb-histdiag report --format
    json`` prints it.  ``logdir`` may be a local directory or an ``s3://`` or
    ``gs://`` URL, read through TensorBoard's file systems (``remote.py``).

    Each run is a task that loads, analyses and documents it
    (``loading.diagnose_logdir``): in ``jobs`` worker processes (None: every
    core), or, given a ``dask.distributed.Client`` as ``client``, on that
    cluster, whose workers read the logdir themselves (``cluster.py``).  The
    result depends on neither.  ``progress(run, done, total, error)`` is called
    as each run finishes.  A run that fails (its error is passed to
    ``progress``, else given as a ``RuntimeWarning``) is left out and the others
    are kept.  ``settings`` override health-rule thresholds by name (see
    ``settings.SETTINGS``).  Raises ``loading.LogdirError`` for a missing or
    unreadable logdir, one without histograms or one where every run failed,
    ``KeyError`` for an unknown run, ``settings.SettingError`` for a bad
    setting and ``ValueError`` for ``jobs`` < 1 or ``jobs`` with ``client``.
    """
    documents = _documents(logdir, run, jobs, client, progress, settings, raw=False)
    return Diagnosis({"runs": documents}, logdir=logdir, settings=settings)


def _documents(logdir, run, jobs, client, progress, settings, raw):
    """``{run: document}`` (``raw``: JSON text) of ``diagnose``'s arguments, with its checks and errors."""
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError("jobs must be a whole number >= 1 (or None for every core), got %r" % (jobs,))
    if jobs is not None and client is not None:
        raise ValueError("pass jobs (local worker processes) or client (a Dask cluster), not both")
    parse_settings(settings)  # a bad setting fails here, before any work
    names = loading.run_dirs(logdir)
    if run is not None and run not in names:
        raise KeyError("run %r has no histograms (runs: %s)" % (run, ", ".join(sorted(names))))
    tasks = None
    if client is not None:
        from tb_histdiag_plugin import cluster

        tasks = functools.partial(cluster.run_tasks, client)
    documents, failed = loading.diagnose_logdir(logdir, None if run is None else [run], jobs, settings,
                                                tasks=tasks, progress=progress, raw=raw)
    if progress is None:
        for name, error in failed.items():
            warnings.warn("run %r could not be analysed: %s" % (name, error), RuntimeWarning, stacklevel=3)
    if not documents:
        if failed:
            shown = "; ".join("%r: %s" % item for item in list(failed.items())[:3])
            more = " and %d more" % (len(failed) - 3) if len(failed) > 3 else ""
            raise loading.LogdirError("no run of %r could be analysed (%s%s)" % (logdir, shown, more))
        if run is not None:
            raise KeyError("run %r has no histograms" % run)
        raise loading.LogdirError("logdir %r holds no histogram summaries" % logdir)
    return documents


def diagnose_json(logdir, run=None, jobs=None, client=None, progress=None, **settings):
    """``json.dumps(diagnose(...), separators=(",", ":"))``, built from the workers' document texts
    without parsing them (``tb-histdiag report --format json``): on a big sweep, parsing and
    re-serialising every document in this one process would cost more than the workers' analyses."""
    documents = _documents(logdir, run, jobs, client, progress, settings, raw=True)
    return "{\"runs\":{%s}}" % ",".join("%s:%s" % (json.dumps(name), text) for name, text in documents.items())
