"""``--scheduler`` and ``diagnose(client=...)``: each run a task on a real Dask cluster.

One ``distributed.LocalCluster`` per session: two worker processes of one
thread each behind their nannies, TCP on 127.0.0.1, started like any cluster
a user points the CLI at.  The workers read the logdir themselves; the
documents must equal ``--jobs``'s byte for byte.
"""

import json
import os
import pty
import signal
import subprocess
import sys
import threading
import time

import numpy as np
import pytest

import synthetic
from s3_server import S3Server
from support import free_port, wait_until
from tb_histdiag_plugin import api, downsample, loading, result

distributed = pytest.importorskip("distributed")

CLI = os.path.join(os.path.dirname(sys.executable), "tb-histdiag")
# Runs the command after it with SIGINT at its default disposition (kept across exec).
DEFAULT_SIGINT = "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execv(sys.argv[1], sys.argv[1:])"


@pytest.fixture(scope="session")
def dask_cluster():
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                       protocol="tcp", dashboard_address=None)
    client = distributed.Client(cluster, set_as_default=False)
    try:
        yield cluster, client
    finally:
        client.close()
        cluster.close()


@pytest.fixture()
def client(dask_cluster):
    cluster, client = dask_cluster
    client.wait_for_workers(2, timeout=120)  # a test may have killed one: its nanny restarts it
    return client


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("dask_logs"))
    synthetic.write_standard(path)
    for seed in range(3):
        synthetic.write_run(path, "sweep/seed=%d" % seed, synthetic.healthy(seed=10 + seed))
    return path


@pytest.fixture(scope="module")
def slow_logdir(tmp_path_factory):
    """Runs of a few seconds each, for what happens while tasks run."""
    path = str(tmp_path_factory.mktemp("dask_slow"))
    for seed in range(4):
        synthetic.write_run(path, "long_%d" % seed, synthetic.vanishing(steps=300, seed=seed))
    return path


def report(*args, timeout=300):
    proc = subprocess.run([CLI, "report", *args], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def test_scheduler_gives_the_documents_of_jobs(logdir, client):
    code, local, err = report(logdir, "--format", "json", "--jobs", "2")
    assert code == 0, err
    code, remote, err = report(logdir, "--format", "json", "--scheduler", client.scheduler.address)
    assert code == 0, err
    assert remote == local  # byte for byte
    assert len(json.loads(remote)["runs"]) == 6
    code, text, err = report(logdir, "--run", "vanishing", "--scheduler", client.scheduler.address)
    assert code == 0 and "vanishing_gradient" in text, err


def test_every_logged_step_is_kept(tmp_path, client):
    """The CLI's documents hold every step, however long the run (the tab's are thinned)."""
    steps = downsample.MAX_POINTS + 100
    synthetic.write_run(str(tmp_path), "long", [(s, {"dense_0/kernel": np.linspace(-1, 1, 64) * (1 + s / steps)})
                                                for s in range(steps)])
    for extra in (["--jobs", "1"], ["--jobs", "2"], ["--scheduler", client.scheduler.address]):
        code, out, err = report(str(tmp_path), "--format", "json", *extra)
        assert code == 0, err
        doc = json.loads(out)["runs"]["long"]
        assert doc["downsampled"] is False and doc["series"][0]["steps"] == list(range(steps)), extra
    assert api.diagnose(str(tmp_path), client=client)["runs"]["long"]["series"][0]["steps"] == list(range(steps))


def test_python_api_with_a_client(logdir, client):
    got = api.diagnose(logdir, client=client, vanishing_ratio="1e-3")
    assert isinstance(got, result.Diagnosis) and got.logdir == logdir
    assert json.dumps(got) == json.dumps(api.diagnose(logdir, jobs=1, vanishing_ratio="1e-3"))
    seen = []
    api.diagnose(logdir, run="healthy", client=client, progress=lambda *a: seen.append(a))
    assert seen == [("healthy", 1, 1, None)]
    with pytest.raises(ValueError):
        api.diagnose(logdir, client=client, jobs=2)


def test_unreachable_scheduler_is_one_line_exit_2(logdir):
    address = "tcp://127.0.0.1:%d" % free_port()
    started = time.monotonic()
    code, out, err = report(logdir, "--scheduler", address)
    assert code == 2 and out == ""
    assert len(err.strip().splitlines()) == 1 and address in err and "Traceback" not in err, err
    assert time.monotonic() - started < 60
    code, _, err = report(logdir, "--scheduler", address, "--jobs", "2")
    assert code == 2 and "--jobs" in err


def test_progress_lines_and_terminal_bar(logdir, client):
    _, _, err = report(logdir, "--scheduler", client.scheduler.address)
    assert err.strip().splitlines()[-1] == "tb-histdiag: 7/7 runs done"  # scalars_only too
    # On a terminal: a bar redrawn in place, for --jobs too.
    for extra in (["--jobs", "2"], ["--scheduler", client.scheduler.address]):
        leader, follower = pty.openpty()
        try:
            proc = subprocess.run([CLI, "report", logdir, "--format", "json", *extra], stdout=subprocess.PIPE,
                                  stderr=follower, timeout=300)
            os.close(follower)
            follower = None
            bar = b""
            while True:
                try:
                    chunk = os.read(leader, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                bar += chunk
        finally:
            if follower is not None:
                os.close(follower)
            os.close(leader)
        assert proc.returncode == 0 and json.loads(proc.stdout)
        assert b"\r[" in bar and b"7/7 runs done" in bar and b"tb-histdiag: 1/7" not in bar, bar


def test_a_lost_worker_is_retried(slow_logdir, client):
    """SIGKILL the worker running a task mid-run: the scheduler reruns it on a worker, nothing is lost."""
    expected = api.diagnose(slow_logdir, jobs=1)
    outcome = {}

    def run():
        try:
            outcome["result"] = api.diagnose(slow_logdir, client=client)
        except BaseException as e:  # noqa: BLE001 (reported by the assertion below)
            outcome["error"] = e

    thread = threading.Thread(target=run)
    thread.start()

    def busy_worker():
        processing = {w: tasks for w, tasks in client.processing().items() if tasks}
        return bool(processing), processing

    victim = sorted(wait_until(busy_worker, timeout=120, interval=0.05, what="a task running"))[0]
    time.sleep(0.5)  # mid-run: loading takes seconds
    pid = client.run(os.getpid, workers=[victim])[victim]
    os.kill(pid, signal.SIGKILL)
    thread.join(300)
    assert "error" not in outcome, outcome.get("error")
    assert json.dumps(outcome["result"]) == json.dumps(expected)


def test_ctrl_c_cancels_the_tasks(slow_logdir, client):
    def histdiag_tasks():
        return client.run_on_scheduler(lambda dask_scheduler: [str(k) for k in dask_scheduler.tasks
                                                                if str(k).startswith("histdiag-")])

    # An earlier test's tasks (the lost worker's retry) may still be on the scheduler: Ctrl-C must come
    # once this process's own tasks run, after its imports and its connection, not on the strength of those.
    earlier = set(histdiag_tasks())
    # Started as from a terminal: SIGINT at its default, so Python turns it into KeyboardInterrupt.  A child
    # inherits an ignored SIGINT; in two full parallel runs (never alone) the report ran to its end after
    # Ctrl-C and exited 0, as a process that ignores SIGINT does.  The failure message shows the dispositions.
    proc = subprocess.Popen([sys.executable, "-c", DEFAULT_SIGINT, CLI, "report", slow_logdir,
                             "--scheduler", client.scheduler.address],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        def own_task_running():
            running = {str(k) for tasks in client.processing().values() for k in tasks} - earlier
            return bool(running), running

        wait_until(own_task_running, timeout=120, interval=0.05, what="the report's tasks running")
        with open("/proc/%d/status" % proc.pid) as f:
            ignored = [line.strip() for line in f if line.startswith(("SigIgn", "SigBlk"))]
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130 and "interrupted" in err and "Traceback" not in err, (err, ignored)
    assert out == ""

    def forgotten():
        left = histdiag_tasks()
        return not left, left

    wait_until(forgotten, timeout=60, what="the cancelled tasks forgotten by the scheduler")


@pytest.fixture(scope="module")
def s3_logdir(logdir, tmp_path_factory):
    """The logdir in an S3 bucket whose 'partial' user may read the runs 'healthy' and 'vanishing' only."""
    server = S3Server(str(tmp_path_factory.mktemp("dask_moto") / "moto.log"))
    try:
        server.upload(logdir, "dask-logs", "sweep")
        reader = server.user("reader", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}])
        server.partial = server.user("partial", [
            {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
            {"Effect": "Allow", "Action": "s3:GetObject",
             "Resource": ["arn:aws:s3:::dask-logs/sweep/healthy/*", "arn:aws:s3:::dask-logs/sweep/vanishing/*"]}])
        server.enforce_auth(reader)
        yield server, "s3://dask-logs/sweep"
    finally:
        server.close()


def _set_env(values):
    os.environ.update(values)


def _unset_env(names):
    for name in names:
        os.environ.pop(name, None)


def test_workers_read_s3_and_a_failing_run_is_named(logdir, s3_logdir, client):
    """The workers read the bucket with their own credentials: those may read two runs only, the
    others fail on the workers (retried, then named on stderr) and the two are reported."""
    server, url = s3_logdir
    env = server.env()
    client.run(_set_env, server.env(server.partial))
    try:
        proc = subprocess.run([CLI, "report", url, "--format", "json", "--scheduler", client.scheduler.address],
                              capture_output=True, text=True, timeout=300, env=dict(os.environ, **env))
    finally:
        client.run(_unset_env, list(env))
    assert proc.returncode == 0, proc.stderr
    local = api.diagnose(logdir, jobs=1)
    assert json.loads(proc.stdout)["runs"] == {run: local["runs"][run] for run in ("healthy", "vanishing")}
    failed = sorted(line.split("'")[1] for line in proc.stderr.splitlines() if " failed: " in line)
    assert failed == sorted(set(loading.run_dirs(logdir)) - {"healthy", "vanishing"}), proc.stderr
    assert "AccessDenied" in proc.stderr and "Traceback" not in proc.stderr
