"""The scale behaviour of the routes, through real ``tensorboard`` processes:
the progressive ``/runs``, compact documents, step windows, the plugin's flags."""

import gzip
import json
import os
import urllib.parse

import numpy as np
import pytest

import support

ROUTE = support.ROUTE
LONG_STEPS = 1200


def frames(steps, seed, scale):
    rng = np.random.default_rng(seed)
    return [(step, {"dense_%d/kernel" % i: rng.normal(0, 0.3, 128) for i in range(2)}
             | {"dense_%d/kernel/grad" % i: rng.normal(0, scale * 10.0 ** i, 128) for i in range(2)})
            for step in range(steps)]


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    path = tmp_path_factory.mktemp("routes")
    for i in range(6):  # a small sweep: every third run's input layer gets no gradient signal
        support.write_frames(str(path), "lr=%d" % i, frames(8, i, 1e-9 if i % 3 == 0 else 1e-2))
    rng = np.random.default_rng(9)
    support.write_frames(str(path), "long", [(s, {"w": rng.normal(0, 1, 64), "w/grad": rng.normal(0, 1e-2, 64)})
                                             for s in range(LONG_STEPS)])
    support.write_scalars(str(path), "scalars_only")
    return str(path)


@pytest.fixture(scope="module")
def server(logdir, tensorboard_factory):
    # The plugin's own flags, through TensorBoard's command line.
    return tensorboard_factory(logdir, load_fast=False,
                               extra_args=("--histdiag_cache_mb", "64", "--histdiag_jobs", "2"))


def child_commands(pid):
    """The command lines of the child processes of ``pid`` (Linux ``/proc``)."""
    out = []
    for entry in os.listdir("/proc"):
        try:
            with open("/proc/%s/stat" % entry) as f:
                parent = int(f.read().rsplit(")", 1)[1].split()[1])
            if parent == pid:
                with open("/proc/%s/cmdline" % entry, "rb") as f:
                    out.append(f.read().replace(b"\0", b" ").decode())
        except (OSError, ValueError, IndexError):  # not a process, or already gone
            pass
    return out


def runs_when(server, predicate, what):
    def check():
        status, body, _ = server.get(ROUTE + "runs")
        return status == 200 and predicate(body["runs"]), body
    return support.wait_until(check, timeout=120, interval=0.2, what=what)["runs"]


def test_runs_answer_at_once_then_fill_in(server):
    runs = ["long"] + ["lr=%d" % i for i in range(6)]
    first = runs_when(server, lambda rows: {r["run"] for r in rows} == set(runs), "every run listed")
    assert [r["run"] for r in first] == runs  # sorted; the scalar-only run is left out
    for row in first:
        assert row["status"] in ("pending", "done")
        assert row["tags"] == (2 if row["run"] == "long" else 4)
        assert row["last_step"] == (LONG_STEPS - 1 if row["run"] == "long" else 7)
        if row["status"] == "pending":
            assert row["critical"] is None and row["warning"] is None and row["layers"] is None
    done = runs_when(server, lambda rows: all(r["status"] == "done" for r in rows), "every run analysed")
    by_run = {r["run"]: r for r in done}
    for row in done:
        assert all(isinstance(row[k], int) for k in ("critical", "warning", "info", "layers", "first_step"))
    # With --histdiag_jobs 2 the statistics were computed in worker processes of the server.
    assert any("multiprocessing" in cmd for cmd in child_commands(server.process.pid)), \
        child_commands(server.process.pid)
    for i in range(6):
        row = by_run["lr=%d" % i]
        assert row["layers"] == 2 and row["profile"]["source"] == "gradients"
        assert len(row["profile"]["values"]) == 2
        if i % 3 == 0:  # the vanishing twins alarm, the others do not
            assert row["critical"] + row["warning"] > 0 and row["worst"]["kind"] == "vanishing_gradient"
            assert row["worst"]["layer"] == "dense_0"
        else:
            assert row["critical"] == row["warning"] == 0
            assert row["worst"] is None or row["worst"]["severity"] == "info"


def get_doc(server, query):
    status, body, headers = server.get(ROUTE + "diagnostics?" + urllib.parse.urlencode(query))
    assert status == 200, body
    return body


def test_long_run_default_document_is_compact(server):
    doc = get_doc(server, {"run": "long"})
    assert doc["downsampled"] is True and doc["total_steps"] == LONG_STEPS
    assert doc["step_range"] == [0, LONG_STEPS - 1]
    for series in doc["series"]:
        n = len(series["steps"])
        assert 2 <= n < LONG_STEPS and series["steps"][0] == 0 and series["steps"][-1] == LONG_STEPS - 1
        assert all(len(v) == n for v in series["stats"].values())


def test_a_step_window_is_full_resolution(server):
    doc = get_doc(server, {"run": "long", "start_step": 200, "end_step": 1150})
    assert doc["downsampled"] is False and doc["step_range"] == [200, 1150]
    for series in doc["series"]:
        assert series["steps"] == list(range(200, 1151))
    status, zipped, headers = server.get(ROUTE + "diagnostics?run=long&start_step=200&end_step=1150",
                                         headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert json.loads(gzip.decompress(zipped)) == doc


@pytest.mark.parametrize("query, named", [
    ("start_step=abc", "start_step"),
    ("end_step=1.5", "end_step"),
    ("start_step=10&end_step=5", "start_step"),
    ("start_step=1&start_step=2", "start_step"),
])
def test_bad_step_windows_are_400_json(server, query, named):
    status, body, headers = server.get(ROUTE + "diagnostics?run=long&" + query)
    assert status == 400 and headers["Content-Type"].startswith("application/json")
    assert named in body["error"]
