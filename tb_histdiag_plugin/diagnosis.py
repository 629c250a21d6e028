"""The diagnosis document of a run: layers, per-series statistics, markers.

This is where reading, layer grouping, statistics and rules meet; the HTTP
plugin, the CLI and the Python API all call ``Diagnoser`` so the tab and the
report can never disagree.  A run's statistics are computed once and cached
until the data provider reports new data for it (its tags' largest step and
wall time change); the rules are cheap and re-run per settings.
"""

import gzip
import json
import threading

import numpy as np

from tb_histdiag_plugin import layers as layers_mod
from tb_histdiag_plugin import reading, rules, stats


# Significant digits in JSON: float32 precision (min, max, and every statistic
# of a constant tensor are exact), counts as exact integers.
_DIGITS = {"count": 15}


class NotFound(LookupError):
    """An unknown run, tag or step (a 404 in HTTP)."""


def round_significant(values, digits=8):
    """Round to ``digits`` significant digits: float32 precision, compact JSON."""
    values = np.asarray(values, dtype=np.float64)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        magnitude = np.floor(np.log10(np.abs(values)))
        magnitude = np.where(np.isfinite(magnitude), magnitude, 0.0)
        exponent = (digits - 1 - magnitude).astype(np.int64)
        exponent = np.clip(exponent, -300, 300)
        up = exponent >= 0
        scale = np.power(10.0, np.abs(exponent))
        rounded = np.where(up, np.round(values * scale) / scale, np.round(values / scale) * scale)
    return np.where(np.isfinite(rounded), rounded, values)


def json_list(values, digits=8):
    """Floats as a JSON-ready list, NaN and Inf as None (JSON null)."""
    rounded = round_significant(values, digits) if digits else np.asarray(values, dtype=np.float64)
    finite = np.isfinite(rounded)
    out = rounded.tolist()
    if not finite.all():
        for i in np.nonzero(~finite)[0]:
            out[i] = None
    return out


class RunAnalysis:
    """Everything about one run that does not depend on rule settings."""

    def __init__(self, run, series, tag_infos, layers):
        self.run = run
        self.layers = layers
        depth = {layer["name"]: layer["depth"] for layer in layers}
        self.views = []
        for tag in sorted(series, key=lambda t: (depth.get(tag_infos[t].layer, 1 << 30), t)):
            s = series[tag]
            info = tag_infos[tag]
            self.views.append(rules.SeriesView(
                tag=tag, layer=info.layer, depth=depth.get(info.layer, -1), role=info.role,
                param=info.param, steps=s.steps, non_finite=s.non_finite,
                stats=stats.series_stats(s.buckets, s.n_rows)))
        self.wall_times = {tag: s.wall_times for tag, s in series.items()}
        self.run_view = rules.RunView(self.views, layers)
        # Serialised on first use: ``/runs`` analyses every run but needs only
        # the markers, so runs nobody opens never pay for (or hold) the JSON.
        self._series_json = None
        self._default_gzip = None
        self._json_lock = threading.Lock()
        self._default_markers = rules.evaluate(self.run_view, rules.DEFAULTS)
        self.steps = np.unique(np.concatenate([v.steps for v in self.views])) if self.views else np.zeros(0)

    @property
    def series_json(self):
        with self._json_lock:
            if self._series_json is None:
                self._series_json = json.dumps([self._series_doc(v) for v in self.views], separators=(",", ":"),
                                               allow_nan=False)
            return self._series_json

    def _series_doc(self, view):
        return {
            "tag": view.tag,
            "layer": view.layer or None,
            "role": view.role,
            "param": view.param or None,
            "steps": view.steps.tolist(),
            "wall_times": json_list(np.round(self.wall_times[view.tag], 3), digits=0),
            "non_finite": view.non_finite.tolist(),
            "stats": {name: json_list(view.stats[name], _DIGITS.get(name, 8)) for name in stats.STAT_NAMES},
        }

    def markers(self, settings=None):
        if settings is None or settings == rules.DEFAULTS:
            return self._default_markers
        return rules.evaluate(self.run_view, settings)

    def summary(self):
        counts = {"critical": 0, "warning": 0, "info": 0}
        for m in self._default_markers:
            counts[m["severity"]] += 1
        return {
            "run": self.run,
            "tags": len(self.views),
            "layers": len(self.layers),
            "first_step": int(self.steps[0]) if len(self.steps) else None,
            "last_step": int(self.steps[-1]) if len(self.steps) else None,
            **counts,
        }

    def document_json(self, settings=None):
        """The contract's diagnostics document, serialised (series spliced in as cached text)."""
        settings = settings or rules.DEFAULTS
        head = json.dumps({"run": self.run, "layers": self.layers}, separators=(",", ":"))
        tail = json.dumps({"markers": self.markers(settings), "settings": settings}, separators=(",", ":"),
                          allow_nan=False)
        return head[:-1] + ',"series":' + self.series_json + "," + tail[1:]

    def document_gzip(self, settings=None):
        """``document_json`` gzipped (level 3, mtime 0, as TensorBoard's ``http_util.Respond``),
        cached for the default settings: a warm request then costs no compression."""
        default = settings is None or settings == rules.DEFAULTS
        if default and self._default_gzip is not None:
            return self._default_gzip
        body = gzip.compress(self.document_json(settings).encode("utf-8"), compresslevel=3, mtime=0)
        if default:
            with self._json_lock:
                self._default_gzip = body
        return body

    def document(self, settings=None):
        return json.loads(self.document_json(settings))


def analyse(run, series):
    """A ``RunAnalysis`` from ``{tag: reading.Series}``."""
    first_seen = {}
    for tag, s in series.items():
        first_seen[tag] = (float(s.wall_times[0]) if len(s.wall_times) else 0.0, int(s.steps[0]) if len(s.steps) else 0)
    layers, infos = layers_mod.group(first_seen)
    return RunAnalysis(run, series, infos, layers)


class Diagnoser:
    """Cached diagnoses over a TensorBoard data provider; safe across threads."""

    def __init__(self, data_provider):
        self._provider = data_provider
        self._lock = threading.Lock()
        self._run_locks = {}
        self._cache = {}  # (experiment_id, run) -> (fingerprint, RunAnalysis)

    def listing(self, ctx, experiment_id, runs=None):
        return reading.list_histograms(self._provider, ctx, experiment_id, runs)

    def analysis(self, ctx, experiment_id, run, tags=None):
        if tags is None:
            tags = self.listing(ctx, experiment_id, [run]).get(run)
            if not tags:
                raise NotFound("no histogram data for run %r" % run)
        key = (experiment_id, run)
        fingerprint = reading.fingerprint(tags)
        with self._lock:
            cached = self._cache.get(key)
            if cached and cached[0] == fingerprint:
                return cached[1]
            run_lock = self._run_locks.setdefault(key, threading.Lock())
        with run_lock:  # one computation per run at a time; others wait for it
            with self._lock:
                cached = self._cache.get(key)
                if cached and cached[0] == fingerprint:
                    return cached[1]
            series = reading.read_run(self._provider, ctx, experiment_id, run, tags)
            if not series:
                raise NotFound("no histogram data for run %r" % run)
            result = analyse(run, series)
            with self._lock:
                self._cache[key] = (fingerprint, result)
            return result

    def series(self, ctx, experiment_id, run, tag):
        """One tag's normalised series, read fresh (the histogram route)."""
        tags = self.listing(ctx, experiment_id, [run]).get(run)
        if not tags:
            raise NotFound("no histogram data for run %r" % run)
        if tag not in tags:
            raise NotFound("run %r has no histogram tag %r" % (run, tag))
        series = reading.read_run(self._provider, ctx, experiment_id, run, [tag]).get(tag)
        if series is None:
            raise NotFound("run %r has no histogram data for tag %r" % (run, tag))
        return series

    def runs(self, ctx, experiment_id):
        listing = self.listing(ctx, experiment_id)
        out = []
        for run in sorted(listing):
            try:
                out.append(self.analysis(ctx, experiment_id, run, listing[run]).summary())
            except NotFound:  # the run vanished between listing and reading
                continue
        return out
