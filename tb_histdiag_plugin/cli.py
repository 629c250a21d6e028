"""``tb-histdiag report LOGDIR``: the tab's diagnosis in a terminal or a CI job.

Exit status: 0 when the report was made, 1 when ``--fail-on`` is given and a
marker of that severity or worse exists, 2 on a usage error or a logdir that
does not exist, cannot be read or holds no histograms, an unreachable
``--scheduler``, or when no run could be analysed (a run that fails is named
on stderr and the others are reported).  The text comes from
``formatting.py``; ``--format json`` prints ``api.diagnose``'s result as
``json.dumps`` would (``api.diagnose_json``).  Progress goes to stderr as
runs finish: a bar on a terminal, plain lines otherwise.
"""

import argparse
import json
import sys
import time

from tb_histdiag_plugin import api, loading
from tb_histdiag_plugin.formatting import format_text
from tb_histdiag_plugin.result import Diagnosis
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
    report.add_argument("logdir", help="a TensorBoard log directory, or an s3:// or gs:// URL")
    report.add_argument("--run", help="only this run")
    report.add_argument("--format", choices=("text", "json"), default="text")
    report.add_argument("--fail-on", choices=("warning", "critical"), dest="fail_on",
                        help="exit 1 when a marker of this severity or worse exists")
    report.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="settings",
                        help="override a health-rule setting (repeatable); names: "
                             + ", ".join(s.name for s in SETTINGS))
    report.add_argument("--jobs", type=_jobs, default=None, metavar="N",
                        help="analyse N runs at a time (default: every core)")
    report.add_argument("--scheduler", metavar="ADDRESS",
                        help="analyse the runs on this Dask distributed scheduler (e.g. tcp://host:8786; "
                             "needs the extra tb-histdiag[dask]); its workers read LOGDIR themselves")
    return parser


class _Progress:
    """Runs analysed so far, on stderr: a bar redrawn in place on a terminal, else a line
    at most every ``interval`` seconds (and the last one); failed runs always get their own line."""

    def __init__(self, stream, interval=1.0):
        self.stream = stream
        self.tty = bool(getattr(stream, "isatty", lambda: False)())
        self.interval = interval
        self._last = None
        self._drawn = False

    def __call__(self, run, done, total, error):
        if error is not None:
            self._clear()
            self.stream.write("tb-histdiag: run %r failed: %s\n" % (run, error))
        now = time.monotonic()
        if self.tty:
            width = 30
            filled = width * done // max(total, 1)
            self.stream.write("\r[%s%s] %d/%d runs done" % ("#" * filled, "." * (width - filled), done, total))
            self._drawn = True
            if done == total:
                self._clear(keep=True)
        elif done == total or self._last is None or now - self._last >= self.interval:
            self.stream.write("tb-histdiag: %d/%d runs done\n" % (done, total))
            self._last = now
        self.stream.flush()

    def _clear(self, keep=False):
        if self.tty and self._drawn:
            self.stream.write("\n" if keep else "\r\033[K")
            self._drawn = False


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
    if args.jobs is not None and args.scheduler:
        parser.error("--jobs and --scheduler exclude each other (the cluster's workers set the parallelism)")
    loading.prefer_tensorflow_stub()
    client = None
    try:
        settings = _settings(args.settings)
        if args.scheduler:
            from tb_histdiag_plugin import cluster

            client = cluster.connect(args.scheduler)
        # JSON: the workers' document texts as they are (``api.diagnose_json``), parsed only for --fail-on.
        produce = api.diagnose_json if args.format == "json" else api.diagnose
        result = produce(args.logdir, run=args.run, jobs=args.jobs, client=client,
                         progress=_Progress(sys.stderr), **settings)
    except (loading.LogdirError, SettingError, ConnectionError) as e:  # cluster.SchedulerError is a ConnectionError
        print("tb-histdiag: %s" % e, file=sys.stderr)
        return 2
    except KeyError as e:
        print("tb-histdiag: %s" % e.args[0], file=sys.stderr)
        return 2
    except KeyboardInterrupt:  # the workers' tasks were cancelled on the way out
        print("\ntb-histdiag: interrupted", file=sys.stderr)
        return 130
    finally:
        if client is not None:
            client.close()
    if args.format == "json":
        sys.stdout.write(result + "\n")
        if args.fail_on:
            result = Diagnosis(json.loads(result))
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
