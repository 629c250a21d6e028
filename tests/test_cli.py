"""``tb-histdiag report`` and ``tb_histdiag_plugin.diagnose``: same answers as the tab."""

import json
import os
import subprocess
import sys
import urllib.parse

import pytest

import synthetic
import tb_histdiag_plugin

CLI = os.path.join(os.path.dirname(sys.executable), "tb-histdiag")


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("cli_logs"))
    synthetic.write_standard(path)
    return path


def report(*args):
    proc = subprocess.run([CLI, "report", *args], capture_output=True, text=True, timeout=120)
    return proc.returncode, proc.stdout, proc.stderr


def test_json_report_equals_the_python_api(logdir):
    code, out, _ = report(logdir, "--format", "json")
    assert code == 0
    assert json.loads(out) == json.loads(json.dumps(tb_histdiag_plugin.diagnose(logdir)))
    assert set(json.loads(out)["runs"]) == {"diverging", "healthy", "vanishing"}


def test_text_report_lists_layers_and_markers(logdir):
    code, out, _ = report(logdir, "--run", "vanishing")
    assert code == 0
    headers = [line.split()[1] for line in out.splitlines() if line.startswith("   ") and line.split()[0].isdigit()]
    assert headers == ["layer_%d" % i for i in range(6)]
    assert "vanishing_gradient" in out and "nearer the output" in out


def test_fail_on_gates(logdir):
    assert report(logdir, "--run", "diverging", "--fail-on", "critical")[0] == 1
    assert report(logdir, "--run", "healthy", "--fail-on", "critical")[0] == 0
    assert report(logdir, "--run", "healthy", "--fail-on", "warning")[0] == 0
    assert report(logdir, "--run", "vanishing", "--fail-on", "warning")[0] == 1


def test_set_overrides_a_setting(logdir):
    _, out, _ = report(logdir, "--run", "vanishing", "--format", "json", "--set", "vanishing_ratio=1e-6",
                       "--set", "vanishing_abs=0")
    assert not [m for m in json.loads(out)["runs"]["vanishing"]["markers"] if m["kind"] == "vanishing_gradient"]


@pytest.mark.parametrize("args,word", [
    (["/no/such/dir"], "does not exist"),
    (["--set", "vanishing_ratio=abc"], "vanishing_ratio"),
    (["--set", "bogus=1"], "bogus"),
    (["--run", "nope"], "nope"),
])
def test_usage_errors_exit_2_with_one_line(logdir, args, word):
    if args[0].startswith("--"):
        args = [logdir] + args
    code, out, err = report(*args)
    assert code == 2 and out == ""
    assert word in err and len(err.strip().splitlines()) == 1


def test_logdir_without_histograms_exits_2(tmp_path):
    synthetic.write_scalars(str(tmp_path), "only_scalars")
    code, _, err = report(str(tmp_path))
    assert code == 2 and "no histogram" in err
    with pytest.raises(ValueError):
        tb_histdiag_plugin.diagnose(str(tmp_path))


def test_cli_and_tab_give_the_same_markers(logdir, tensorboard_factory):
    server = tensorboard_factory(logdir, load_fast=False, expected_runs=["healthy", "vanishing", "diverging"])
    cli = tb_histdiag_plugin.diagnose(logdir)
    for run, doc in cli["runs"].items():
        _, served, _ = server.get("/data/plugin/histdiag/diagnostics?" + urllib.parse.urlencode({"run": run}))
        assert served["markers"] == doc["markers"]
        assert served["layers"] == doc["layers"]


def test_importing_the_plugin_imports_no_framework():
    code = ("import sys, tb_histdiag_plugin.plugin, tb_histdiag_plugin.cli, tb_histdiag_plugin.keras, "
            "tb_histdiag_plugin.torch; tb_histdiag_plugin.diagnose; "
            "assert 'tensorflow' not in sys.modules and 'torch' not in sys.modules, sorted(sys.modules)")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_diagnose_then_write_summaries_in_one_process(logdir, tmp_path):
    """A notebook that diagnoses, then trains with tf.summary, keeps working."""
    code = ("import sys, tb_histdiag_plugin\n"
            "tb_histdiag_plugin.diagnose(sys.argv[1])\n"
            "import tensorflow as tf\n"
            "with tf.summary.create_file_writer(sys.argv[2]).as_default():\n"
            "    assert tf.summary.histogram('x', [1.0, 2.0], step=0)\n")
    subprocess.run([sys.executable, "-c", code, logdir, str(tmp_path)], check=True, timeout=300,
                   env=dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3"))
