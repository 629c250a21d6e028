"""``tb-histdiag report LOGDIR``: the tab's diagnosis in a terminal or a CI job.

Exit status: 0 when the report was made, 1 when ``--fail-on`` is given and a
marker of that severity or worse exists, 2 on a usage error or a logdir that
does not exist or holds no histograms.  The text comes from ``formatting.py``;
``--format json`` prints ``api.diagnose``'s result unchanged.
"""

import argparse
import json
import sys

from tb_histdiag_plugin import api, loading
from tb_histdiag_plugin.formatting import format_text
from tb_histdiag_plugin.settings import SETTINGS, SettingError, parse_settings


def _jobs(text):
    """``--jobs N``: a whole number >= 1 (argparse turns the error into exit status 2)."""
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError("must be a whole number >= 1, got %r" % text)
    return value


class _Parser(argparse.ArgumentParser):
    """Usage errors as one line on stderr and exit status 2 (the contract), without argparse's usage block."""

    def error(self, message):
        self.exit(2, "tb-histdiag: %s\n" % message)


def _parser():
    parser = _Parser(prog="tb-histdiag", description=__doc__.split("\n")[0])
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    report = sub.add_parser("report", help="diagnose the histogram summaries of a logdir")
    report.add_argument("logdir", help="a TensorBoard log directory")
    report.add_argument("--run", help="only this run")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--fail-on", choices=("warning", "critical"), dest="fail_on",
                        help="exit 1 when a marker of this severity or worse exists")
    report.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="override a health-rule setting (repeatable); names: "
                             + ", ".join(s.name for s in SETTINGS))
    report.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                        help="analyse N runs at a time (default: every core)")
    return parser


def _settings(pairs):
    out = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name:
            raise SettingError("--set takes NAME=VALUE, got %r" % pair)
        out[name.strip()] = value.strip()
    parse_settings(out)
    return out


def main(argv=None):
    parser = _parser()
    args = parser.parse_args(argv)
    loading.prefer_tensorflow_stub()
    try:
        settings = _settings(args.settings)
        result = api.diagnose(args.logdir, run=args.run, jobs=args.jobs, **settings)
    except (loading.LogdirError, SettingError) as e:
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
    if args.fail_on and result.markers(severity=args.fail_on):
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
