"""The diagnosis document of a run: layers, per-series statistics, markers.

This is where reading, layer grouping, statistics and rules meet: a
``RunAnalysis`` holds a run's statistics (computed once) and writes its
document; the rules are cheap and re-run per settings.  ``diagnoser.py``
caches analyses over a data provider for the HTTP plugin, the CLI and the
Python API alike, so the tab and the report can never disagree.
"""

import dataclasses
import gzip
import json
import math
import threading

import numpy as np

from tb_histdiag_plugin import downsample, parallel, rules, scalars, severity, stats, timeline
from tb_histdiag_plugin import layers as layers_mod
from tb_histdiag_plugin.jsonvalues import json_list, json_lists, round_significant  # noqa: F401  (public here too)


# Significant digits in JSON: float32 precision (min, max, and every statistic
# of a constant tensor are exact), counts as exact integers.
_DIGITS = {"count": 15}


class NotFound(LookupError):
    """An unknown run, tag or step (a 404 in HTTP)."""


def series_text(entries):
    """The JSON array of ``RunAnalysis._series_entries``: every float array of every
    series rounded in one pass (``json_lists``), then one ``json.dumps``."""
    walls = json_lists([np.round(w, 3) for _, _, w, _, _ in entries], digits=0)
    by_stat = {name: json_lists([arrays[name] for *_, arrays in entries], _DIGITS.get(name, 8))
               for name in stats.STAT_NAMES}
    docs = [dict(fields, steps=steps.tolist(), wall_times=walls[i], non_finite=non_finite.tolist(),
                 stats={name: by_stat[name][i] for name in stats.STAT_NAMES})
            for i, (fields, steps, _, non_finite, _) in enumerate(entries)]
    return json.dumps(docs, separators=(",", ":"), allow_nan=False)


_SERIES_VIEW_FIELDS = {f.name for f in dataclasses.fields(rules.SeriesView)}


def _series_view(**fields):
    """A ``rules.SeriesView``, leaving out fields this version of rules.py lacks."""
    return rules.SeriesView(**{k: v for k, v in fields.items() if k in _SERIES_VIEW_FIELDS})


def _array_bytes(arrays):
    return sum(a.nbytes for a in arrays)


class RunAnalysis:
    """Everything about one run that does not depend on rule settings."""

    def __init__(self, run, series, tag_infos, layers, tag_stats=None, signals=None):
        self.run = run
        # Worker processes that serialise its documents in parts (set by ``diagnoser.Diagnoser``; not pickled).
        self.pool = None
        self.layers = layers
        depth = {layer["name"]: layer["depth"] for layer in layers}
        self.views = []
        self.infos = {}
        tags = sorted(series, key=lambda t: (depth.get(tag_infos[t].layer, layers_mod.NO_DEPTH), t))
        if tag_stats is None:
            tag_stats = {}
            for group in parallel.stat_groups(series):
                tag_stats.update(parallel.group_stats([series[t] for t in group]))
        for tag in tags:
            s = series[tag]
            info = tag_infos[tag]
            self.infos[tag] = info
            self.views.append(_series_view(
                tag=tag, layer=info.layer, depth=depth.get(info.layer, -1), role=info.role,
                param=info.param, param_name=getattr(info, "param_name", ""), norm=bool(getattr(info, "norm", False)),
                steps=s.steps, non_finite=s.non_finite, stats=tag_stats[tag]))
        ungrouped = getattr(layers_mod, "ungrouped", None)
        self.ungrouped = ungrouped(tag_infos) if ungrouped else sorted(t for t, i in tag_infos.items() if not i.layer)
        self.wall_times = {tag: s.wall_times for tag, s in series.items()}
        self.run_view = rules.RunView(self.views, layers)
        # The training signals beside the histograms (loss, accuracy, learning rate; scalars.py).
        self.signals = scalars.percent_scaled(signals or {})
        self.classes, self.chance_loss = scalars.infer_classes(self.run_view, self.signals)
        self.run_view.scalars = self.signals
        self.run_view.classes, self.run_view.chance_loss = self.classes, self.chance_loss
        # Serialised on first use: ``/runs`` needs only the summary, so runs
        # nobody opens never pay for (or hold) the JSON.
        self._series_json = None
        self._default_gzip = None
        self._json_lock = threading.Lock()
        self._default_story = self._story(rules.DEFAULTS)
        self._default_markers = self._default_story[0]
        self.steps = np.unique(np.concatenate([v.steps for v in self.views])) if self.views else np.zeros(0, np.int64)
        self._array_bytes = self.steps.nbytes + sum(
            v.steps.nbytes + v.non_finite.nbytes + _array_bytes(v.stats.values()) for v in self.views
        ) + _array_bytes(self.wall_times.values())

    def __getstate__(self):  # picklable, for worker processes (loading.analyse_logdir)
        state = dict(self.__dict__)
        del state["_json_lock"]
        state["pool"] = None
        return state

    def __setstate__(self, state):
        self.__dict__.update(state)
        self._json_lock = threading.Lock()

    def nbytes(self):
        """Estimated memory held: statistics arrays plus cached JSON and gzip."""
        return self._array_bytes + len(self._series_json or "") + len(self._default_gzip or b"")

    # ------------------------------------------------------------ documents

    def _kept(self, markers, start_step, end_step, max_points):
        """``{tag: indices}`` of the steps a document serves, and whether any series was thinned."""
        if start_step is not None or end_step is not None:
            return {v.tag: downsample.in_range(v.steps, start_step, end_step) for v in self.views}, False
        if max_points is None or all(len(v.steps) <= max_points for v in self.views):
            return {v.tag: None for v in self.views}, False
        edges = downsample.window_edges(self.steps[0], self.steps[-1])
        forced = {m[k] for m in markers for k in ("first_step", "last_step") if m.get(k) is not None}
        kept = {v.tag: downsample.keep_indices(v.steps, v.stats, v.non_finite, edges, forced) for v in self.views}
        return kept, any(len(idx) < len(v.steps) for v, idx in zip(self.views, kept.values()))

    def _series_entries(self, kept):
        """Per series: its fixed fields, then its arrays at the kept steps (``series_text``'s input)."""
        out = []
        for v in self.views:
            idx = kept[v.tag]
            pick = (lambda a: a) if idx is None else (lambda a: a[idx])  # noqa: E731
            info = self.infos[v.tag]
            fields = {"tag": v.tag, "layer": v.layer or None, "role": v.role, "param": v.param or None,
                      "param_name": getattr(info, "param_name", "") or None,
                      "norm": bool(getattr(info, "norm", False))}
            out.append((fields, pick(v.steps), pick(self.wall_times[v.tag]), pick(v.non_finite),
                        {name: pick(v.stats[name]) for name in stats.STAT_NAMES}))
        return out

    def _series_text(self, kept):
        """The ``series`` JSON array; with worker processes (``parallel.ComputePool``,
        set by ``Diagnoser``) each serialises a part of the series, same text."""
        entries = self._series_entries(kept)
        pool = self.pool
        parts = pool.processes if pool is not None and not pool.broken else 1
        if parts < 2 or len(entries) < 2:
            return series_text(entries)
        cuts = np.linspace(0, len(entries), parts + 1).round().astype(int)
        jobs = [pool.submit(series_text, entries[a:b]) for a, b in zip(cuts[:-1], cuts[1:]) if b > a]
        return "[" + ",".join(job.result()[1:-1] for job in jobs) + "]"

    def _story(self, settings):
        """``(markers, timeline, first_sign, headline)`` under ``settings`` (``timeline.py``)."""
        return timeline.annotate(rules.evaluate(self.run_view, settings), self.signals, self.layers)

    def story(self, settings=None):
        if settings is None or settings == rules.DEFAULTS:
            return self._default_story
        return self._story(settings)

    def markers(self, settings=None):
        return self.story(settings)[0]

    def unjudged(self, settings=None):
        """What a rule could not judge, and why (``rules/coverage.py``): too few values, say."""
        return rules.coverage.unjudged(self.run_view, settings or rules.DEFAULTS)

    def document_json(self, settings=None, start_step=None, end_step=None, max_points=downsample.MAX_POINTS):
        """The contract's diagnostics document, serialised.

        Without a step range, series longer than ``max_points`` steps are
        thinned (``downsample.py``; ``max_points=None`` keeps every step); with
        ``start_step``/``end_step`` (inclusive, either may be None) every
        logged step of that window is served.  Markers are always those of
        every logged step.  The default document's series text is cached.
        """
        settings = settings or rules.DEFAULTS
        markers, episodes, sign, headline = self.story(settings)
        default = (settings == rules.DEFAULTS and start_step is None and end_step is None
                   and max_points == downsample.MAX_POINTS)
        kept, thinned = self._kept(markers, start_step, end_step, max_points)
        if default:
            with self._json_lock:
                if self._series_json is None:
                    self._series_json = self._series_text(kept)
                series_text = self._series_json
        else:
            series_text = self._series_text(kept)
        first = int(self.steps[0]) if len(self.steps) else None
        last = int(self.steps[-1]) if len(self.steps) else None
        head = json.dumps({"run": self.run, "layers": self.layers, "ungrouped": self.ungrouped,
                           "total_steps": int(len(self.steps)), "downsampled": thinned,
                           "step_range": [first if start_step is None else int(start_step),
                                          last if end_step is None else int(end_step)]},
                          separators=(",", ":"))
        chance = None if self.chance_loss is None else round(self.chance_loss, 6)
        tail = json.dumps({"markers": markers, "settings": settings, "unjudged": self.unjudged(settings),
                           "headline": headline, "first_sign": sign,
                           "timeline": episodes, "classes": self.classes, "chance_loss": chance,
                           "scalars": scalars.document(self.signals, self.classes, self.chance_loss,
                                                       max_points if start_step is None and end_step is None
                                                       else None)},
                          separators=(",", ":"), allow_nan=False)
        return head[:-1] + ',"series":' + series_text + "," + tail[1:]

    def document_gzip(self, settings=None, start_step=None, end_step=None):
        """``document_json`` gzipped (level 1, mtime 0), cached for the default document: a
        warm request then costs no compression.  Level 1 takes half the time of TensorBoard's
        level 3 for 3% more bytes (the 5,000-step default document stays under 5 MB;
        ``bench/sweep.py``)."""
        default = (settings is None or settings == rules.DEFAULTS) and start_step is None and end_step is None
        if default and self._default_gzip is not None:
            return self._default_gzip
        body = gzip.compress(self.document_json(settings, start_step, end_step).encode("utf-8"),
                             compresslevel=1, mtime=0)
        if default:
            with self._json_lock:
                self._default_gzip = body
        return body

    def document(self, settings=None, start_step=None, end_step=None, max_points=None):
        """The document as a dict; every step by default (the CLI and the Python API)."""
        return json.loads(self.document_json(settings, start_step, end_step, max_points))

    # ------------------------------------------------------------ summary

    def profile(self):
        """The sweep table's depth profile: gradient RMS per layer at the last
        logged step, or (weights-only runs) the weights' relative change."""
        by_tag = {v.tag: v for v in self.views}
        source, role, stat = "gradients", "gradient", "rms"
        if not any(layer["tags"].get("gradient") in by_tag for layer in self.layers):
            source, role, stat = "weights", "weights", "change"
        values = []
        for layer in self.layers:
            view = by_tag.get(layer["tags"].get(role))
            value = float(view.stats[stat][-1]) if view is not None and len(view.steps) else math.nan
            values.append(json_list([value])[0])
        return {"source": source, "values": values}

    def summary(self):
        worst = severity.worst(self._default_markers)
        return {
            "run": self.run,
            "tags": len(self.views),
            "layers": len(self.layers),
            "first_step": int(self.steps[0]) if len(self.steps) else None,
            "last_step": int(self.steps[-1]) if len(self.steps) else None,
            **severity.counts(self._default_markers),
            "status": "done",
            "worst": {k: worst[k] for k in ("kind", "severity", "layer")} if worst else None,
            "profile": self.profile(),
            "headline": self._default_story[3],
            "first_sign": ({k: v for k, v in self._default_story[2].items() if k != "learning_rate"}
                           if self._default_story[2] else None),
            "final": self.final(),
        }

    def final(self):
        """The last finite value of each of loss, val_loss, accuracy and val_accuracy (None where not logged)."""
        out = {}
        for name in ("loss", "val_loss", "accuracy", "val_accuracy"):
            signal = self.signals.get(name)
            _, values = signal.finite() if signal is not None else (None, ())
            out[name] = float(round_significant(values[-1])) if len(values) else None
        return out


def analyse(run, series, tag_stats=None, signals=None):
    """A ``RunAnalysis`` from ``{tag: reading.Series}`` (and their ``group_stats`` if known, and
    the run's training signals, ``{name: scalars.Signal}``)."""
    first_seen = {}
    for tag, s in series.items():
        first_seen[tag] = (float(s.wall_times[0]) if len(s.wall_times) else 0.0, int(s.steps[0]) if len(s.steps) else 0)
    layers, infos = layers_mod.group(first_seen)
    return RunAnalysis(run, series, infos, layers, tag_stats, signals)
