"""Shared fixtures: logs from the real writers and real TensorBoard processes.

TensorFlow and torch take seconds to import, so every log directory is written
once per session and shared.  Servers are real ``tensorboard`` processes on a
free loopback port, under the Python loader or the Rust data server; the
helpers behind them are in ``tests/support.py``.

``make test`` runs the suite on every core and one more worker (pytest-xdist,
``-n auto --dist loadfile``): the scheduler below keeps each file on one worker (its module
fixtures train or write once) and all e2e tests on one worker (one server and
one browser), and hands out the longest files first.
"""

import collections
import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))

from support import TensorBoardServer  # noqa: E402

# The test files that take longest (training or servers in their fixtures),
# longest first, so that the workers finish at about the same time; the rest
# follow in collection order.  The order is the one the summary at the end of a
# run prints (each file's seconds); a long file missing here runs late and
# keeps one worker busy after the other has finished.
LONGEST_FIRST = ["tests/e2e", "tests/test_training.py", "tests/test_dask.py", "tests/test_s3.py",
                 "tests/test_small_models.py", "tests/test_demo.py", "tests/test_healthy.py",
                 "tests/test_reliability.py", "tests/test_notebook.py", "tests/test_cli.py", "tests/test_inferred.py",
                 "tests/test_wheel.py", "tests/test_writers.py", "tests/golden/test_golden.py", "tests/test_server.py",
                 "tests/test_api.py", "tests/test_plugin_routes.py", "tests/test_stats_layouts.py",
                 "tests/test_keras_callback.py", "tests/test_parallel.py", "tests/test_torch_helper.py"]


def _scope(nodeid):
    """A test's unit of work under ``--dist loadfile``: its file, or ``tests/e2e`` for every e2e test."""
    path = nodeid.split("::", 1)[0]
    return "tests/e2e" if path.startswith("tests/e2e/") else path


def pytest_collection_modifyitems(config, items):
    """The longest files first (collection order otherwise), for the scheduler below."""
    rank = {name: i for i, name in enumerate(LONGEST_FIRST)}
    order = {id(item): i for i, item in enumerate(items)}
    items.sort(key=lambda item: (rank.get(_scope(item.nodeid), len(rank)), order[id(item)]))


# Seconds per unit of work and per xdist worker (setup, call and teardown of their tests), summed where the
# reports arrive (the controller under xdist), for keeping LONGEST_FIRST true to what takes longest.
_SECONDS = collections.Counter()
_WORKER_SECONDS = collections.Counter()


def pytest_runtest_logreport(report):
    _SECONDS[_scope(report.nodeid)] += report.duration
    node = getattr(report, "node", None)  # the xdist worker that ran it
    if node is not None:
        _WORKER_SECONDS[node.gateway.id] += report.duration


def pytest_terminal_summary(terminalreporter):
    if _SECONDS:
        terminalreporter.write_sep("-", "the 20 longest test files (seconds; LONGEST_FIRST in tests/conftest.py)")
        for scope, seconds in _SECONDS.most_common(20):
            terminalreporter.write_line("%7.1f  %s" % (seconds, scope))
    if _WORKER_SECONDS:  # far apart: the files are badly spread over the workers
        terminalreporter.write_line("seconds of tests per worker: " + ", ".join(
            "%s %.0f" % item for item in sorted(_WORKER_SECONDS.items())))


# Beyond this many workers the longest unit (tests/e2e) alone sets the time; each worker holds TF and torch (~1 GB).
MAX_WORKERS = 8


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_auto_num_workers(config):
    """``-n auto``: one worker more than the cores (at most MAX_WORKERS).

    A test that waits on a tensorboard process, Chromium or a Dask cluster leaves
    its core to those processes only part of the time; with one worker per core
    a fifth of the cores' time went unused in ``make test``, with one more the
    suite took 5 min 49 s instead of 6 min 27 s on 2 cores.
    ``PYTEST_XDIST_AUTO_NUM_WORKERS=N`` still sets the number.
    """
    if os.environ.get("PYTEST_XDIST_AUTO_NUM_WORKERS"):
        return None  # pytest-xdist's own hook reads it
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # macOS, Windows
        cores = os.cpu_count() or 1
    return min(cores + 1, MAX_WORKERS)


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """``--dist loadfile`` with all of ``tests/e2e`` as one file and files handed out in collection order.

    One worker runs a whole file, so a module fixture trains once; one runs
    every e2e test, so the e2e session fixtures (server, browser) start once.
    (``--dist loadgroup`` would do this with ``xdist_group`` marks, but
    pytest-xdist 3.8 loses the marks under pytest 9.2's node ids.)
    """
    if config.getvalue("dist") != "loadfile":
        return None
    from xdist.scheduler import LoadScopeScheduling

    class FileScheduling(LoadScopeScheduling):
        def _split_scope(self, nodeid):
            return _scope(nodeid)

    config.option.loadscopereorder = False  # keep the longest-first order above
    return FileScheduling(config, log)


@pytest.fixture(scope="session")
def writer_logs(tmp_path_factory):
    """``(logdir, exact)``: one run per real writer and the tensors it logged."""
    import writers

    logdir = str(tmp_path_factory.mktemp("writers"))
    return logdir, writers.write_all(logdir)


@pytest.fixture(scope="session")
def tensorboard_factory():
    """Start real TensorBoard servers; all are stopped at the end of the session."""
    servers = []

    def start(logdir, load_fast=False, expected_runs=(), extra_args=(), env=None, tensorflow=False):
        server = TensorBoardServer(logdir, load_fast, extra_args, env, tensorflow=tensorflow)
        servers.append(server)
        if expected_runs:
            server.wait_for_runs(expected_runs)
        return server

    yield start
    for server in servers:  # all stop at once: each takes seconds to exit
        server.process.terminate()
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def writer_servers(writer_logs, tensorboard_factory):
    """The writers' logs under both loaders: ``{"python": server, "rust": server}`` (the Python one with
    TensorFlow's record reader, the Rust one with its own).

    The Rust server lists runs as soon as it sees them, so both wait until each
    run has every tag and the last step its writer logged.
    """
    logdir, exact = writer_logs
    last = {run: max(max(steps) for steps in tags.values()) for run, tags in exact.items()}

    def complete(entry):
        return entry.get("tags") == len(exact[entry["run"]]) and entry.get("last_step") == last[entry["run"]]

    servers = {"python": tensorboard_factory(logdir, load_fast=False, tensorflow=True),  # TensorFlow's reader
               "rust": tensorboard_factory(logdir, load_fast=True)}
    for server in servers.values():
        server.wait_for_runs(list(exact), complete=complete)
    return servers
