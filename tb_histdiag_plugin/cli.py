"""``tb-histdiag report LOGDIR``: the tab's diagnosis in a terminal or a CI job.

Exit status: 0 when the report was made, 1 when ``--fail-on`` is given and a
marker of that severity or worse exists, 2 on a usage error or a logdir that
does not exist or holds no histograms.
"""

import argparse
import json
import sys

from tb_histdiag_plugin import api, loading, rules

_RANK = {"info": 0, "warning": 1, "critical": 2}
_ICON = {"critical": "CRITICAL", "warning": "WARNING ", "info": "info    "}


def _parser():
    parser = argparse.ArgumentParser(prog="tb-histdiag", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="diagnose the histogram summaries of a logdir")
    report.add_argument("logdir", help="a TensorBoard log directory")
    report.add_argument("--run", help="only this run")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--fail-on", choices=("warning", "critical"), dest="fail_on",
                        help="exit 1 when a marker of this severity or worse exists")
    report.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="override a health-rule setting (repeatable); names: "
                             + ", ".join(s.name for s in rules.SETTINGS))
    return parser


def _settings(pairs):
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise rules.SettingError("--set takes NAME=VALUE, got %r" % pair)
        out[name.strip()] = value.strip()
    rules.parse_settings(out)
    return out


def format_text(result):
    lines = []
    for run, doc in result["runs"].items():
        markers = doc["markers"]
        counts = {sev: sum(m["severity"] == sev for m in markers) for sev in ("critical", "warning", "info")}
        lines.append("run %s: %d layers, %d tags — %d critical, %d warning, %d info"
                     % (run, len(doc["layers"]), len(doc["series"]), counts["critical"], counts["warning"],
                        counts["info"]))
        by_layer = {}
        for m in markers:
            by_layer.setdefault(m["layer"], []).append(m)
        for layer in doc["layers"]:
            roles = ", ".join(role for role, tag in layer["tags"].items() if tag)
            lines.append("  %2d %s  [%s]" % (layer["depth"], layer["name"], roles))
            for m in by_layer.get(layer["name"], []):
                lines.append("       %s %s (steps %d–%d): %s" % (_ICON[m["severity"]], m["kind"], m["first_step"],
                                                              m["last_step"], m["evidence"]))
        for m in by_layer.get(None, []):
            lines.append("     (tag %s) %s %s (steps %d–%d): %s" % (m["tag"], _ICON[m["severity"]], m["kind"],
                                                                   m["first_step"], m["last_step"], m["evidence"]))
        if not markers:
            lines.append("  no markers: the histograms show no sign of trouble")
        lines.append("")
    return "\n".join(lines) + "\n"


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    loading.prefer_tensorflow_stub()
    try:
        settings = _settings(args.settings)
        result = api.diagnose(args.logdir, run=args.run, **settings)
    except (loading.LogdirError, rules.SettingError) as e:
        print("tb-histdiag: %s" % e, file=sys.stderr)
        return 2
    except KeyError as e:
        print("tb-histdiag: %s" % e.args[0], file=sys.stderr)
        return 2
    if args.format == "json":
        json.dump(result, sys.stdout, separators=(",", ":"))
        sys.stdout.write("\n")
    else:
        sys.stdout.write(format_text(result))
    if args.fail_on:
        worst = max((_RANK[m["severity"]] for doc in result["runs"].values() for m in doc["markers"]), default=-1)
        if worst >= _RANK[args.fail_on]:
            return 1
    return 0


def console_main():
    try:
        return main()
    except BrokenPipeError:  # `tb-histdiag report ... | head`
        sys.stderr.close()
        return 0


if __name__ == "__main__":
    sys.exit(console_main())
