"""Shared fixtures: logs from the real writers and real TensorBoard processes.

TensorFlow and torch take seconds to import, so every log directory is written
once per session and shared.  Servers are real ``tensorboard`` processes on a
free loopback port, under the Python loader or the Rust data server.
"""

import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(__file__))

TENSORBOARD = os.path.join(os.path.dirname(sys.executable), "tensorboard")


@pytest.fixture(scope="session")
def writer_logs(tmp_path_factory):
    """``(logdir, exact)``: one run per real writer and the tensors it logged."""
    import writers

    logdir = str(tmp_path_factory.mktemp("writers"))
    return logdir, writers.write_all(logdir)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=60):
    """``(status, parsed JSON or text, headers)`` of a GET, errors included."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as resp:
            body, status, headers = resp.read(), resp.status, resp.headers
    except urllib.error.HTTPError as e:
        body, status, headers = e.read(), e.code, e.headers
    text = body.decode("utf-8", "replace")
    if "json" in (headers.get("Content-Type") or ""):
        return status, json.loads(text), headers
    return status, text, headers


class TensorBoardServer:
    """A real ``tensorboard`` subprocess serving ``logdir`` on loopback."""

    def __init__(self, logdir, load_fast=False, extra_args=(), env=None):
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log = open(os.path.join(logdir, "..", "tb-%d.log" % self.port), "w")
        args = [TENSORBOARD, "--logdir", logdir, "--port", str(self.port), "--host", "127.0.0.1",
                "--load_fast=%s" % ("true" if load_fast else "false"), "--reload_interval", "1",
                "--samples_per_plugin", "histograms=0", *extra_args]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
        self.process = subprocess.Popen(args, stdout=self.log, stderr=subprocess.STDOUT, env=env)

    def get(self, path, timeout=60):
        return http_get(self.url + path, timeout)

    def wait_for_runs(self, expected_runs, timeout=120):
        """Block until every expected run is listed with all of its data."""
        deadline = time.time() + timeout
        last = None
        while time.time() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("tensorboard exited with %s" % self.process.returncode)
            try:
                status, body, _ = self.get("/data/plugin/histdiag/runs", timeout=30)
                if status == 200:
                    last = body
                    if set(expected_runs) <= {r["run"] for r in body["runs"]}:
                        return body
            except OSError:
                pass
            time.sleep(0.5)
        raise TimeoutError("runs %s not served in time; last answer %r" % (expected_runs, last))

    def close(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


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
    """The writers' logs under both loaders: ``{"python": server, "rust": server}``."""
    logdir, exact = writer_logs
    runs = list(exact)
    servers = {
        "python": tensorboard_factory(logdir, load_fast=False),
        "rust": tensorboard_factory(logdir, load_fast=True),
    }
    for server in servers.values():
        server.wait_for_runs(runs)
    # The Rust server lists runs as soon as it sees them; wait until each tag
    # has every step the writer logged.
    deadline = time.time() + 60
    while time.time() < deadline:
        status, body, _ = servers["rust"].get("/data/plugin/histdiag/runs")
        done = {r["run"]: r for r in body["runs"]}
        if all(done.get(run, {}).get("tags") == len(exact[run]) for run in runs):
            break
        time.sleep(0.5)
    return servers
