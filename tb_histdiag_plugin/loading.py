"""Loading a logdir outside TensorBoard, with TensorBoard's own loading code.

The CLI and the Python API read logs exactly as ``tensorboard --load_fast=false``
does (the event multiplexer and its data provider, which also migrate TF1 and
PyTorch histogram protos), so no TensorFlow is needed and the report sees the
same data as the tab.  Unlike the server, every sample is kept.
"""

import os
import sys
import types

from tensorboard import context
from tensorboard.backend.event_processing import data_provider as tb_data_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer

from tb_histdiag_plugin import reading


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


def prefer_tensorflow_stub():
    """Have TensorBoard read files with its own TF stub, not TensorFlow.

    TensorBoard's ``compat.tf`` imports TensorFlow whenever it is installed,
    which costs seconds and floods stderr; ``tensorboard.compat.notf`` is its
    documented switch to the stub.  The choice is made once per process, and
    the stub cannot write summaries, so only a process that never writes them
    may call this: the CLI does, the Python API does not.
    """
    if "tensorflow" not in sys.modules and "tensorboard.compat.notf" not in sys.modules:
        sys.modules["tensorboard.compat.notf"] = types.ModuleType("tensorboard.compat.notf")


def request_context():
    return context.RequestContext()
