"""Helpers shared by the tests, the e2e tests and the benchmark, in one place.

Real ``tensorboard`` processes on a free loopback port, plain HTTP GETs, wait
loops that raise with the last answer they saw (a test never times out
silently), an in-process TensorBoard app over the plugin, and small event
writers built on TensorBoard's own numpy writer (no TensorFlow needed).

``tests/conftest.py`` puts ``tests/`` on ``sys.path``; ``tests/e2e`` and
``bench/`` do the same to ``import support``.
"""

import itertools
import json
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request

import numpy as np

TENSORBOARD = os.path.join(os.path.dirname(sys.executable), "tensorboard")
# ``tensorboard`` with TensorBoard's own switch to its TensorFlow stub thrown before it starts (the CLI's
# ``loading.prefer_tensorflow_stub``): the tensorboard of a venv without TensorFlow, as PyTorch users have.
# It starts on 1 s of CPU instead of 6.
WITHOUT_TENSORFLOW = ("import sys; from tb_histdiag_plugin.loading import prefer_tensorflow_stub; "
                      "prefer_tensorflow_stub(); from tensorboard.main import run_main; sys.exit(run_main())")
ROUTE = "/data/plugin/histdiag/"


# ---------------------------------------------------------------- HTTP

def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def http_get(url, timeout=60, headers=None):
    """``(status, parsed JSON or text, headers)`` of a GET, HTTP errors included."""
    req = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            body, status, got = resp.read(), resp.status, resp.headers
    except urllib.error.HTTPError as e:
        body, status, got = e.read(), e.code, e.headers
    if "gzip" in (got.get("Content-Encoding") or ""):
        return status, body, got  # asked for gzip: the raw bytes
    text = body.decode("utf-8", "replace")
    if "json" in (got.get("Content-Type") or ""):
        return status, json.loads(text), got
    return status, text, got


def get_json(url, timeout=60):
    """The parsed JSON body of a GET that must answer 200."""
    status, body, _ = http_get(url, timeout)
    if status != 200:
        raise RuntimeError("GET %s: %s %r" % (url, status, body if isinstance(body, dict) else str(body)[:300]))
    return body


# ---------------------------------------------------------------- waiting

def wait_until(check, timeout=60, interval=0.5, what="condition"):
    """Call ``check()`` until it returns ``(True, answer)``; returns that answer.

    ``check`` returns ``(done, answer)``.  ``OSError`` and ``ValueError``
    (not listening yet, half-written JSON) count as answers too.  On timeout
    raises ``TimeoutError`` naming ``what`` and the last answer seen.
    """
    deadline = time.monotonic() + timeout
    last = "(no answer)"
    while True:
        try:
            done, last = check()
            if done:
                return last
        except (OSError, ValueError) as e:
            last = e
        if time.monotonic() >= deadline:
            raise TimeoutError("%s not reached within %g s; last answer: %s" % (what, timeout, _short(last)))
        time.sleep(interval)


def _short(answer, limit=2000):
    text = repr(answer)
    return text if len(text) <= limit else text[:limit] + "... (%d chars)" % len(text)


# ---------------------------------------------------------------- a real TensorBoard

class TensorBoardServer:
    """A real ``tensorboard`` subprocess serving ``logdir`` on loopback.

    ``load_fast`` picks the Rust data server; histograms are never downsampled
    (``--samples_per_plugin histograms=0``) so every logged step is served.
    ``executable`` is another ``tensorboard`` (e.g. a fresh venv's).  The suite's own
    ``tensorboard`` reads with TensorBoard's TF stub unless ``tensorflow`` is true: then
    it imports TensorFlow (installed here) and reads with TensorFlow's record reader,
    as a Keras user's does.  The in-process tests (``in_process_client``) read with
    TensorFlow.
    """

    def __init__(self, logdir, load_fast=False, extra_args=(), env=None, reload_interval=1, log_path=None,
                 executable=TENSORBOARD, tensorflow=False):
        self.logdir = logdir
        self.load_fast = load_fast
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        self.log_path = log_path or os.path.join(os.path.dirname(os.path.abspath(logdir)), "tb-%d.log" % self.port)
        self._log = open(self.log_path, "w")
        stub = executable == TENSORBOARD and not tensorflow
        launch = [sys.executable, "-c", WITHOUT_TENSORFLOW] if stub else [executable]
        args = [*launch, "--logdir", logdir, "--port", str(self.port), "--host", "127.0.0.1",
                "--load_fast=%s" % ("true" if load_fast else "false"), "--reload_interval", str(reload_interval),
                "--samples_per_plugin", "histograms=0", *extra_args]
        env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3", **(env or {}))
        self.started = time.perf_counter()
        self.process = subprocess.Popen(args, stdout=self._log, stderr=subprocess.STDOUT, env=env)

    def get(self, path, timeout=60, headers=None):
        """``(status, body, headers)`` of ``GET path``; raises if the process has exited."""
        self.check_alive()
        return http_get(self.url + path, timeout, headers)

    def get_json(self, path, timeout=60):
        self.check_alive()
        return get_json(self.url + path, timeout)

    def check_alive(self):
        if self.process.poll() is not None:
            raise RuntimeError("tensorboard exited with %s:\n%s" % (self.process.returncode, self.log_tail()))

    def log_tail(self, chars=3000):
        self._log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()[-chars:]

    def wait_listening(self, timeout=120):
        """Block until TensorBoard answers its plugin listing; returns the listing."""
        def check():
            status, body, _ = self.get("/data/plugins_listing", timeout=30)
            return status == 200, body

        return wait_until(check, timeout, what="tensorboard on %s answering" % self.url)

    def wait_for_runs(self, expected_runs, timeout=120, complete=None):
        """Block until every expected run is listed by the tab; returns the ``/runs`` body.

        ``complete(run_entry)`` may add a condition on each expected run's entry
        (e.g. its number of tags, once the Rust server has read every file).
        """
        expected = set(expected_runs)

        def check():
            status, body, _ = self.get(ROUTE + "runs", timeout=30)
            if status != 200:
                return False, (status, body)
            listed = {r["run"]: r for r in body["runs"]}
            done = expected <= set(listed) and (complete is None or all(complete(listed[r]) for r in expected))
            return done, body

        return wait_until(check, timeout, what="runs %s served" % sorted(expected))

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        stop_process(self.process)
        self._log.close()


def stop_process(process, timeout=15):
    """Terminate a server process started by the tests, killing it if it does not exit in ``timeout`` s."""
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


# ---------------------------------------------------------------- in process

def in_process_client(logdir):
    """A werkzeug test client on the plugin inside a TensorBoard WSGI app (Python loader)."""
    from tensorboard.backend import application
    from tensorboard.plugins import base_plugin
    from werkzeug import test as werkzeug_test
    from werkzeug import wrappers

    from tb_histdiag_plugin import loading, plugin

    provider = loading.local_provider(logdir)
    ctx = base_plugin.TBContext(logdir=logdir, data_provider=provider)
    wsgi = application.TensorBoardWSGI([plugin.HistDiagPlugin(ctx)], data_provider=provider)
    return werkzeug_test.Client(wsgi, wrappers.Response)


def client_json(client, path):
    """``(status, parsed JSON)`` of a werkzeug client GET; the answer must be JSON."""
    resp = client.get(path)
    assert resp.headers["Content-Type"].startswith("application/json"), (path, resp.status_code, resp.data[:200])
    return resp.status_code, json.loads(resp.data)


# ---------------------------------------------------------------- event writers

def histogram_event(tag, values, step, wall_time=1.7e9, buckets=30):
    """One event holding ``tf.summary.histogram``'s summary of ``values`` (TensorBoard's numpy code)."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.histogram import summary_v2

    summary = summary_v2.histogram_pb(tag, np.asarray(values), buckets=buckets)
    return event_pb2.Event(step=int(step), wall_time=wall_time, summary=summary)


def write_frames(logdir, run, frames, wall_time=1.7e9, buckets=30):
    """``frames``: ``[(step, {tag: ndarray})]``, written to ``logdir/run`` in that order."""
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    run_dir = os.path.join(logdir, run)
    before = set(os.listdir(run_dir)) if os.path.isdir(run_dir) else set()
    writer = EventFileWriter(run_dir)
    for step, tensors in frames:
        for i, (tag, values) in enumerate(tensors.items()):
            writer.add_event(histogram_event(tag, values, step, wall_time + step + i * 1e-3, buckets))
    writer.close()
    _sort_last(run_dir, before)


_file_numbers = itertools.count(1)


def _sort_last(run_dir, before):
    """Rename the event file just written so it sorts after the run's earlier ones.

    TensorBoard's loader reads a run's event files in name order and never goes
    back; the writer names them ``…tfevents.<second>.<host>.<pid>.<counter>``,
    so within one second file ``.10`` sorts before ``.9`` and its steps would be
    read late or never (a test appending steps then flakes).
    """
    for name in sorted(set(os.listdir(run_dir)) - before):
        ordered = "events.out.tfevents.%010d.histdiag-test.%08d" % (int(time.time()), next(_file_numbers))
        os.rename(os.path.join(run_dir, name), os.path.join(run_dir, ordered))


def write_histograms(logdir, run, arrays_by_tag, steps=None, **kwargs):
    """``arrays_by_tag``: ``{tag: [one array per step]}``; steps are 0, 1, ... unless given."""
    n = max(len(a) for a in arrays_by_tag.values())
    steps = list(range(n)) if steps is None else list(steps)
    frames = [(step, {tag: arrays[i] for tag, arrays in arrays_by_tag.items() if i < len(arrays)})
              for i, step in enumerate(steps)]
    write_frames(logdir, run, frames, **kwargs)


def write_scalars(logdir, run, steps=5, tag="loss"):
    """A run with one scalar and no histogram (the tab must leave it out)."""
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.scalar import summary_v2 as scalar_summary
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    writer = EventFileWriter(os.path.join(logdir, run))
    for step in range(steps):
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step,
                                         summary=scalar_summary.scalar_pb(tag, 1.0 / (step + 1))))
    writer.close()
