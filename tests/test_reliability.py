"""Bad logs, bad requests, live training and concurrent users never break the tab."""

import concurrent.futures
import json
import os
import shutil
import time
import urllib.parse

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tensorboard import context as tb_context
from tensorboard.backend import application
from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.plugins import base_plugin
from tensorboard.summary.writer.event_file_writer import EventFileWriter
from werkzeug import test as werkzeug_test
from werkzeug import wrappers

import synthetic
from tb_histdiag_plugin import loading, plugin

ROUTE = "/data/plugin/histdiag/"
DBL_MAX = np.finfo(np.float64).max
RNG = np.random.default_rng(7)


def legacy_histogram(tag, values, limits=None):
    """A TF1/PyTorch-style HistogramProto summary with ±DBL_MAX sentinel limits."""
    values = np.asarray(values, dtype=np.float64)
    if limits is None:
        limits = np.concatenate([np.linspace(values.min(), values.max(), 11)[1:], [DBL_MAX]])
    counts, _ = np.histogram(values, bins=np.concatenate([[-DBL_MAX], limits]))
    histo = summary_pb2.HistogramProto(min=values.min(), max=values.max(), num=len(values), sum=values.sum(),
                                       sum_squares=(values ** 2).sum(), bucket_limit=limits.tolist(),
                                       bucket=counts.astype(float).tolist())
    return summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, histo=histo)])


def write_bad_logdir(logdir):
    """One run per kind of bad input, plus a healthy run that must keep working."""
    synthetic.write_run(logdir, "good", synthetic.healthy(steps=6))
    odd = {
        "empty": np.array([]),
        "single": np.full(20, 3.0),
        "all_nan": np.full(20, np.nan),
        "all_inf": np.array([np.inf, -np.inf, np.inf]),
        "mixed_nan": np.concatenate([RNG.normal(size=50), [np.nan]]),
        "float16": RNG.normal(size=200).astype(np.float16),
        "integers": np.arange(200, dtype=np.int64),
    }
    synthetic.write_run(logdir, "odd_values", [(step, odd) for step in range(3)])
    # Legacy protos (TF1, PyTorch, tensorboardX) with sentinel edges.
    writer = EventFileWriter(os.path.join(logdir, "legacy"))
    for step in range(4):
        values = RNG.normal(0, 1, 300)
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step,
                                         summary=legacy_histogram("fc1.weight", values)))
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step + 0.5,
                                         summary=legacy_histogram("fc1.weight.grad", values * 1e-3)))
    writer.close()
    # Thousands of buckets and a single bucket.
    writer = EventFileWriter(os.path.join(logdir, "buckets"))
    from tensorboard.plugins.histogram import summary_v2

    for step in range(3):
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step,
                                         summary=summary_v2.histogram_pb("many", RNG.normal(size=20000), buckets=5000)))
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step,
                                         summary=summary_v2.histogram_pb("one", RNG.normal(size=50), buckets=1)))
    writer.close()
    # Broken files: random bytes named like an event file, an empty one, a
    # truncated copy, and a writer that died mid-record.
    os.makedirs(os.path.join(logdir, "garbage"))
    with open(os.path.join(logdir, "garbage", "events.out.tfevents.1.x"), "wb") as f:
        f.write(RNG.bytes(4096))
    os.makedirs(os.path.join(logdir, "empty_file"))
    open(os.path.join(logdir, "empty_file", "events.out.tfevents.1.x"), "wb").close()
    synthetic.write_run(logdir, "truncated", synthetic.healthy(steps=6))
    path = os.path.join(logdir, "truncated", os.listdir(os.path.join(logdir, "truncated"))[0])
    with open(path, "rb") as f:
        data = f.read()
    with open(path, "wb") as f:
        f.write(data[: int(len(data) * 0.6)])
    synthetic.write_run(logdir, "died_mid_record", synthetic.healthy(steps=4))
    path = os.path.join(logdir, "died_mid_record", os.listdir(os.path.join(logdir, "died_mid_record"))[0])
    with open(path, "ab") as f:
        f.write(data[40:97])  # a fragment of a record


@pytest.fixture(scope="module")
def bad_logdir(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("bad_logs"))
    write_bad_logdir(logdir)
    return logdir


@pytest.fixture(scope="module")
def app(bad_logdir):
    """The plugin in an in-process TensorBoard app over the real Python loader."""
    provider = loading.local_provider(bad_logdir)
    ctx = base_plugin.TBContext(logdir=bad_logdir, data_provider=provider)
    wsgi = application.TensorBoardWSGI([plugin.HistDiagPlugin(ctx)], data_provider=provider)
    return werkzeug_test.Client(wsgi, wrappers.Response)


def get_json(client, path):
    resp = client.get(path)
    assert resp.headers["Content-Type"].startswith("application/json"), (path, resp.status_code, resp.data[:200])
    return resp.status_code, json.loads(resp.data)


def test_bad_data_gives_documented_results(app):
    status, body = get_json(app, ROUTE + "runs")
    assert status == 200
    runs = {r["run"] for r in body["runs"]}
    assert {"good", "odd_values", "legacy", "buckets"} <= runs
    assert not runs & {"garbage", "empty_file"}  # nothing readable: left out
    status, doc = get_json(app, ROUTE + "diagnostics?run=good")
    assert status == 200 and not [m for m in doc["markers"] if m["severity"] != "info"]

    status, doc = get_json(app, ROUTE + "diagnostics?run=odd_values")
    assert status == 200
    series = {s["tag"]: s for s in doc["series"]}
    assert series["empty"]["stats"]["count"] == [None] * 3 and series["empty"]["non_finite"] == [False] * 3
    assert series["single"]["stats"]["std"] == [0, 0, 0] and series["single"]["stats"]["mean"] == [3, 3, 3]
    for tag in ("all_nan", "all_inf", "mixed_nan"):
        assert series[tag]["non_finite"] == [True] * 3 and series[tag]["stats"]["mean"] == [None] * 3
        assert any(m["kind"] == "non_finite" and m["tag"] == tag and m["severity"] == "critical"
                   for m in doc["markers"])
    assert series["float16"]["stats"]["count"] == [200] * 3
    assert series["integers"]["stats"]["min"] == [0] * 3 and series["integers"]["stats"]["max"] == [199] * 3

    status, doc = get_json(app, ROUTE + "diagnostics?run=legacy")
    assert status == 200 and [layer["name"] for layer in doc["layers"]] == ["fc1"]
    w = next(s for s in doc["series"] if s["tag"] == "fc1.weight")
    assert w["stats"]["count"] == [300] * 4 and all(abs(v) < 10 for v in w["stats"]["min"] + w["stats"]["max"])

    status, doc = get_json(app, ROUTE + "diagnostics?run=buckets")
    assert status == 200 and {s["tag"]: s["stats"]["count"] for s in doc["series"]} == {
        "many": [20000] * 3, "one": [50] * 3}
    # Truncated files keep what was whole.
    for run in ("truncated", "died_mid_record"):
        if run in {r["run"] for r in get_json(app, ROUTE + "runs")[1]["runs"]}:
            status, doc = get_json(app, ROUTE + "diagnostics?run=" + run)
            assert status == 200 and doc["series"]


def test_markers_never_carry_nan(app):
    _, body = get_json(app, ROUTE + "runs")
    for run in body["runs"]:
        status, doc = get_json(app, ROUTE + "diagnostics?" + urllib.parse.urlencode({"run": run["run"]}))
        assert status == 200
        for m in doc["markers"]:
            assert "nan" not in m["evidence"].lower().replace("nan or", ""), m
            assert isinstance(m["first_step"], int) and isinstance(m["last_step"], int)


ROUTES = ["runs", "diagnostics", "histogram", "settings", "index.js"]
PARAM_NAMES = st.sampled_from(["run", "tag", "step", "vanishing_ratio", "dead_fraction", "x", "", "run[]", "%zz"])
PARAM_VALUES = st.one_of(
    st.sampled_from(["good", "odd_values", "empty", "all_nan", "dense_0/kernel", "0", "-1", "1e309", "nan", "inf",
                     "../../etc/passwd", "/etc/passwd", "%00", "%ff%fe", "<script>", "99999999999999999999"]),
    st.text(max_size=40),
    st.text(min_size=5000, max_size=6000, alphabet="ab"),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                    HealthCheck.too_slow])
@given(route=st.sampled_from(ROUTES), params=st.lists(st.tuples(PARAM_NAMES, PARAM_VALUES), max_size=4),
       raw=st.binary(max_size=30))
def test_random_queries_never_500(app, route, params, raw):
    query = urllib.parse.urlencode(params)
    if raw:
        query += "&" + urllib.parse.quote_from_bytes(raw, safe="=&%")
    resp = app.get(ROUTE + route + "?" + query)
    assert resp.status_code < 500, (route, query, resp.data[:300])
    if route != "index.js":
        assert resp.headers["Content-Type"].startswith("application/json")
        body = json.loads(resp.data)
        if resp.status_code >= 400:
            assert set(body) == {"error"} and body["error"]


@pytest.mark.parametrize("load_fast", [False, True])
def test_both_loaders_give_the_same_markers_on_bad_logs(bad_logdir, tensorboard_factory, app, load_fast):
    server = tensorboard_factory(bad_logdir, load_fast=load_fast, expected_runs=["good", "odd_values", "legacy"])
    for run in ("good", "odd_values", "legacy", "buckets"):
        path = ROUTE + "diagnostics?" + urllib.parse.urlencode({"run": run})
        deadline = time.time() + 30
        while True:
            status, served, _ = server.get(path)
            _, local = get_json(app, path)
            same_steps = status == 200 and [s["steps"] for s in served["series"]] == [s["steps"] for s in local["series"]]
            if same_steps or time.time() > deadline:
                break
            time.sleep(0.5)
        assert status == 200, served
        assert served["markers"] == local["markers"], run
        assert served["layers"] == local["layers"], run


def test_live_training_appears_and_cache_is_never_stale(tmp_path, tensorboard_factory):
    logdir = str(tmp_path / "live")
    frames = synthetic.healthy(steps=30)
    writer = EventFileWriter(os.path.join(logdir, "run"))
    from tensorboard.plugins.histogram import summary_v2

    def append(step_tensors):
        step, tensors = step_tensors
        for tag, values in tensors.items():
            writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step,
                                             summary=summary_v2.histogram_pb(tag, values, buckets=30)))
        writer.flush()

    for frame in frames[:5]:
        append(frame)
    server = tensorboard_factory(logdir, load_fast=False, expected_runs=["run"])
    path = ROUTE + "diagnostics?run=run"
    seen_last = -1
    for i, frame in enumerate(frames[5:], start=5):
        append(frame)
        if i == 20:  # a new tag appears mid-training
            append((20, {"dense_9/kernel": RNG.normal(size=100)}))
        status, doc, _ = server.get(path)
        assert status == 200
        last_steps = {s["tag"]: s["steps"][-1] for s in doc["series"]}
        # Never half-updated: stats arrays always match their steps.
        for s in doc["series"]:
            assert all(len(v) == len(s["steps"]) for v in s["stats"].values())
        seen_last = max(seen_last, max(last_steps.values()))
        time.sleep(0.1)
    writer.close()
    deadline = time.time() + 20  # reload interval (1 s) plus one request
    while time.time() < deadline:
        status, doc, _ = server.get(path)
        if doc["series"][0]["steps"][-1] == 29 and any(s["tag"] == "dense_9/kernel" for s in doc["series"]):
            break
        time.sleep(0.5)
    assert doc["series"][0]["steps"][-1] == 29
    assert any(s["tag"] == "dense_9/kernel" for s in doc["series"])
    assert len(doc["series"][0]["steps"]) == 30


def test_concurrent_clients(tmp_path, tensorboard_factory):
    logdir = str(tmp_path / "concurrent")
    for i in range(4):
        synthetic.write_run(logdir, "run%d" % i, synthetic.healthy(steps=8, seed=i))
    synthetic.write_run(logdir, "vanishing", synthetic.vanishing(steps=8))
    runs = ["run0", "run1", "run2", "run3", "vanishing"]
    server = tensorboard_factory(logdir, load_fast=False, expected_runs=[])
    # Wait for the listing without touching the runs: their first diagnoses stay cold.
    deadline = time.time() + 60
    while time.time() < deadline:
        try:
            status, listing, _ = server.get("/data/plugin/histograms/tags")
            if status == 200 and set(runs) <= set(listing):
                break
        except OSError:  # not listening yet
            pass
        time.sleep(0.5)
    paths = [ROUTE + "diagnostics?run=" + r for r in runs] + [ROUTE + "runs",
                                                              ROUTE + "histogram?run=run0&tag=dense_0/kernel&step=3"]
    latencies = []

    def client(worker):
        answers = []
        for j in range(20):
            path = paths[(worker + j) % len(paths)]
            started = time.perf_counter()
            status, body, _ = server.get(path, timeout=60)
            latencies.append(time.perf_counter() - started)
            answers.append((path, status, json.dumps(body, sort_keys=True)))
        return answers

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = [a for answers in pool.map(client, range(50)) for a in answers]
    assert len(results) == 1000
    assert all(status == 200 for _, status, _ in results), [r[:2] for r in results if r[1] != 200][:5]
    sequential = {path: json.dumps(server.get(path)[1], sort_keys=True) for path in paths}
    for path, _, body in results:
        assert body == sequential[path], path
    p50, p99 = np.percentile(latencies, [50, 99])
    print("\nconcurrency: 50 clients x 20 requests: p50 %.1f ms, p99 %.1f ms" % (1000 * p50, 1000 * p99))
