#!/usr/bin/env python
"""Scale benchmark (issue 13): a sweep of many runs, every core, PyTorch-style buckets, long documents.

``python bench/sweep.py [--runs 200] [--quick]``; ``bench/run_bench.py`` runs it too.
Figures, all in this process over TensorBoard's own loaders:

* **sweep** (``--runs`` runs x 75 TF2 tags x 100 steps; three distinct runs
  written once with TensorBoard's writer, hard-linked to the others, so the
  logdir is cheap but every run is loaded and analysed on its own): the data
  provider's bare read of every tensor (the floor); time to the run list
  (``Diagnoser.runs``, cold, from the listing); time until every run's counts
  are in (polling ``runs`` as the tab does) with 1, 2 and all worker threads;
  the CLI's per-run worker processes (``loading.analyse_logdir``) against
  one multiplexer + threads, end to end; this process's resident memory;
* **listing** of ``--listing-runs`` runs (one step each): time to the run list;
* **PyTorch-style** (``torch.utils.tensorboard.SummaryWriter.add_histogram``,
  default bins; 2 runs x 50 tags x 200 steps): cold diagnosis against the floor;
* **long document** (100 tags x 5,000 steps, built in memory from TF2-layout
  buckets): default document size gzipped, cold and warm time, and the full one.

Results are merged into ``bench/results/latest.json`` (key ``sweep``) and
``latest.md`` (section "Scale"), with the date and the machine.
"""

import argparse
import datetime
import gzip
import json
import os
import resource
import statistics
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import logdir as bench_logdir  # noqa: E402  (sets TensorBoard's TF stub first)
import run_bench  # noqa: E402  (before loaders: puts tests/ on the path)
import loaders  # noqa: E402

import numpy as np  # noqa: E402

from tb_histdiag_plugin import diagnosis, loading, reading  # noqa: E402
from tb_histdiag_plugin.diagnoser import Diagnoser  # noqa: E402
from tensorboard.data import provider as tb_provider  # noqa: E402

CTX = loading.request_context()
log = run_bench.log
POLL_S = 0.5
SECTION = "## Scale (sweep, cores, PyTorch-style, long documents)"


def linked_logdir(root, kind, runs, steps, templates=3):
    """``runs`` run directories hard-linking ``templates`` written runs."""
    source = bench_logdir.ensure_kind(root, kind, templates, steps, log=log)
    names = sorted(n for n in os.listdir(source) if not n.startswith("."))
    path = os.path.join(root, "%s-linked-%dx%d" % (kind, runs, steps))
    if not os.path.exists(os.path.join(path, ".complete")):
        for i in range(runs):
            src = os.path.join(source, names[i % len(names)])
            dst = os.path.join(path, "lr=%.0e,seed=%03d" % (10.0 ** -(1 + i % 5), i))
            os.makedirs(dst, exist_ok=True)
            for f in os.listdir(src):
                if not os.path.exists(os.path.join(dst, f)):
                    os.link(os.path.join(src, f), os.path.join(dst, f))
        open(os.path.join(path, ".complete"), "w").close()
    return path


def floor_seconds(provider, listing):
    """The bare ``read_tensors`` of every tensor of every run (one call per tag group)."""
    t0 = time.perf_counter()
    for run, tags in listing.items():
        for group in reading._chunks(tags):
            provider.read_tensors(CTX, experiment_id="", plugin_name=reading.HISTOGRAM_PLUGIN,
                                  downsample=reading.ALL_SAMPLES,
                                  run_tag_filter=tb_provider.RunTagFilter(runs=[run], tags=group))
    return time.perf_counter() - t0


def counts_in(provider, jobs, processes=True):
    """``(time to the run list, time until every count is in, diagnoser, worker processes' RSS MB)``
    of a fresh Diagnoser (its worker processes, if any, started before: the tab's index.js does)."""
    diagnoser = Diagnoser(provider, jobs=jobs, processes=processes)
    # The tab's first request (index.js) starts the worker processes, seconds before counts matter.
    diagnoser.warm_up(wait=True)
    t0 = time.perf_counter()
    rows = diagnoser.runs(CTX, "")
    first = time.perf_counter() - t0
    while not all(r["status"] != "pending" for r in rows):
        # As the tab polls; a poll lists at most once per shared-listing window (cache.Listings).
        time.sleep(POLL_S)
        rows = diagnoser.runs(CTX, "")
    total = time.perf_counter() - t0
    assert all(isinstance(r["critical"], int) for r in rows), rows[:3]
    workers_mb = sum(run_bench.rss_mb(pid) or 0 for pid in loaders.children(os.getpid()))
    diagnoser.close()
    return first, total, diagnoser, workers_mb


def rss_mb():
    return run_bench.rss_mb(os.getpid())


def measure_sweep(root, runs, steps):
    path = linked_logdir(root, "sweep", runs, steps)
    out = {"runs": runs, "steps": steps, "tags": 3 * bench_logdir.SWEEP_LAYERS}
    rss0 = rss_mb()
    t0 = time.perf_counter()
    provider = run_bench.python_provider(path)
    out["load_s"] = time.perf_counter() - t0
    out["rss_loaded_mb"] = rss_mb() - rss0
    listing = reading.list_histograms(provider, CTX, "")
    assert len(listing) == runs, len(listing)
    out["floor_s"] = floor_seconds(provider, listing)
    log("  sweep %d runs: loaded in %.1f s, floor %.2f s" % (runs, out["load_s"], out["floor_s"]))
    cores = os.cpu_count() or 1
    out["by_jobs"] = {}
    # 1, 2 and all cores (worker processes compute while threads read; parallel.py), and all
    # cores on threads alone (--histdiag_processes 0) for comparison.
    for jobs, processes in [(j, True) for j in sorted({1, 2, cores})] + [(cores, False)]:
        if jobs == 1 and not processes:
            continue
        key = str(jobs) if processes or jobs == 1 else "%d, threads only" % jobs
        rss_before = rss_mb()
        first, total, diagnoser, workers_mb = counts_in(provider, jobs, processes)
        out["by_jobs"][key] = {"run_list_s": first, "counts_in_s": total, "over_floor": total / out["floor_s"],
                               "rss_added_mb": rss_mb() - rss_before, "workers_rss_mb": workers_mb,
                               "cache_mb": diagnoser.cache_bytes() / 2**20}
        log("  sweep jobs=%s: run list %.3f s, every count in %.2f s (%.2fx floor), worker processes %.0f MB"
            % (key, first, total, total / out["floor_s"], workers_mb))
        del diagnoser
    base = out["by_jobs"]["1"]["counts_in_s"]
    for row in out["by_jobs"].values():
        row["speedup"] = base / row["counts_in_s"]
    out["rust"] = measure_rust(path, runs, cores)
    # The CLI's choice: one shared multiplexer + threads, or one process per run loading its own.
    del provider
    out["cli"] = {}
    for jobs in (cores,):  # (one process is the shared loader's order of cost: load_s + counts_in_s at 1)
        t0 = time.perf_counter()
        analyses = loading.analyse_logdir(path, jobs=jobs)
        out["cli"]["processes_%d_s" % jobs] = time.perf_counter() - t0
        assert len(analyses) == runs
        del analyses
    out["cli"]["shared_loader_s"] = out["load_s"] + out["by_jobs"][str(cores)]["counts_in_s"]
    log("  CLI end to end: %s" % ", ".join("%s %.1f s" % kv for kv in out["cli"].items()))
    out["max_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    return out


def measure_rust(path, runs, cores):
    """The same sweep under the Rust data server (``--load_fast=true``)."""
    ingester = run_bench.rust_ingester(path)
    try:
        names = sorted(n for n in os.listdir(path) if not n.startswith("."))
        deadline = time.time() + 600
        while not run_bench.provider_loaded(ingester.data_provider, names):
            if time.time() > deadline:
                raise TimeoutError("the Rust data server did not load the sweep in 10 minutes")
            time.sleep(1.0)
        provider = ingester.data_provider
        listing = reading.list_histograms(provider, CTX, "")
        out = {"floor_s": floor_seconds(provider, listing), "by_jobs": {}}
        for jobs in sorted({1, cores}):
            first, total, _, _ = counts_in(provider, jobs)
            out["by_jobs"][str(jobs)] = {"run_list_s": first, "counts_in_s": total, "over_floor": total / out["floor_s"]}
            log("  sweep (Rust) jobs=%d: run list %.3f s, every count in %.2f s (%.2fx floor %.2f s)"
                % (jobs, first, total, total / out["floor_s"], out["floor_s"]))
        return out
    finally:
        ingester._stdin_handle.close()  # the data server exits when its stdin closes


def measure_listing(root, runs):
    path = linked_logdir(root, "sweep", runs, 1)
    provider = run_bench.python_provider(path)
    times = []
    for _ in range(3):
        diagnoser = Diagnoser(provider)
        t0 = time.perf_counter()
        rows = diagnoser.runs(CTX, "", start=False)
        times.append(time.perf_counter() - t0)
    assert len(rows) == runs
    log("  run list of %d runs: %.3f s (median of 3, cold Diagnoser)" % (runs, statistics.median(times)))
    return {"runs": runs, "run_list_s": statistics.median(times)}


def measure_torch(root):
    path = bench_logdir.ensure_kind(root, "torch", 2, 200, processes=2, log=log)
    provider = run_bench.python_provider(path)
    listing = reading.list_histograms(provider, CTX, "")
    out = {}
    for run in sorted(listing):
        floor = min(floor_seconds(provider, {run: listing[run]}) for _ in range(2))
        # As the plugin does by default (worker processes, started before), and on one thread.
        diagnoser = Diagnoser(provider, processes=True)
        diagnoser.warm_up(wait=True)
        t0 = time.perf_counter()
        diagnoser.analysis(CTX, "", run).document_gzip()
        cold = time.perf_counter() - t0
        diagnoser.close()
        t0 = time.perf_counter()
        Diagnoser(provider).analysis(CTX, "", run).document_gzip()
        cold_inline = time.perf_counter() - t0
        rows = max(max(len(d.numpy) for d in series) for series in provider.read_tensors(
            CTX, experiment_id="", plugin_name=reading.HISTOGRAM_PLUGIN, downsample=reading.ALL_SAMPLES,
            run_tag_filter=tb_provider.RunTagFilter(runs=[run], tags=list(listing[run])))[run].values())
        out[run] = {"tags": len(listing[run]), "floor_s": floor, "cold_s": cold, "over_floor": cold / floor,
                    "cold_one_thread_s": cold_inline, "max_rows": rows}
        log("  PyTorch-style %s: floor %.2f s, cold diagnosis + gzip %.2f s (%.2fx; one thread %.2f s), up to %d "
            "buckets" % (run, floor, cold, cold / floor, cold_inline, rows))
    return out


def synthetic_series(tags=100, steps=5000, values=256, buckets=30, seed=0):
    """TF2-layout series (``histogram_pb``'s edges) built in memory: no file, no loader."""
    rng = np.random.default_rng(seed)
    out = {}
    for t in range(tags):
        data = rng.normal(0, 0.1 * (1 + t % 4), (steps, values)) + np.linspace(0, 0.05, steps)[:, None]
        lo, hi = data.min(axis=1), data.max(axis=1)
        edges = lo[:, None] + (hi - lo)[:, None] * np.linspace(0, 1, buckets + 1)[None, :]
        idx = np.clip(((data - lo[:, None]) / (hi - lo)[:, None] * buckets).astype(int), 0, buckets - 1)
        counts = np.zeros((steps, buckets))
        np.add.at(counts, (np.repeat(np.arange(steps), values), idx.ravel()), 1)
        b = np.stack([edges[:, :-1], edges[:, 1:], counts], axis=-1)
        name = "dense_%d/%s" % (t // 4, ("kernel", "bias", "kernel/grad", "activations")[t % 4])
        out[name] = reading.Series(name, np.arange(steps), 1.7e9 + np.arange(steps, dtype=float), b,
                                   np.full(steps, buckets), np.zeros(steps, bool))
    return out


def measure_long_document():
    series = synthetic_series()
    analysis = diagnosis.analyse("long", series)
    t0 = time.perf_counter()
    body = analysis.document_gzip()
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(5):
        t0 = time.perf_counter()
        analysis.document_gzip()
        warm.append(time.perf_counter() - t0)
    plain = analysis.document_json()
    doc = json.loads(plain)
    full = analysis.document_json(max_points=None)
    out = {"tags": len(series), "steps": 5000, "gzip_bytes": len(body), "json_bytes": len(plain),
           "points_per_series": max(len(s["steps"]) for s in doc["series"]), "cold_s": cold,
           "warm_s": statistics.median(warm), "full_json_bytes": len(full),
           "full_gzip_bytes": len(gzip.compress(full.encode(), compresslevel=1))}
    log("  5,000-step run: default document %.1f MB gzipped (%.1f MB JSON, <= %d points per series), "
        "warm %.1f ms; full document %.0f MB (%.1f MB gzipped)"
        % (out["gzip_bytes"] / 1e6, out["json_bytes"] / 1e6, out["points_per_series"], 1e3 * out["warm_s"],
           out["full_json_bytes"] / 1e6, out["full_gzip_bytes"] / 1e6))
    return out


def markdown(r):
    s = r["sweep"]
    lines = [SECTION, "", "Scale benchmark of %s (%s; %d cores, %s; load average %.1f at the start: the machine "
             "is shared)." % (r["date"], r["machine"]["platform"], r["machine"]["cores"], r["machine"]["cpu"],
                              r["load_average"]), ""]
    lines += ["Sweep%s: %d runs x %d TF2 tags x %d steps, Python loader in process (loaded in %.0f s; floor = the "
              "data provider's bare read of every tensor: %.2f s). Jobs: reading threads, each handing its run "
              "to one of as many worker processes (one job: all in one thread)."
              % (" (measured %s)" % s["measured"] if s.get("measured") else "", s["runs"], s["tags"], s["steps"],
                 s["load_s"], s["floor_s"]), "",
              "| jobs | run list | every count in | / floor | speed-up | RSS added (server) | worker processes "
              "| cache |", "|---|---|---|---|---|---|---|---|"]
    for jobs, row in s["by_jobs"].items():
        lines.append("| %s | %s | %s | %.2f | %.2f | %.0f MB | %.0f MB | %.0f MB |" % (
            jobs, run_bench.fmt_s(row["run_list_s"]), run_bench.fmt_s(row["counts_in_s"]), row["over_floor"],
            row["speedup"], row["rss_added_mb"], row.get("workers_rss_mb", 0), row["cache_mb"]))
    rust = s.get("rust")
    if rust:
        lines += ["", "The same sweep under the Rust data server (floor %s): %s." % (
            run_bench.fmt_s(rust["floor_s"]), "; ".join(
                "%s job(s): run list %s, every count in %s (%.2fx floor)" % (
                    jobs, run_bench.fmt_s(row["run_list_s"]), run_bench.fmt_s(row["counts_in_s"]), row["over_floor"])
                for jobs, row in rust["by_jobs"].items()))]
    lines += ["", "CLI end to end (load + analyse every run): %s." % ", ".join(
        "%s %s" % (k, run_bench.fmt_s(v)) for k, v in s["cli"].items())]
    if r.get("listing"):
        lines.append("Run list of %d runs (cold): %s." % (r["listing"]["runs"], run_bench.fmt_s(r["listing"]["run_list_s"])))
    lines += ["", "| PyTorch-style run | tags | buckets (max) | floor | cold diagnosis + gzip (worker processes) "
              "| / floor | one thread |", "|---|---|---|---|---|---|---|"]
    for run, row in torch_rows(r):
        lines.append("| %s | %d | %d | %s | %s | %.2f | %s |" % (
            run, row["tags"], row["max_rows"], run_bench.fmt_s(row["floor_s"]), run_bench.fmt_s(row["cold_s"]),
            row["over_floor"], run_bench.fmt_s(row.get("cold_one_thread_s"))))
    d = r["long"]
    lines += ["", "5,000-step run (100 tags): default document %.2f MB gzipped (%.1f MB JSON, at most %d points per "
              "series; every step: %.0f MB JSON, %.1f MB gzipped); cold document %s, warm %s."
              % (d["gzip_bytes"] / 1e6, d["json_bytes"] / 1e6, d["points_per_series"], d["full_json_bytes"] / 1e6,
                 d["full_gzip_bytes"] / 1e6, run_bench.fmt_s(d["cold_s"]), run_bench.fmt_s(d["warm_s"]))]
    lines += ["", "Targets:", ""]
    for name, (value, limit) in r["targets"].items():
        lines.append("- %s: %s (%s, limit %s)" % (name, "**ok**" if value is not None and value <= limit
                                                  else "**missed**", run_bench.fmt_r(value), run_bench.fmt_r(limit)))
    return "\n".join(lines) + "\n"


def torch_rows(r):
    """``(run, figures)`` of the PyTorch-style part (``--only`` marks parts taken from the last run with a
    ``measured`` date beside the runs)."""
    return [(run, row) for run, row in r["torch"].items() if isinstance(row, dict)]


def targets(r):
    s, cores = r["sweep"], str(r["machine"]["cores"])
    out = {
        "run list < 1 s (sweep, cold)": (s["by_jobs"][cores]["run_list_s"], 1.0),
        "every count in <= 1.5x floor (Python loader, all cores, the default)": (s["by_jobs"][cores]["over_floor"], 1.5),
        "PyTorch-style cold <= 3x floor": (max(row["over_floor"] for _, row in torch_rows(r)), 3.0),
        "5,000-step default document <= 5 MB gzipped": (r["long"]["gzip_bytes"] / 1e6, 5.0),
        "5,000-step warm < 50 ms": (1e3 * r["long"]["warm_s"], 50.0),
    }
    if r.get("listing"):
        out["run list of %d runs < 1 s" % r["listing"]["runs"]] = (r["listing"]["run_list_s"], 1.0)
    return out


def write(results, out_dir):
    """Merge into ``latest.json`` (key ``sweep``) and ``latest.md`` (the Scale section)."""
    os.makedirs(out_dir, exist_ok=True)
    path_json, path_md = os.path.join(out_dir, "latest.json"), os.path.join(out_dir, "latest.md")
    merged = {}
    if os.path.exists(path_json):
        with open(path_json) as f:
            merged = json.load(f)
    merged["sweep"] = results
    with open(path_json, "w") as f:
        json.dump(merged, f, indent=1, sort_keys=True, default=str)
    text = open(path_md).read() if os.path.exists(path_md) else ""
    text = text.split(SECTION)[0].rstrip() + "\n\n" + results["markdown"]
    with open(path_md, "w") as f:
        f.write(text.lstrip())
    log("wrote %s and %s" % (path_json, path_md))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--listing-runs", type=int, default=1000)
    parser.add_argument("--quick", action="store_true", help="20 runs, 100-run listing; results not written")
    parser.add_argument("--only", default="", metavar="PARTS",
                        help="measure only these parts (comma-separated: long, torch, sweep, listing) and take the "
                             "others from the last full run (results/sweep-last.json)")
    parser.add_argument("--merge", action="store_true",
                        help="measure nothing: merge the last full run's figures (results/sweep-last.json) into "
                             "latest.md|json again, e.g. after run_bench.py --no-sweep rewrote them")
    parser.add_argument("--data", default=os.path.join(HERE, ".data"))
    parser.add_argument("--out", default=os.path.join(HERE, "results"))
    args = parser.parse_args(argv)
    last = os.path.join(args.out, "sweep-last.json")
    if args.merge:
        with open(last) as f:
            write(json.load(f), args.out)
        return 0
    if args.quick:
        args.runs, args.listing_runs = 20, 100
    started = time.perf_counter()
    os.makedirs(args.data, exist_ok=True)
    results = {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
               "machine": run_bench.machine(), "load_average": os.getloadavg()[0]}
    log("scale benchmark ...")
    only = set(filter(None, args.only.split(",")))
    if only:
        with open(last) as f:
            previous = json.load(f)
        results.update({k: previous[k] for k in ("long", "torch", "sweep", "listing") if k in previous
                        and k not in only})
        for k in ("long", "torch", "sweep", "listing"):
            if k not in only and k in results:
                results[k].setdefault("measured", previous["date"])
                log("  %s: from %s (%s)" % (k, last, results[k]["measured"]))
    if not only or "long" in only:
        results["long"] = measure_long_document()
    if not only or "torch" in only:
        results["torch"] = measure_torch(args.data)
    if not only or "sweep" in only:
        results["sweep"] = measure_sweep(args.data, args.runs, args.steps)
    if args.listing_runs and (not only or "listing" in only):
        results["listing"] = measure_listing(args.data, args.listing_runs)
    results["targets"] = targets(results)
    results["total_s"] = time.perf_counter() - started
    results["markdown"] = markdown(results)
    log("")
    log(results["markdown"])
    log("scale benchmark: %.0f s" % results["total_s"])
    if not args.quick:
        with open(last, "w") as f:
            json.dump(results, f, indent=1, sort_keys=True, default=str)
        write(results, args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
