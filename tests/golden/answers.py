"""Every route's answers and the CLI's output on the golden logdir, and their comparison.

``collect(logdir)`` asks the plugin (in a TensorBoard WSGI app, Python loader)
and the ``tb-histdiag report`` CLI a fixed list of questions and returns
``{question: answer}``; ``differences(expected, got)`` lists where two such
collections differ: exactly for strings, integers, booleans, nulls, keys and
lengths, within ``RTOL`` for floats.
"""

import contextlib
import io
import json
import math
import urllib.parse

import support

ROUTE = support.ROUTE
RTOL = 1e-9

# (run, {query parameters}) of the /diagnostics documents asked besides each run's default one
OVERRIDES = [
    ("tf2_vanishing", {"vanishing_ratio": "0.5"}),
    ("tf2_dead_units", {"dead_fraction": "0.99"}),
    ("tf2_healthy", {"vanishing_ratio": "0.9", "stagnant_ratio": "0.5"}),
]
WINDOWS = [
    ("long", 700, 820),
    ("tf2_exploding_nan", 3, 8),
    ("torch_healthy", 2, 2),
]
# (run, tag, step) of the /histogram answers
HISTOGRAMS = [
    ("tf2_healthy", "dense_0/kernel", 0),
    ("tf2_healthy", "dense_2/activations", 15),
    ("tf2_exploding_nan", "fc1.weight.grad", 11),
    ("torch_healthy", "fc1.weight", 5),
    ("torch_exploding", "fc3.weight.grad", 9),
    ("long", "dense/kernel/grad", 777),
    ("long", "dense/kernel", 1199),
]
# answers that are errors: their status and message are part of the contract too
ERRORS = [
    "diagnostics?run=no_such_run",
    "diagnostics?run=tf2_healthy&vanishing_ratio=2",
    "diagnostics?run=long&start_step=9&end_step=3",
    "histogram?run=tf2_healthy&tag=dense_0/kernel&step=99",
]


def _path(route, **params):
    return ROUTE + route + ("?" + urllib.parse.urlencode(params) if params else "")


def _runs_when_done(client, runs):
    def check():
        status, body = support.client_json(client, _path("runs"))
        rows = body.get("runs", [])
        return status == 200 and len(rows) == len(runs) and all(r["status"] == "done" for r in rows), body

    return support.wait_until(check, timeout=300, interval=0.2, what="every golden run analysed")


def route_answers(logdir, runs):
    """``{"GET path": [status, body]}`` of every question above (and each run's default document)."""
    client = support.in_process_client(logdir)
    paths = [_path("settings")]
    paths += [_path("diagnostics", run=run) for run in runs]
    paths += [_path("diagnostics", run=run, **params) for run, params in OVERRIDES]
    paths += [_path("diagnostics", run=run, start_step=a, end_step=b) for run, a, b in WINDOWS]
    paths += [_path("histogram", run=run, tag=tag, step=step) for run, tag, step in HISTOGRAMS]
    paths += [ROUTE + e for e in ERRORS]
    out = {_path("runs"): [200, _runs_when_done(client, runs)]}
    for path in paths:
        out[path] = list(support.client_json(client, path))
    return out


def cli_answers(logdir):
    """``tb-histdiag report LOGDIR`` as JSON (every run, nothing thinned) and as text, with one override."""
    from tb_histdiag_plugin import cli

    out = {}
    for args in (["--format", "json"], ["--format", "text"], ["--format", "json", "--run", "tf2_vanishing",
                                                             "--set", "vanishing_ratio=0.5"]):
        stdout = io.StringIO()
        with contextlib.redirect_stdout(stdout):
            status = cli.main(["report", logdir, "--jobs", "1", *args])
        text = stdout.getvalue()
        out["cli " + " ".join(args)] = [status, json.loads(text) if "json" in args else text]
    return out


def collect(logdir, runs):
    return {**route_answers(logdir, runs), **cli_answers(logdir)}


def differences(expected, got, path="", limit=20):
    """Where ``got`` differs from ``expected``: up to ``limit`` lines naming the path and both values."""
    out = []
    _diff(expected, got, path, out, limit)
    return out


def _is_float(x):
    return isinstance(x, float) or (isinstance(x, int) and not isinstance(x, bool))


def _diff(a, b, path, out, limit):
    if len(out) >= limit:
        return
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(set(a) | set(b)):
            if key not in b:
                out.append("%s/%s: missing today (was %s)" % (path, key, _short(a[key])))
            elif key not in a:
                out.append("%s/%s: new today (%s)" % (path, key, _short(b[key])))
            else:
                _diff(a[key], b[key], "%s/%s" % (path, key), out, limit)
    elif isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            out.append("%s: snapshot %d items, today %d" % (path, len(a), len(b)))
            return
        for i, (x, y) in enumerate(zip(a, b)):
            _diff(x, y, "%s[%d]" % (path, i), out, limit)
    elif (isinstance(a, float) or isinstance(b, float)) and _is_float(a) and _is_float(b):
        if not (math.isclose(a, b, rel_tol=RTOL, abs_tol=0.0) or (math.isnan(a) and math.isnan(b))):
            out.append("%s: snapshot %r, today %r" % (path, a, b))
    elif type(a) is not type(b) or a != b:
        out.append("%s: snapshot %s, today %s" % (path, _short(a), _short(b)))


def dump(collection, path):
    """Write a collection as JSON, one question a line, floats to 12 significant digits (well inside ``RTOL``)."""
    lines = ["%s: %s" % (json.dumps(key), json.dumps(_round(value), sort_keys=True, separators=(",", ":")))
             for key, value in sorted(collection.items())]
    with open(path, "w") as f:
        f.write("{\n" + ",\n".join(lines) + "\n}\n")


def load(path):
    with open(path) as f:
        return json.load(f)


def _round(x):
    if isinstance(x, float):
        return float("%.12g" % x) if math.isfinite(x) else x
    if isinstance(x, dict):
        return {k: _round(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_round(v) for v in x]
    return x


def _short(x, limit=200):
    text = json.dumps(x)
    return text if len(text) <= limit else text[:limit] + "..."
