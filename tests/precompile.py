"""Byte-compile the modules that the tests, the demo and TensorBoard import.

``make setup`` installs with ``pip install --no-compile``: on a 2-core machine
pip took 113 s with byte-compiling every file of TensorFlow and torch and 53 s
without, and the tests import a small part of them.  This script imports that
part instead, in two processes at once, with bytecode writing on (this machine
sets PYTHONDONTWRITEBYTECODE), which took 14-21 s.  A module missed here is
compiled by the first test process that imports it (``make test`` lets the
tests write bytecode): slower, never wrong.

Usage: ``python tests/precompile.py`` with the venv's python.
"""

import os
import subprocess
import sys

# Each group runs in its own process; together they cover the imports of the
# test workers, TensorBoard servers (with every built-in plugin loaded), the
# plugin's worker processes and the notebook's kernel.
GROUPS = [
    "import tensorflow, keras\n"
    "from tensorboard import default, program\n"
    "program.TensorBoard(default.get_plugins())\n"
    "import pkgutil, importlib, tb_histdiag_plugin\n"
    "for m in pkgutil.iter_modules(tb_histdiag_plugin.__path__):\n"
    "    if not m.name.startswith('demo'):\n"
    "        importlib.import_module('tb_histdiag_plugin.' + m.name)\n",
    "import torch, torch.utils.tensorboard, tensorboardX, matplotlib.pyplot, nbclient, nbformat\n"
    "import ipykernel.kernelapp, playwright.sync_api, pytest, xdist, hypothesis, werkzeug\n",
]


def main():
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2")
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env) for code in GROUPS]
    failed = [p.args[-1].splitlines()[0] for p in procs if p.wait() != 0]
    if failed:  # an import that fails here fails in the tests too, with a clearer message there
        print("precompile: these imports failed: %s" % failed, file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
