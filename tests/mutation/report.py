"""The dated mutation report from the latest measurements (``make mutation``).

Reads ``tests/mutation/results/*.json`` (one per Python module, written by
``run_python.py``) and StrykerJS's JSON report of the frontend
(``build/mutation/js/mutation.json``, folded into ``results/frontend.json``),
and writes ``tests/mutation/report-<date>.md``: the kill rate per module and
every surviving mutant with its reason, taken from ``survivors/<module>.txt``
(``<mutant key> TAB <reason>``; a reason starting with ``equivalent`` takes the
mutant out of the rate's denominator).  Prints the kill rates.
"""

import datetime
import glob
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
RESULTS = os.path.join(HERE, "results")
STRYKER_DIR = os.path.join(ROOT, "build", "mutation", "js", "modules")

KILLED = ("killed", "timeout", "caught by type check", "segfault", "Killed", "Timeout", "CompileError", "RuntimeError")
NOT_COUNTED = ("Ignored", "skipped")


def target(module):
    """The kill rate asked of a module: 90 % in the rules and the statistics, 80 % elsewhere."""
    return 90 if ("/rules/" in module or module.endswith("stats.py")) else 80


def fold_stryker(directory=STRYKER_DIR):
    """StrykerJS's reports (one per module), reduced to what the report needs, kept beside the Python results.

    A module measured before and not now keeps its earlier entry.
    """
    reports = sorted(glob.glob(os.path.join(directory, "*.json")))
    if not reports:
        return
    path = os.path.join(RESULTS, "frontend.json")
    out = {"files": {}}
    if os.path.exists(path):
        with open(path) as f:
            out = json.load(f)
    for report in reports:
        source = report[:-len(".json")] + ".source"
        source = open(source).read().strip() if os.path.exists(source) else "?"
        with open(report) as f:
            data = json.load(f)
        date = datetime.datetime.fromtimestamp(os.path.getmtime(report), datetime.timezone.utc).strftime(
            "%Y-%m-%d %H:%M UTC")
        for name, entry in sorted(data["files"].items()):
            lines = entry["source"].split("\n")
            mutants = {}
            for m in entry["mutants"]:
                start = m["location"]["start"]
                key = "%s:%d:%d:%s" % (name, start["line"], start["column"], m["mutatorName"])
                while key in mutants:
                    key += "+"
                item = {"status": m["status"]}
                if m["status"] not in KILLED:
                    item["diff"] = ["-" + lines[start["line"] - 1].strip(),
                                    "+ " + (m.get("replacement") or "").replace("\n", " ")[:160]]
                mutants[key] = item
            out["files"]["tb_histdiag_plugin_frontend/" + name] = {"date": date, "source": source,
                                                                    "mutants": mutants}
    os.makedirs(RESULTS, exist_ok=True)
    with open(path, "w") as f:
        json.dump(out, f, indent=1, sort_keys=True)
        f.write("\n")


def read_reasons():
    """Every ``survivors/*.txt`` (one file per module, named like its results file): key TAB reason."""
    reasons = {}
    for path in sorted(glob.glob(os.path.join(HERE, "survivors", "*.txt"))):
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip() and not line.startswith("#"):
                    key, _, reason = line.rstrip("\n").partition("\t")
                    reasons[key.strip()] = reason.strip()
    return reasons


def modules():
    """``(module, date, source, seconds, mutants)`` for every measured module."""
    out = []
    for path in sorted(glob.glob(os.path.join(RESULTS, "*.json"))):
        with open(path) as f:
            data = json.load(f)
        if "files" in data:
            for name, entry in sorted(data["files"].items()):
                out.append((name, entry["date"], entry["source"], None, entry["mutants"]))
        else:
            out.append((data["module"], data["date"], data["source"], data.get("seconds"), data["mutants"]))
    return out


def expected_modules():
    """Every module ``make mutation`` mutates: run_python.py's and stryker.config.json's lists."""
    sys.path.insert(0, HERE)
    import run_python
    out = run_python.modules_to_run([], ROOT)
    with open(os.path.join(HERE, "stryker.config.json")) as f:
        out += ["tb_histdiag_plugin_frontend/" + m for m in json.load(f)["mutate"]]
    return out


def summarise(mutants, reasons):
    counted = {k: m for k, m in mutants.items() if m["status"] not in NOT_COUNTED}
    killed = sum(1 for m in counted.values() if m["status"] in KILLED)
    survivors = {k: m for k, m in counted.items() if m["status"] not in KILLED}
    equivalent = sum(1 for k in survivors if reasons.get(k, "").lower().startswith("equivalent"))
    base = len(counted) - equivalent
    rate = 100.0 * killed / base if base else 100.0
    return len(counted), killed, equivalent, rate, survivors


def main():
    fold_stryker()
    reasons = read_reasons()
    today = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d")
    rows, details = [], []
    for module, date, source, seconds, mutants in modules():
        total, killed, equivalent, rate, survivors = summarise(mutants, reasons)
        ok = "yes" if rate >= target(module) else "**no**"
        rows.append("| `%s` | %d | %d | %d | %d | %.1f %% | %d %% | %s | %s (%s%s) |" % (
            module, total, killed, len(survivors) - equivalent, equivalent, rate, target(module), ok, date, source,
            ", %d s" % seconds if seconds else ""))
        print("mutation: %-50s %5.1f %% of %d non-equivalent mutants killed (target %d %%)"
              % (module, rate, total - equivalent, target(module)))
        if survivors:
            details.append("\n### `%s`\n" % module)
            for key, m in sorted(survivors.items()):
                diff = " / ".join("`%s`" % line.strip().replace("`", "'")[:140] for line in m.get("diff", []))
                why = reasons.get(key, "no reason given yet")
                details.append("- `%s` (%s): %s — %s" % (key, m["status"], diff, why))
    details.append("\n## Tests run against the mutants\n")
    details.append("- StrykerJS (frontend modules): every `tb_histdiag_plugin_frontend/test/*.test.js` file that "
                   "reaches the mutant (the tap runner's per-file coverage).")
    for path in sorted(glob.glob(os.path.join(RESULTS, "*.json"))):
        with open(path) as f:
            data = json.load(f)
        if "tests" in data:
            details.append("- `%s`: %s" % (data["module"], ", ".join("`%s`" % t for t in data["tests"])))
    measured = {m[0] for m in modules()}
    missing = [m for m in expected_modules() if m not in measured]
    if missing:
        details.append("\n## Not measured yet\n")
        details.append("`make mutation` covers these too; no run of them is recorded in tests/mutation/results/: "
                       + ", ".join("`%s`" % m for m in missing) + ".")
    text = ["# Mutation testing report, %s" % today, "",
            "Made by `make mutation` (tests/mutation/, README \"Mutation testing\"). Kill rate = killed "
            "(or timed out) / (mutants − equivalent ones); a survivor is either equivalent (it cannot change "
            "behaviour; the reason says why) or names the test added for it, or is left open.", "",
            "| module | mutants | killed | survived | equivalent | kill rate | target | met | measured |",
            "|---|---|---|---|---|---|---|---|---|"] + rows + ["", "## Surviving mutants"] + details + [""]
    path = os.path.join(HERE, "report-%s.md" % today)
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(text))
    print("mutation: report written to %s" % os.path.relpath(path, ROOT))
    return 0


if __name__ == "__main__":
    sys.exit(main())
