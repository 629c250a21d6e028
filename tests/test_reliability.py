"""Bad logs, bad requests, live training and concurrent users never break the tab."""

import concurrent.futures
import json
import os
import time
import urllib.parse

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tensorboard.compat.proto import event_pb2, summary_pb2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

import synthetic
from support import client_json as get_json
from support import histogram_event, in_process_client, wait_until

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


# (min, max) of each step's fc1.weight in the "legacy" run, as written: the exact values the stats must give.
LEGACY_EXTREMES = []


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
        LEGACY_EXTREMES.append((float(values.min()), float(values.max())))
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step,
                                         summary=legacy_histogram("fc1.weight", values)))
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step + 0.5,
                                         summary=legacy_histogram("fc1.weight.grad", values * 1e-3)))
    writer.close()
    # Thousands of buckets and a single bucket.
    writer = EventFileWriter(os.path.join(logdir, "buckets"))
    for step in range(3):
        writer.add_event(histogram_event("many", RNG.normal(size=20000), step, 1.7e9 + step, buckets=5000))
        writer.add_event(histogram_event("one", RNG.normal(size=50), step, 1.7e9 + step, buckets=1))
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
    return in_process_client(bad_logdir)


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
    assert w["stats"]["count"] == [300] * 4 and len(LEGACY_EXTREMES) == 4
    # Exact up to the float32 the Python loader keeps (the ±DBL_MAX sentinel edges must not leak in).
    assert w["stats"]["min"] == pytest.approx([lo for lo, _ in LEGACY_EXTREMES], rel=1e-6)
    assert w["stats"]["max"] == pytest.approx([hi for _, hi in LEGACY_EXTREMES], rel=1e-6)

    status, doc = get_json(app, ROUTE + "diagnostics?run=buckets")
    assert status == 200 and {s["tag"]: s["stats"]["count"] for s in doc["series"]} == {
        "many": [20000] * 3, "one": [50] * 3}
    # Truncated files keep what was whole: the first steps, in order.
    assert {"truncated", "died_mid_record"} <= runs
    for run, written in (("truncated", 6), ("died_mid_record", 4)):
        status, doc = get_json(app, ROUTE + "diagnostics?run=" + run)
        assert status == 200 and len(doc["series"]) == 12, run
        kept = doc["series"][0]["steps"]
        assert kept and kept == list(range(len(kept))) and len(kept) <= written, (run, kept)
    assert len(get_json(app, ROUTE + "diagnostics?run=died_mid_record")[1]["series"][0]["steps"]) == 4


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
    # TensorFlow imported, as in the in-process app: its record reader on the truncated and corrupt files
    server = tensorboard_factory(bad_logdir, load_fast=load_fast, expected_runs=["good", "odd_values", "legacy"],
                                 tensorflow=True)
    for run in ("good", "odd_values", "legacy", "buckets"):
        path = ROUTE + "diagnostics?" + urllib.parse.urlencode({"run": run})
        _, local = get_json(app, path)
        local_steps = [s["steps"] for s in local["series"]]

        def every_step_served(path=path, local_steps=local_steps):
            status, served, _ = server.get(path)
            return status == 200 and [s["steps"] for s in served["series"]] == local_steps, served

        served = wait_until(every_step_served, 30, what="%s served with the in-process steps" % run)
        assert served["markers"] == local["markers"], run
        assert served["layers"] == local["layers"], run


def test_live_training_appears_and_cache_is_never_stale(tmp_path, tensorboard_factory):
    logdir = str(tmp_path / "live")
    frames = synthetic.healthy(steps=30)
    writer = EventFileWriter(os.path.join(logdir, "run"))

    def append(step_tensors):
        step, tensors = step_tensors
        for tag, values in tensors.items():
            writer.add_event(histogram_event(tag, values, step, 1.7e9 + step))
        writer.flush()

    def served_through(step, tag=None):
        """The document once ``step`` (and ``tag``) are served, while the writer is still open."""
        def check():
            status, doc, _ = server.get(path)
            tags = {s["tag"] for s in doc["series"]} if status == 200 else set()
            return (status == 200 and max(s["steps"][-1] for s in doc["series"]) >= step
                    and (tag is None or tag in tags)), doc
        return wait_until(check, 30, what="step %d%s served" % (step, " and " + tag if tag else ""))

    for frame in frames[:5]:
        append(frame)
    server = tensorboard_factory(logdir, load_fast=False, expected_runs=["run"])
    path = ROUTE + "diagnostics?run=run"
    seen = []  # the last step served, request after request
    for i, frame in enumerate(frames[5:], start=5):
        append(frame)
        if i == 20:  # a new tag appears mid-training
            append((20, {"dense_9/kernel": RNG.normal(size=100)}))
        status, doc, _ = server.get(path)
        assert status == 200
        if i in (12, 20):  # the training shows up live, new tag included
            doc = served_through(i, "dense_9/kernel" if i == 20 else None)
        # Never half-updated: stats arrays always match their steps.
        for s in doc["series"]:
            assert all(len(v) == len(s["steps"]) for v in s["stats"].values())
        seen.append(max(s["steps"][-1] for s in doc["series"]))
        time.sleep(0.1)
    # Never stale: no answer goes back to fewer steps than an earlier one.
    assert seen == sorted(seen) and seen[0] >= 4 and seen[-1] >= 20, seen
    writer.close()
    doc = served_through(29, "dense_9/kernel")
    assert doc["series"][0]["steps"] == list(range(30))
    assert {s["tag"]: s["steps"] for s in doc["series"]}["dense_9/kernel"] == [20]


def test_concurrent_clients(tmp_path, tensorboard_factory):
    logdir = str(tmp_path / "concurrent")
    for i in range(4):
        synthetic.write_run(logdir, "run%d" % i, synthetic.healthy(steps=8, seed=i))
    synthetic.write_run(logdir, "vanishing", synthetic.vanishing(steps=8))
    runs = ["run0", "run1", "run2", "run3", "vanishing"]
    server = tensorboard_factory(logdir, load_fast=False, expected_runs=[])
    # Wait for the listing without touching the runs: their first diagnoses stay cold.
    def listed():
        status, listing, _ = server.get("/data/plugin/histograms/tags")
        return status == 200 and set(runs) <= set(listing), listing

    wait_until(listed, 60, what="runs %s listed by the histograms plugin" % runs)
    paths = [ROUTE + "diagnostics?run=" + r for r in runs] + [ROUTE + "runs",
                                                              ROUTE + "histogram?run=run0&tag=dense_0/kernel&step=3"]

    def client(worker):
        answers = []
        for j in range(20):
            path = paths[(worker + j) % len(paths)]
            status, body, _ = server.get(path, timeout=60)
            answers.append((path, status, body))
        return answers

    with concurrent.futures.ThreadPoolExecutor(50) as pool:
        results = [a for answers in pool.map(client, range(50)) for a in answers]
    assert len(results) == 1000
    assert all(status == 200 for _, status, _ in results), [r[:2] for r in results if r[1] != 200][:5]

    def all_analysed():
        body = server.get_json(ROUTE + "runs")
        return all(r["status"] == "done" for r in body["runs"]), body

    final_runs = {r["run"]: r for r in wait_until(all_analysed, 120, what="every run analysed")["runs"]}
    assert set(final_runs) == set(runs)
    sequential = {path: json.dumps(server.get(path)[1], sort_keys=True) for path in paths}
    for path, _, body in results:
        if path != ROUTE + "runs":
            assert json.dumps(body, sort_keys=True) == sequential[path], path
            continue
        # /runs answers from the listing at once and fills in analyses as they finish:
        # a finished entry is final, a pending one carries the listing's fields only.
        for entry in body["runs"]:
            final = final_runs[entry["run"]]
            if entry["status"] == "done":
                assert entry == final
            else:
                assert entry["status"] == "pending", entry
                assert {k: entry[k] for k in ("tags", "last_step")} == \
                    {k: final[k] for k in ("tags", "last_step")}
