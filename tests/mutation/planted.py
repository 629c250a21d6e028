"""Issue 19's gaps, each closed by a named test that fails on a bug planted for it (``make planted``).

mutmut plants every small change it can think of; these are the plausible bugs
the issue named, one per gap, each with the test that must catch it.  The
committed tree (``git archive HEAD``; ``--worktree`` takes the working tree) is
copied to ``build/mutation/planted/``; every named test must pass there as it
is, then each bug is planted alone (its ``old`` text must occur exactly once)
and its test must fail, not error.  Prints a table and writes
``tests/mutation/planted.md``.

    python tests/mutation/planted.py              # every bug
    python tests/mutation/planted.py steady       # the bugs whose id contains "steady"
"""

import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_python import export_tree  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TREE = os.path.join(ROOT, "build", "mutation", "planted")

ACT = "tb_histdiag_plugin/rules/activations.py"
GRAD = "tb_histdiag_plugin/rules/gradients.py"
WEI = "tb_histdiag_plugin/rules/weights.py"
INF = "tb_histdiag_plugin/rules/inferred.py"
STATS = "tb_histdiag_plugin/stats.py"

# (id, the gap, file, old text, planted text, test that must fail)
BUGS = [
    # -- the bugs the issue planted
    ("vanishing-edge", "a threshold edge moved from < to <=", GRAD,
     'relative = np.isfinite(ratio) & (ratio < settings["vanishing_ratio"])',
     'relative = np.isfinite(ratio) & (ratio <= settings["vanishing_ratio"])',
     "tests/test_edges_gradients.py::test_vanishing_ratio_edge_and_span"),
    ("vanishing-persistence", "a persistence check dropped", GRAD,
     'if found and (relative | absolute).sum() >= settings["persist_fraction"] * observed:',
     'if found:',
     "tests/test_edges_gradients.py::test_vanishing_must_persist_on_a_share_of_the_steps"),
    ("steady-loosened", "a steadiness share loosened by 10 %", WEI,
     'if ratio <= settings["shrink_ratio"] and share >= settings["steady_fraction"]:',
     'if ratio <= settings["shrink_ratio"] and share >= 0.9 * settings["steady_fraction"]:',
     "tests/test_edges_weights.py::test_steady_fraction_edge_for_shrink"),
    ("off-centre-abs", "the abs lost from the off-centre ratio", WEI,
     "ratio = np.abs(mean) / std",
     "ratio = mean / std",
     "tests/test_edges_weights.py::test_off_center_edges_for_either_sign"),
    ("sparse-rms", "the zero-share correction of gradient RMS removed", GRAD,
     "rms = np.where(np.isfinite(zero) & (zero < 1.0), rms / np.sqrt(np.maximum(1.0 - zero, 1e-12)), rms)",
     "rms = rms",
     "tests/test_edges_gradients.py::test_vanishing_compares_the_non_zero_part_of_sparse_gradients"),
    ("percentile-order-statistic", "percentile interpolation reading one order statistic twice", STATS,
     "above = np.minimum(below + 1.0, n_values - 1.0)",
     "above = below",
     "tests/test_stats_layouts.py::test_the_gap_median_is_interpolated_across_the_gap"),
    # -- settings and named constants with no test at their edge
    ("saturation-margin-piles", "saturation_margin unused at the piles", ACT,
     'low = np.where(st["min"] <= lower + margin, st["min_fraction"], 0.0)',
     'low = np.where(st["min"] <= lower, st["min_fraction"], 0.0)',
     "tests/test_edges_activations.py::test_saturation_margin_through_the_piles_at_the_extremes"),
    ("saturation-margin-percentiles", "the percentile bound of saturation unused", ACT,
     "low = np.maximum(low, np.where(q <= lower + margin, p / 100.0, 0.0))",
     "low = np.maximum(low, np.where(q <= lower, p / 100.0, 0.0))",
     "tests/test_edges_activations.py::test_saturation_margin_through_percentiles"),
    ("stagnant-change", "stagnant_change tried only at change = 0", WEI,
     'still_at = np.isfinite(change) & (change <= settings["stagnant_change"])',
     'still_at = np.isfinite(change) & (change <= 0.0)',
     "tests/test_edges_weights.py::test_stagnant_change_edge_in_the_absolute_reading"),
    ("early-steps", "early_steps with flat baselines only", GRAD,
     "base_idx = finite[:early]",
     "base_idx = finite[:1]",
     "tests/test_edges_gradients.py::test_exploding_factors_over_a_non_flat_early_baseline"),
    ("inferred-persistence", "the inferred rule's persistence never decided (constant paces)", INF,
     'if observed and group_slow.sum() >= settings["persist_fraction"] * observed:',
     "if observed and group_slow.any():",
     "tests/test_edges_inferred.py::test_inferred_vanishing_must_persist_step_by_step"),
    ("steady-growth", "steady_fraction never tried for growth", WEI,
     'if ratio >= settings["growth_ratio"] and share >= settings["steady_fraction"] and still_growing:',
     'if ratio >= settings["growth_ratio"] and share > settings["steady_fraction"] and still_growing:',
     "tests/test_edges_weights.py::test_steady_fraction_edge_for_growth"),
    ("relu-like-zeros", "RELU_LIKE_ZEROS only far from its edge", ACT,
     'if np.nanmax(s.stats["zero_fraction"]) >= RELU_LIKE_ZEROS:',
     'if np.nanmax(s.stats["zero_fraction"]) > RELU_LIKE_ZEROS:',
     "tests/test_edges_activations.py::test_relu_like_zeros_edge"),
    ("bound-tolerance", "BOUND_TOLERANCE only far from its edge", ACT,
     "BOUND_TOLERANCE = 1e-3",
     "BOUND_TOLERANCE = 1e-2",
     "tests/test_edges_activations.py::test_bound_tolerance_edges"),
    ("min-values", "MIN_VALUES only far from its edge", INF,
     'if np.nanmax(count) >= MIN_VALUES:',
     'if np.nanmax(count) > MIN_VALUES:',
     "tests/test_edges_inferred.py::test_min_values_edge_for_the_judged_layers"),
    ("zero-initialised", "ZERO_INITIALISED only far from its edge", INF,
     "ZERO_INITIALISED = 0.5",
     "ZERO_INITIALISED = 0.6",
     "tests/test_edges_inferred.py::test_zero_initialised_edge"),
    # -- fixtures off the thresholds
    ("fixture-on-threshold", "synthetic.vanishing()'s layer 3 back at 1/100 of layer 5", "tests/synthetic.py",
     "VANISHING_SCALES = (1.0, 1e-1, 1e-3, 1e-5, 10.0 ** -5.2, 10.0 ** -5.3)",
     "VANISHING_SCALES = (1.0, 1e-1, 10.0 ** -2.01, 1e-5, 10.0 ** -5.2, 10.0 ** -5.3)",
     "tests/test_margins.py::test_vanishing_fixture_is_far_from_the_vanishing_thresholds"),
    # -- statistics against numpy on every layout
    ("max-pile", "a pile at the maximum not read (max_fraction), on every layout", STATS,
     "may_pile = holds_zero | first | last",
     "may_pile = holds_zero | first",
     "tests/test_stats_layouts.py::test_piles_are_found_not_only_bounded"),
    ("rms-is-std", "rms taken as the std (the mean lost), on every layout", STATS,
     '"rms": np.sqrt(np.maximum(second, 0.0)),',
     '"rms": std,',
     "tests/test_stats_layouts.py::test_moments_and_extremes"),
    # -- golden logs with independent expectations
    ("golden-severity", "vanishing critical only when practically zero (a snapshot rewrite would hide it)", GRAD,
     'critical = absolute[idx].any() or smallest <= settings["vanishing_critical_ratio"]',
     "critical = absolute[idx].any()",
     "tests/golden/test_golden.py::test_markers_are_those_the_log_was_made_to_show"),
]


def pytest(tree, tests, python):
    """pytest's exit code: 0 passed, 1 some test failed, anything else an error."""
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="2", PYTHONPATH=tree, HISTDIAG_UPDATE_GOLDEN="")
    proc = subprocess.run([python, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-p", "no:xdist",
                           "-p", "no:randomly", *tests], cwd=tree, env=env, capture_output=True, text=True)
    return proc.returncode, proc.stdout[-2000:]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("only", nargs="*", help="ids (or parts of ids) of the bugs to plant")
    parser.add_argument("--worktree", action="store_true", help="the working tree, not HEAD")
    parser.add_argument("--python", default=sys.executable)
    args = parser.parse_args(argv)
    bugs = [b for b in BUGS if not args.only or any(o in b[0] for o in args.only)]
    export_tree(TREE, args.worktree, drop=())  # the golden tests and the layouts' tests take TensorFlow
    tests = sorted({b[5] for b in bugs})
    code, out = pytest(TREE, tests, args.python)
    if code != 0:
        print(out)
        print("planted: the named tests do not pass on the tree as it is")
        return 1
    rows, missed = [], 0
    for bug_id, gap, path, old, new, test in bugs:
        target = os.path.join(TREE, path)
        with open(target) as f:
            text = f.read()
        if text.count(old) != 1:
            print("planted: %s: its text occurs %d times in %s" % (bug_id, text.count(old), path))
            missed += 1
            continue
        start = time.time()
        with open(target, "w") as f:
            f.write(text.replace(old, new))
        try:
            code, out = pytest(TREE, [test], args.python)
        finally:
            with open(target, "w") as f:
                f.write(text)
        caught = code == 1
        missed += not caught
        verdict = "caught" if caught else ("NOT CAUGHT" if code == 0 else "error %d" % code)
        print("planted: %-28s %-10s by %s (%.0f s)" % (bug_id, verdict, test, time.time() - start), flush=True)
        if code not in (0, 1):
            print(out)
        rows.append("| %s | %s | `%s` → `%s` in `%s` | `%s` | %s |" % (
            bug_id, gap, old.strip().replace("|", "\\|"), new.strip().replace("|", "\\|"), path, test, verdict))
    if not args.only:
        text = ["# Planted bugs (tests/mutation/planted.py)", "",
                "Each gap issue 19 named, with a bug planted for it and the test that catches it. "
                "`make planted` plants them one at a time in a copy of the committed tree.", "",
                "| id | gap | planted | caught by | outcome |", "|---|---|---|---|---|"] + rows + [""]
        with open(os.path.join(HERE, "planted.md"), "w", encoding="utf-8") as f:
            f.write("\n".join(text))
    print("planted: %d of %d bugs caught" % (len(rows) - missed, len(bugs)))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
