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

Modules, one per idea: ``logdir.py`` (the logdir), ``loaders.py`` (tensorboard
processes and in-process data providers over it), ``measure.py`` (the floor,
built-in and diagnosis timings), ``browser.py`` (headless Chromium),
``report.py`` (ratios, targets, ``results/latest.md|json``), ``sweep.py`` (scale).
This file is the driver.
"""

import argparse
import datetime
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(HERE)
sys.path.insert(0, REPO)
sys.path.insert(0, HERE)
sys.path.insert(1, os.path.join(REPO, "tests"))

import logdir as bench_logdir  # noqa: E402  (sets TensorBoard's TF stub first)

from tb_histdiag_plugin import cache, loading  # noqa: E402,F401  (loading: the TF stub, as the CLI)

# The names bench/sweep.py uses as ``run_bench.X`` stay importable from here.
from loaders import Server, provider_loaded, python_provider, rss_mb, rust_ingester  # noqa: E402,F401
from measure import GZIP, WARM_REPEATS, measure_http, measure_inprocess  # noqa: E402
from browser import measure_browser  # noqa: E402
from report import fmt_r, fmt_s, log, machine, markdown, summarise, write  # noqa: E402,F401

LOADERS = ("python", "rust")


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
               "listing_ttl_s": cache.LISTING_TTL_S, "http": {}, "inprocess": {}, "browser": {}}
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
        write(results, text, args.out)
    if not args.no_sweep:
        import sweep

        sweep.main((["--quick"] if args.quick else []) + ["--data", args.data, "--out", args.out])
    return 0


if __name__ == "__main__":
    sys.exit(main())
