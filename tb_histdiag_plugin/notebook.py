"""Notebook side of the Python API: the ``Diagnosis`` result and inline plots.

``tb_histdiag_plugin.diagnose(logdir)`` returns a ``Diagnosis``: a plain
``dict`` (``{"runs": {RUN: document}}``, equal to ``tb-histdiag report
--format json``, ``json.dumps``-able) that Jupyter renders as a markers table
and that offers the plots below as methods.

Every plot function takes a diagnosis (a ``Diagnosis``, the ``{"runs": …}``
dict, one run's diagnostics document, or a logdir path, which is diagnosed
first) and returns a matplotlib ``Figure``:

* ``gradient_flow`` - per-layer gradient RMS across depth at one step, log
  scale, runs overlaid (the ``plot_grad_flow`` picture, made from histograms);
* ``heatmap`` - layers x steps of one statistic, marker spans outlined;
* ``layer_bands`` - one layer's percentile bands over steps, one panel per role;
* ``histogram`` - the stored buckets of one tag at one step.

matplotlib is imported inside the plot functions only, so importing this module
(which ``tb_histdiag_plugin.api`` does) stays light.  Statistics may be
``None`` (JSON null) where a histogram held no finite data; plots leave gaps
there.
"""

import html
import math
import os
import sys

# TensorBoard's run colours, in the order it hands them out.
RUN_COLORS = ("#ff7043", "#0077bb", "#cc3311", "#33bbee", "#ee3377", "#009988", "#bbbbbb")
SEVERITY_COLORS = {"critical": "#cc3311", "warning": "#ee7733", "info": "#0077bb"}
_SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
# Statistics whose values span orders of magnitude: shown as log10 in heatmaps.
LOG_STATS = frozenset({"count", "std", "rms", "l2_norm", "abs_mean", "change"})
_BANDS = (("p1", "p99", 0.15), ("p5", "p95", 0.25), ("p25", "p75", 0.4))
_ROLE_ORDER = ("weights", "bias", "gradient", "activation", "other")


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
        self._provider = None

    # -- access --------------------------------------------------------------

    @property
    def run_names(self):
        return list(self["runs"])

    def run(self, run=None):
        """One run's diagnostics document (``run`` may be omitted when there is one run)."""
        return self["runs"][_pick_run(self, run)]

    def markers(self, run=None, severity=None, kind=None, layer=None):
        """Markers (each with its ``run`` added), filtered; ``severity`` means "at least"."""
        out = []
        for name, doc in self["runs"].items():
            if run is not None and name != run:
                continue
            for m in doc["markers"]:
                if severity is not None and _SEVERITY_RANK[m["severity"]] < _SEVERITY_RANK[severity]:
                    continue
                if kind is not None and m["kind"] != kind:
                    continue
                if layer is not None and m["layer"] != layer:
                    continue
                out.append(dict(m, run=name))
        return out

    def worst(self, run=None):
        """The worst severity among the markers (``None`` when there are none)."""
        ranks = [_SEVERITY_RANK[m["severity"]] for m in self.markers(run)]
        return {v: k for k, v in _SEVERITY_RANK.items()}[max(ranks)] if ranks else None

    def healthy(self, run=None):
        """True when no ``warning`` or ``critical`` marker exists."""
        return not self.markers(run, severity="warning")

    def layers(self, run=None):
        return self.run(run)["layers"]

    def series(self, tag, run=None):
        """The series document of one tag."""
        return _series_by_tag(self.run(run), tag)

    def stat(self, tag, name, run=None):
        """``(steps, values)`` of one statistic of one tag as float arrays (null → NaN)."""
        import numpy as np

        s = self.series(tag, run)
        return np.asarray(s["steps"]), _floats(s["stats"][name])

    def to_text(self):
        """The CLI's text report."""
        from tb_histdiag_plugin import cli

        return cli.format_text(self)

    # -- plots ---------------------------------------------------------------

    def gradient_flow(self, step=None, runs=None, **kwargs):
        return gradient_flow(self, step=step, runs=runs, **kwargs)

    def heatmap(self, run=None, stat="rms", role="gradient", **kwargs):
        return heatmap(self, run=run, stat=stat, role=role, **kwargs)

    def layer_bands(self, layer, run=None, **kwargs):
        return layer_bands(self, layer, run=run, **kwargs)

    def histogram(self, tag, step=None, run=None, **kwargs):
        if not self.logdir:
            raise ValueError("this diagnosis has no logdir to read buckets from; pass one to histogram()")
        return histogram(self, tag, step=step, run=run, **kwargs)

    def _histogram_provider(self):
        if self._provider is None:
            from tb_histdiag_plugin import loading

            self._provider = loading.local_provider(self.logdir)
        return self._provider

    # -- display -------------------------------------------------------------

    def __repr__(self):
        parts = []
        for name, doc in self["runs"].items():
            counts = _severity_counts(doc["markers"])
            parts.append("%r: %d layers, %d critical, %d warning, %d info"
                         % (name, len(doc["layers"]), counts["critical"], counts["warning"], counts["info"]))
        where = "logdir=%r, " % self.logdir if self.logdir else ""
        return "Diagnosis(%sruns={%s})" % (where, "; ".join(parts))

    def _repr_pretty_(self, printer, cycle):
        printer.text(repr(self))

    def _repr_html_(self):
        return markers_html(self)

    # dict subclass: keep pickling/copying the attributes too
    def __reduce__(self):
        return (self.__class__, (dict(self), self.logdir, self.settings))


# -- helpers -----------------------------------------------------------------


def _severity_counts(markers):
    counts = {"critical": 0, "warning": 0, "info": 0}
    for m in markers:
        counts[m["severity"]] = counts.get(m["severity"], 0) + 1
    return counts


def as_result(source, run=None, **settings):
    """A ``{"runs": …}`` dict from a Diagnosis, a result dict, a run document or a logdir."""
    if isinstance(source, (str, os.PathLike)):
        from tb_histdiag_plugin import api

        return api.diagnose(os.fspath(source), run, **settings)
    if isinstance(source, dict) and "runs" in source and isinstance(source["runs"], dict):
        return source
    if isinstance(source, dict) and "series" in source and "run" in source:
        return Diagnosis({"runs": {source["run"]: source}})
    raise TypeError("expected a diagnosis ({'runs': ...}), a run's diagnostics document or a logdir, got %s"
                    % type(source).__name__)


def _pick_run(result, run):
    names = list(result["runs"])
    if run is None:
        if len(names) == 1:
            return names[0]
        raise ValueError("the diagnosis holds %d runs (%s); pass run=" % (len(names), ", ".join(names)))
    if run not in result["runs"]:
        raise KeyError("no run %r in the diagnosis (runs: %s)" % (run, ", ".join(names)))
    return run


def _series_by_tag(doc, tag):
    for s in doc["series"]:
        if s["tag"] == tag:
            return s
    raise KeyError("run %r has no histogram tag %r" % (doc["run"], tag))


def _floats(values):
    import numpy as np

    return np.array([math.nan if v is None else float(v) for v in values], dtype=np.float64)


def run_colors(result):
    """``{run: colour}`` in TensorBoard's palette, by the runs' sorted order."""
    return {name: RUN_COLORS[i % len(RUN_COLORS)] for i, name in enumerate(sorted(result["runs"]))}


def _value_at(series, name, step):
    """The statistic at ``step``, or at the last logged step before it; NaN if none."""
    best = None
    for i, s in enumerate(series["steps"]):
        if s <= step and (best is None or s >= series["steps"][best]):
            best = i
    if best is None:
        return math.nan, None
    v = series["stats"][name][best]
    return (math.nan if v is None else float(v)), series["steps"][best]


def _show_figures_inline():
    """Have IPython render matplotlib Figures as PNG when they are a cell's value.

    The plots are plain ``Figure`` objects, not pyplot figures (pyplot would
    draw them a second time at the end of the cell and keep them alive), and
    IPython registers its Figure formatter only once pyplot's inline backend
    has loaded; register it ourselves when nobody has.
    """
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    if shell is None or not hasattr(shell, "display_formatter"):
        return
    from matplotlib.figure import Figure

    formatter = shell.display_formatter.formatters.get("image/png")
    if formatter is None:
        return
    try:
        formatter.lookup_by_type(Figure)
    except KeyError:
        from IPython.core.pylabtools import select_figure_formats

        select_figure_formats(shell, {"png"}, bbox_inches="tight")


def _figure(figsize, nrows=1, ncols=1, **kwargs):
    from matplotlib.figure import Figure

    _show_figures_inline()
    fig = Figure(figsize=figsize, layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **kwargs)
    return fig, axes


def _figure_ax(figsize, ax):
    if ax is not None:
        return ax.figure, ax
    fig, axes = _figure(figsize)
    return fig, axes[0, 0]


# -- plots -------------------------------------------------------------------


def gradient_flow(source, step=None, runs=None, stat="rms", show_max=True, figsize=(8, 4.2), ax=None):
    """Per-layer gradient ``stat`` (RMS) across depth at ``step``, log scale, runs overlaid.

    Layers are on the x axis in depth order (input side left); each run is one
    solid line in its TensorBoard colour, with its largest |gradient| dashed
    when ``show_max``.  ``step`` defaults to each run's last logged step; a
    layer not logged at ``step`` shows its last value before it.  Points of a
    layer under a ``vanishing_gradient`` or ``exploding_gradient`` marker at that
    step are ringed in the marker's severity colour.  Draws into ``ax`` when
    given (and returns its figure).
    """
    result = as_result(source)
    names = list(runs) if runs is not None else list(result["runs"])
    for name in names:
        _pick_run(result, name)
    colors = run_colors(result)
    layer_order = []
    for name in names:
        for layer in result["runs"][name]["layers"]:
            if layer["tags"].get("gradient") and layer["name"] not in layer_order:
                layer_order.append(layer["name"])
    if not layer_order:
        raise ValueError("no gradient histograms in run(s) %s: log the gradients to see their flow"
                         % ", ".join(names))
    x_of = {name: i for i, name in enumerate(layer_order)}
    fig, ax = _figure_ax(figsize, ax)
    shown_steps = []
    for name in names:
        doc = result["runs"][name]
        grads = [(layer["name"], _series_by_tag(doc, layer["tags"]["gradient"]))
                 for layer in doc["layers"] if layer["tags"].get("gradient")]
        if not grads:
            continue
        at = step if step is not None else max(max(s["steps"], default=-1) for _, s in grads)
        xs, ys, tops, ring = [], [], [], []
        for layer_name, s in grads:
            v, _ = _value_at(s, stat, at)
            lo, _ = _value_at(s, "min", at)
            hi, _ = _value_at(s, "max", at)
            xs.append(x_of[layer_name])
            ys.append(v if v > 0 else math.nan)
            top = max(abs(lo), abs(hi)) if not (math.isnan(lo) or math.isnan(hi)) else math.nan
            tops.append(top if top > 0 else math.nan)
            sev = None
            for m in doc["markers"]:
                if (m["layer"] == layer_name and m["kind"] in ("vanishing_gradient", "exploding_gradient")
                        and m["first_step"] <= at <= m["last_step"]):
                    if sev is None or _SEVERITY_RANK[m["severity"]] > _SEVERITY_RANK[sev]:
                        sev = m["severity"]
            ring.append(sev)
        color = colors[name]
        ax.plot(xs, ys, "-o", color=color, lw=2, ms=5, label="%s: gradient %s (step %d)" % (name, stat, at),
                gid="flow:" + name)
        if show_max:
            ax.plot(xs, tops, "--", color=color, lw=1, alpha=0.7, label="%s: max |gradient|" % name,
                    gid="max:" + name)
        for x, y, sev in zip(xs, ys, ring):
            if sev in ("warning", "critical") and not math.isnan(y):
                ax.scatter([x], [y], s=160, facecolors="none", edgecolors=SEVERITY_COLORS[sev], linewidths=1.8,
                           zorder=3)
        shown_steps.append(at)
    ax.set_yscale("log")
    ax.set_xticks(range(len(layer_order)))
    ax.set_xticklabels(layer_order, rotation=45 if len(layer_order) > 6 else 0, ha="right"
                       if len(layer_order) > 6 else "center")
    ax.set_xlim(-0.5, len(layer_order) - 0.5)
    ax.set_xlabel("layer (input → output)")
    ax.set_ylabel("gradient %s (log scale)" % stat)
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    ax.set_title("Gradient flow" + (" at step %d" % step if step is not None else " at the last logged step"))
    return fig


def heatmap(source, run=None, stat="rms", role="gradient", log=None, markers=True, cmap="viridis",
            figsize=None, ax=None):
    """Layers x steps of ``stat`` for the series of ``role``, with marker spans outlined.

    Rows are the layers in depth order (input side on top), one per series of
    that role (a layer with several, e.g. weight and bias gradients, gets a row
    per tag); columns are the logged steps.  ``log`` (default: for statistics
    spanning orders of magnitude, ``LOG_STATS``) shows log10 of the value;
    non-positive and null entries are left blank (grey).  Each marker on a
    row's tag is outlined over its ``first_step``-``last_step`` span in its
    severity colour.  Draws into ``ax`` when given (and returns its figure).
    """
    import numpy as np

    result = as_result(source)
    name = _pick_run(result, run)
    doc = result["runs"][name]
    rows = [s for s in doc["series"] if s["role"] == role]
    if not rows:
        raise ValueError("run %r has no %s histograms" % (name, role))
    if stat not in rows[0]["stats"]:
        raise KeyError("unknown statistic %r (have: %s)" % (stat, ", ".join(rows[0]["stats"])))
    log = stat in LOG_STATS if log is None else log
    steps = sorted({st for s in rows for st in s["steps"]})
    col = {st: i for i, st in enumerate(steps)}
    grid = np.full((len(rows), len(steps)), np.nan)
    for r, s in enumerate(rows):
        values = _floats(s["stats"][stat])
        for st, v in zip(s["steps"], values):
            grid[r, col[st]] = v
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            grid = np.where(grid > 0, np.log10(np.where(grid > 0, grid, 1.0)), np.nan)
    # Cell edges halfway between logged steps, so irregular steps keep their places.
    st = np.asarray(steps, dtype=np.float64)
    if len(st) > 1:
        mid = (st[1:] + st[:-1]) / 2
        edges = np.concatenate([[st[0] - (mid[0] - st[0])], mid, [st[-1] + (st[-1] - mid[-1])]])
    else:
        edges = np.array([st[0] - 0.5, st[0] + 0.5])
    labels = []
    for s in rows:
        label = s["layer"] or s["tag"]
        if sum(1 for o in rows if o["layer"] == s["layer"]) > 1 or not s["layer"]:
            label = s["tag"]
        labels.append(label)
    if figsize is None:
        figsize = (8, max(2.5, 0.8 + 0.32 * len(rows)))
    fig, ax = _figure_ax(figsize, ax)
    import matplotlib

    cm = matplotlib.colormaps[cmap].copy()
    cm.set_bad("#dddddd")
    masked = np.ma.masked_invalid(grid)
    mesh = ax.pcolormesh(edges, np.arange(len(rows) + 1), masked, cmap=cm, shading="flat")
    ax.set_ylim(len(rows), 0)
    ax.set_yticks(np.arange(len(rows)) + 0.5)
    ax.set_yticklabels(labels, fontsize="small" if len(rows) > 12 else None)
    ax.set_xlabel("step")
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(("log10 %s" if log else "%s") % stat)
    if markers:
        from matplotlib import patheffects
        from matplotlib.patches import Rectangle

        halo = [patheffects.withStroke(linewidth=4, foreground="white")]

        row_of = {s["tag"]: r for r, s in enumerate(rows)}
        seen = set()
        for m in sorted(doc["markers"], key=lambda m: _SEVERITY_RANK[m["severity"]]):
            r = row_of.get(m["tag"])
            if r is None or m["first_step"] not in col or m["last_step"] not in col:
                continue
            x0, x1 = edges[col[m["first_step"]]], edges[col[m["last_step"]] + 1]
            ax.add_patch(Rectangle((x0, r + 0.06), x1 - x0, 0.88, fill=False, lw=2,
                                   edgecolor=SEVERITY_COLORS[m["severity"]], gid="marker:" + m["kind"],
                                   path_effects=halo))
            seen.add(m["severity"])
        if seen:
            from matplotlib.lines import Line2D

            handles = [Line2D([], [], color=SEVERITY_COLORS[s], lw=2, label=s)
                       for s in ("critical", "warning", "info") if s in seen]
            ax.legend(handles=handles, fontsize="small", loc="lower right", bbox_to_anchor=(1, 1),
                      ncol=3, frameon=False, title="marker spans", title_fontsize="small",
                      alignment="right")
    ax.set_title("%s — %s %s" % (name, role, stat), loc="left")
    return fig


def layer_bands(source, layer, run=None, roles=None, yscale="auto", figsize=None):
    """One layer's percentile bands over steps, one panel per role.

    Shaded p1-p99, p5-p95 and p25-p75 bands, the median (solid) and the mean
    (dashed), for each role the layer has (weights, bias, gradient, activation)
    or those in ``roles``.  ``yscale="auto"`` switches a panel to symlog when
    its spread spans more than two orders of magnitude over the steps.
    """
    import numpy as np

    result = as_result(source)
    name = _pick_run(result, run)
    doc = result["runs"][name]
    entry = next((l for l in doc["layers"] if l["name"] == layer), None)
    if entry is None:
        raise KeyError("run %r has no layer %r (layers: %s)"
                       % (name, layer, ", ".join(l["name"] for l in doc["layers"])))
    wanted = [r for r in _ROLE_ORDER if entry["tags"].get(r)] if roles is None else list(roles)
    panels = []
    for role in wanted:
        tag = entry["tags"].get(role)
        if not tag:
            raise KeyError("layer %r of run %r has no %s histogram" % (layer, name, role))
        panels.append((role, _series_by_tag(doc, tag)))
    if not panels:
        raise ValueError("layer %r has no histograms" % layer)
    color = run_colors(result)[name]
    if figsize is None:
        figsize = (8, 1.1 + 2.1 * len(panels))
    fig, axes = _figure(figsize, nrows=len(panels), sharex=True)
    for (role, s), ax in zip(panels, axes[:, 0]):
        steps = np.asarray(s["steps"], dtype=np.float64)
        get = {k: _floats(s["stats"][k]) for k in ("p1", "p5", "p25", "p50", "p75", "p95", "p99", "mean")}
        for lo, hi, alpha in _BANDS:
            ax.fill_between(steps, get[lo], get[hi], color=color, alpha=alpha, lw=0, label="%s–%s" % (lo, hi))
        ax.plot(steps, get["p50"], "-", color=color, lw=1.8, label="median")
        ax.plot(steps, get["mean"], "--", color="#333333", lw=1, label="mean")
        if s["non_finite"] and any(s["non_finite"]):
            bad = [st for st, nf in zip(s["steps"], s["non_finite"]) if nf]
            for st in bad:
                ax.axvline(st, color=SEVERITY_COLORS["critical"], lw=0.8, alpha=0.5)
        spread = get["p99"] - get["p1"]
        spread = spread[np.isfinite(spread) & (spread > 0)]
        if yscale == "auto":
            if len(spread) and spread.max() / spread.min() > 100:
                ax.set_yscale("symlog", linthresh=float(spread.min()) / 2)
        elif yscale:
            ax.set_yscale(yscale)
        for m in doc["markers"]:
            if m["tag"] == s["tag"]:
                ax.axvspan(m["first_step"], m["last_step"] if m["last_step"] > m["first_step"] else
                           m["first_step"] + 0.5, color=SEVERITY_COLORS[m["severity"]], alpha=0.08, lw=0)
        ax.set_ylabel(role)
        ax.set_title(s["tag"], fontsize="small", loc="left")
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize="x-small", ncol=5, loc="upper right")
    axes[-1, 0].set_xlabel("step")
    fig.suptitle("%s — layer %s: percentiles over steps" % (name, layer))
    return fig


def read_buckets(logdir, run, tag, step=None, provider=None):
    """``(step, buckets)``: the stored ``[left, right, count]`` rows of one tag at one step.

    Read with TensorBoard's loading code (``loading.local_provider`` +
    ``reading.read_run``), normalised as the ``histogram`` route serves them;
    ``step`` defaults to the last logged step.  Empty or non-finite steps give
    no rows.
    """
    import numpy as np

    from tb_histdiag_plugin import loading, reading

    provider = provider or loading.local_provider(logdir)
    series = reading.read_run(provider, loading.request_context(), "", run, [tag]).get(tag)
    if series is None:
        raise KeyError("run %r of %r has no histogram tag %r" % (run, logdir, tag))
    if step is None:
        i = len(series.steps) - 1
    else:
        i = series.step_index(step)
        if i is None:
            raise KeyError("tag %r of run %r has no step %d (steps %d–%d)"
                           % (tag, run, step, series.steps[0], series.steps[-1]))
    rows = np.asarray(series.buckets[i, : series.n_rows[i]], dtype=np.float64)
    if not rows[:, 2].any():
        rows = rows[:0]
    return int(series.steps[i]), rows


def histogram(source, tag, step=None, run=None, logy=None, figsize=(7, 3.6), ax=None):
    """The stored buckets of ``tag`` at ``step`` (default: the last) as a bar chart.

    ``source`` is a logdir or a ``Diagnosis`` made from one.  Bars span each
    bucket's ``[left, right]`` with its count; single-value (zero-width)
    buckets are drawn as stems.  Mean and median are marked when the diagnosis
    has them.  ``logy`` (default: when counts span more than three orders of
    magnitude) puts the counts on a log scale.  Draws into ``ax`` when given.
    """
    if isinstance(source, (str, os.PathLike)):
        logdir, result, provider = os.fspath(source), None, None
    elif isinstance(source, Diagnosis) and source.logdir:
        logdir, result, provider = source.logdir, source, source._histogram_provider()
    else:
        raise TypeError("histogram() needs a logdir or a Diagnosis made from one (tb_histdiag_plugin.diagnose)")
    if result is not None:
        run = _pick_run(result, run)
    elif run is None:
        from tb_histdiag_plugin import loading, reading

        provider = loading.local_provider(logdir)
        listing = reading.list_histograms(provider, loading.request_context(), "")
        holding = sorted(r for r, tags in listing.items() if tag in tags)
        if len(holding) != 1:
            raise ValueError("pass run= (runs with tag %r: %s)" % (tag, ", ".join(holding) or "none"))
        run = holding[0]
    at, rows = read_buckets(logdir, run, tag, step, provider)
    color = run_colors(result)[run] if result is not None else RUN_COLORS[0]
    fig, ax = _figure_ax(figsize, ax)
    if len(rows):
        left, right, count = rows[:, 0], rows[:, 1], rows[:, 2]
        width = right - left
        wide = width > 0
        ax.bar(left[wide], count[wide], width=width[wide], align="edge", color=color, alpha=0.85,
               edgecolor="white", linewidth=0.3, gid="buckets")
        if (~wide).any():
            ax.vlines(left[~wide], 0, count[~wide], color=color, lw=2.5)
        positive = count[count > 0]
        if logy is None:
            logy = len(positive) > 0 and positive.max() / positive.min() > 1e3
        if logy:
            ax.set_yscale("log")
    else:
        ax.text(0.5, 0.5, "no finite data at this step", transform=ax.transAxes, ha="center", va="center")
    if result is not None:
        try:
            s = _series_by_tag(result["runs"][run], tag)
            i = s["steps"].index(at)
            for key, style in (("mean", "--"), ("p50", ":")):
                v = s["stats"][key][i]
                if v is not None:
                    ax.axvline(v, color="#333333", ls=style, lw=1, label="%s %.3g" % (
                        "median" if key == "p50" else key, v))
            if any(line.get_label()[:1] != "_" for line in ax.get_lines()):
                ax.legend(fontsize="small")
        except (KeyError, ValueError):
            pass
    ax.set_xlabel("value")
    ax.set_ylabel("count" + (" (log scale)" if logy else ""))
    ax.set_title("%s — %s at step %d (%d buckets)" % (run, tag, at, len(rows)))
    ax.grid(True, axis="y", alpha=0.3)
    return fig


# -- HTML --------------------------------------------------------------------

_CSS = (
    "<style>.histdiag-t{border-collapse:collapse;font-size:12px;margin:4px 0 12px}"
    ".histdiag-t th,.histdiag-t td{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left;"
    "vertical-align:top}.histdiag-sev{font-weight:600;color:#fff;border-radius:3px;padding:0 5px}</style>"
)


def markers_html(source):
    """An HTML markers table per run (every name and sentence escaped)."""
    result = as_result(source)
    colors = run_colors(result)
    e = lambda v: html.escape("" if v is None else str(v), quote=True)  # noqa: E731
    out = [_CSS]
    for name, doc in result["runs"].items():
        counts = _severity_counts(doc["markers"])
        out.append('<h4 style="margin:8px 0 2px"><span style="color:%s">&#9632;</span> run %s '
                   '<small style="font-weight:normal">%d layers, %d tags — %d critical, %d warning, %d info</small>'
                   "</h4>" % (colors[name], e(name), len(doc["layers"]), len(doc["series"]), counts["critical"],
                              counts["warning"], counts["info"]))
        if not doc["markers"]:
            out.append("<p>No markers: the histograms show no sign of trouble.</p>")
            continue
        depth = {layer["name"]: layer["depth"] for layer in doc["layers"]}
        ordered = sorted(doc["markers"], key=lambda m: (-_SEVERITY_RANK[m["severity"]],
                                                        depth.get(m["layer"], 1 << 30), m["kind"], m["tag"]))
        out.append('<table class="histdiag-t"><thead><tr><th>severity</th><th>kind</th><th>layer</th><th>tag</th>'
                   "<th>steps</th><th>evidence</th></tr></thead><tbody>")
        for m in ordered:
            out.append('<tr><td><span class="histdiag-sev" style="background:%s">%s</span></td><td>%s</td>'
                       "<td>%s</td><td><code>%s</code></td><td>%s–%s</td><td>%s</td></tr>"
                       % (SEVERITY_COLORS.get(m["severity"], "#888"), e(m["severity"]), e(m["kind"]),
                          e(m["layer"] if m["layer"] is not None else "—"), e(m["tag"]), e(m["first_step"]),
                          e(m["last_step"]), e(m["evidence"])))
        out.append("</tbody></table>")
    return "".join(out)
