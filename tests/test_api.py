"""``api.diagnose`` and ``read_buckets`` on a small real logdir, and the package's import graph.

The logdir is written with TensorBoard's own TF2 histogram writer
(``synthetic.py``), so the expected counts, minima and maxima are those of the
logged numpy arrays.  The import-graph tests hold the package to "no import
cycle, imports inside functions included" (issue 14).
"""

import ast
import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import synthetic
from tb_histdiag_plugin import api, loading, reading, result, settings

CLI = os.path.join(os.path.dirname(sys.executable), "tb-histdiag")
PACKAGE_DIR = os.path.dirname(os.path.abspath(api.__file__))
STUB = "import sys, types; sys.modules['tensorboard.compat.notf'] = types.ModuleType('notf')\n"


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("api_logs"))
    synthetic.write_standard(path)
    # a run with a tag outside every layer, written beside the standard ones
    synthetic.write_run(path, "with_loose_tag", [(s, {"dense_0/kernel": np.linspace(-1, 1, 50) * (s + 1),
                                                     "loss_distribution": np.arange(10.0) + s}) for s in range(3)])
    return path


@pytest.fixture(scope="module")
def diag(logdir):
    return api.diagnose(logdir, jobs=1)


def cli(*args):
    proc = subprocess.run([CLI, "report", *args], capture_output=True, text=True, timeout=180)
    return proc.returncode, proc.stdout, proc.stderr


# -- documents ----------------------------------------------------------------------------------------------------------


def test_documents_equal_what_the_cli_prints(logdir, diag):
    code, out, err = cli(logdir, "--format", "json", "--jobs", "2")
    assert code == 0, err
    assert json.loads(out) == diag
    assert json.dumps(diag, separators=(",", ":")) + "\n" == out  # same key order, nothing added
    code, text, _ = cli(logdir, "--jobs", "1")
    assert code == 0 and text == diag.to_text()


def test_jobs_do_not_change_the_documents(logdir, diag):
    two = api.diagnose(logdir, jobs=2)
    every = api.diagnose(logdir)
    assert json.dumps(two) == json.dumps(diag) == json.dumps(every)
    assert set(diag["runs"]) == {"diverging", "healthy", "vanishing", "with_loose_tag"}


def test_documents_hold_every_logged_step_and_the_logged_statistics(logdir, diag):
    logged = dict(synthetic.vanishing())  # step -> {tag: array}, as written
    doc = diag["runs"]["vanishing"]
    assert doc["total_steps"] == 12 and doc["step_range"] == [0, 11] and doc["downsampled"] is False
    s = diag.series("layer_3_gradients", "vanishing")
    assert s["steps"] == list(range(12))
    values = [logged[step]["layer_3_gradients"] for step in range(12)]
    assert s["stats"]["count"] == [1024] * 12
    assert s["stats"]["min"] == pytest.approx([v.min() for v in values], rel=1e-7)
    assert s["stats"]["max"] == pytest.approx([v.max() for v in values], rel=1e-7)


def test_ungrouped_tags_are_listed(diag):
    assert diag["runs"]["with_loose_tag"]["ungrouped"] == ["loss_distribution"]
    assert diag["runs"]["healthy"]["ungrouped"] == []
    assert "  ungrouped: loss_distribution" in diag.to_text().splitlines()


def test_one_run_and_settings(logdir, diag):
    one = api.diagnose(logdir, run="vanishing", vanishing_ratio="1e-6", vanishing_abs=0)
    assert list(one["runs"]) == ["vanishing"]
    assert one.settings == {"vanishing_ratio": "1e-6", "vanishing_abs": 0}
    assert not one.markers(kind="vanishing_gradient")
    assert diag.markers("vanishing", kind="vanishing_gradient")  # the control: found with the defaults
    assert one["runs"]["vanishing"]["settings"]["vanishing_ratio"] == 1e-6


@pytest.mark.parametrize("kwargs,error,words", [
    ({"vanishing_ratio": "abc"}, settings.SettingError, "vanishing_ratio"),
    ({"vanishing_ratio": 5}, settings.SettingError, "between"),
    ({"bogus": 1}, settings.SettingError, "bogus"),
    ({"run": "nope"}, KeyError, "nope"),
    ({"jobs": 0}, ValueError, "jobs"),
    ({"jobs": "2"}, ValueError, "jobs"),
    ({"jobs": True}, ValueError, "jobs"),
])
def test_bad_arguments_raise_clear_errors(logdir, kwargs, error, words):
    with pytest.raises(error, match=words):
        api.diagnose(logdir, **kwargs)


def test_bad_logdirs(tmp_path):
    assert issubclass(loading.LogdirError, ValueError)
    with pytest.raises(loading.LogdirError, match="does not exist"):
        api.diagnose(str(tmp_path / "missing"))
    synthetic.write_scalars(str(tmp_path), "scalars_only")
    with pytest.raises(loading.LogdirError, match="no histogram"):
        api.diagnose(str(tmp_path))


@pytest.mark.parametrize("jobs", ["0", "-1", "two"])
def test_cli_rejects_bad_jobs_with_exit_2(logdir, jobs):
    code, out, err = cli(logdir, "--jobs", jobs)
    assert code == 2 and out == "" and "--jobs" in err and len(err.strip().splitlines()) == 1


def test_counts_and_worst_by_hand(diag):
    markers = diag["runs"]["diverging"]["markers"]
    by_hand = {sev: len([m for m in markers if m["severity"] == sev]) for sev in ("critical", "warning", "info")}
    assert diag.counts("diverging") == by_hand and by_hand["critical"] > 0
    assert diag.worst("diverging") == "critical"
    assert diag.counts("healthy") == {"critical": 0, "warning": 0, "info": 0} and diag.worst("healthy") is None


# -- stored buckets -------------------------------------------------------------------------------------------------------


def test_read_buckets_are_the_logged_tensor(logdir):
    tensor = dict(synthetic.healthy())[3]["dense_0/kernel"]
    step, rows = api.read_buckets(logdir, "healthy", "dense_0/kernel", 3)
    assert step == 3 and rows.shape == (30, 3) and rows.dtype == np.float64
    assert rows[:, 2].sum() == tensor.size
    assert rows[0, 0] == pytest.approx(tensor.min(), rel=1e-12) and rows[-1, 1] == pytest.approx(tensor.max(), rel=1e-12)
    last, _ = api.read_buckets(logdir, "healthy", "dense_0/kernel")
    assert last == 11
    with pytest.raises(KeyError, match="no step 99"):
        api.read_buckets(logdir, "healthy", "dense_0/kernel", 99)


def test_read_buckets_at_a_nan_step_gives_no_rows(logdir):
    _, rows = api.read_buckets(logdir, "diverging", "fc1.weight.grad", 10)  # NaN from step 9
    assert rows.shape == (0, 3)
    _, rows = api.read_buckets(logdir, "diverging", "fc1.weight.grad", 8)  # the control: finite
    assert rows[:, 2].sum() == 512


def test_series_bucket_rows_drops_padding_and_empty_steps():
    buckets = np.zeros((3, 3, 3))
    buckets[0] = [[0, 1, 2], [1, 2, 3], [2, 2, 0]]  # two real rows, one padding row
    buckets[1] = [[5, 5, 4], [5, 5, 0], [5, 5, 0]]  # one single-value row
    series = reading.Series("t", np.arange(3), np.zeros(3), buckets, np.array([2, 1, 1]), np.array([0, 0, 1], bool))
    assert series.bucket_rows(0).tolist() == [[0, 1, 2], [1, 2, 3]]
    assert series.bucket_rows(1).tolist() == [[5, 5, 4]]
    assert series.bucket_rows(2).shape == (0, 3)


# -- the import graph -----------------------------------------------------------------------------------------------------


def package_imports(package_dir, package="tb_histdiag_plugin"):
    """``{module: {modules of the package it imports}}``, imports inside functions included.

    Modules of subpackages are dotted (``rules.base``; a subpackage's own
    ``__init__`` is ``rules``: in this project it holds code, the rule engine).
    Edges to the package itself (its top ``__init__``) are left out: Python
    imports a module's parent package first, and that ``__init__`` is only a facade.
    """
    modules = set()
    for root, _, files in os.walk(package_dir):
        rel = os.path.relpath(root, package_dir)
        prefix = "" if rel == "." else rel.replace(os.sep, ".")
        for f in files:
            if not f.endswith(".py") or (f == "__init__.py" and not prefix):
                continue
            name = prefix if f == "__init__.py" else (prefix + "." if prefix else "") + f[:-3]
            modules.add(name)

    def path_of(name):
        parts = name.split(".")
        direct = os.path.join(package_dir, *parts) + ".py"
        return direct if os.path.exists(direct) else os.path.join(package_dir, *parts, "__init__.py")

    def resolve(parts):
        """The longest module of ``modules`` named by ``parts`` (after the package name), or None."""
        for k in range(len(parts), 0, -1):
            if ".".join(parts[:k]) in modules:
                return ".".join(parts[:k])
        return None

    graph = {}
    for name in modules | {"__init__"}:
        path = os.path.join(package_dir, "__init__.py") if name == "__init__" else path_of(name)
        with open(path) as f:
            tree = ast.parse(f.read())
        here = name.split(".")[:-1] if not path.endswith("__init__.py") else name.split(".")
        found = set()
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    parts = alias.name.split(".")
                    if parts[0] == package and len(parts) > 1 and resolve(parts[1:]):
                        found.add(resolve(parts[1:]))
            elif isinstance(node, ast.ImportFrom):
                mod = node.module or ""
                if node.level:  # relative: from . import x / from .x import y
                    base = here[:len(here) - node.level + 1] if name != "__init__" else []
                    parts = [package] + base + (mod.split(".") if mod else [])
                else:
                    parts = mod.split(".")
                if parts[0] != package:
                    continue
                for alias in node.names:  # from pkg.rules import training -> rules.training
                    target = resolve(parts[1:] + [alias.name]) or resolve(parts[1:])
                    if target:
                        found.add(target)
        graph[name] = (found & modules) - {name}
    return graph


def find_cycle(graph):
    """One import cycle as a list of modules (first == last), or None."""
    state = {}

    def visit(node, path):
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return path[path.index(nxt):] + [nxt]
            if nxt not in state:
                cycle = visit(nxt, path + [nxt])
                if cycle:
                    return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state:
            cycle = visit(start, [start])
            if cycle:
                return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_hidden_in_a_function(tmp_path):
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "__init__.py").write_text("")
    (pkg / "a.py").write_text("from pkg import b\n")
    (pkg / "b.py").write_text(textwrap.dedent("""\
        def late():
            from pkg.c import thing
        """))
    (pkg / "c.py").write_text("from . import a\n")
    graph = package_imports(str(pkg), "pkg")
    assert graph == {"a": {"b"}, "b": {"c"}, "c": {"a"}, "__init__": set()}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    (pkg / "c.py").write_text("import numpy\n")
    assert find_cycle(package_imports(str(pkg), "pkg")) is None


def test_the_package_has_no_import_cycle():
    graph = package_imports(PACKAGE_DIR)
    # the graph was read: the modules this split is about import what they should
    assert {"formatting", "plots", "buckets", "severity"} <= graph["result"]
    assert graph["api"] >= {"result", "loading", "settings"} and "notebook" not in graph["api"]
    assert "cli" not in graph["notebook"] and "result" not in graph["formatting"] | graph["plots"]
    # ... and the subpackages' modules are nodes too (rules/, demo/)
    assert {"rules.base", "rules.training", "rules.weights"} <= graph["rules"] and "rules" in graph["diagnosis"]
    assert {"demo.keras_runs", "demo.torch_runs"} <= graph["demo"] and "rules.base" in graph["rules.training"]
    assert find_cycle(graph) is None, "import cycle: %s" % " -> ".join(find_cycle(graph))


def test_every_module_imports_on_its_own():
    """Each module imported first, in turn, with every package module forgotten in between:
    an import cycle would show as a partially initialised module in one of the orders."""
    names = sorted(f[:-3] for f in os.listdir(PACKAGE_DIR) if f.endswith(".py") and f != "__init__.py")
    code = STUB + textwrap.dedent("""\
        import importlib
        for name in sys.argv[1:]:
            for loaded in [m for m in sys.modules if m.startswith("tb_histdiag_plugin")]:
                del sys.modules[loaded]
            importlib.import_module("tb_histdiag_plugin." + name)
            print(name)
        """)
    proc = subprocess.run([sys.executable, "-c", code, *names], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split() == names


def test_the_result_type_and_the_api_import_no_matplotlib():
    code = STUB + ("import tb_histdiag_plugin.result, tb_histdiag_plugin.api, tb_histdiag_plugin.cli\n"
                   "print(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib'))\n"
                   "import tb_histdiag_plugin.plots; tb_histdiag_plugin.plots._figure((2, 2))\n"
                   "print('matplotlib' in sys.modules)\n")  # the control: drawing does import it
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.split("\n")[:2] == ["[]", "True"]


def test_the_result_is_the_documented_type(diag):
    assert type(diag) is result.Diagnosis and isinstance(diag, dict)
