"""The notebook names of earlier releases, kept working: plots that take anything.

The pieces live in ``result.py`` (``Diagnosis``), ``plots.py`` (the figures),
``formatting.py`` (the HTML table) and ``buckets.py`` (``read_buckets``).  The
functions here accept what the README promised, a ``Diagnosis``, its
``{"runs": …}`` dict, one run's diagnostics document or a logdir (diagnosed
first), and draw through the ``Diagnosis`` methods.
"""

import os

from tb_histdiag_plugin import api, formatting, plots
from tb_histdiag_plugin.buckets import Reader, read_buckets  # noqa: F401  (re-exported)
from tb_histdiag_plugin.plots import LOG_STATS, RUN_COLORS  # noqa: F401  (re-exported)
from tb_histdiag_plugin.result import SEVERITY_COLORS, Diagnosis  # noqa: F401  (re-exported)


def as_result(source, run=None, **settings):
    """A ``Diagnosis`` from a Diagnosis, a result dict, a run document or a logdir."""
    if isinstance(source, Diagnosis):
        return source
    if isinstance(source, (str, os.PathLike)):
        return api.diagnose(os.fspath(source), run, **settings)
    if isinstance(source, dict) and isinstance(source.get("runs"), dict):
        return Diagnosis(source)
    if isinstance(source, dict) and "series" in source and "run" in source:
        return Diagnosis({"runs": {source["run"]: source}})
    raise TypeError("expected a diagnosis ({'runs': ...}), a run's diagnostics document or a logdir, got %s"
                    % type(source).__name__)


def run_colors(result):
    """``{run: colour}`` in TensorBoard's palette, by the runs' sorted order."""
    return plots.run_colors(result["runs"])


def gradient_flow(source, step=None, runs=None, **kwargs):
    return as_result(source).gradient_flow(step=step, runs=runs, **kwargs)


def learning_flow(source, step=None, runs=None, **kwargs):
    return as_result(source).learning_flow(step=step, runs=runs, **kwargs)


def heatmap(source, run=None, stat="rms", role="gradient", **kwargs):
    return as_result(source).heatmap(run=run, stat=stat, role=role, **kwargs)


def layer_bands(source, layer, run=None, **kwargs):
    return as_result(source).layer_bands(layer, run=run, **kwargs)


def histogram(source, tag, step=None, run=None, **kwargs):
    """The stored buckets of ``tag`` at ``step`` (default: the last), from a logdir or a
    ``Diagnosis`` made from one; with a logdir, ``run`` may be omitted when one run has ``tag``."""
    if isinstance(source, Diagnosis) and source.logdir:
        return source.histogram(tag, step=step, run=run, **kwargs)
    if not isinstance(source, (str, os.PathLike)):
        raise TypeError("histogram() needs a logdir or a Diagnosis made from one (tb_histdiag_plugin.diagnose)")
    reader = Reader(os.fspath(source))
    if run is None:
        holding = reader.runs_with(tag)
        if len(holding) != 1:
            raise ValueError("pass run= (runs with tag %r: %s)" % (tag, ", ".join(holding) or "none"))
        run = holding[0]
    at, rows = reader.read(run, tag, step)
    return plots.histogram(rows, at, run, tag, **kwargs)


def markers_html(source):
    """An HTML markers table per run (every name and sentence escaped)."""
    return formatting.markers_html(as_result(source))
