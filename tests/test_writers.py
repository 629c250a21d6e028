"""Logs from all five real writers, served by a real TensorBoard under both
loaders: layers, roles, depth order, and statistics held to the exact tensors.

The tolerances come from the buckets as stored, read back with TensorBoard's
own loader (``tests/readback.py``), never from the plugin's answers.
"""

import os
import urllib.parse

import numpy as np
import pytest

import accuracy
from readback import read_histograms

EXPECTED_LAYERS = {
    "tf2": ["dense", "dense_1", "dense_2"],
    "keras/train": ["dense", "dense_1", "dense_2"],
    "tf1": ["layer1", "layer2"],
    "torch": ["fc1", "fc2", "fc3"],
    "tbx": ["fc1", "fc2", "fc3"],
}
EXPECTED_ROLES = {
    "tf2": {"weights", "bias", "gradient", "activation"},
    "keras/train": {"weights", "bias"},
    "tf1": {"weights", "gradient"},
    "torch": {"weights", "bias", "gradient"},
    "tbx": {"weights", "bias", "gradient"},
}
LOADERS = ("python", "rust")


def diagnostics(server, run):
    status, body, _ = server.get("/data/plugin/histdiag/diagnostics?" + urllib.parse.urlencode({"run": run}))
    assert status == 200, body
    return body


@pytest.mark.parametrize("loader", LOADERS)
@pytest.mark.parametrize("run", sorted(EXPECTED_LAYERS))
def test_layers_roles_and_depth(writer_servers, run, loader):
    doc = diagnostics(writer_servers[loader], run)
    assert [layer["name"] for layer in doc["layers"]] == EXPECTED_LAYERS[run]
    assert [layer["depth"] for layer in doc["layers"]] == list(range(len(EXPECTED_LAYERS[run])))
    for layer in doc["layers"]:
        present = {role for role, tag in layer["tags"].items() if tag}
        assert present == EXPECTED_ROLES[run], layer
    for series in doc["series"]:
        assert series["layer"] in EXPECTED_LAYERS[run], series["tag"]
        if series["role"] == "gradient":
            # A gradient belongs to the layer of the parameter it is the gradient of.
            assert series["layer"] in series["tag"]
        for name, values in series["stats"].items():
            assert len(values) == len(series["steps"]), name


@pytest.mark.parametrize("loader", LOADERS)
def test_statistics_match_the_logged_tensors(writer_servers, writer_logs, loader):
    server = writer_servers[loader]
    logdir, exact = writer_logs
    failures, std_errors, checked = [], [], 0
    for run, tags in exact.items():
        doc = diagnostics(server, run)
        served = {s["tag"]: s for s in doc["series"]}
        assert set(served) == set(tags)
        stored = read_histograms(os.path.join(logdir, run))
        assert set(stored) == set(tags), run

        def buckets_at(tag, step, stored=stored):
            return stored[tag][step].tolist()

        for tag, by_step in tags.items():
            assert served[tag]["steps"] == sorted(by_step), tag
            f, e = accuracy.check_series(served[tag], by_step, buckets_at)
            failures += ["%s %s" % (run, x) for x in f]
            std_errors += e
            checked += len(by_step)
    assert checked > 150
    assert not failures, "\n".join(failures[:30])
    assert np.percentile(std_errors, 95) <= 0.05


def test_loaders_agree(writer_servers, writer_logs):
    _, exact = writer_logs
    for run in exact:
        python_doc, rust_doc = (diagnostics(writer_servers[k], run) for k in LOADERS)
        assert python_doc["layers"] == rust_doc["layers"]
        assert python_doc["markers"] == rust_doc["markers"]
        # Same series in the same order, before comparing them pairwise.
        assert [s["tag"] for s in python_doc["series"]] == [s["tag"] for s in rust_doc["series"]], run
        assert {s["tag"] for s in python_doc["series"]} == set(exact[run]), run
        for a, b in zip(python_doc["series"], rust_doc["series"], strict=True):
            assert a["tag"] == b["tag"] and a["steps"] == b["steps"]
            for name in ("count", "min", "max"):
                np.testing.assert_allclose(np.array(a["stats"][name], float), np.array(b["stats"][name], float),
                                           rtol=1e-6, err_msg="%s %s %s" % (run, a["tag"], name))


def test_healthy_writer_runs_raise_no_alarm(writer_servers, writer_logs):
    """Small, well-initialised models trained sensibly: no warning or critical."""
    _, exact = writer_logs
    for run in exact:
        doc = diagnostics(writer_servers["python"], run)
        alarms = [m for m in doc["markers"] if m["severity"] != "info"]
        assert not alarms, (run, alarms)
