"""Mutation testing of the tab's pure modules with StrykerJS (``make mutation``).

The committed frontend (``git archive HEAD``; ``--worktree`` takes the working tree) is
copied to ``build/mutation/js/tree/``, its devDependencies installed there (``npm ci``:
StrykerJS and its tap runner, which runs each ``node:test`` file as a node process and
keeps per-file coverage, so a mutant runs only the test files that reach it), and
``stryker run`` with ``tests/mutation/stryker.config.json`` (one test runner at a time).
StrykerJS's JSON report goes to ``build/mutation/js/mutation.json``, which ``report.py``
folds into ``results/frontend.json``.

    python tests/mutation/run_js.py                   # every module in stryker.config.json
    python tests/mutation/run_js.py src/store.js      # some of them
"""

import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
OUT = os.path.join(ROOT, "build", "mutation", "js")
FRONTEND = "tb_histdiag_plugin_frontend"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("files", nargs="*", help="src/ files to mutate (default: the config's list)")
    parser.add_argument("--worktree", action="store_true", help="mutate the working tree, not HEAD")
    args = parser.parse_args(argv)
    tree = os.path.join(OUT, "tree")
    if os.path.exists(tree):
        shutil.rmtree(tree)
    os.makedirs(tree)
    if args.worktree:
        shutil.copytree(os.path.join(ROOT, FRONTEND), os.path.join(tree, FRONTEND),
                        ignore=shutil.ignore_patterns("node_modules"))
    else:
        archive = subprocess.run(["git", "archive", "HEAD", FRONTEND], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", tree], input=archive, check=True)
    front = os.path.join(tree, FRONTEND)
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    with open(os.path.join(OUT, "source.txt"), "w") as f:
        f.write("working tree" if args.worktree else "commit " + commit)
    with open(os.path.join(HERE, "stryker.config.json")) as f:
        config = json.load(f)
    config.pop("$schema", None)
    config["jsonReporter"] = {"fileName": os.path.join(OUT, "mutation.json")}
    if args.files:
        config["mutate"] = args.files
    with open(os.path.join(front, "stryker.config.json"), "w") as f:
        json.dump(config, f, indent=2)
    print("mutation: npm ci in %s" % os.path.relpath(front, ROOT), flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=front, check=True)
    print("mutation: StrykerJS on %s" % ", ".join(config["mutate"]), flush=True)
    with open(os.path.join(OUT, "stryker.log"), "w") as log:
        proc = subprocess.run(["npx", "stryker", "run", "stryker.config.json"], cwd=front, stdout=log,
                              stderr=subprocess.STDOUT)
    if proc.returncode != 0:
        print("mutation: StrykerJS failed (exit %d), see %s" % (proc.returncode, os.path.join(OUT, "stryker.log")))
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
