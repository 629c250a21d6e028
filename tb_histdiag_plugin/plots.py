"""Matplotlib pictures of a diagnosis, each returned as a ``Figure``.

* ``gradient_flow`` - per-layer gradient RMS across depth at one step, log
  scale, runs overlaid (the ``plot_grad_flow`` picture, made from histograms);
* ``learning_flow`` - the same picture for weights-only runs: how far each
  layer's weights move per logged step (the ``change`` statistic) by depth;
* ``heatmap`` - layers x steps of one statistic, marker spans outlined;
* ``layer_bands`` - one layer's percentile bands over steps, one panel per role;
* ``histogram`` - stored buckets of one tag at one step;
* ``timeline`` - a run's loss, accuracy and learning rate above its markers' onsets, lane per layer.

Each takes a ``result.Diagnosis`` and uses only its public methods (``run``,
``series``, ``stat``, ``run_names``), so this module does not import
``result.py``, which imports it for the ``Diagnosis`` plot methods.
matplotlib is imported inside the functions only: importing the package never
needs it.  Statistics may be ``None`` (JSON null) where a histogram held no
finite data; plots leave gaps there.
"""

import math
import sys

import numpy as np

from tb_histdiag_plugin.severity import SEVERITIES, SEVERITY_COLORS, SEVERITY_RANK

# TensorBoard's run colours, in the order it hands them out (src/colors.js RUN_PALETTE).
RUN_COLORS = ("#ff7043", "#0077bb", "#cc3311", "#33bbee", "#ee3377", "#009988", "#bbbbbb")
# Statistics whose values span orders of magnitude: shown as log10 in heatmaps.
LOG_STATS = frozenset({"count", "std", "rms", "l2_norm", "abs_mean", "change"})
_BANDS = (("p1", "p99", 0.15), ("p5", "p95", 0.25), ("p25", "p75", 0.4))
_ROLE_ORDER = ("weights", "bias", "gradient", "activation", "other")
# Markers ringed on a depth profile: what each picture is evidence for.
_GRADIENT_KINDS = ("vanishing_gradient", "exploding_gradient")
_LEARNING_KINDS = ("vanishing_gradient", "exploding_gradient", "stagnant_weights", "weight_growth")


def run_colors(run_names):
    """``{run: colour}`` in TensorBoard's palette, by the runs' sorted order."""
    return {name: RUN_COLORS[i % len(RUN_COLORS)] for i, name in enumerate(sorted(run_names))}


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


def _value_at(series, name, step):
    """The statistic at ``step``, or at the last logged step before it; NaN if none."""
    best = None
    for i, s in enumerate(series["steps"]):
        if s <= step and (best is None or s >= series["steps"][best]):
            best = i
    if best is None:
        return math.nan
    v = series["stats"][name][best]
    return math.nan if v is None else float(v)


def _worst_marker_at(doc, layer, kinds, step):
    """The worst severity of a ``kinds`` marker on ``layer`` spanning ``step``, or None."""
    found = [m["severity"] for m in doc["markers"]
             if m["layer"] == layer and m["kind"] in kinds and m["first_step"] <= step <= m["last_step"]]
    return max(found, key=SEVERITY_RANK.__getitem__) if found else None


def _depth_profile(d, role, stat, step, runs, kinds, show_max, figsize, ax):
    """Draw per-layer ``stat`` of each layer's ``role`` series across depth; ``(fig, ax)``."""
    names = list(runs) if runs is not None else d.run_names
    docs = {name: d.run(name) for name in names}
    colors = run_colors(d.run_names)
    layer_order = []
    for doc in docs.values():
        for layer in doc["layers"]:
            if layer["tags"].get(role) and layer["name"] not in layer_order:
                layer_order.append(layer["name"])
    if not layer_order:
        return None, None
    x_of = {name: i for i, name in enumerate(layer_order)}
    fig, ax = _figure_ax(figsize, ax)
    for name, doc in docs.items():
        rows = [(layer["name"], d.series(layer["tags"][role], name))
                for layer in doc["layers"] if layer["tags"].get(role)]
        if not rows:
            continue
        at = step if step is not None else max(max(s["steps"], default=-1) for _, s in rows)
        xs, values, ys, tops, ring = [], [], [], [], []
        for layer_name, s in rows:
            v = _value_at(s, stat, at)
            lo, hi = _value_at(s, "min", at), _value_at(s, "max", at)
            top = max(abs(lo), abs(hi)) if not (math.isnan(lo) or math.isnan(hi)) else math.nan
            xs.append(x_of[layer_name])
            values.append(v)
            ys.append(v if v > 0 else math.nan)
            tops.append(top if top > 0 else math.nan)
            ring.append(_worst_marker_at(doc, layer_name, kinds, at))
        color = colors[name]
        ax.plot(xs, ys, "-o", color=color, lw=2, ms=5, label="%s: %s %s (step %d)" % (name, role, stat, at),
                gid="flow:" + name)
        if show_max:
            ax.plot(xs, tops, "--", color=color, lw=1, alpha=0.7, label="%s: max |%s|" % (name, role),
                    gid="max:" + name)
        for x, y, sev in zip(xs, ys, ring):
            if sev in ("warning", "critical") and not math.isnan(y):
                ax.scatter([x], [y], s=160, facecolors="none", edgecolors=SEVERITY_COLORS[sev], linewidths=1.8,
                           zorder=3, gid="ring:%s:%s" % (name, sev))
        zero = [x for x, v in zip(xs, values) if v == 0]
        if zero:  # exactly zero has no place on a log scale: a triangle on the bottom edge says so
            ax.plot(zero, [0.03] * len(zero), "v", color=color, ms=8, transform=ax.get_xaxis_transform(),
                    clip_on=False, label="%s: %s 0" % (name, stat), gid="zero:" + name)
    ax.set_yscale("log")
    ax.set_xticks(range(len(layer_order)))
    many = len(layer_order) > 6
    ax.set_xticklabels(layer_order, rotation=45 if many else 0, ha="right" if many else "center")
    ax.set_xlim(-0.5, len(layer_order) - 0.5)
    ax.set_xlabel("layer (input → output)")
    ax.grid(True, which="major", alpha=0.3)
    ax.legend(fontsize="small", loc="best")
    return fig, ax


def _at_title(step):
    return " at step %d" % step if step is not None else " at the last logged step"


def gradient_flow(d, step=None, runs=None, stat="rms", show_max=True, figsize=(8, 4.2), ax=None):
    """Per-layer gradient ``stat`` (RMS) across depth at ``step``, log scale, runs overlaid.

    Layers are on the x axis in depth order (input side left); each run is one
    solid line in its TensorBoard colour, with its largest |gradient| dashed
    when ``show_max``.  ``step`` defaults to each run's last logged step; a
    layer not logged at ``step`` shows its last value before it.  Points of a
    layer under a ``vanishing_gradient`` or ``exploding_gradient`` marker at that
    step are ringed in the marker's severity colour.  Draws into ``ax`` when
    given (and returns its figure).
    """
    fig, ax = _depth_profile(d, "gradient", stat, step, runs, _GRADIENT_KINDS, show_max, figsize, ax)
    if fig is None:
        raise ValueError("no gradient histograms in run(s) %s: log the gradients to see their flow, or use "
                         "learning_flow() for weights-only runs" % ", ".join(runs or d.run_names))
    ax.set_ylabel("gradient %s (log scale)" % stat)
    ax.set_title("Gradient flow" + _at_title(step))
    return fig


def learning_flow(d, step=None, runs=None, stat="change", figsize=(8, 4.2), ax=None):
    """How far each layer's weights move per logged step, across depth (log scale).

    The picture for runs that log weights but no gradients: ``change`` is the
    distance between consecutive weight histograms in units of their spread
    (see ``stats.py``), so layers that stopped learning sit orders of magnitude
    below the others; weights that did not move at all (change exactly 0) are
    triangles on the bottom edge.  Rings mark layers under a vanishing-gradient (inferred
    from weights), exploding, stagnant or growing-weights marker at that step.
    """
    fig, ax = _depth_profile(d, "weights", stat, step, runs, _LEARNING_KINDS, False, figsize, ax)
    if fig is None:
        raise ValueError("no weight histograms in run(s) %s" % ", ".join(runs or d.run_names))
    ax.set_ylabel("weights %s per logged step (log scale)" % stat)
    ax.set_title("Learning flow" + _at_title(step))
    return fig


def _step_edges(steps):
    """Cell edges halfway between logged steps, so irregular steps keep their places."""
    st = np.asarray(steps, dtype=np.float64)
    if len(st) < 2:
        return np.array([st[0] - 0.5, st[0] + 0.5])
    mid = (st[1:] + st[:-1]) / 2
    return np.concatenate([[st[0] - (mid[0] - st[0])], mid, [st[-1] + (st[-1] - mid[-1])]])


def heatmap(d, run=None, stat="rms", role="gradient", log=None, markers=True, cmap="viridis",
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
    import matplotlib

    doc = d.run(run)
    name = doc["run"]
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
        for st, v in zip(*d.stat(s["tag"], stat, name)):
            grid[r, col[st]] = v
    if log:
        with np.errstate(divide="ignore", invalid="ignore"):
            grid = np.where(grid > 0, np.log10(np.where(grid > 0, grid, 1.0)), np.nan)
    edges = _step_edges(steps)
    shared = {s["layer"] for s in rows if sum(o["layer"] == s["layer"] for o in rows) > 1}
    labels = [s["tag"] if not s["layer"] or s["layer"] in shared else s["layer"] for s in rows]
    if figsize is None:
        figsize = (8, max(2.5, 0.8 + 0.32 * len(rows)))
    fig, ax = _figure_ax(figsize, ax)
    cm = matplotlib.colormaps[cmap].with_extremes(bad="#dddddd")
    mesh = ax.pcolormesh(edges, np.arange(len(rows) + 1), np.ma.masked_invalid(grid), cmap=cm, shading="flat")
    ax.set_ylim(len(rows), 0)
    ax.set_yticks(np.arange(len(rows)) + 0.5)
    ax.set_yticklabels(labels, fontsize="small" if len(rows) > 12 else None)
    ax.set_xlabel("step")
    cbar = fig.colorbar(mesh, ax=ax)
    cbar.set_label(("log10 %s" if log else "%s") % stat)
    if markers:
        _outline_markers(ax, doc, {s["tag"]: r for r, s in enumerate(rows)}, col, edges)
    ax.set_title("%s — %s %s" % (name, role, stat), loc="left")
    return fig


def _outline_markers(ax, doc, row_of, col, edges):
    from matplotlib import patheffects
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    halo = [patheffects.withStroke(linewidth=4, foreground="white")]
    seen = set()
    # Least severe first, so the worst outline is drawn on top.
    for m in sorted(doc["markers"], key=lambda m: SEVERITY_RANK[m["severity"]]):
        r = row_of.get(m["tag"])
        if r is None or m["first_step"] not in col or m["last_step"] not in col:
            continue
        x0, x1 = edges[col[m["first_step"]]], edges[col[m["last_step"]] + 1]
        ax.add_patch(Rectangle((x0, r + 0.06), x1 - x0, 0.88, fill=False, lw=2,
                               edgecolor=SEVERITY_COLORS[m["severity"]], gid="marker:" + m["kind"],
                               path_effects=halo))
        seen.add(m["severity"])
    if seen:
        handles = [Line2D([], [], color=SEVERITY_COLORS[s], lw=2, label=s) for s in SEVERITIES if s in seen]
        ax.legend(handles=handles, fontsize="small", loc="lower right", bbox_to_anchor=(1, 1), ncol=3,
                  frameon=False, title="marker spans", title_fontsize="small", alignment="right")


def layer_bands(d, layer, run=None, roles=None, yscale="auto", figsize=None):
    """One layer's percentile bands over steps, one panel per role.

    Shaded p1-p99, p5-p95 and p25-p75 bands, the median (solid) and the mean
    (dashed), for each role the layer has (weights, bias, gradient, activation)
    or those in ``roles``.  ``yscale="auto"`` switches a panel to symlog when
    its spread spans more than two orders of magnitude over the steps.
    """
    doc = d.run(run)
    name = doc["run"]
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
        panels.append((role, d.series(tag, name)))
    if not panels:
        raise ValueError("layer %r has no histograms" % layer)
    color = run_colors(d.run_names)[name]
    if figsize is None:
        figsize = (8, 1.1 + 2.1 * len(panels))
    fig, axes = _figure(figsize, nrows=len(panels), sharex=True)
    for (role, s), ax in zip(panels, axes[:, 0]):
        steps = np.asarray(s["steps"], dtype=np.float64)
        get = {k: d.stat(s["tag"], k, name)[1] for k in ("p1", "p5", "p25", "p50", "p75", "p95", "p99", "mean")}
        for lo, hi, alpha in _BANDS:
            ax.fill_between(steps, get[lo], get[hi], color=color, alpha=alpha, lw=0, label="%s–%s" % (lo, hi))
        ax.plot(steps, get["p50"], "-", color=color, lw=1.8, label="median")
        ax.plot(steps, get["mean"], "--", color="#333333", lw=1, label="mean")
        for st, bad in zip(s["steps"], s["non_finite"]):
            if bad:
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
                end = m["last_step"] if m["last_step"] > m["first_step"] else m["first_step"] + 0.5
                ax.axvspan(m["first_step"], end, color=SEVERITY_COLORS[m["severity"]], alpha=0.08, lw=0)
        ax.set_ylabel(role)
        ax.set_title(s["tag"], fontsize="small", loc="left")
        ax.grid(True, alpha=0.3)
    axes[0, 0].legend(fontsize="x-small", ncol=5, loc="upper right")
    axes[-1, 0].set_xlabel("step")
    fig.suptitle("%s — layer %s: percentiles over steps" % (name, layer))
    return fig


def histogram(rows, step, run, tag, series=None, color=RUN_COLORS[0], logy=None, figsize=(7, 3.6), ax=None):
    """Stored ``[left, right, count]`` bucket ``rows`` of ``tag`` at ``step`` as a bar chart.

    Bars span each bucket's ``[left, right]`` with its count; single-value
    (zero-width) buckets are drawn as stems.  Mean and median are marked from
    ``series`` (the tag's series document) when it has that step.  ``logy``
    (default: when counts span more than three orders of magnitude) puts the
    counts on a log scale.  Draws into ``ax`` when given.
    """
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
    if series is not None and step in series["steps"]:
        i = series["steps"].index(step)
        for key, label, style in (("mean", "mean", "--"), ("p50", "median", ":")):
            v = series["stats"][key][i]
            if v is not None:
                ax.axvline(v, color="#333333", ls=style, lw=1, label="%s %.3g" % (label, v))
        if any(line.get_label()[:1] != "_" for line in ax.get_lines()):
            ax.legend(fontsize="small")
    ax.set_xlabel("value")
    ax.set_ylabel("count" + (" (log scale)" if logy else ""))
    ax.set_title("%s — %s at step %d (%d buckets)" % (run, tag, step, len(rows)))
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def timeline(d, run=None, figsize=(9, 4.6)):
    """A run's story on one step axis: the loss (and validation loss, accuracy, learning rate where
    logged) above, each marker's onset on its layer's lane below, the first sign ringed.

    Episodes (``doc["timeline"]``) are shaded across both panels; a marker that follows from
    another (``caused_by``) is joined to it by a thin line.
    """
    doc = d.run(run)
    name = doc["run"]
    signals = doc.get("scalars") or {}
    fig, axes = _figure(figsize, nrows=2, sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    top, lanes_ax = axes[0, 0], axes[1, 0]
    color = run_colors(d.run_names)[name]
    drawn = False
    for key, style in (("loss", "-"), ("val_loss", "--")):
        s = signals.get(key)
        if s:
            values = np.array([np.nan if v is None else v for v in s["values"]], dtype=np.float64)
            top.plot(s["steps"], values, style, color=color, lw=1.6, label=key.replace("_", " "))
            drawn = True
    if drawn:
        finite = np.concatenate([np.array([v for v in signals[k]["values"] if v is not None and v > 0], dtype=float)
                                 for k in ("loss", "val_loss") if signals.get(k)])
        if len(finite) and finite.max() / finite.min() > 100:
            top.set_yscale("log")
        if signals.get("chance_loss"):
            top.axhline(signals["chance_loss"], color="#888888", lw=0.8, ls=":", label="chance")
        top.set_ylabel("loss")
    else:
        top.text(0.5, 0.5, "no loss logged", transform=top.transAxes, ha="center", va="center", color="#888888")
    for key, axis_label in (("accuracy", "accuracy"), ("learning_rate", "learning rate")):
        s = signals.get(key)
        if s:
            twin = top.twinx()
            values = np.array([np.nan if v is None else v for v in s["values"]], dtype=np.float64)
            twin.plot(s["steps"], values, ":" if key == "accuracy" else "-.", color="#555555", lw=1, label=axis_label)
            twin.set_ylabel(axis_label, fontsize="small")
            if key == "learning_rate" and np.nanmax(values) / max(np.nanmin(values[values > 0]), 1e-300) > 100:
                twin.set_yscale("log")
            if key == "learning_rate" and signals.get("accuracy"):
                twin.spines["right"].set_position(("axes", 1.12))
    lane_names = ["run"] + [layer["name"] for layer in doc["layers"]]
    lane = {n: i for i, n in enumerate(lane_names)}
    sign = doc.get("first_sign")
    markers = doc["markers"]
    for episode in doc.get("timeline") or ():
        end = episode["last_step"] if episode["last_step"] > episode["first_step"] else episode["first_step"] + 0.5
        for ax in (top, lanes_ax):
            ax.axvspan(episode["first_step"], end, color="#888888", alpha=0.08, lw=0)
    for i, m in enumerate(markers):
        y = lane.get(m["layer"] if m["layer"] is not None else "run", 0)
        ax_color = SEVERITY_COLORS[m["severity"]]
        lanes_ax.plot([m["first_step"]], [y], "o", color=ax_color, ms=6 if m["severity"] != "info" else 4)
        cause = m.get("caused_by")
        if cause is not None:
            c = markers[cause]
            lanes_ax.plot([c["first_step"], m["first_step"]],
                          [lane.get(c["layer"] if c["layer"] is not None else "run", 0), y], "-", color="#999999",
                          lw=0.6)
        if sign is not None and sign.get("marker") == i:
            lanes_ax.plot([m["first_step"]], [y], "o", mfc="none", mec="#000000", ms=12, mew=1.5)
            for ax in (top,):
                ax.axvline(m["first_step"], color=ax_color, lw=1, alpha=0.7)
    lanes_ax.set_yticks(range(len(lane_names)))
    lanes_ax.set_yticklabels(lane_names, fontsize="small")
    lanes_ax.set_ylim(len(lane_names) - 0.5, -0.5)
    lanes_ax.set_xlabel("step")
    lanes_ax.grid(True, axis="x", alpha=0.3)
    handles, labels = top.get_legend_handles_labels()
    if handles:
        top.legend(handles, labels, fontsize="x-small", loc="upper right")
    fig.suptitle("%s — %s" % (name, doc.get("headline") or "timeline"), fontsize="small")
    return fig
