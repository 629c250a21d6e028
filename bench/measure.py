"""The timed measurements: the data provider's floor, the built-in Histograms plugin, the diagnosis.

In-process over a data provider (``measure_inprocess``: the bare ``read_tensors``
floor, the built-in plugin's own code on every sample, a cold diagnosis split by
stage) and over HTTP against a ``loaders.Server`` (``measure_http``: the built-in
route, diagnostics cold and warm, the server's resident memory).  Both return
plain dicts that ``report.py`` summarises.
"""

import gzip
import json
import statistics
import time
import urllib.error
import urllib.parse
import urllib.request

import logdir  # noqa: F401  (sets TensorBoard's TF stub first)
from loaders import children, get_json, rss_mb
from report import log

from tb_histdiag_plugin import cache, diagnosis, reading, rules, stats
from tb_histdiag_plugin.diagnoser import Diagnoser

from tensorboard import context as tb_context
from tensorboard.backend import http_util
from tensorboard.data import provider as tb_provider
from tensorboard.plugins import base_plugin
from tensorboard.plugins.histogram import histograms_plugin

GZIP = {"Accept-Encoding": "gzip, deflate"}  # what a browser sends
WARM_REPEATS = 5
BUILTIN_ALL_EVERY = 5  # in-process built-in on all samples: measure every 5th tag, scale up


def get(url, headers=None, timeout=600):
    """``(seconds, status, body bytes)``; the time includes reading the whole body."""
    req = urllib.request.Request(url, headers=headers or {})
    t0 = time.perf_counter()
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body, status = resp.read(), resp.status
    except urllib.error.HTTPError as e:
        body, status = e.read(), e.code
    return time.perf_counter() - t0, status, body


def quote(text):
    return urllib.parse.quote(text, safe="")


def median(values):
    return statistics.median(values) if values else None


class Stopwatch:
    """Accumulated time of wrapped module functions (the diagnosis breakdown)."""

    def __init__(self):
        self.totals = {}
        self._patched = []

    def wrap(self, module, name, label):
        original = getattr(module, name)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.totals[label] = self.totals.get(label, 0.0) + time.perf_counter() - t0

        own = name in getattr(module, "__dict__", {})
        setattr(module, name, timed)
        self._patched.append((module, name, original, own))

    def restore(self):
        for module, name, original, own in reversed(self._patched):
            if own:
                setattr(module, name, original)
            else:
                delattr(module, name)
        self._patched = []


def cache_bytes(analysis):
    """What a cached ``RunAnalysis`` holds, roughly: arrays plus cached JSON text."""
    total = 0
    for view in analysis.views:
        total += view.steps.nbytes + view.non_finite.nbytes
        total += sum(a.nbytes for a in view.stats.values())
    total += sum(a.nbytes for a in analysis.wall_times.values())
    for value in analysis.__dict__.values():
        if isinstance(value, (str, bytes)):
            total += len(value)
    return total


def measure_inprocess(label, data_provider, expected):
    ctx = tb_context.RequestContext()
    eid = ""
    listing = reading.list_histograms(data_provider, ctx, eid)
    plugin = histograms_plugin.HistogramsPlugin(base_plugin.TBContext(
        data_provider=data_provider, sampling_hints={reading.HISTOGRAM_PLUGIN: 0}))
    from werkzeug import test as wz_test, wrappers as wz_wrappers
    request = wz_wrappers.Request(wz_test.EnvironBuilder(headers=GZIP).get_environ())
    out = {}
    for run in expected:
        tags = listing[run]
        row = {"tags": len(tags)}
        # Floor: one bare read_tensors of all tags (best of 2).
        # (In the same tag groups as reading.read_run: one call up to ~250k samples;
        # the Rust server's gRPC answer is capped at 256 MiB.)
        groups = reading._chunks(tags)
        row["read_calls"] = len(groups)
        times = []
        for _ in range(2):
            t0 = time.perf_counter()
            datums = []
            for group in groups:
                data = data_provider.read_tensors(
                    ctx, experiment_id=eid, plugin_name=reading.HISTOGRAM_PLUGIN, downsample=reading.ALL_SAMPLES,
                    run_tag_filter=tb_provider.RunTagFilter(runs=[run], tags=group))
                datums += [d for series in data[run].values() for d in series]
            times.append(time.perf_counter() - t0)
        row["floor_s"] = min(times)
        row["samples"] = len(datums)
        row["tensor_bytes"] = sum(d.numpy.nbytes for d in datums)
        del data, datums
        # The built-in plugin's own code serving every sample of every tag (JSON + gzip, no socket).
        # Every BUILTIN_ALL_EVERY-th tag, scaled to all tags: the cost is per tag.
        sample_tags = sorted(tags)[::BUILTIN_ALL_EVERY]
        t0 = time.perf_counter()
        body_bytes = 0
        for tag in sample_tags:
            body, mime = plugin.histograms_impl(ctx, tag, run, eid, downsample_to=reading.ALL_SAMPLES)
            response = http_util.Respond(request, body, mime)
            body_bytes += len(response.get_data())
        scale = len(tags) / len(sample_tags)
        row["builtin_all_s"] = (time.perf_counter() - t0) * scale
        row["builtin_all_gzip_bytes"] = int(body_bytes * scale)
        row["builtin_all_tags_measured"] = len(sample_tags)
        # Cold diagnosis in-process, by stage.
        watch = Stopwatch()
        watch.wrap(data_provider, "read_tensors", "read_tensors")
        watch.wrap(reading, "to_series", "normalise")
        watch.wrap(stats, "series_stats", "stats")
        watch.wrap(rules, "evaluate", "rules")
        try:
            t0 = time.perf_counter()
            analysis = Diagnoser(data_provider).analysis(ctx, eid, run)
            t1 = time.perf_counter()
            text = analysis.document_json()
            t2 = time.perf_counter()
        finally:
            watch.restore()
        row["diag_cold_s"] = t2 - t0
        stages = dict(watch.totals)
        stages["json"] = t2 - t1
        stages["other"] = (t1 - t0) - sum(v for k, v in watch.totals.items())
        row["diag_stages_s"] = stages
        row["document_bytes"] = len(text)
        row["document_gzip_bytes"] = len(gzip.compress(text.encode(), compresslevel=1))
        row["cache_bytes"] = cache_bytes(analysis)
        row["markers"] = len(analysis.markers())
        del analysis, text
        out[run] = row
        log("  [%s in-process] %-6s floor %.3f s  built-in(all samples) %.3f s  diagnosis cold %.3f s  (%s)"
            % (label, run, row["floor_s"], row["builtin_all_s"], row["diag_cold_s"],
               ", ".join("%s %.3f" % kv for kv in stages.items())))
    return out


def measure_http(server, expected):
    url = server.url
    tags_by_run = get_json(url + "/data/plugin/histograms/tags")
    out = {"load_s": server.load_seconds, "runs": {}}
    rss = {"loaded": rss_mb(server.pid)}
    data_pids = server.data_server_pids()
    if data_pids:
        out["data_server_rss_mb"] = sum(rss_mb(p) or 0 for p in data_pids)
    for run, steps in expected.items():
        tags = sorted(tags_by_run[run])
        total, nbytes = 0.0, 0
        for tag in tags:
            seconds, status, body = get("%s/data/plugin/histograms/histograms?run=%s&tag=%s"
                                        % (url, quote(run), quote(tag)), GZIP)
            if status != 200:
                raise RuntimeError("built-in %s %s: %s" % (run, tag, status))
            total += seconds
            nbytes += len(body)
        out["runs"][run] = {"tags": len(tags), "builtin_s": total, "builtin_gzip_bytes": nbytes}
    rss["before_diagnosis"] = rss_mb(server.pid)
    # The tab's script is its first request; it starts the plugin's worker processes
    # (parallel.ComputePool), about a second before they are ready.
    get(url + "/data/plugin/histdiag/index.js")
    time.sleep(3.0)
    for run in expected:
        seconds, status, body = get("%s/data/plugin/histdiag/diagnostics?run=%s" % (url, quote(run)), GZIP)
        if status != 200:
            raise RuntimeError("diagnostics %s: %s %s" % (run, status, body[:300]))
        doc = json.loads(gzip.decompress(body))
        # The default document thins long series; ``total_steps`` counts what the run logged.
        if doc["total_steps"] != expected[run]:
            raise RuntimeError("run %s: %d steps logged, expected %d (not fully loaded?)"
                               % (run, doc["total_steps"], expected[run]))
        out["runs"][run].update(diag_cold_s=seconds, diag_gzip_bytes=len(body), markers=len(doc["markers"]))
    rss["after_cold"] = rss_mb(server.pid)
    for run in expected:
        path = "%s/data/plugin/histdiag/diagnostics?run=%s" % (url, quote(run))
        warm = [get(path, GZIP)[0] for _ in range(WARM_REPEATS)]
        plain = [get(path)[0] for _ in range(WARM_REPEATS)]
        # Once the shared listing's window is over (cache.LISTING_TTL_S), a request lists again.
        time.sleep(cache.LISTING_TTL_S + 0.1)
        relisted = get(path, GZIP)[0]
        out["runs"][run].update(diag_warm_s=median(warm), diag_warm_identity_s=median(plain),
                                diag_warm_relisted_s=relisted)
    t = get(url + "/data/plugin/histdiag/runs", GZIP)[0]
    out["runs_route_warm_s"] = t
    # The built-in Histograms tab's listing: it pays the same data provider listing.
    out["builtin_tags_s"] = median([get(url + "/data/plugin/histograms/tags", GZIP)[0] for _ in range(WARM_REPEATS)])
    rss["after_warm"] = rss_mb(server.pid)
    out["workers_rss_mb"] = sum(rss_mb(p) or 0 for p in children(server.pid) if p not in data_pids)
    out["rss_mb"] = rss
    for run, row in out["runs"].items():
        log("  [%s http] %-6s built-in(51/tag) %.3f s  cold %.3f s  warm %.1f ms (identity %.1f ms; listed "
            "again %.1f ms)" % (server.loader, run, row["builtin_s"], row["diag_cold_s"], 1e3 * row["diag_warm_s"],
                                1e3 * row["diag_warm_identity_s"], 1e3 * row["diag_warm_relisted_s"]))
    log("  [%s http] built-in /tags %.1f ms" % (server.loader, 1e3 * out["builtin_tags_s"]))
    log("  [%s http] RSS MB %s" % (server.loader, ", ".join("%s %.0f" % kv for kv in rss.items())))
    return out

