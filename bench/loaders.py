"""The benchmark's logdir loaded the ways TensorBoard loads it, and the processes' memory.

Real ``tensorboard`` processes (``--load_fast=false|true``, ``--reload_interval 0``,
every sample kept) on top of ``tests/support.py``'s ``TensorBoardServer``, and the
same logdir loaded in this process through the Python multiplexer or the Rust data
server, so the in-process figures are taken over exactly what the servers hold.
``bench/run_bench.py`` puts ``bench/`` and ``tests/`` on ``sys.path``.
"""

import os
import time

import logdir as bench_logdir  # (sets TensorBoard's TF stub first)
import support  # the tests' helpers: free ports, JSON fetches, TensorBoard servers

from tb_histdiag_plugin import reading

from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_provider as tb_data_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer

get_json = support.get_json


def rss_mb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        return None
    return None


def children(pid):
    out = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open("/proc/%s/stat" % entry) as f:
                    fields = f.read().rsplit(")", 1)[1].split()
                if int(fields[1]) == pid:
                    out.append(int(entry))
            except (OSError, IndexError, ValueError):
                continue
    return out


class Server(support.TensorBoardServer):
    """A real ``tensorboard`` process on loopback that loads once (``--reload_interval 0``)."""

    def __init__(self, logdir, loader, workdir):
        self.loader = loader
        super().__init__(logdir, load_fast=loader == "rust", reload_interval=0,
                         log_path=os.path.join(workdir, "tensorboard-%s.log" % loader))
        self.load_seconds = None

    @property
    def pid(self):
        return self.process.pid

    def data_server_pids(self):
        return [p for p in children(self.pid)] if self.loader == "rust" else []

    def loaded(self, expected):
        """Every run's file read to its end (its closing scalar is served)."""
        self.check_alive()
        try:
            tags = get_json(self.url + "/data/plugin/scalars/tags", timeout=30)
        except (OSError, RuntimeError, ValueError):
            return False
        done = all(bench_logdir.DONE_TAG in tags.get(run, {}) for run in expected)
        if done and self.load_seconds is None:
            self.load_seconds = time.perf_counter() - self.started
        return done


def python_provider(logdir):
    """As ``tensorboard --load_fast=false --samples_per_plugin histograms=0`` loads it."""
    multiplexer = plugin_event_multiplexer.EventMultiplexer(
        tensor_size_guidance={reading.HISTOGRAM_PLUGIN: 0}, max_reload_threads=1)
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    return tb_data_provider.MultiplexerDataProvider(multiplexer, logdir)


def rust_ingester(logdir):
    """As ``tensorboard --load_fast=true --samples_per_plugin histograms=0`` loads it."""
    from tensorboard.data import server_ingester
    from tensorboard.util import grpc_util

    ingester = server_ingester.SubprocessServerDataIngester(
        server_binary=server_ingester.get_server_binary(), logdir=logdir, reload_interval=0,
        channel_creds_type=grpc_util.ChannelCredsType.LOCAL, samples_per_plugin={reading.HISTOGRAM_PLUGIN: 0})
    ingester.start()
    return ingester


def provider_loaded(data_provider, expected):
    ctx = tb_context.RequestContext()
    listing = data_provider.list_scalars(ctx, experiment_id="", plugin_name="scalars")
    return all(bench_logdir.DONE_TAG in listing.get(run, {}) for run in expected)

