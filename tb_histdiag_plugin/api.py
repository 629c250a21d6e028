"""The Python API: the whole diagnosis of a logdir, as the CLI prints it.

``diagnose`` is what ``tb_histdiag_plugin.diagnose`` and ``tb-histdiag report``
call; ``read_buckets`` gives the stored buckets of one tag at one step.
"""

from tb_histdiag_plugin import diagnosis, loading
from tb_histdiag_plugin.buckets import read_buckets  # noqa: F401  (part of the API)
from tb_histdiag_plugin.result import Diagnosis
from tb_histdiag_plugin.settings import parse_settings


def diagnose(logdir, run=None, jobs=None, **settings):
    """Diagnose every run of ``logdir`` (or just ``run``) holding histograms.

    Returns ``{"runs": {RUN: <diagnostics document>}}`` as a
    ``result.Diagnosis`` (a dict, equal to the JSON; shown as a markers table
    in Jupyter, with plot methods): the document the tab's ``diagnostics``
    route serves, with every logged step, as ``tb-histdiag report --format
    json`` prints it.  Runs are analysed on ``jobs`` threads (None: every
    core); the result does not depend on ``jobs``.  ``settings`` override
    health-rule thresholds by name (see ``settings.SETTINGS``).  Raises
    ``loading.LogdirError`` for a missing logdir or one without histograms,
    ``KeyError`` for an unknown run, ``settings.SettingError`` for a bad
    setting and ``ValueError`` for ``jobs`` < 1.
    """
    if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
        raise ValueError("jobs must be a whole number >= 1 (or None for every core), got %r" % (jobs,))
    parsed = parse_settings(settings)
    provider = loading.local_provider(logdir)
    ctx = loading.request_context()
    diagnoser = diagnosis.Diagnoser(provider)
    listing = diagnoser.listing(ctx, "")
    if not listing:
        raise loading.LogdirError("logdir %r holds no histogram summaries" % logdir)
    if run is not None and run not in listing:
        raise KeyError("run %r has no histograms (runs: %s)" % (run, ", ".join(sorted(listing))))
    runs = [run] if run is not None else sorted(listing)
    analyses = diagnoser.analyses(ctx, "", runs, jobs=jobs)
    result = {"runs": {name: analyses[name].document(parsed) for name in runs}}
    return Diagnosis(result, logdir=logdir, settings=settings)
