"""tb-histdiag: gradient-health diagnosis from TensorBoard histogram summaries.

Importing this package stays light (no TensorFlow, no torch): TensorBoard loads
the plugin module at start-up, and an import error there would stop it.
"""

__version__ = "0.2.0"


def diagnose(logdir, run=None, jobs=None, **settings):
    """Diagnose a logdir with ``jobs`` runs at a time; see ``tb_histdiag_plugin.api.diagnose``.

    ``api`` is imported here, not at the top, so that ``import tb_histdiag_plugin``
    (which TensorBoard does at start-up via the entry point) stays light.
    """
    from tb_histdiag_plugin import api

    return api.diagnose(logdir, run, jobs=jobs, **settings)
