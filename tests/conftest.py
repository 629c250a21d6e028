"""Shared fixtures: logs from the real writers and real TensorBoard processes.

TensorFlow and torch take seconds to import, so every log directory is written
once per session and shared.  Servers are real ``tensorboard`` processes on a
free loopback port, under the Python loader or the Rust data server; the
helpers behind them are in ``tests/support.py``.
"""

import os
import sys

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))

from support import TensorBoardServer  # noqa: E402


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

    def start(logdir, load_fast=False, expected_runs=(), extra_args=(), env=None):
        server = TensorBoardServer(logdir, load_fast, extra_args, env)
        servers.append(server)
        if expected_runs:
            server.wait_for_runs(expected_runs)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def writer_servers(writer_logs, tensorboard_factory):
    """The writers' logs under both loaders: ``{"python": server, "rust": server}``.

    The Rust server lists runs as soon as it sees them, so both wait until each
    run has every tag and the last step its writer logged.
    """
    logdir, exact = writer_logs
    last = {run: max(max(steps) for steps in tags.values()) for run, tags in exact.items()}

    def complete(entry):
        return entry.get("tags") == len(exact[entry["run"]]) and entry.get("last_step") == last[entry["run"]]

    servers = {"python": tensorboard_factory(logdir, load_fast=False),
               "rust": tensorboard_factory(logdir, load_fast=True)}
    for server in servers.values():
        server.wait_for_runs(list(exact), complete=complete)
    return servers
