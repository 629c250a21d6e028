#!/usr/bin/env python
"""Beyond one machine: per-run costs of the CLI and a Dask LocalCluster's speed-up over ``--jobs 1``.

``python bench/cluster.py [--runs 16] [--steps 100]``: a sweep of ``--runs``
runs x 100 TF2 histogram tags (``bench/logdir.write_run``; two runs written,
hard-linked to the others, every run still loaded and analysed on its own),
reported end to end by the real ``tb-histdiag`` with ``--jobs 1``, ``--jobs 2``
and ``--scheduler`` on a ``distributed.LocalCluster`` (2 worker processes x 1
thread, TCP on loopback, warmed by one report first), in ``--rounds``
interleaved rounds (wall and CPU seconds, the workers' CPU included); the workers' peak
resident memory; the document size per run; the scheduler's cost per trivial
task; and the listing of a 1,000-run logdir.  Prints JSON; ``bench/README.md``
("Beyond one machine") extrapolates from it.
"""

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import logdir as bench_logdir  # noqa: E402  (sets TensorBoard's TF stub first)

CLI = os.path.join(os.path.dirname(sys.executable), "tb-histdiag")


def log(message):
    print(message, file=sys.stderr, flush=True)


def peak_rss_kb():
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def linked(root, runs, steps, templates=2):
    source = os.path.join(root, "templates")
    for i in range(templates):
        bench_logdir.write_run(source, "t%d" % i, steps, seed=i)
    path = os.path.join(root, "sweep")
    for r in range(runs):
        src = os.path.join(source, "t%d" % (r % templates))
        dst = os.path.join(path, "lr=%d" % r)
        os.makedirs(dst)
        for f in os.listdir(src):
            os.link(os.path.join(src, f), os.path.join(dst, f))
    return path


def report(path, *args):
    """``(wall s, CPU s of the CLI and its worker processes, stdout)`` of one report."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run([CLI, "report", path, "--format", "json", *args], capture_output=True, text=True)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr[-2000:])
    return elapsed, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), proc.stdout


def cpu_s():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=16)
    parser.add_argument("--steps", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    from distributed import Client, LocalCluster

    out = {"runs": args.runs, "tags": 100, "steps": args.steps, "cores": os.cpu_count()}
    with tempfile.TemporaryDirectory() as root:
        path = linked(root, args.runs, args.steps)
        empty = os.path.join(root, "empty_run")
        bench_logdir.write_run(empty, "one", 1, seed=0)
        out["cli_start_s"] = min(report(empty, "--jobs", "1")[0] for _ in range(2))
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          protocol="tcp", dashboard_address=None) as cluster, \
                Client(cluster, set_as_default=False) as client:
            report(empty, "--scheduler", cluster.scheduler_address)  # warm the workers' imports
            walls = {"jobs_1": [], "jobs_2": [], "scheduler": []}
            cpus = {"jobs_1": [], "jobs_2": [], "scheduler": []}
            documents = set()
            # Interleaved rounds: the machine is shared, its load drifts; compare within a round.
            for _ in range(args.rounds):
                for name, extra in (("jobs_1", ["--jobs", "1"]), ("jobs_2", ["--jobs", "2"]),
                                    ("scheduler", ["--scheduler", cluster.scheduler_address])):
                    workers_before = sum(client.run(cpu_s).values())
                    wall, cpu, doc = report(path, *extra)
                    if name == "scheduler":
                        cpu += sum(client.run(cpu_s).values()) - workers_before
                    walls[name].append(wall)
                    cpus[name].append(cpu)
                    documents.add(doc)
                    log("%s: %.1f s wall, %.1f s CPU, load %.1f" % (name, wall, cpu, os.getloadavg()[0]))
            out["wall_s"], out["cpu_s"] = walls, cpus
            out["same_documents"] = len(documents) == 1
            out["document_bytes_per_run"] = len(documents.pop()) / args.runs
            out["worker_peak_rss_mb"] = sorted(v / 1024 for v in client.run(peak_rss_kb).values())
            started = time.perf_counter()
            client.gather(client.map(abs, range(10000), pure=False))
            out["scheduler_per_trivial_task_ms"] = (time.perf_counter() - started) / 10000 * 1000
        out["cpu_per_run_s"] = min(cpus["jobs_1"]) / args.runs
        out["speedup_scheduler_vs_jobs_1"] = [a / b for a, b in zip(walls["jobs_1"], walls["scheduler"])]
        out["speedup_jobs_2_vs_jobs_1"] = [a / b for a, b in zip(walls["jobs_1"], walls["jobs_2"])]
        listing = os.path.join(root, "listing")
        one = os.path.join(path, "lr=0")
        for r in range(1000):
            dst = os.path.join(listing, "run_%04d" % r)
            os.makedirs(dst)
            for f in os.listdir(one):
                os.link(os.path.join(one, f), os.path.join(dst, f))
        from tb_histdiag_plugin import loading

        started = time.perf_counter()
        assert len(loading.run_dirs(listing)) == 1000
        out["listing_1000_runs_s"] = time.perf_counter() - started
    out["load_average"] = os.getloadavg()
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
