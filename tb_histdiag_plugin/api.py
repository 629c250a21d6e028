"""The Python API: the whole diagnosis of a logdir, as the CLI prints it."""

from tb_histdiag_plugin import diagnosis, loading, notebook, rules


def diagnose(logdir, run=None, **settings):
    """Diagnose every run of ``logdir`` (or just ``run``) holding histograms.

    Returns ``{"runs": {RUN: <diagnostics document>}}`` as a
    ``notebook.Diagnosis`` (a dict, equal to the JSON; shown as a markers
    table in Jupyter, with plot methods), the same document the
    tab's ``diagnostics`` route serves and ``tb-histdiag report --format json``
    prints.  ``settings`` override health-rule thresholds by name (see
    ``rules.SETTINGS``).  Raises ``loading.LogdirError`` for a missing logdir
    or one without histograms, ``KeyError`` for an unknown run and
    ``rules.SettingError`` for a bad setting.
    """
    parsed = rules.parse_settings(settings)
    provider = loading.local_provider(logdir)
    ctx = loading.request_context()
    diagnoser = diagnosis.Diagnoser(provider)
    listing = diagnoser.listing(ctx, "")
    if not listing:
        raise loading.LogdirError("logdir %r holds no histogram summaries" % logdir)
    if run is not None and run not in listing:
        raise KeyError("run %r has no histograms (runs: %s)" % (run, ", ".join(sorted(listing))))
    runs = [run] if run is not None else sorted(listing)
    result = {"runs": {name: diagnoser.analysis(ctx, "", name, listing[name]).document(parsed) for name in runs}}
    return notebook.Diagnosis(result, logdir=logdir, settings=settings)
