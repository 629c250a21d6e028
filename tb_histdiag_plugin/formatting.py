"""A diagnosis as text (``tb-histdiag report``) and as an HTML markers table (Jupyter).

Both take ``{"runs": {RUN: <diagnostics document>}}`` (a ``result.Diagnosis``
or the plain dict).  Run, layer and tag names and evidence come from the logs,
so they are escaped: control characters in the text report (a tag name cannot
break lines or send terminal escapes), HTML markup in the table.
"""

import html
import re

from tb_histdiag_plugin.layers import NO_DEPTH
from tb_histdiag_plugin.plots import run_colors
from tb_histdiag_plugin.severity import SEVERITY_COLORS, SEVERITY_RANK, counts

_ICON = {"critical": "CRITICAL", "warning": "WARNING ", "info": "info    "}
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def inferred_from(marker):
    """The source a gradient marker was inferred from (``"weights"``), or None
    when it was read from gradients (or says nothing; older documents)."""
    source = marker.get("evidence_from")
    if marker["kind"].endswith("_gradient") and source not in (None, "gradients"):
        return source
    return None


def _plain(value):
    """Text with control characters shown as escapes (``\\n``, ``\\x1b``)."""
    return _CONTROL.sub(lambda m: repr(m.group())[1:-1], "%s" % value)


def _kind_text(m):
    source = inferred_from(m)
    return m["kind"] + (" [from %s]" % source if source else "")


def _summary(doc):
    c = counts(doc["markers"])
    return "%d layers, %d tags — %d critical, %d warning, %d info" % (
        len(doc["layers"]), len(doc["series"]), c["critical"], c["warning"], c["info"])


def format_text(result):
    """The text report: per run, the layers in depth order, each with its markers."""
    lines = []
    for run, doc in result["runs"].items():
        if doc.get("headline"):
            lines.append("run %s: %s" % (_plain(run), _plain(doc["headline"])))
            lines.append("  %s" % _summary(doc))
        else:
            lines.append("run %s: %s" % (_plain(run), _summary(doc)))
        by_layer = {}
        for m in doc["markers"]:
            by_layer.setdefault(m["layer"], []).append(m)
        for layer in doc["layers"]:
            roles = ", ".join(role for role, tag in layer["tags"].items() if tag)
            lines.append("  %2d %s  [%s]" % (layer["depth"], _plain(layer["name"]), roles))
            for m in by_layer.get(layer["name"], []):
                lines.append("       %s %s (steps %d–%d): %s" % (_ICON[m["severity"]], _kind_text(m),
                                                              m["first_step"], m["last_step"], _plain(m["evidence"])))
        if doc.get("ungrouped"):
            lines.append("  ungrouped: %s" % ", ".join(_plain(tag) for tag in doc["ungrouped"]))
        for m in by_layer.get(None, []):
            where = "the run (%s)" % _plain(m["tag"]) if m.get("evidence_from") == "scalars" else "(tag %s)" % _plain(
                m["tag"])
            lines.append("     %s %s %s (steps %d–%d): %s" % (
                where, _ICON[m["severity"]], _kind_text(m), m["first_step"], m["last_step"], _plain(m["evidence"])))
        if not doc["markers"]:
            lines.append("  no markers: the histograms show no sign of trouble")
        lines.append("")
    return "\n".join(lines) + "\n"


_CSS = (
    "<style>.histdiag-t{border-collapse:collapse;font-size:12px;margin:4px 0 12px}"
    ".histdiag-t th,.histdiag-t td{border-bottom:1px solid #ddd;padding:2px 8px;text-align:left;"
    "vertical-align:top}.histdiag-sev{font-weight:600;color:#fff;border-radius:3px;padding:0 5px}</style>"
)


def _e(value):
    return html.escape("" if value is None else str(value), quote=True)


def markers_html(result):
    """An HTML markers table per run, worst first (every name and sentence escaped)."""
    colors = run_colors(result["runs"])
    out = [_CSS]
    for name, doc in result["runs"].items():
        out.append('<h4 style="margin:8px 0 2px"><span style="color:%s">&#9632;</span> run %s '
                   '<small style="font-weight:normal">%s</small></h4>' % (colors[name], _e(name), _e(_summary(doc))))
        if doc.get("headline"):
            out.append('<p style="margin:2px 0 4px">%s</p>' % _e(doc["headline"]))
        if doc.get("ungrouped"):
            out.append("<p>ungrouped: %s</p>" % ", ".join("<code>%s</code>" % _e(t) for t in doc["ungrouped"]))
        if not doc["markers"]:
            out.append("<p>No markers: the histograms show no sign of trouble.</p>")
            continue
        depth = {layer["name"]: layer["depth"] for layer in doc["layers"]}
        ordered = sorted(doc["markers"], key=lambda m: (-SEVERITY_RANK[m["severity"]],
                                                        depth.get(m["layer"], NO_DEPTH), m["kind"], m["tag"]))
        out.append('<table class="histdiag-t"><thead><tr><th>severity</th><th>kind</th><th>layer</th><th>tag</th>'
                   "<th>steps</th><th>evidence</th></tr></thead><tbody>")
        for m in ordered:
            out.append('<tr><td><span class="histdiag-sev" style="background:%s">%s</span></td><td>%s</td>'
                       "<td>%s</td><td><code>%s</code></td><td>%s–%s</td><td>%s</td></tr>"
                       % (SEVERITY_COLORS[m["severity"]], _e(m["severity"]), _e(_kind_text(m)),
                          _e(m["layer"] if m["layer"] is not None else "—"), _e(m["tag"]), _e(m["first_step"]),
                          _e(m["last_step"]), _e(m["evidence"])))
        out.append("</tbody></table>")
    return "".join(out)
