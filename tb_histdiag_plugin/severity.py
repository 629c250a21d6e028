"""Severity order, colours and counts of markers: the one place that says them.

The tab, the CLI, the notebook and the rules all order and count markers the
same way.  This module imports nothing (no package module, no numpy), so every
other module may import it without risking an import cycle: ``result.py`` (the
result type, which re-exports these names), ``formatting.py`` and ``plots.py``
(which ``result.py`` itself imports), ``rules.py`` and ``diagnosis.py``.
The frontend mirrors these values in ``tb_histdiag_plugin_frontend/src/colors.js``.
"""

# Most severe first.
SEVERITIES = ("critical", "warning", "info")
# Higher is worse: rank("critical") > rank("warning") > rank("info").
SEVERITY_RANK = {"info": 0, "warning": 1, "critical": 2}
# One colour per severity, shared with the tab (colors.js).
SEVERITY_COLORS = {"critical": "#d32f2f", "warning": "#f57c00", "info": "#1976d2"}
# Where a marker's evidence was read from (the contract's ``evidence_from``).
EVIDENCE_SOURCES = ("gradients", "activations", "weights", "scalars")


def severity_sort_key(severity):
    """Sort key putting the most severe first."""
    return -SEVERITY_RANK[severity]


def at_least(severity, floor):
    """True when ``severity`` is ``floor`` or worse."""
    return SEVERITY_RANK[severity] >= SEVERITY_RANK[floor]


def counts(markers):
    """``{"critical": n, "warning": n, "info": n}`` of a marker list."""
    out = dict.fromkeys(SEVERITIES, 0)
    for m in markers:
        out[m["severity"]] += 1
    return out


def worst(markers):
    """The most severe marker (the first among equals), or None."""
    best = None
    for m in markers:
        if best is None or SEVERITY_RANK[m["severity"]] > SEVERITY_RANK[best["severity"]]:
            best = m
    return best


def worst_severity(markers):
    m = worst(markers)
    return m["severity"] if m else None
