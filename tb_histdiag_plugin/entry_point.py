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
        # One by default: on 2 cores a second thread made a 40-run sweep 20% slower under the
        # Python loader and no faster under the Rust one (GIL-bound reads; bench/README.md).
        parser.add_argument(
            "--histdiag_jobs", type=int, default=1, metavar="N",
            help="histdiag: runs analysed at a time in the background, on threads (default 1; 0: one per core)")

    def load(self, context):
        from tb_histdiag_plugin import plugin

        return plugin.HistDiagPlugin(context)
