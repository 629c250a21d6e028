"""The Python API: the whole diagnosis of a logdir, as the CLI prints it.

``diagnose`` is what ``tb_histdiag_plugin.diagnose`` and ``tb-histdiag report``
call; ``read_buckets`` gives the stored buckets of one tag at one step.
"""

from tb_histdiag_plugin import loading
from tb_histdiag_plugin.buckets import read_buckets  # noqa: F401  (part of the API)
from tb_histdiag_plugin.result import Diagnosis
from tb_histdiag_plugin.settings import parse_settings


def diagnose(logdir, run=None, jobs=None, **settings):
    """Diagnose every run of ``logdir`` (or just ``run``) holding histograms.

    Returns ``{"runs": {RUN: <diagnostics document>}}`` as a
    ``result.Diagnosis`` (a dict, equal to the JSON; shown as a markers table
    in Jupyter, with plot methods): the document the tab's ``diagnostics``
    route serves, with every logged step, as ``tb-histdiag report --format
    json`` prints it.  Runs are analysed in ``jobs`` worker processes (None:
    every core; ``loading.analyse_logdir``); the result does not depend on ``jobs``.  ``settings`` override
    health-rule thresholds by name (see ``settings.SETTINGS``).  Raises
    ``loading.LogdirError`` for a missing logdir or one without histograms,
    ``KeyError`` for an unknown run, ``settings.SettingError`` for a bad
    setting and ``ValueError`` for ``jobs`` < 1.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError("jobs must be a whole number >= 1 (or None for every core), got %r" % (jobs,))
    parsed = parse_settings(settings)
    names = loading.run_dirs(logdir)
    if run is not None and run not in names:
        raise KeyError("run %r has no histograms (runs: %s)" % (run, ", ".join(sorted(names))))
    # Each run is loaded and analysed in its own worker process: loading is
    # pure Python, so processes (not threads) put every core to work.
    analyses = loading.analyse_logdir(logdir, None if run is None else [run], jobs)
    if not analyses:
        if run is not None:
            raise KeyError("run %r has no histograms" % run)
        raise loading.LogdirError("logdir %r holds no histogram summaries" % logdir)
    result = {"runs": {name: analysis.document(parsed) for name, analysis in analyses.items()}}
    return Diagnosis(result, logdir=logdir, settings=settings)
