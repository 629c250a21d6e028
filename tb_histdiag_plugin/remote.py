"""Logdirs in object storage (``s3://``, ``gs://``), read through TensorBoard's own file systems.

TensorBoard reads URLs with ``tensorboard.compat.tf.io.gfile``: TensorFlow's
gfile when TensorFlow is installed, else its own stub.  The stub reads
``s3://`` with boto3 (``S3_ENDPOINT`` names another endpoint, such as MinIO)
and other schemes such as ``gs://`` with fsspec; TensorFlow itself reads
``gs://`` but, since 2.6, no longer ``s3://`` (that moved to tensorflow-io).
So an ``s3://`` logdir is always read with the stub: listed here with the
stub's gfile, and loaded in processes that use it (``loading.py``).  Other
URLs are read as TensorBoard reads them.  Failures (no credentials, missing
bucket, denied access, unreachable endpoint) become one-line ``RemoteError``s.
"""

import collections
import importlib.util
import os
import posixpath
import re
import sys

_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")


class RemoteError(OSError):
    """An object-storage logdir that cannot be read (the message is one line)."""


def is_url(path):
    return bool(_URL.match(str(path)))


def is_s3(path):
    return str(path).startswith("s3://")


def _stub_gfile():
    from tensorboard.compat.tensorflow_stub.io import gfile

    return gfile


def gfile_for(path):
    """The gfile module TensorBoard's loader can read ``path`` with (see the module docstring)."""
    if is_s3(path):
        gfile = _stub_gfile()
        # The stub reads S3_ENDPOINT once, when first imported: read it now instead, so that an
        # endpoint set later (a notebook's os.environ) is the one used.
        if getattr(gfile.get_filesystem(path), "_s3_endpoint", None) != os.environ.get("S3_ENDPOINT"):
            gfile.register_filesystem("s3", gfile.S3FileSystem())
        return gfile
    from tensorboard.compat import tf

    return tf.io.gfile


def _compat_tf_name():
    """The module ``tensorboard.compat.tf`` resolved to, or None while it is not resolved yet."""
    compat = sys.modules.get("tensorboard.compat")
    lazy = getattr(compat, "tf", None) if compat is not None else None
    name = getattr(lazy, "__dict__", {}).get("__name__")
    return None if name in (None, "tensorboard.compat.tf") else name


def stub_in_effect():
    """Whether ``tensorboard.compat.tf`` is (or will be) TensorBoard's stub in this process."""
    name = _compat_tf_name()
    if name is not None:
        return name.startswith("tensorboard.compat.tensorflow_stub")
    return "tensorboard.compat.notf" in sys.modules or importlib.util.find_spec("tensorflow") is None


def describe(error):
    """One line saying what went wrong, from a boto3/botocore/gfile exception."""
    response = getattr(error, "response", None)
    if isinstance(response, dict) and response.get("Error"):
        err = response["Error"]
        code, message = err.get("Code", ""), err.get("Message", "")
        status = response.get("ResponseMetadata", {}).get("HTTPStatusCode")
        text = "%s%s" % (code or type(error).__name__, ": %s" % message if message else "")
        if status and str(status) not in text:
            text += " (HTTP %s)" % status
    else:
        text = "%s: %s" % (type(error).__name__, error) if str(error) else type(error).__name__
    return " ".join(text.split())


def _failing(url, what):
    """Turn any exception of the storage client into a ``RemoteError`` naming ``url``."""

    class _Guard:
        def __enter__(self):
            return self

        def __exit__(self, kind, error, tb):
            if error is None or isinstance(error, RemoteError) or not isinstance(error, Exception):
                return False
            raise RemoteError("cannot %s %s: %s" % (what, url, describe(error))) from error

    return _Guard()


def check_dir(url):
    """Raise ``RemoteError`` unless ``url`` is a readable directory (a prefix with objects)."""
    gfile = gfile_for(url)
    with _failing(url, "read"):
        if not gfile.isdir(url):
            raise RemoteError("logdir %s does not exist or is not a directory (no objects under it)" % url)


def run_dirs(url):
    """``{run: url}`` of the directories under ``url`` holding an event file, named as TensorBoard names runs.

    Like TensorBoard's ``io_wrapper.GetLogdirSubdirectories`` for cloud paths:
    one recursive glob (for S3, one paginated listing of every key under the
    prefix) rather than a listing per directory.
    """
    gfile = gfile_for(url)
    top = url.rstrip("/")
    with _failing(url, "list"):
        if is_s3(url):
            files = gfile.glob(top + "/*")  # the stub lists every key under the prefix
        else:
            files = [posixpath.join(d, f) for d, _, names in gfile.walk(top) for f in names]
    dirs = collections.OrderedDict()
    for path in files:
        if "tfevents" in posixpath.basename(path):
            dirs[posixpath.dirname(path)] = True
    out = {}
    for d in dirs:
        rel = d[len(top):].strip("/") if d.startswith(top) else d
        out[rel or "."] = d
    return out


def use_stub_here(path):
    """Make this process read ``path`` with a gfile that can (a worker's first step).

    For ``s3://`` that is TensorBoard's stub: chosen here when TensorFlow is
    not loaded; when it is (and TensorBoard already chose it), raises
    ``RemoteError`` rather than read nothing.
    """
    if not is_s3(path):
        return
    gfile_for(path)  # the endpoint as the environment says now
    if stub_in_effect():
        return
    if _compat_tf_name() is not None:
        raise RemoteError("cannot read %s in a process whose TensorBoard reads files with TensorFlow (its gfile "
                          "no longer reads s3://); read it from a process that has not used TensorBoard's "
                          "reader yet" % path)
    import types

    sys.modules.setdefault("tensorboard.compat.notf", types.ModuleType("tensorboard.compat.notf"))


def dirname(path):
    return posixpath.dirname(path.rstrip("/")) if is_url(path) else os.path.dirname(path)
