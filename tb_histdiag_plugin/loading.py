"""Loading a logdir outside TensorBoard, with TensorBoard's own loading code.

The CLI and the Python API read logs exactly as ``tensorboard --load_fast=false``
does (the event multiplexer and its data provider, which also migrate TF1 and
PyTorch histogram protos), so no TensorFlow is needed and the report sees the
same data as the tab.  Unlike the server, every sample is kept.
"""

import os
import sys
import types


def _prefer_tensorflow_stub():
    """Have TensorBoard read files with its own TF stub, not TensorFlow.

    TensorBoard's ``compat.tf`` imports TensorFlow whenever it is installed,
    which costs seconds and floods stderr; ``tensorboard.compat.notf`` is its
    documented switch to the stub.  Only when TensorFlow is not already loaded
    in this process (a notebook that imported it keeps it).
    """
    if "tensorflow" not in sys.modules and "tensorboard.compat.notf" not in sys.modules:
        sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")


_prefer_tensorflow_stub()

from tensorboard import context  # noqa: E402  (after choosing the stub)
from tensorboard.backend.event_processing import data_provider as tb_data_provider  # noqa: E402
from tensorboard.backend.event_processing import plugin_event_multiplexer  # noqa: E402

from tb_histdiag_plugin import reading  # noqa: E402


class LogdirError(ValueError):
    """A logdir that does not exist or holds no histograms."""


def local_provider(logdir):
    """A loaded data provider over ``logdir`` keeping all histogram samples."""
    if not os.path.isdir(logdir):
        raise LogdirError("logdir %r does not exist or is not a directory" % logdir)
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={reading.HISTOGRAM_PLUGIN: 0},
        max_reload_threads=1,
    )
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)


def request_context():
    return context.RequestContext()
