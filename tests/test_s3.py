"""``s3://`` logdirs: the CLI, the API and the tab read them through TensorBoard's S3 file system.

A real S3 endpoint (moto's server, ``tests/s3_server.py``) holds a copy of
logs written by the real writers (TF2 ``tf.summary``, Keras, TF1, PyTorch,
tensorboardX) plus a synthetic vanishing-gradient run; everything reads it
over HTTP with boto3, the way TensorBoard's ``S3FileSystem`` reads AWS
(``S3_ENDPOINT`` points it here).  IAM checks are on, so bad keys, missing
permissions and missing buckets are the server's real answers.
"""

import json
import os
import shutil
import subprocess
import sys
import urllib.parse

import pytest

import synthetic
from s3_server import S3Server
from support import TensorBoardServer
from tb_histdiag_plugin import api, loading

CLI = os.path.join(os.path.dirname(sys.executable), "tb-histdiag")
BUCKET = "histdiag-logs"
URL = "s3://%s/sweep" % BUCKET


@pytest.fixture(scope="module")
def local_copy(writer_logs, tmp_path_factory):
    """The logdir uploaded, as a local directory: the real writers' runs and a sick one."""
    path = str(tmp_path_factory.mktemp("s3_local") / "sweep")
    shutil.copytree(writer_logs[0], path)
    synthetic.write_run(path, "vanishing", synthetic.vanishing())
    return path


@pytest.fixture(scope="module")
def s3(local_copy, tmp_path_factory):
    """The endpoint with the logdir uploaded, its IAM users made, and IAM checks on."""
    server = S3Server(str(tmp_path_factory.mktemp("moto") / "moto.log"))
    try:
        server.upload(local_copy, BUCKET, "sweep")
        server.users = {
            "reader": server.user("reader", [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]),
            "nobody": server.user("nobody", []),
            # may list everything but read the objects of the runs 'tf2' and 'vanishing' only
            "partial": server.user("partial", [
                {"Effect": "Allow", "Action": "s3:ListBucket", "Resource": "*"},
                {"Effect": "Allow", "Action": "s3:GetObject",
                 "Resource": ["arn:aws:s3:::%s/sweep/tf2/*" % BUCKET, "arn:aws:s3:::%s/sweep/vanishing/*" % BUCKET]},
            ]),
        }
        server.enforce_auth(server.users["reader"])
        yield server
    finally:
        server.close()


def report(*args, env=None):
    proc = subprocess.run([CLI, "report", *args], capture_output=True, text=True, timeout=300,
                          env=dict(os.environ, **(env or {})))
    return proc.returncode, proc.stdout, proc.stderr


@pytest.fixture(scope="module")
def local_json(local_copy):
    code, out, err = report(local_copy, "--format", "json")
    assert code == 0, err
    return json.loads(out)


def test_report_of_an_s3_logdir_equals_the_local_copy(s3, local_json):
    code, out, err = report(URL, "--format", "json", env=s3.env())
    assert code == 0, err
    assert json.loads(out) == local_json
    assert {"tf2", "keras/train", "tf1", "torch", "tbx", "vanishing"} <= set(local_json["runs"])
    kinds = {m["kind"] for m in local_json["runs"]["vanishing"]["markers"]}
    assert "vanishing_gradient" in kinds
    code, text, err = report(URL, "--run", "vanishing", "--jobs", "1", env=s3.env())
    assert code == 0 and "vanishing_gradient" in text, err


def test_python_api_reads_s3_from_a_process_that_loaded_tensorflow(s3, local_json, monkeypatch):
    """This process imported TensorFlow (the writers), whose gfile reads no s3://: the run is read
    by a worker process using TensorBoard's stub, even with jobs=1."""
    assert "tensorflow" in sys.modules
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    result = api.diagnose(URL, run="vanishing", jobs=1)
    assert result["runs"]["vanishing"] == local_json["runs"]["vanishing"]


@pytest.mark.parametrize("case,url,user,endpoint,words", [
    ("bad keys", URL, ("AKIAHISTDIAGBOGUS", "wrong"), None, ["InvalidAccessKeyId", URL]),
    ("no permission", URL, "nobody", None, ["AccessDenied", URL]),
    ("missing bucket", "s3://no-such-bucket/sweep", None, None, ["NoSuchBucket", "s3://no-such-bucket/sweep"]),
    ("missing prefix", "s3://%s/nothing-here" % BUCKET, None, None, ["does not exist"]),
    ("unreachable endpoint", URL, None, "http://127.0.0.1:9", ["Could not connect", URL]),
])
def test_storage_errors_are_one_line_and_exit_2(s3, case, url, user, endpoint, words):
    keys = s3.users[user] if isinstance(user, str) else user
    env = s3.env(keys)
    if endpoint:
        env.update(S3_ENDPOINT=endpoint, AWS_MAX_ATTEMPTS="1")
    code, out, err = report(url, "--format", "json", env=env)
    assert code == 2 and out == "", (case, err)
    assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (case, err)
    for word in words:
        assert word in err, (case, err)


def test_unreadable_runs_are_named_and_the_others_reported(s3, local_json):
    code, out, err = report(URL, "--format", "json", env=s3.env(s3.users["partial"]))
    assert code == 0, err
    assert json.loads(out)["runs"] == {run: local_json["runs"][run] for run in ("tf2", "vanishing")}
    failed = sorted(line.split("'")[1] for line in err.splitlines() if "failed" in line)
    assert failed == sorted(set(local_json["runs"]) - {"tf2", "vanishing"}), err
    assert "AccessDenied" in err and "Traceback" not in err


def test_tab_serves_an_s3_logdir(s3, local_json, tmp_path):
    """A real ``tensorboard --logdir s3://...`` (the Python loader; the Rust one reads local and gs://
    only) serves the same runs and markers as the CLI's report of the local copy."""
    with TensorBoardServer(URL, load_fast=False, env=s3.env(),  # TensorBoard's stub: TensorFlow's gfile has no s3://
                           log_path=str(tmp_path / "tb.log")) as server:
        listed = server.wait_for_runs(list(local_json["runs"]), timeout=180)
        assert {r["run"] for r in listed["runs"]} == set(local_json["runs"])
        for run, doc in local_json["runs"].items():
            _, served, _ = server.get("/data/plugin/histdiag/diagnostics?" + urllib.parse.urlencode({"run": run}))
            assert served["markers"] == doc["markers"], run
            assert served["layers"] == doc["layers"], run


def test_tab_of_a_missing_bucket_lists_no_run_and_says_why(s3, tmp_path):
    """TensorBoard's loader logs the storage error and lists nothing; the tab's ``runs`` answers
    an empty list with the storage error (the tab's error state), never a 500."""
    with TensorBoardServer("s3://no-such-bucket/sweep", load_fast=False, env=s3.env(),
                           log_path=str(tmp_path / "tb.log")) as server:
        server.wait_listening()
        status, body, _ = server.get("/data/plugin/histdiag/runs")
        assert status == 200 and body["runs"] == [], body
        assert "s3://no-such-bucket/sweep" in body["error"] and "NoSuchBucket" in body["error"], body
        assert "\n" not in body["error"] and "Traceback" not in body["error"]
        assert "NoSuchBucket" in server.log_tail(20000)


def test_logdir_urls_are_listed_without_local_calls(s3, monkeypatch):
    """``run_dirs`` lists an s3:// logdir in one paginated listing through TensorBoard's stub."""
    for name, value in s3.env().items():
        monkeypatch.setenv(name, value)
    dirs = loading.run_dirs(URL + "/")
    assert dirs["vanishing"] == URL + "/vanishing"
    assert dirs["keras/train"] == URL + "/keras/train"
