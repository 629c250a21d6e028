"""Mutation testing of the tab's pure modules with StrykerJS (``make mutation``).

The committed frontend (``git archive HEAD``; ``--worktree`` takes the working tree) is
copied to ``build/mutation/js/tree/``, its devDependencies installed there (``npm ci``:
StrykerJS and its tap runner, which runs each ``node:test`` file as a node process and
keeps per-file coverage, so a mutant runs only the test files that reach it), and
``stryker run`` with ``tests/mutation/stryker.config.json`` (one test runner at a time).
One StrykerJS run per module; each JSON report goes to ``build/mutation/js/modules/``, which
``report.py`` folds into ``results/frontend.json``.

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
    os.makedirs(os.path.join(OUT, "modules"), exist_ok=True)
    with open(os.path.join(HERE, "stryker.config.json")) as f:
        config = json.load(f)
    config.pop("$schema", None)
    if args.files:
        config["mutate"] = args.files
    print("mutation: npm ci in %s" % os.path.relpath(front, ROOT), flush=True)
    subprocess.run(["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=front, check=True)
    # One StrykerJS run per module: a long run that is stopped still leaves the modules it finished.
    failed = 0
    for name in config["mutate"]:
        slug = os.path.basename(name)[:-3]
        report = os.path.join(OUT, "modules", slug + ".json")
        config_one = dict(config, mutate=[name], jsonReporter={"fileName": report})
        with open(os.path.join(front, "stryker.config.json"), "w") as f:
            json.dump(config_one, f, indent=2)
        print("mutation: StrykerJS on %s" % name, flush=True)
        with open(os.path.join(OUT, "stryker-%s.log" % slug), "w") as log:
            proc = subprocess.run(["npx", "stryker", "run", "stryker.config.json"], cwd=front, stdout=log,
                                  stderr=subprocess.STDOUT)
        with open(os.path.join(OUT, "modules", slug + ".source"), "w") as f:
            f.write("working tree" if args.worktree else "commit " + commit)
        if proc.returncode != 0:
            failed += 1
            print("mutation: StrykerJS failed on %s (exit %d), see %s" % (
                name, proc.returncode, os.path.join(OUT, "stryker-%s.log" % slug)))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
