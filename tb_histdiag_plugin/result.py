"""What a diagnosis says: the ``Diagnosis`` result type, severities and counts.

``tb_histdiag_plugin.diagnose(logdir)`` returns a ``Diagnosis``: a plain
``dict`` (``{"runs": {RUN: document}}``, equal to ``tb-histdiag report
--format json``, ``json.dumps``-able) that Jupyter shows as a markers table and
that offers the plots of ``plots.py`` as methods.

Severity order, colours and counts are defined in ``severity.py`` and
re-exported here.  They live one module down because ``formatting.py`` and
``plots.py`` need them and this module needs those two (for ``_repr_html_``,
``to_text`` and the plot methods): keeping them here would be an import cycle.
Importing this module imports no matplotlib (plots import it when they draw).
"""

import math
import os

import numpy as np

from tb_histdiag_plugin import formatting, plots
from tb_histdiag_plugin.buckets import Reader
from tb_histdiag_plugin.severity import (  # noqa: F401  (re-exported: the result's vocabulary)
    EVIDENCE_SOURCES,
    SEVERITIES,
    SEVERITY_COLORS,
    SEVERITY_RANK,
    at_least,
    counts,
    severity_sort_key,
    worst,
    worst_severity,
)


class Diagnosis(dict):
    """``{"runs": {RUN: <diagnostics document>}}`` with notebook conveniences.

    Still the very dict the CLI prints as JSON (``==`` to it, ``json.dumps``
    works); ``logdir`` and ``settings`` are attributes, not keys.  In Jupyter it
    shows as a markers table per run.
    """

    def __init__(self, result, logdir=None, settings=None):
        super().__init__(result)
        self.logdir = logdir
        self.settings = dict(settings or {})
        self._reader = None

    # -- access --------------------------------------------------------------

    @property
    def run_names(self):
        return list(self["runs"])

    def run(self, run=None):
        """One run's diagnostics document (``run`` may be omitted when there is one run)."""
        names = self.run_names
        if run is None:
            if len(names) == 1:
                return self["runs"][names[0]]
            raise ValueError("the diagnosis holds %d runs (%s); pass run=" % (len(names), ", ".join(names)))
        if run not in self["runs"]:
            raise KeyError("no run %r in the diagnosis (runs: %s)" % (run, ", ".join(names)))
        return self["runs"][run]

    def markers(self, run=None, severity=None, kind=None, layer=None):
        """Markers (each with its ``run`` added), filtered; ``severity`` means "at least"."""
        out = []
        for name, doc in self["runs"].items():
            if run is not None and name != run:
                continue
            for m in doc["markers"]:
                if severity is not None and not at_least(m["severity"], severity):
                    continue
                if kind is not None and m["kind"] != kind:
                    continue
                if layer is not None and m["layer"] != layer:
                    continue
                out.append(dict(m, run=name))
        return out

    def counts(self, run=None):
        """``{"critical": n, "warning": n, "info": n}`` over every run, or over ``run``."""
        return counts(self.markers(run))

    def worst(self, run=None):
        """The worst severity among the markers (``None`` when there are none)."""
        return worst_severity(self.markers(run))

    def healthy(self, run=None):
        """True when no ``warning`` or ``critical`` marker exists."""
        return not self.markers(run, severity="warning")

    def layers(self, run=None):
        return self.run(run)["layers"]

    def series(self, tag, run=None):
        """The series document of one tag."""
        doc = self.run(run)
        for s in doc["series"]:
            if s["tag"] == tag:
                return s
        raise KeyError("run %r has no histogram tag %r" % (doc["run"], tag))

    def stat(self, tag, name, run=None):
        """``(steps, values)`` of one statistic of one tag as arrays (null → NaN)."""
        s = self.series(tag, run)
        values = np.array([math.nan if v is None else float(v) for v in s["stats"][name]], dtype=np.float64)
        return np.asarray(s["steps"]), values

    def buckets(self, tag, step=None, run=None):
        """``(step, rows)``: the stored ``[left, right, count]`` buckets of ``tag`` at ``step``
        (default: the last logged step), read from this diagnosis' logdir."""
        if not self.logdir:
            raise ValueError("this diagnosis has no logdir to read buckets from; pass one to histogram()")
        if self._reader is None:
            self._reader = Reader(os.fspath(self.logdir))
        return self._reader.read(self.run(run)["run"], tag, step)

    def first_sign(self, run=None):
        """The run's first sign (``{"kind", "layer", "step", "marker"}``, the marker under ``"detail"``) and its
        headline under ``"headline"``; None for a run without a warning or critical sign."""
        doc = self.run(run)
        sign = doc.get("first_sign")
        if sign is None:
            return None
        return dict(sign, detail=doc["markers"][sign["marker"]], headline=doc.get("headline"))

    def headline(self, run=None):
        """The run's one-sentence story (healthy runs too)."""
        return self.run(run).get("headline")

    def to_text(self):
        """The CLI's text report."""
        return formatting.format_text(self)

    # -- plots (``plots.py``; each returns a matplotlib Figure) ----------------

    def gradient_flow(self, step=None, runs=None, **kwargs):
        return plots.gradient_flow(self, step=step, runs=runs, **kwargs)

    def learning_flow(self, step=None, runs=None, **kwargs):
        return plots.learning_flow(self, step=step, runs=runs, **kwargs)

    def heatmap(self, run=None, stat="rms", role="gradient", **kwargs):
        return plots.heatmap(self, run=run, stat=stat, role=role, **kwargs)

    def layer_bands(self, layer, run=None, **kwargs):
        return plots.layer_bands(self, layer, run=run, **kwargs)

    def timeline(self, run=None, **kwargs):
        return plots.timeline(self, run=run, **kwargs)

    def histogram(self, tag, step=None, run=None, **kwargs):
        name = self.run(run)["run"]
        at, rows = self.buckets(tag, step, name)
        series = next((s for s in self["runs"][name]["series"] if s["tag"] == tag), None)
        color = plots.run_colors(self.run_names)[name]
        return plots.histogram(rows, at, name, tag, series=series, color=color, **kwargs)

    # -- display -------------------------------------------------------------

    def __repr__(self):
        parts = []
        for name, doc in self["runs"].items():
            c = counts(doc["markers"])
            parts.append("%r: %d layers, %d critical, %d warning, %d info"
                         % (name, len(doc["layers"]), c["critical"], c["warning"], c["info"]))
        where = "logdir=%r, " % self.logdir if self.logdir else ""
        return "Diagnosis(%sruns={%s})" % (where, "; ".join(parts))

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))

    def _repr_html_(self):
        return formatting.markers_html(self)

    # dict subclass: keep pickling/copying the attributes too
    def __reduce__(self):
        return (self.__class__, (dict(self), self.logdir, self.settings))
