"""What the benchmark prints and writes: ratios, targets, ``bench/results/latest.md|json``.

``summarise`` turns the raw figures of ``measure.py`` and ``browser.py`` into totals,
ratios and the targets of issue 13; ``markdown`` renders them as tables; ``write``
stores both under ``bench/results/``.  ``bench/sweep.py`` formats with ``fmt_s``/``fmt_r``
and records ``machine()`` too.
"""

import json
import os
import platform
import statistics


def log(*parts):
    print(*parts, flush=True)


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
            "cold <= 2x floor (issue 13)": _check(s["cold_over_floor"], 2.0),
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
    lines.append("")
    lines.append("Warm requests share one data provider listing per %s s window (`http_api.md`, Freshness); "
                 "a warm request after the window lists again, like the built-in Histograms tab's `/tags` "
                 "(all runs, median of 5):" % results.get("listing_ttl_s", "—"))
    lines.append("")
    lines.append("| loader | run | warm (HTTP, median of 5) | warm, listing again | built-in `/tags` |")
    lines.append("|---|---|---|---|---|")
    for loader in results["loaders"]:
        http = results["http"][loader]
        for run in expected:
            h = http["runs"][run]
            lines.append("| %s | %s | %s | %s | %s |" % (loader, run, fmt_s(h["diag_warm_s"]),
                                                    fmt_s(h.get("diag_warm_relisted_s")),
                                                    fmt_s(http.get("builtin_tags_s"))))
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



def write(results, text, out):
    """``latest.json`` (every figure) and ``latest.md`` (the tables) in ``out``."""
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "latest.json"), "w") as f:
        json.dump(results, f, indent=1, sort_keys=True)
    with open(os.path.join(out, "latest.md"), "w") as f:
        f.write(text)
    log("wrote %s and %s" % (os.path.join(out, "latest.json"), os.path.join(out, "latest.md")))
