"""Mutation testing of the analysis modules with mutmut (``make mutation``).

One module at a time: the committed tree (``git archive HEAD``; ``--worktree``
takes the working tree instead) is copied to ``build/mutation/py/<module>/``
with a ``setup.cfg`` whose ``[mutmut]`` section mutates only that module, and
``mutmut run --max-children 1`` runs there against the fast tests below (no
TensorFlow training, no tensorboard server; mutmut 3 runs each mutant only
against the tests that call the mutated function).  Each module's outcome is
written to ``tests/mutation/results/<module>.json``; ``report.py`` turns those
into the dated report.

    python tests/mutation/run_python.py                    # every module
    python tests/mutation/run_python.py tb_histdiag_plugin/downsample.py
    python tests/mutation/run_python.py --worktree tb_histdiag_plugin/rules/weights.py \
        --tests 'tests/test_mutation_rules_weights*.py'    # a trial of new tests (module path first)
"""

import argparse
import datetime
import glob
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(HERE, "results")
BUILD = os.path.join(ROOT, "build", "mutation", "py")

# Order: quickest first, so a partial run still measures something.
MODULES = [
    "tb_histdiag_plugin/downsample.py",
    "tb_histdiag_plugin/rules/base.py",
    "tb_histdiag_plugin/stats.py",
    "tb_histdiag_plugin/rules/__init__.py",
    "tb_histdiag_plugin/rules/activations.py",
    "tb_histdiag_plugin/rules/gradients.py",
    "tb_histdiag_plugin/rules/weights.py",
    "tb_histdiag_plugin/rules/inferred.py",
    "RULES_REST",  # any other module of rules/ (rules/training.py, ...)
    "tb_histdiag_plugin/naming.py",
    "tb_histdiag_plugin/layers.py",
    "tb_histdiag_plugin/diagnosis.py",
]

# The fast tests: pure functions over synthetic statistics and logs written without TensorFlow
# (about 20 s in all); test_inferred.py's tests on trained Keras/torch models are deselected.  The
# rules take the rule tests; the other modules take their own quick tests (TESTS_OF): every surviving
# mutant runs every test that covers it, and test_diagnosis.py (10 s) covers nearly everything.
FAST_TESTS = [
    "tests/test_rules*.py",
    "tests/test_inferred.py",
    "tests/test_edges_*.py",
    "tests/test_mutation_rules*.py",
]
TESTS_OF = {
    "tb_histdiag_plugin/stats.py": ["tests/test_stats.py", "tests/test_reading.py", "tests/test_mutation_stats*.py"],
    "tb_histdiag_plugin/downsample.py": ["tests/test_diagnosis.py", "tests/test_mutation_downsample*.py"],
    "tb_histdiag_plugin/naming.py": ["tests/test_layers.py", "tests/test_mutation_naming*.py"],
    "tb_histdiag_plugin/layers.py": ["tests/test_layers.py", "tests/test_mutation_layers*.py"],
    "tb_histdiag_plugin/diagnosis.py": ["tests/test_diagnosis.py", "tests/test_mutation_diagnosis*.py"],
}
# test_edges_constants' two meta-tests read the rule modules' source text, which holds every mutant in
# mutmut's copy: they test the test suite, not the code, and are left out.
DESELECT = ("not (every_run_is_weights_only or sigmoid_sgd_gives_inferred or healthy_twins"
            " or frozen_middle_layer_trained or dead_units_read_from_bias"
            " or every_setting_the_rules_read or every_named_constant_has_edge)")

KILLED = ("killed", "timeout", "caught by type check", "segfault")


def modules_to_run(names, tree):
    if not names:
        names = MODULES
    out = []
    named = set(MODULES)
    for name in names:
        if name == "RULES_REST":
            out += [p for p in sorted(glob.glob(os.path.join(tree, "tb_histdiag_plugin/rules/*.py")))
                    if os.path.relpath(p, tree) not in named]
            out = [os.path.relpath(p, tree) if os.path.isabs(p) else p for p in out]
        else:
            out.append(name)
    return out


# What the fast tests do not need: browser tests, golden logs (TensorFlow), the mutation tools themselves.
SLOW_PARTS = ("tests/e2e", "tests/golden", "tests/mutation")


def export_tree(dest, worktree, drop=SLOW_PARTS):
    """The committed tree (or the working tree) in ``dest``, minus the paths in ``drop``."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.makedirs(dest)
    paths = ["tb_histdiag_plugin", "tests", "pytest.ini", "setup.py"]
    if worktree:
        for p in paths:
            src = os.path.join(ROOT, p)
            if os.path.isdir(src):
                shutil.copytree(src, os.path.join(dest, p), ignore=shutil.ignore_patterns("__pycache__"))
            else:
                shutil.copy2(src, os.path.join(dest, p))
    else:
        archive = subprocess.run(["git", "archive", "HEAD", *paths], cwd=ROOT, check=True, capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", dest], input=archive, check=True)
    for p in drop:
        shutil.rmtree(os.path.join(dest, p), ignore_errors=True)


def write_config(tree, module, patterns=None):
    tests = []
    for pattern in patterns or TESTS_OF.get(module, FAST_TESTS):
        tests += sorted(os.path.relpath(p, tree) for p in glob.glob(os.path.join(tree, pattern)))
    cfg = ["[mutmut]", "source_paths = tb_histdiag_plugin", "only_mutate = " + module,
           "also_copy =\n    pytest.ini",
           "pytest_add_cli_args_test_selection =\n" + "\n".join("    " + t for t in tests),
           "pytest_add_cli_args =\n    -p\n    no:cacheprovider\n    -p\n    no:xdist\n    -k\n    " + DESELECT,
           ""]
    with open(os.path.join(tree, "setup.cfg"), "w") as f:
        f.write("\n".join(cfg))
    return tests


# Runs in the work tree after ``mutmut run``: every mutant's status and, for the
# survivors, the lines it changed (mutmut 3.8's own reading of its results).
COLLECT = r"""
import json, sys
from mutmut.mutation.data import SourceFileMutationData
from mutmut.mutation.diff_apply import get_diff_for_mutant
from mutmut.stats import status_by_exit_code
module = sys.argv[1]
m = SourceFileMutationData(path=module)
m.load()
out = {}
for name, code in sorted(m.exit_code_by_key.items()):
    status = status_by_exit_code[code]
    entry = {"status": status}
    if status not in ("killed", "timeout", "caught by type check"):
        diff = get_diff_for_mutant(name, path=module)
        entry["diff"] = [l for l in diff.splitlines()[2:] if l[:1] in "-+" ]
    out[name] = entry
json.dump(out, sys.stdout)
"""


def run_module(module, python, worktree, patterns=None):
    slug = module.replace("tb_histdiag_plugin/", "").replace("/", ".")[:-3]
    tree = os.path.join(BUILD, slug)
    export_tree(tree, worktree)
    if not os.path.exists(os.path.join(tree, module)):
        print("mutation: %s is not in the tree, skipped" % module)
        return None
    tests = write_config(tree, module, patterns)
    mutmut = os.path.join(os.path.dirname(python), "mutmut")
    print("mutation: mutmut on %s against %d test files" % (module, len(tests)), flush=True)
    start = time.time()
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONDONTWRITEBYTECODE="1")
    with open(os.path.join(tree, "mutmut.log"), "w") as log:
        proc = subprocess.run([mutmut, "run", "--max-children", "1"], cwd=tree, env=env, stdout=log,
                              stderr=subprocess.STDOUT)
    took = time.time() - start
    if proc.returncode != 0:
        print("mutation: mutmut failed on %s (exit %d), see %s" % (module, proc.returncode,
                                                                    os.path.join(tree, "mutmut.log")))
        return None
    got = subprocess.run([python, "-c", COLLECT, module], cwd=tree, env=env, capture_output=True, text=True)
    if got.returncode != 0:
        print(got.stderr)
        return None
    mutants = json.loads(got.stdout)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    result = {
        "module": module,
        "date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "source": "working tree" if worktree else "commit " + commit,
        "seconds": round(took),
        "tests": tests,
        "mutants": mutants,
    }
    out = os.path.join(tree if patterns else RESULTS, slug + ".json")  # a trial stays in its work tree
    os.makedirs(os.path.dirname(out), exist_ok=True)
    with open(out, "w") as f:
        json.dump(result, f, indent=1, sort_keys=True)
        f.write("\n")
    killed = sum(1 for m in mutants.values() if m["status"] in KILLED)
    print("mutation: %s: %d of %d mutants killed (%.0f s)" % (module, killed, len(mutants), took), flush=True)
    return result


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("modules", nargs="*", help="paths of modules to mutate (default: all of MODULES)")
    parser.add_argument("--worktree", action="store_true", help="mutate the working tree, not HEAD")
    parser.add_argument("--python", default=sys.executable)
    parser.add_argument("--tests", nargs="+", metavar="GLOB",
                        help="run the mutants against these test files only (a trial while writing tests: the "
                             "outcome goes to the work tree, not to tests/mutation/results/); it takes every "
                             "argument after it, so name the module first")
    args = parser.parse_args(argv)
    failed = 0
    for module in modules_to_run(args.modules, ROOT):
        if run_module(module, args.python, args.worktree, args.tests) is None:
            failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
