"""The Python API in a notebook: ``diagnose`` == the CLI, the plots, the HTML table, the example notebook.

The example notebook (``examples/diagnose.ipynb``) is executed once, headless, in a
real Jupyter kernel of this venv; it trains two tiny PyTorch MLPs and logs them with
``SummaryWriter.add_histogram``.  Its logdir (real PyTorch-written logs) is then
reused by the API and plot tests.  ``HISTDIAG_WRITE_DOCS=1`` also rewrites
``docs/notebook.png`` (the README picture) from those logs.
"""

import html
import io
import json
import os
import pickle
import shutil
import subprocess
import sys

import numpy as np
import pytest

import synthetic
import tb_histdiag_plugin
from tb_histdiag_plugin import notebook, result

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "diagnose.ipynb")
CLI = os.path.join(os.path.dirname(sys.executable), "tb-histdiag")
EVIL = "<img src=x onerror=alert(1)>"
PROBE = "import sys\nprint(sys.executable)\nprint(LOGDIR)"


# -- fixtures ---------------------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """``(notebook, logdir, kernel python)``: the example executed headless."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(EXAMPLE, as_version=4)
    n_cells = len(nb.cells)
    nb.cells.append(nbformat.v4.new_code_cell(PROBE))  # in memory only: which python, which logdir
    cwd = str(tmp_path_factory.mktemp("notebook_cwd"))
    # Look up kernelspecs in this venv first, so "python3" is this venv's ipykernel (a user-level
    # kernelspec elsewhere would otherwise win); its argv "python" becomes sys.executable.
    old = os.environ.get("JUPYTER_PATH")
    os.environ["JUPYTER_PATH"] = os.pathsep.join(filter(None, [os.path.join(sys.prefix, "share", "jupyter"), old]))
    try:
        client = nbclient.NotebookClient(nb, kernel_name="python3", timeout=180, allow_errors=False,
                                         resources={"metadata": {"path": cwd}})
        client.execute()
    finally:
        if old is None:
            os.environ.pop("JUPYTER_PATH", None)
        else:
            os.environ["JUPYTER_PATH"] = old
    python, logdir = "".join(o.get("text", "") for o in nb.cells[-1].outputs).split()
    nb.cells = nb.cells[:n_cells]
    yield nb, logdir, python
    shutil.rmtree(logdir, ignore_errors=True)


@pytest.fixture(scope="module")
def logdir(executed):
    return executed[1]


@pytest.fixture(scope="module")
def diag(logdir):
    return tb_histdiag_plugin.diagnose(logdir)


@pytest.fixture(scope="module")
def synthetic_logdir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("notebook_synthetic"))
    synthetic.write_standard(path)
    return path


def png_of(fig):
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=60)
    data = buf.getvalue()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 3000
    import matplotlib.image

    image = matplotlib.image.imread(io.BytesIO(data))
    assert image.shape[0] > 100 and image.shape[1] > 100
    assert image[..., :3].std() > 0.02  # not a blank canvas
    return data


def gid_lines(ax, prefix):
    return [line for line in ax.get_lines() if (line.get_gid() or "").startswith(prefix)]


# -- the example notebook -----------------------------------------------------------------------------------------------


def test_example_notebook_runs_headless_in_this_venv(executed):
    nb, logdir, python = executed
    assert os.path.realpath(python) == os.path.realpath(sys.executable)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    pngs = [o for o in outputs if "image/png" in o.get("data", {})]
    plot_cells = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("d.") and "(" in c.source
                  and any(k in c.source for k in ("gradient_flow", "learning_flow", "heatmap", "layer_bands", "histogram"))]
    assert len(pngs) == len(plot_cells) >= 6
    tables = [o.data["text/html"] for o in outputs if "text/html" in o.get("data", {})]
    assert tables and "vanishing_gradient" in tables[0] and "sigmoid_sgd" in tables[0]


def test_example_shows_vanishing_gradients_only_in_the_sigmoid_run(diag):
    assert set(diag["runs"]) == {"relu_sgd", "sigmoid_sgd"}
    vanishing = diag.markers("sigmoid_sgd", kind="vanishing_gradient")
    assert {m["layer"] for m in vanishing} >= {"fc1", "fc2", "fc3"}
    assert diag.worst("sigmoid_sgd") == "critical"
    assert diag.healthy("relu_sgd")
    # the picture: gradient RMS falls by orders of magnitude from the output towards the input
    _, first = diag.stat("fc1.weight.grad", "rms", run="sigmoid_sgd")
    _, last = diag.stat("fc7.weight.grad", "rms", run="sigmoid_sgd")
    assert first[0] < last[0] / 1e3


# -- the API ----------------------------------------------------------------------------------------------------------


def cli_json(*args):
    proc = subprocess.run([CLI, "report", *args, "--format", "json"], capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_api_equals_cli_on_pytorch_logs(logdir, diag):
    assert isinstance(diag, result.Diagnosis) and isinstance(diag, dict)
    assert notebook.Diagnosis is result.Diagnosis
    assert diag == cli_json(logdir)
    assert json.loads(json.dumps(diag)) == diag
    one = tb_histdiag_plugin.diagnose(logdir, run="sigmoid_sgd")
    assert one == cli_json(logdir, "--run", "sigmoid_sgd") == {"runs": {"sigmoid_sgd": diag["runs"]["sigmoid_sgd"]}}


def test_api_equals_cli_with_settings_and_nulls(synthetic_logdir):
    d = tb_histdiag_plugin.diagnose(synthetic_logdir, vanishing_ratio="1e-3")
    assert d == cli_json(synthetic_logdir, "--set", "vanishing_ratio=1e-3")
    assert d.settings == {"vanishing_ratio": "1e-3"}
    assert None in d.series("fc1.weight.grad", run="diverging")["stats"]["rms"]


def test_text_report_is_the_clis(logdir, diag):
    proc = subprocess.run([CLI, "report", logdir], capture_output=True, text=True, timeout=180)
    assert diag.to_text() == proc.stdout


def test_unknown_run_and_ambiguous_run(diag):
    with pytest.raises(KeyError, match="nope"):
        diag.heatmap("nope")
    with pytest.raises(ValueError, match="relu_sgd, sigmoid_sgd"):
        diag.heatmap()
    with pytest.raises(KeyError, match="fc99"):
        diag.layer_bands("fc99", run="relu_sgd")


def test_importing_the_api_stays_light(synthetic_logdir):
    # TensorBoard's own loader imports TensorFlow whenever it is installed (as
    # it is in the test venv); pin its stub so this checks only our imports.
    # test_wheel.py runs the same API where TensorFlow is not installed at all.
    code = ("import sys, types; sys.modules['tensorboard.compat.notf'] = types.ModuleType('notf')\n"
            "import tb_histdiag_plugin, tb_histdiag_plugin.api, tb_histdiag_plugin.notebook\n"
            "import tb_histdiag_plugin.result, tb_histdiag_plugin.plots, tb_histdiag_plugin.formatting\n"
            "d = tb_histdiag_plugin.diagnose(sys.argv[1]); d._repr_html_(); repr(d)\n"
            "print(sorted({m.split('.')[0] for m in sys.modules} & {'matplotlib', 'tensorflow', 'torch'}))")
    proc = subprocess.run([sys.executable, "-c", code, synthetic_logdir], capture_output=True, text=True,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_diagnosis_object_conveniences(diag):
    assert diag.run_names == ["relu_sgd", "sigmoid_sgd"]
    text = repr(diag)
    assert text.startswith("Diagnosis(") and "sigmoid_sgd" in text and len(text) < 400
    assert all(m["run"] == "sigmoid_sgd" for m in diag.markers(severity="critical"))
    assert diag.markers(severity="info") == diag.markers()
    clone = pickle.loads(pickle.dumps(diag))
    assert clone == diag and clone.logdir == diag.logdir and isinstance(clone, notebook.Diagnosis)
    steps, values = diag.stat("fc1.weight", "p50", run="relu_sgd")
    assert len(steps) == len(values) == 16 and np.isfinite(values).all()


# -- plots on the example's logs ---------------------------------------------------------------------------------------


def test_gradient_flow(diag):
    fig = diag.gradient_flow(step=0)
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    assert ax.get_yscale() == "log"
    flows = gid_lines(ax, "flow:")
    assert sorted(line.get_gid() for line in flows) == ["flow:relu_sgd", "flow:sigmoid_sgd"]
    assert len(gid_lines(ax, "max:")) == 2
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fc%d" % i for i in range(1, 8)]
    colors = {line.get_gid(): line.get_color() for line in flows}
    assert colors == {"flow:relu_sgd": "#ff7043", "flow:sigmoid_sgd": "#0077bb"}
    sigmoid = next(line for line in flows if line.get_gid() == "flow:sigmoid_sgd").get_ydata()
    assert len(sigmoid) == 7 and sigmoid[0] < sigmoid[-1] / 1e3
    png_of(fig)
    # one run, default (last) step, no max lines
    fig = notebook.gradient_flow(diag, runs=["relu_sgd"], show_max=False)
    assert len(fig.axes[0].get_lines()) == 1
    png_of(fig)


def change_at(diag, run, step):
    """The document's weights ``change`` of fc1 … fc7 at ``step``."""
    out = []
    for i in range(1, 8):
        steps, values = diag.stat("fc%d.weight" % i, "change", run=run)
        out.append(values[list(steps).index(step)])
    return np.array(out)


def test_learning_flow(diag):
    fig = diag.learning_flow()
    ax = fig.axes[0]
    assert ax.get_yscale() == "log" and ax.get_title() == "Learning flow at the last logged step"
    flows = {line.get_gid(): line for line in gid_lines(ax, "flow:")}
    assert sorted(flows) == ["flow:relu_sgd", "flow:sigmoid_sgd"] and not gid_lines(ax, "max:")
    assert [t.get_text() for t in ax.get_xticklabels()] == ["fc%d" % i for i in range(1, 8)]
    relu = change_at(diag, "relu_sgd", 150)
    assert (relu > 0).all()
    assert list(flows["flow:relu_sgd"].get_ydata()) == pytest.approx(list(relu), rel=1e-12)
    png_of(fig)
    # at step 10 the sigmoid network's weights move less by decades towards the input; the first ones not at all
    fig = notebook.learning_flow(diag, step=10, runs=["sigmoid_sgd"])
    sigmoid = change_at(diag, "sigmoid_sgd", 10)
    ys = np.asarray(gid_lines(fig.axes[0], "flow:")[0].get_ydata(), float)
    assert list(ys) == pytest.approx([v if v > 0 else np.nan for v in sigmoid], rel=1e-12, nan_ok=True)
    zeros = gid_lines(fig.axes[0], "zero:")
    assert [list(z.get_xdata()) for z in zeros] == [[i for i, v in enumerate(sigmoid) if v == 0]]
    assert 0 < sigmoid[3] < sigmoid[6] / 1e4 and (sigmoid[:3] == 0).all()
    png_of(fig)


def test_learning_flow_is_the_picture_for_weights_only_runs(tmp_path):
    # Layer i's weights are scaled by (1 + r_i * step), r_i = 0.1 * 10^-i: scaling moves every quantile
    # by the same factor, so change = (s_t / s_{t-1} - 1) * mean|w| / std(w) of the initial weights.
    rng = np.random.default_rng(3)
    base = [rng.normal(0, 0.3, 4096) for _ in range(3)]
    rates = [0.1 * 10.0 ** -i for i in range(3)]
    steps = [(t, {"dense_%d/kernel" % i: w * (1 + r * t) for i, (w, r) in enumerate(zip(base, rates))})
             for t in range(6)]
    synthetic.write_run(str(tmp_path), "weights_only", steps)
    d = tb_histdiag_plugin.diagnose(str(tmp_path))
    with pytest.raises(ValueError, match="learning_flow"):
        d.gradient_flow()
    ys = gid_lines(d.learning_flow().axes[0], "flow:")[0].get_ydata()
    by_hand = [r / (1 + r * 4) * np.abs(w).mean() / w.std() for w, r in zip(base, rates)]
    assert list(ys) == pytest.approx(by_hand, rel=0.1)
    assert ys[0] > 5 * ys[1] > 25 * ys[2] > 0


def test_heatmap(diag):
    from matplotlib.collections import QuadMesh
    from matplotlib.patches import Rectangle

    fig = diag.heatmap("sigmoid_sgd", stat="rms", role="gradient")
    assert len(fig.axes) == 2  # the map and its colour bar
    ax = fig.axes[0]
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    doc = diag["runs"]["sigmoid_sgd"]
    gradient_tags = [s["tag"] for s in doc["series"] if s["role"] == "gradient"]
    assert mesh.get_array().shape == (len(gradient_tags), 16)
    first = diag.stat("fc1.weight.grad", "rms", run="sigmoid_sgd")[1][0]
    row = [t.get_text() for t in ax.get_yticklabels()].index("fc1.weight.grad")
    assert mesh.get_array()[row, 0] == pytest.approx(np.log10(first))
    spans = [p for p in ax.patches if isinstance(p, Rectangle) and (p.get_gid() or "").startswith("marker:")]
    assert len(spans) == len([m for m in doc["markers"] if m["tag"] in gradient_tags]) > 0
    assert "log10" in fig.axes[1].get_ylabel()
    png_of(fig)
    for stat, role in (("change", "weights"), ("zero_fraction", "gradient"), ("p99", "bias")):
        fig = diag.heatmap("relu_sgd", stat=stat, role=role)
        assert len(fig.axes) == 2
        png_of(fig)


def test_layer_bands(diag):
    from matplotlib.collections import PolyCollection

    fig = diag.layer_bands("fc2", run="sigmoid_sgd")
    assert len(fig.axes) == 3  # weights, bias, gradient
    assert [ax.get_ylabel() for ax in fig.axes] == ["weights", "bias", "gradient"]
    for ax in fig.axes:
        assert len([c for c in ax.collections if isinstance(c, PolyCollection)]) == 3  # p1-p99, p5-p95, p25-p75
        assert [line.get_label() for line in ax.get_lines()][:2] == ["median", "mean"]
    png_of(fig)
    fig = notebook.layer_bands(diag, "fc7", run="relu_sgd", roles=["gradient"])
    assert len(fig.axes) == 1
    png_of(fig)


def test_histogram_from_stored_buckets(diag, logdir):
    step, rows = notebook.read_buckets(logdir, "sigmoid_sgd", "fc2.weight.grad", 0)
    assert step == 0 and rows.shape[1] == 3 and rows[:, 2].sum() == 32 * 32
    fig = diag.histogram("fc2.weight.grad", step=0, run="sigmoid_sgd")
    assert len(fig.axes) == 1
    ax = fig.axes[0]
    wide = rows[rows[:, 1] > rows[:, 0]]
    assert len(ax.patches) == len(wide)
    assert sum(p.get_height() for p in ax.patches) == pytest.approx(wide[:, 2].sum())
    png_of(fig)
    # straight from a logdir, default (last) step, run found from the tag
    with pytest.raises(ValueError, match="pass run="):
        notebook.histogram(logdir, "fc1.weight")
    fig = notebook.histogram(logdir, "fc1.weight", run="relu_sgd")
    assert "step 150" in fig.axes[0].get_title()
    png_of(fig)
    with pytest.raises(KeyError, match="no step 7"):
        diag.histogram("fc1.weight", step=7, run="relu_sgd")


def test_plots_accept_a_logdir_and_a_run_document(logdir, diag):
    fig = notebook.heatmap(logdir, run="sigmoid_sgd")
    assert len(fig.axes) == 2
    fig = notebook.gradient_flow(diag["runs"]["sigmoid_sgd"])
    assert len(gid_lines(fig.axes[0], "flow:")) == 1


# -- null statistics and markup in names ---------------------------------------------------------------------------------


def test_plots_handle_null_statistics(synthetic_logdir):
    d = tb_histdiag_plugin.diagnose(synthetic_logdir)
    doc = d["runs"]["diverging"]
    assert None in d.series("fc2.weight.grad", run="diverging")["stats"]["p50"]
    fig = d.gradient_flow(step=11, runs=["diverging"])  # every gradient is NaN at step 11
    ys = gid_lines(fig.axes[0], "flow:")[0].get_ydata()
    assert np.isnan(ys).all()
    png_of(fig)
    fig = d.heatmap("diverging")
    mesh = fig.axes[0].collections[0]
    assert np.ma.getmaskarray(mesh.get_array())[:, -1].all()  # the NaN steps are left blank
    png_of(fig)
    png_of(d.layer_bands("fc2", run="diverging"))
    fig = d.histogram("fc2.weight.grad", step=11, run="diverging")
    assert not fig.axes[0].patches and "no finite data" in fig.axes[0].texts[0].get_text()
    png_of(fig)
    assert len(doc["markers"]) > 0


def test_html_repr_escapes_names(tmp_path):
    logdir = str(tmp_path)
    rng = np.random.default_rng(0)
    steps = []
    for step in range(4):
        bad = rng.normal(size=64)
        bad[::3] = np.nan  # a NaN every step: a critical non_finite marker on the evil tag
        steps.append((step, {EVIL: bad, "fc1.weight": rng.normal(size=64)}))
    synthetic.write_run(logdir, EVIL, steps)
    d = tb_histdiag_plugin.diagnose(logdir)
    assert list(d["runs"]) == [EVIL]
    assert [m for m in d.markers() if m["tag"] == EVIL]
    page = d._repr_html_()
    assert "<img" not in page and "onerror=alert(1)>" not in page
    assert page.count(html.escape(EVIL, quote=True)) >= 2  # the run heading and the marker's tag
    assert "<table" in page and "non_finite" in page
    assert EVIL in repr(d)


# -- the README picture ----------------------------------------------------------------------------------------------


def test_readme_picture(diag, tmp_path):
    """A picture of the plots for the README; written to docs/ with HISTDIAG_WRITE_DOCS=1."""
    from matplotlib.figure import Figure

    fig = Figure(figsize=(13, 4.4), layout="constrained")
    left, right = fig.subplots(1, 2, width_ratios=[1, 1.15])
    diag.gradient_flow(step=0, ax=left)
    diag.heatmap("sigmoid_sgd", ax=right)
    assert len(fig.axes) == 3
    target = os.path.join(ROOT, "docs", "notebook.png") if os.environ.get("HISTDIAG_WRITE_DOCS") \
        else str(tmp_path / "notebook.png")
    fig.savefig(target, dpi=90)
    assert os.path.getsize(target) > 20000
