"""tb-histdiag: gradient-health diagnosis from TensorBoard histogram summaries.

Importing this package stays light (no TensorFlow, no torch): TensorBoard loads
the plugin module at start-up, and an import error there would stop it.
"""

__version__ = "0.1.0"


def diagnose(logdir, run=None, **settings):
    """Diagnose a logdir; see ``tb_histdiag_plugin.api.diagnose``."""
    from tb_histdiag_plugin import api

    return api.diagnose(logdir, run, **settings)
