"""The built wheel in a fresh venv without TensorFlow: TensorBoard finds the
plugin, the bundle ships inside it, and the CLI diagnoses a logdir."""

import os
import subprocess
import sys
import zipfile

import pytest

import synthetic

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


@pytest.fixture(scope="module")
def fresh_venv(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(tmp / "dist"), ROOT], check=True, timeout=600)
    wheel = next((tmp / "dist").glob("tb_histdiag-*.whl"))
    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    import tensorboard

    subprocess.run([str(venv / "bin" / "pip"), "install", "-q", str(wheel), "tensorboard==" + tensorboard.__version__],
                   check=True, timeout=900)
    return wheel, venv


def test_wheel_ships_the_bundle_and_api_doc(fresh_venv):
    wheel, _ = fresh_venv
    names = zipfile.ZipFile(wheel).namelist()
    assert "tb_histdiag_plugin/static/index.js" in names
    assert "tb_histdiag_plugin/http_api.md" in names


def test_tensorboard_lists_the_plugin_without_tensorflow(fresh_venv):
    _, venv = fresh_venv
    code = (
        "import importlib.util, sys\n"
        "assert importlib.util.find_spec('tensorflow') is None\n"
        "from tensorboard import default\n"
        "plugins = default.get_dynamic_plugins()\n"
        "names = [getattr(p, 'plugin_name', None) for p in plugins]\n"
        "assert 'histdiag' in names, names\n"
    )
    subprocess.run([str(venv / "bin" / "python"), "-c", code], check=True, timeout=300)


def test_cli_in_the_fresh_venv(fresh_venv, tmp_path):
    _, venv = fresh_venv
    synthetic.write_standard(str(tmp_path))
    proc = subprocess.run([str(venv / "bin" / "tb-histdiag"), "report", str(tmp_path), "--fail-on", "critical"],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 1, proc.stderr
    assert "vanishing_gradient" in proc.stdout and "non_finite" in proc.stdout
