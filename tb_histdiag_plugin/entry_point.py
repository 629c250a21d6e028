"""The entry point TensorBoard loads: as light as a module can be.

TensorBoard imports every ``tensorboard_plugins`` entry point at start-up and
does not guard that import, so an error there would stop TensorBoard itself.
This module imports only TensorBoard's plugin base; the plugin proper is
imported inside ``load``, which TensorBoard does guard ("Failed to load plugin
...; ignoring it"), so a broken install costs the tab, never TensorBoard.
"""

from tensorboard.plugins import base_plugin


class HistDiagLoader(base_plugin.TBLoader):
    plugin_name = "histdiag"

    def define_flags(self, parser):
        # Defaults repeated here (not imported) to keep this module light.
        parser.add_argument(
            "--histdiag_cache_mb", type=int, default=1024, metavar="MB",
            help="histdiag: memory budget of the analyses cache in MB (least recently used runs are "
                 "dropped beyond it; default 1024)")
        parser.add_argument(
            "--histdiag_jobs", type=int, default=0, metavar="N",
            help="histdiag: runs analysed at a time in the background (default 0: one per core)")
        # Threads read through the data provider; with more than one job each run's statistics
        # are computed in a worker process (the GIL would serialise them; bench/README.md).
        parser.add_argument(
            "--histdiag_processes", type=int, choices=(0, 1), default=1, metavar="0|1",
            help="histdiag: with more than one job, compute background analyses in worker processes "
                 "(1, default) or on the reading threads (0)")

    def load(self, context):
        from tb_histdiag_plugin import plugin

        return plugin.HistDiagPlugin(context)
