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

    def load(self, context):
        from tb_histdiag_plugin import plugin

        return plugin.HistDiagPlugin(context)
