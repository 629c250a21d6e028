"""A real S3 endpoint for the tests: moto's standalone server on loopback, in its own process.

Everything talks to it over HTTP as it would to S3: boto3 here, TensorBoard's
``S3FileSystem`` (boto3 too, pointed at it by ``S3_ENDPOINT``) in the CLI,
the Dask workers and a ``tensorboard`` process.  ``enforce_auth`` turns on
moto's IAM checks, after which only keys of IAM users it knows are accepted,
with what their policies allow: the fixtures make the users first.
"""

import json
import os
import subprocess
import sys
import urllib.request

from support import free_port, stop_process, wait_until

REGION = "us-east-1"


class S3Server:
    def __init__(self, log_path):
        self.port = free_port()
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self._log = open(log_path, "w")
        self.process = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=self._log, stderr=subprocess.STDOUT)
        wait_until(self._answering, timeout=120, what="moto server on %s" % self.endpoint)
        # Keys that work until enforce_auth(); afterwards only IAM users' keys do.
        self.keys = ("histdiag-test", "histdiag-test")

    def _answering(self):
        if self.process.poll() is not None:
            raise RuntimeError("moto server exited with %s" % self.process.returncode)
        with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=5) as resp:
            return resp.status == 200, resp.status

    def env(self, keys=None):
        """The environment a reader needs: credentials, region, and the endpoint for TensorBoard's stub."""
        key, secret = keys or self.keys
        return {"AWS_ACCESS_KEY_ID": key, "AWS_SECRET_ACCESS_KEY": secret, "AWS_REGION": REGION,
                "AWS_DEFAULT_REGION": REGION, "S3_ENDPOINT": self.endpoint,
                "AWS_EC2_METADATA_DISABLED": "true", "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                "AWS_CONFIG_FILE": os.devnull}

    def client(self, service="s3", keys=None):
        import boto3

        key, secret = keys or self.keys
        return boto3.client(service, endpoint_url=self.endpoint, region_name=REGION,
                            aws_access_key_id=key, aws_secret_access_key=secret)

    def upload(self, local_dir, bucket, prefix):
        """Every file under ``local_dir`` to ``s3://bucket/prefix/...``, creating the bucket."""
        s3 = self.client()
        if bucket not in [b["Name"] for b in s3.list_buckets().get("Buckets", [])]:
            s3.create_bucket(Bucket=bucket)
        for root, _, files in os.walk(local_dir):
            for name in files:
                path = os.path.join(root, name)
                key = "%s/%s" % (prefix, os.path.relpath(path, local_dir).replace(os.sep, "/"))
                s3.upload_file(path, bucket, key)

    def user(self, name, statements):
        """``(key, secret)`` of a new IAM user allowed ``statements`` (IAM policy statements)."""
        iam = self.client("iam")
        iam.create_user(UserName=name)
        if statements:
            iam.put_user_policy(UserName=name, PolicyName=name + "-policy",
                                PolicyDocument=json.dumps({"Version": "2012-10-17", "Statement": statements}))
        made = iam.create_access_key(UserName=name)["AccessKey"]
        return made["AccessKeyId"], made["SecretAccessKey"]

    def enforce_auth(self, keys):
        """From now on only IAM users' keys are accepted; ``keys`` become the default ones."""
        req = urllib.request.Request(self.endpoint + "/moto-api/reset-auth", data=b"0", method="POST",
                                     headers={"Content-Type": "application/octet-stream"})
        with urllib.request.urlopen(req, timeout=10) as resp:
            assert resp.status == 200
        self.keys = keys

    def close(self):
        stop_process(self.process)
        self._log.close()
