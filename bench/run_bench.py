#!/usr/bin/env python
"""tb-histdiag benchmark (``make bench``): the tab's cost against TensorBoard's own.

Writes (or reuses) a scale logdir under ``bench/.data/`` (see ``logdir.py``),
starts two real ``tensorboard`` processes on it (``--load_fast=false`` and
``--load_fast=true``, both ``--samples_per_plugin histograms=0 --reload_interval 0``
so every sample is kept and nothing reloads while we measure), loads the same
logdir in this process through both data providers, waits until everything is
loaded, then measures in one go:

* floor: the data provider's bare ``read_tensors`` of all tags of a run
  (downsample=10**9, one call per run, as the diagnosis does);
* built-in: the Histograms plugin serving every tag of every run once, over
  HTTP as its dashboard asks (51 samples per tag: the route's fixed
  ``SAMPLE_SIZE``), and in-process through the same plugin code with every
  sample (``histograms_impl(downsample_to=10**9)`` + ``http_util.Respond``,
  gzip): "serving the raw data";
* diagnostics of every run over HTTP, cold (first request after load) and warm
  (cached; median of 5), and in-process cold with a breakdown by stage;
* the TensorBoard process's resident memory (VmRSS) before and after;
* headless Chromium: opening the tab until the overview of a run is drawn.

Prints every figure and the ratios, writes ``bench/results/latest.json`` and
``bench/results/latest.md``.  ``--quick`` runs a tiny version (smoke test).
"""

import argparse
import datetime
import gzip
import json
import os
import platform
import statistics
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(REPO, "tests"))

import logdir as bench_logdir  # noqa: E402  (sets TensorBoard's TF stub first)
import support  # noqa: E402  (the tests' helpers: free ports, JSON fetches, TensorBoard servers)

from tb_histdiag_plugin import loading  # noqa: E402,F401  (the TF stub, as the CLI)
from tb_histdiag_plugin import diagnosis, reading, rules, stats  # noqa: E402

from tensorboard import context as tb_context  # noqa: E402
from tensorboard.backend import http_util  # noqa: E402
from tensorboard.backend.event_processing import data_provider as tb_data_provider  # noqa: E402
from tensorboard.backend.event_processing import plugin_event_multiplexer  # noqa: E402
from tensorboard.data import provider as tb_provider  # noqa: E402
from tensorboard.plugins import base_plugin  # noqa: E402
from tensorboard.plugins.histogram import histograms_plugin  # noqa: E402

CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
GZIP = {"Accept-Encoding": "gzip, deflate"}  # what a browser sends
WARM_REPEATS = 5
BUILTIN_ALL_EVERY = 5  # in-process built-in on all samples: measure every 5th tag, scale up
LOADERS = ("python", "rust")


def log(*parts):
    print(*parts, flush=True)


# ---------------------------------------------------------------- helpers

def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


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


get_json = support.get_json


def quote(text):
    return urllib.parse.quote(text, safe="")


class Server(support.TensorBoardServer):
    """A real ``tensorboard`` process on loopback that loads once (``--reload_interval 0``)."""

    def __init__(self, logdir, loader, workdir):
        self.loader = loader
        super().__init__(logdir, load_fast=loader == "rust", reload_interval=0,
                         log_path=os.path.join(workdir, "tensorboard-%s.log" % loader))
        self.load_seconds = None

    @property
    def pid(self):
        return self.process.pid

    def data_server_pids(self):
        return [p for p in children(self.pid)] if self.loader == "rust" else []

    def loaded(self, expected):
        """Every run's file read to its end (its closing scalar is served)."""
        self.check_alive()
        try:
            tags = get_json(self.url + "/data/plugin/scalars/tags", timeout=30)
        except (OSError, RuntimeError, ValueError):
            return False
        done = all(bench_logdir.DONE_TAG in tags.get(run, {}) for run in expected)
        if done and self.load_seconds is None:
            self.load_seconds = time.perf_counter() - self.started
        return done


def python_provider(logdir):
    """As ``tensorboard --load_fast=false --samples_per_plugin histograms=0`` loads it."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={reading.HISTOGRAM_PLUGIN: 0}, max_reload_threads=1)
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)


def rust_ingester(logdir):
    """As ``tensorboard --load_fast=true --samples_per_plugin histograms=0`` loads it."""
    from tensorboard.data import server_ingester
    from tensorboard.util import grpc_util

    ingester = server_ingester.SubprocessServerDataIngester(
        server_binary=server_ingester.get_server_binary(), logdir=logdir, reload_interval=0,
        channel_creds_type=grpc_util.ChannelCredsType.LOCAL, samples_per_plugin={reading.HISTOGRAM_PLUGIN: 0})
    ingester.start()
    return ingester


def provider_loaded(data_provider, expected):
    ctx = tb_context.RequestContext()
    listing = data_provider.list_scalars(ctx, experiment_id="", plugin_name="scalars")
    return all(bench_logdir.DONE_TAG in listing.get(run, {}) for run in expected)


def median(values):
    return statistics.median(values) if values else None


# ---------------------------------------------------------------- in-process

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
            analysis = diagnosis.Diagnoser(data_provider).analysis(ctx, eid, run)
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
        row["document_gzip_bytes"] = len(gzip.compress(text.encode(), compresslevel=3))
        row["cache_bytes"] = cache_bytes(analysis)
        row["markers"] = len(analysis.markers())
        del analysis, text
        out[run] = row
        log("  [%s in-process] %-6s floor %.3f s  built-in(all samples) %.3f s  diagnosis cold %.3f s  (%s)"
            % (label, run, row["floor_s"], row["builtin_all_s"], row["diag_cold_s"],
               ", ".join("%s %.3f" % kv for kv in stages.items())))
    return out


# ---------------------------------------------------------------- HTTP

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
    for run in expected:
        seconds, status, body = get("%s/data/plugin/histdiag/diagnostics?run=%s" % (url, quote(run)), GZIP)
        if status != 200:
            raise RuntimeError("diagnostics %s: %s %s" % (run, status, body[:300]))
        doc = json.loads(gzip.decompress(body))
        n_steps = {len(s["steps"]) for s in doc["series"]}
        if n_steps != {expected[run]}:
            raise RuntimeError("run %s: series have %s steps, expected %d (not fully loaded?)"
                               % (run, sorted(n_steps), expected[run]))
        out["runs"][run].update(diag_cold_s=seconds, diag_gzip_bytes=len(body), markers=len(doc["markers"]))
    rss["after_cold"] = rss_mb(server.pid)
    for run in expected:
        path = "%s/data/plugin/histdiag/diagnostics?run=%s" % (url, quote(run))
        warm = [get(path, GZIP)[0] for _ in range(WARM_REPEATS)]
        plain = [get(path)[0] for _ in range(WARM_REPEATS)]
        out["runs"][run].update(diag_warm_s=median(warm), diag_warm_identity_s=median(plain))
    t = get(url + "/data/plugin/histdiag/runs", GZIP)[0]
    out["runs_route_warm_s"] = t
    rss["after_warm"] = rss_mb(server.pid)
    out["rss_mb"] = rss
    for run, row in out["runs"].items():
        log("  [%s http] %-6s built-in(51/tag) %.3f s  cold %.3f s  warm %.1f ms (identity %.1f ms)"
            % (server.loader, run, row["builtin_s"], row["diag_cold_s"], 1e3 * row["diag_warm_s"],
               1e3 * row["diag_warm_identity_s"]))
    log("  [%s http] RSS MB %s" % (server.loader, ", ".join("%s %.0f" % kv for kv in rss.items())))
    return out


# ---------------------------------------------------------------- browser

def measure_browser(server, runs, trials=3):
    from playwright.sync_api import sync_playwright

    out = {}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            for run in runs:
                times, inner = [], []
                for _ in range(trials):
                    page = browser.new_context(viewport={"width": 1400, "height": 900}).new_page()
                    t0 = time.perf_counter()
                    page.goto("%s/data/plugin_entry.html?name=histdiag#run=%s" % (server.url, quote(run)))
                    page.wait_for_function(
                        """(run) => {
                          const root = document.querySelector('#histdiag');
                          const label = document.querySelector('#hd-overview .hd-run-label');
                          const ok = root && root.dataset.state === 'ready' && label && label.textContent === run
                            && document.querySelectorAll('#hd-overview tbody tr').length > 0;
                          if (ok && !window.__hdDrawnAt) window.__hdDrawnAt = performance.now();
                          return ok;
                        }""", arg=run, polling="raf", timeout=120000)
                    times.append(time.perf_counter() - t0)
                    inner.append(page.evaluate("window.__hdDrawnAt") / 1000.0)
                    page.context.close()
                out[run] = {"first_s": inner[0], "median_s": median(inner), "wall_median_s": median(times)}
                log("  [browser %s] %-6s overview drawn %.3f s after navigation start (median of %d; first %.3f s)"
                    % (server.loader, run, median(inner), trials, inner[0]))
        finally:
            browser.close()
    return out


# ---------------------------------------------------------------- report

def ratio(a, b):
    return a / b if a is not None and b else None


def summarise(results, expected):
    """Ratios and targets per loader."""
    short = [r for r, s in expected.items() if s == min(expected.values())]
    long_runs = [r for r, s in expected.items() if s == max(expected.values()) and s != min(expected.values())]
    out = {}
    for loader in results["loaders"]:
        http = results["http"][loader]["runs"]
        inproc = results["inprocess"][loader]
        tot = lambda table, key, runs=expected: sum(table[r][key] for r in runs)  # noqa: E731
        s = {
            "builtin_http_s": tot(http, "builtin_s"),
            "builtin_all_s": tot(inproc, "builtin_all_s"),
            "floor_s": tot(inproc, "floor_s"),
            "cold_http_s": tot(http, "diag_cold_s"),
            "cold_inprocess_s": tot(inproc, "diag_cold_s"),
            "warm_http_s": tot(http, "diag_warm_s"),
            "warm_max_per_run_ms": 1e3 * max(http[r]["diag_warm_s"] for r in expected),
            "tensor_bytes": tot(inproc, "tensor_bytes"),
            "cache_bytes": tot(inproc, "cache_bytes"),
        }
        s["cold_over_builtin_http"] = ratio(s["cold_http_s"], s["builtin_http_s"])
        s["cold_over_builtin_all"] = ratio(s["cold_http_s"], s["builtin_all_s"])
        s["warm_over_builtin_http"] = ratio(s["warm_http_s"], s["builtin_http_s"])
        s["warm_over_builtin_all"] = ratio(s["warm_http_s"], s["builtin_all_s"])
        s["cold_over_floor"] = ratio(s["cold_http_s"], s["floor_s"])
        s["cold_inprocess_over_floor"] = ratio(s["cold_inprocess_s"], s["floor_s"])
        rss = results["http"][loader]["rss_mb"]
        s["rss_added_mb"] = rss["after_warm"] - rss["before_diagnosis"]
        s["rss_added_over_tensors"] = ratio(s["rss_added_mb"] * 2**20, s["tensor_bytes"])
        s["cache_over_tensors"] = ratio(s["cache_bytes"], s["tensor_bytes"])
        if long_runs:
            mean_short = lambda table, key: statistics.mean(table[r][key] for r in short)  # noqa: E731
            factor = expected[long_runs[0]] / expected[short[0]]
            s["steps_factor"] = factor
            s["growth"] = {
                "diag_cold_http": ratio(http[long_runs[0]]["diag_cold_s"], mean_short(http, "diag_cold_s")),
                "diag_cold_inprocess": ratio(inproc[long_runs[0]]["diag_cold_s"], mean_short(inproc, "diag_cold_s")),
                "floor": ratio(inproc[long_runs[0]]["floor_s"], mean_short(inproc, "floor_s")),
                "builtin_all": ratio(inproc[long_runs[0]]["builtin_all_s"], mean_short(inproc, "builtin_all_s")),
                "builtin_http": ratio(http[long_runs[0]]["builtin_s"], mean_short(http, "builtin_s")),
                "diag_warm_http": ratio(http[long_runs[0]]["diag_warm_s"], mean_short(http, "diag_warm_s")),
            }
        browser = results.get("browser", {}).get(loader, {})
        s["targets"] = {
            "cold <= built-in (raw data, all samples)": _check(s["cold_over_builtin_all"], 1.0),
            "cold <= built-in (HTTP, 51 samples/tag)": _check(s["cold_over_builtin_http"], 1.0),
            "cold <= 3x floor": _check(s["cold_over_floor"], 3.0),
            "warm < 5% of built-in (raw data)": _check(s["warm_over_builtin_all"], 0.05),
            "warm < 5% of built-in (HTTP, 51/tag)": _check(s["warm_over_builtin_http"], 0.05),
            "warm < 50 ms per run": _check(s["warm_max_per_run_ms"], 50.0),
            "RSS added <= 2x tensors": _check(s["rss_added_over_tensors"], 2.0),
        }
        if long_runs:
            s["targets"]["10x steps -> <= ~10x cold cost"] = _check(s["growth"]["diag_cold_http"], 1.1 * s["steps_factor"])
        for run, row in browser.items():
            if expected[run] == min(expected.values()):
                s["targets"]["overview drawn < 1 s (%s)" % run] = _check(row["median_s"], 1.0)
        out[loader] = s
    return out


def _check(value, limit):
    return {"value": value, "limit": limit, "ok": value is not None and value <= limit}


def fmt_s(x):
    return "—" if x is None else ("%.3f s" % x if x >= 0.1 else "%.1f ms" % (1e3 * x))


def fmt_r(x):
    return "—" if x is None else ("%.2f" % x if x >= 0.01 else "%.4f" % x)


def markdown(results, expected):
    lines = []
    m = results["machine"]
    lines.append("Benchmark of %s (%s; %d cores, %s, Python %s, TensorBoard %s, numpy %s). "
                 "Logdir: %s, 100 histogram tags each (TF2 layout, 30 buckets); every sample kept "
                 "(`--samples_per_plugin histograms=0`) under both loaders and in the floors."
                 % (results["date"], m["platform"], m["cores"], m["cpu"], m["python"], m["tensorboard"], m["numpy"],
                    ", ".join("%s %d steps" % kv for kv in expected.items())))
    lines.append("")
    lines.append("| run (steps) | loader | floor `read_tensors` | built-in HTTP (51/tag) | built-in all samples "
                 "| diagnosis cold (HTTP) | cold in-process | warm (HTTP) | cold / built-in all | cold / floor |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|")
    for loader in results["loaders"]:
        http = results["http"][loader]["runs"]
        inproc = results["inprocess"][loader]
        for run, steps in expected.items():
            h, i = http[run], inproc[run]
            lines.append("| %s (%d) | %s | %s | %s | %s | %s | %s | %s | %s | %s |" % (
                run, steps, loader, fmt_s(i["floor_s"]), fmt_s(h["builtin_s"]), fmt_s(i["builtin_all_s"]),
                fmt_s(h["diag_cold_s"]), fmt_s(i["diag_cold_s"]), fmt_s(h["diag_warm_s"]),
                fmt_r(ratio(h["diag_cold_s"], i["builtin_all_s"])), fmt_r(ratio(h["diag_cold_s"], i["floor_s"]))))
    lines.append("")
    lines.append("| loader | all runs: floor | built-in HTTP | built-in all | cold | warm | cold/built-in HTTP "
                 "| cold/built-in all | warm/built-in all | cold/floor | RSS added / tensors | 10× steps → cold × |")
    lines.append("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for loader, s in results["summary"].items():
        lines.append("| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %.0f MB / %.0f MB = %s | %s |" % (
            loader, fmt_s(s["floor_s"]), fmt_s(s["builtin_http_s"]), fmt_s(s["builtin_all_s"]), fmt_s(s["cold_http_s"]),
            fmt_s(s["warm_http_s"]), fmt_r(s["cold_over_builtin_http"]), fmt_r(s["cold_over_builtin_all"]),
            fmt_r(s["warm_over_builtin_all"]), fmt_r(s["cold_over_floor"]), s["rss_added_mb"],
            s["tensor_bytes"] / 2**20, fmt_r(s["rss_added_over_tensors"]),
            fmt_r(s.get("growth", {}).get("diag_cold_http"))))
    if results.get("browser"):
        lines.append("")
        lines.append("| loader | run | overview drawn (median of 3, from navigation start) | first open |")
        lines.append("|---|---|---|---|")
        for loader, rows in results["browser"].items():
            for run, row in rows.items():
                lines.append("| %s | %s (%d steps) | %s | %s |" % (loader, run, expected[run], fmt_s(row["median_s"]),
                                                                 fmt_s(row["first_s"])))
    lines.append("")
    lines.append("Targets:")
    lines.append("")
    for loader, s in results["summary"].items():
        for name, t in s["targets"].items():
            lines.append("- %s, %s: %s (%s, limit %s)" % (loader, name, "**ok**" if t["ok"] else "**missed**",
                                                        fmt_r(t["value"]), fmt_r(t["limit"])))
    return "\n".join(lines) + "\n"


def machine():
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import numpy
    import tensorboard
    return {"platform": platform.platform(terse=True), "cores": os.cpu_count(), "cpu": cpu,
            "python": platform.python_version(), "tensorboard": tensorboard.__version__, "numpy": numpy.__version__}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="a tiny logdir (smoke test), results not written")
    parser.add_argument("--no-browser", action="store_true")
    parser.add_argument("--loaders", default=",".join(LOADERS))
    parser.add_argument("--data", default=os.path.join(HERE, ".data"))
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    parser.add_argument("--no-sweep", action="store_true", help="skip the scale benchmark (bench/sweep.py)")
    args = parser.parse_args(argv)
    loaders = [x for x in args.loaders.split(",") if x]
    started = time.perf_counter()
    spec = bench_logdir.runs_spec(2, 50, 500) if args.quick else bench_logdir.runs_spec()
    expected = dict(sorted(spec.items(), key=lambda kv: (kv[1], kv[0])))
    os.makedirs(args.data, exist_ok=True)
    logdir = bench_logdir.ensure(args.data, spec, log=log)
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": machine(), "logdir_spec": expected, "loaders": loaders,
               "settings": {"samples_per_plugin": "histograms=0", "reload_interval": 0, "warm_repeats": WARM_REPEATS,
                            "http_accept_encoding": GZIP["Accept-Encoding"]},
               "http": {}, "inprocess": {}, "browser": {}}
    servers, ingester = {}, None
    try:
        log("starting tensorboard (%s) and loading the logdir in-process ..." % ", ".join(loaders))
        for loader in loaders:
            servers[loader] = Server(logdir, loader, args.data)
        providers = {}
        if "rust" in loaders:
            ingester = rust_ingester(logdir)
            providers["rust"] = ingester.data_provider
        if "python" in loaders:
            t0 = time.perf_counter()
            providers["python"] = python_provider(logdir)
            log("  in-process Python loader: %.1f s" % (time.perf_counter() - t0))
        deadline = time.time() + 1800
        while not all(s.loaded(expected) for s in servers.values()) or \
                ("rust" in providers and not provider_loaded(providers["rust"], expected)):
            if time.time() > deadline:
                raise TimeoutError("the logdir was not loaded in 30 minutes")
            time.sleep(1.0)
        for loader, s in servers.items():
            log("  tensorboard %s loaded in %.1f s" % (loader, s.load_seconds))
        for loader in loaders:
            log("in-process (%s provider) ..." % loader)
            results["inprocess"][loader] = measure_inprocess(loader, providers[loader], expected)
        providers.clear()  # free this process's copy before the HTTP measurements
        for loader in loaders:
            log("HTTP (%s) ..." % loader)
            results["http"][loader] = measure_http(servers[loader], expected)
        if not args.no_browser:
            for loader in loaders:
                short = min(expected, key=lambda r: (expected[r], r))
                biggest = max(expected, key=lambda r: (expected[r], r))
                results["browser"][loader] = measure_browser(servers[loader], [short, biggest])
    finally:
        for s in servers.values():
            s.close()
        if ingester is not None:
            ingester._stdin_handle.close()  # the data server exits when its stdin closes
    results["summary"] = summarise(results, expected)
    results["total_s"] = time.perf_counter() - started
    text = markdown(results, expected)
    log("")
    log(text)
    log("total %.0f s" % results["total_s"])
    if not args.quick:
        os.makedirs(args.out, exist_ok=True)
        with open(os.path.join(args.out, "latest.json"), "w") as f:
            json.dump(results, f, indent=1, sort_keys=True)
        with open(os.path.join(args.out, "latest.md"), "w") as f:
            f.write(text)
        log("wrote %s and %s" % (os.path.join(args.out, "latest.json"), os.path.join(args.out, "latest.md")))
    if not args.no_sweep:
        import sweep

        sweep.main((["--quick"] if args.quick else []) + ["--data", args.data, "--out", args.out])
    return 0


if __name__ == "__main__":
    sys.exit(main())
