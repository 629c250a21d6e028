"""The built wheel in a fresh venv without TensorFlow: TensorBoard finds the
plugin, the bundle ships inside it, and the CLI diagnoses a logdir."""

import os
import subprocess
import sys
import zipfile

import pytest

import synthetic
from support import ROUTE, TensorBoardServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist"), ROOT], check=True, timeout=600)
    wheel = next((tmp / "dist").glob("tb_histdiag-*.whl"))
    venv = tmp / "venv"
    # This venv's packages are installed by the suite's pip (pip --python): no pip of its own to bootstrap, and no
    # byte-compiling of every module installed (what runs compiles on import): two thirds of the fixture's time.
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=300)
    import tensorboard

    subprocess.run([sys.executable, "-m", "pip", "--python", str(venv / "bin" / "python"), "install", "-q",
                    "--no-compile", str(wheel), "tensorboard==" + tensorboard.__version__], check=True, timeout=900)
    return wheel, venv


def test_wheel_ships_the_bundle_and_api_doc(fresh_venv):
    wheel, _ = fresh_venv
    names = zipfile.ZipFile(wheel).namelist()
    assert "tb_histdiag_plugin/static/index.js" in names
    assert "tb_histdiag_plugin/http_api.md" in names


def test_tensorboard_finds_the_entry_point_without_tensorflow(fresh_venv):
    _, venv = fresh_venv
    code = (
        "import importlib.metadata, importlib.util\n"
        "assert importlib.util.find_spec('tensorflow') is None\n"
        "points = [e.value for e in importlib.metadata.entry_points(group='tensorboard_plugins')\n"
        "          if e.name == 'histdiag']\n"
        "assert points == ['tb_histdiag_plugin.entry_point:HistDiagLoader'], points\n"
        "from tensorboard import default\n"
        "names = [getattr(p, 'plugin_name', None) for p in default.get_dynamic_plugins()]\n"
        "assert 'histdiag' in names, names\n"
    )
    proc = subprocess.run([str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr


def test_the_installed_tensorboard_lists_and_serves_the_tab(fresh_venv, tmp_path):
    _, venv = fresh_venv
    logdir = tmp_path / "logs"
    synthetic.write_run(str(logdir), "vanishing", synthetic.vanishing(steps=4))
    with TensorBoardServer(str(logdir), executable=str(venv / "bin" / "tensorboard")) as server:
        listing = server.wait_listening()
        assert listing["histdiag"]["loading_mechanism"] == {"type": "IFRAME",
                                                            "module_path": "/data/plugin/histdiag/index.js"}
        status, body, _ = server.get(ROUTE + "index.js")
        assert status == 200 and "render" in body
        assert [r["run"] for r in server.wait_for_runs(["vanishing"])["runs"]] == ["vanishing"]


def test_cli_in_the_fresh_venv(fresh_venv, tmp_path):
    _, venv = fresh_venv
    synthetic.write_standard(str(tmp_path))
    proc = subprocess.run([str(venv / "bin" / "tb-histdiag"), "report", str(tmp_path), "--fail-on", "critical"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "vanishing_gradient" in proc.stdout and "non_finite" in proc.stdout
