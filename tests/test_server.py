"""The plugin inside a real TensorBoard process: registration, routes, errors."""

import urllib.parse

import numpy as np
import pytest

import synthetic
from support import wait_until

ROUTE = "/data/plugin/histdiag/"


@pytest.fixture(scope="module")
def server(tmp_path_factory, tensorboard_factory):
    logdir = str(tmp_path_factory.mktemp("server_logs"))
    runs = synthetic.write_standard(logdir)
    synthetic.write_run(logdir, "markup", [(0, {"<img src=x onerror=alert(1)>": [1.0, 2.0, 3.0]})])
    with open(logdir + "/markup/events.out.tfevents.0.garbage", "wb") as f:
        f.write(b"\x00\x01not an event file at all" * 10)
    return tensorboard_factory(logdir, load_fast=False, expected_runs=runs + ["markup"])


def get(server, route, **params):
    return server.get(ROUTE + route + ("?" + urllib.parse.urlencode(params) if params else ""))


def test_tab_is_listed_and_enabled(server):
    status, listing, _ = server.get("/data/plugins_listing")
    assert status == 200
    entry = listing["histdiag"]
    assert entry["enabled"] is True
    assert entry["loading_mechanism"] == {"type": "IFRAME", "module_path": "/data/plugin/histdiag/index.js"}


def test_entry_page_and_module(server):
    status, page, _ = server.get("/data/plugin_entry.html?name=histdiag")
    assert status == 200 and "./index.js" in page
    status, body, headers = server.get(ROUTE + "index.js")
    assert status == 200 and headers["Content-Type"].startswith("text/javascript")
    assert "render" in body


def analysed_runs(server):
    """``/runs`` once every run's background analysis is done, by run name."""
    def check():
        status, body, _ = get(server, "runs")
        return status == 200 and all(r["status"] == "done" for r in body["runs"]), body

    return {r["run"]: r for r in wait_until(check, 60, what="every run analysed")["runs"]}


def test_runs_leave_out_runs_without_histograms(server):
    status, body, headers = get(server, "runs")
    assert status == 200 and headers["Content-Type"].startswith("application/json")
    assert {r["run"] for r in body["runs"]} == {"diverging", "healthy", "markup", "vanishing"}
    runs = analysed_runs(server)
    healthy = runs["healthy"]
    assert {k: healthy[k] for k in ("tags", "layers", "first_step", "last_step", "critical", "warning", "info",
                                    "worst")} == {"tags": 12, "layers": 4, "first_step": 0, "last_step": 11,
                                                  "critical": 0, "warning": 0, "info": 0, "worst": None}
    # The depth profile: each layer's gradient RMS at the last step, against the logged tensors.
    last = dict(synthetic.healthy()[-1][1])
    exact = [float(np.sqrt(np.mean(last["dense_%d/kernel/grad" % i] ** 2))) for i in range(4)]
    assert healthy["profile"]["source"] == "gradients"
    np.testing.assert_allclose(healthy["profile"]["values"], exact, rtol=0.05)
    assert runs["vanishing"]["critical"] + runs["vanishing"]["warning"] >= 3
    assert runs["vanishing"]["worst"]["kind"] == "vanishing_gradient"
    assert runs["diverging"]["critical"] >= 1


def test_diagnostics_document(server):
    status, doc, _ = get(server, "diagnostics", run="vanishing")
    assert status == 200
    assert set(doc) >= {"run", "layers", "series", "markers"}
    assert [layer["name"] for layer in doc["layers"]] == ["layer_%d" % i for i in range(6)]
    kinds = {(m["kind"], m["layer"]) for m in doc["markers"]}
    assert {("vanishing_gradient", "layer_%d" % i) for i in range(4)} <= kinds
    for m in doc["markers"]:
        assert set(m) >= {"kind", "severity", "tag", "layer", "first_step", "last_step", "evidence"}


def test_non_finite_steps_are_null_and_marked(server):
    _, doc, _ = get(server, "diagnostics", run="diverging")
    grad = next(s for s in doc["series"] if s["tag"] == "fc1.weight.grad")
    assert grad["non_finite"] == [False] * 9 + [True] * 3
    assert grad["stats"]["mean"][9:] == [None, None, None]
    kinds = {m["kind"] for m in doc["markers"]}
    assert {"non_finite", "exploding_gradient"} <= kinds


def test_settings_override_changes_markers(server):
    _, default, _ = get(server, "diagnostics", run="vanishing")
    _, strict, _ = get(server, "diagnostics", run="vanishing", vanishing_ratio="1e-5", vanishing_abs="0")
    assert len(strict["markers"]) < len(default["markers"])
    assert strict["settings"]["vanishing_ratio"] == 1e-5
    status, body, _ = get(server, "settings")
    assert status == 200 and {"vanishing_ratio", "dead_fraction"} <= {s["name"] for s in body["settings"]}


def test_histogram_route(server):
    status, body, _ = get(server, "histogram", run="healthy", tag="dense_0/kernel", step=3)
    assert status == 200 and body["step"] == 3 and body["tag"] == "dense_0/kernel"
    assert sum(c for _, _, c in body["buckets"]) == 1024
    _, body, _ = get(server, "histogram", run="diverging", tag="fc1.weight.grad", step=10)
    assert body["non_finite"] is True and body["buckets"] == []


@pytest.mark.parametrize("route,params,status,word", [
    ("diagnostics", {}, 400, "run"),
    ("diagnostics", {"run": ""}, 400, "run"),
    ("diagnostics", {"run": "nope"}, 404, "nope"),
    ("diagnostics", {"run": "../../etc/passwd"}, 404, "passwd"),
    ("diagnostics", {"run": "scalars_only"}, 404, "scalars_only"),
    ("diagnostics", {"run": "healthy", "vanishing_ratio": "abc"}, 400, "vanishing_ratio"),
    ("diagnostics", {"run": "healthy", "vanishing_ratio": "nan"}, 400, "vanishing_ratio"),
    ("diagnostics", {"run": "healthy", "no_such_setting": "1"}, 400, "no_such_setting"),
    ("diagnostics", {"run": "x" * 5000}, 400, "too long"),
    ("histogram", {"run": "healthy", "tag": "dense_0/kernel"}, 400, "step"),
    ("histogram", {"run": "healthy", "tag": "dense_0/kernel", "step": "1.5"}, 400, "step"),
    ("histogram", {"run": "healthy", "tag": "dense_0/kernel", "step": "9" * 40}, 400, "step"),
    ("histogram", {"run": "healthy", "tag": "nope", "step": "1"}, 404, "nope"),
    ("histogram", {"run": "healthy", "tag": "dense_0/kernel", "step": "999"}, 404, "999"),
    ("histogram", {"run": "nope", "tag": "dense_0/kernel", "step": "1"}, 404, "nope"),
])
def test_bad_requests_get_json_errors(server, route, params, status, word):
    got, body, headers = get(server, route, **params)
    assert got == status
    assert headers["Content-Type"].startswith("application/json")
    assert word in body["error"]


def test_repeated_parameter_is_rejected(server):
    status, body, _ = server.get(ROUTE + "diagnostics?run=healthy&run=vanishing")
    assert status == 400 and "run" in body["error"]


def test_experiment_prefixed_paths(server):
    status, body, _ = server.get("/experiment/abc123" + ROUTE + "runs")
    assert status == 200 and len(body["runs"]) == 4


def test_a_broken_plugin_never_stops_tensorboard(tmp_path, tensorboard_factory):
    """With the plugin module failing to import, TensorBoard still starts and serves."""
    poison = tmp_path / "poison"
    poison.mkdir()
    (poison / "sitecustomize.py").write_text("import sys\nsys.modules['tb_histdiag_plugin.plugin'] = None\n")
    logdir = tmp_path / "logs"
    synthetic.write_run(str(logdir), "run", synthetic.healthy(steps=2))
    server = tensorboard_factory(str(logdir), env={"PYTHONPATH": str(poison)})
    listing = server.wait_listening()
    assert "histdiag" not in listing and "histograms" in listing
