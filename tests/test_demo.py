"""The demo generator: every pathology is really in the numbers it logs.

The quick demo is written once per module; each run's pathology is measured on
the histograms as TensorBoard's loader reads them back (count, edges and
bucket counts, nothing else), and then the whole diagnosis must raise each
run's expected marker kinds and nothing serious on the healthy runs.
"""

import json
import os
import time

import numpy as np
import pytest

from readback import read_histograms
from tb_histdiag_plugin import demo

pytestmark = pytest.mark.slow


# ------------------------------------------------- statistics from the stored buckets

def series(run, tag, stat):
    """``stat(buckets)`` at every logged step of ``tag``, in step order."""
    steps = run[tag]
    return np.array([stat(steps[s]) for s in sorted(steps)])


def finite(b):
    return bool(np.isfinite(b[:, :2]).all())


def rms(b):
    """Root mean square, each bucket's mass at its midpoint."""
    mid = (b[:, 0] + b[:, 1]) / 2
    return float(np.sqrt((b[:, 2] * mid ** 2).sum() / b[:, 2].sum()))


def l2(b):
    mid = (b[:, 0] + b[:, 1]) / 2
    return float(np.sqrt((b[:, 2] * mid ** 2).sum()))


def all_zero(b):
    return bool((b[:, :2] == 0).all())


def share_above_zero(b):
    """Lower bound of the share of positive values: buckets lying wholly above zero."""
    return float(b[b[:, 0] > 0, 2].sum() / b[:, 2].sum())


def share_near_bounds(b, margin):
    """Lower bound of the share of values within ``margin`` of -1 or +1: buckets wholly inside."""
    inside = (b[:, 0] >= 1 - margin) | (b[:, 1] <= -1 + margin)
    return float(b[inside, 2].sum() / b[:, 2].sum())


# ------------------------------------------------- fixture

@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("demo"))
    start = time.time()
    names = demo.write_demo_logs(logdir, quick=True)
    elapsed = time.time() - start
    runs = {name: read_histograms(os.path.join(logdir, name)) for name in names}
    return logdir, runs, elapsed


def test_every_run_is_written_and_marked_done(quick_demo):
    logdir, runs, elapsed = quick_demo
    assert list(runs) == list(demo.RUNS)
    assert elapsed < 120, "the quick demo took %.0f s" % elapsed
    for name, tags in runs.items():
        assert tags, name
        with open(os.path.join(logdir, name, demo.DONE)) as f:
            done = json.load(f)
        assert done["run"] == name and done["quick"] is True
        steps = {len(s) for s in tags.values()}
        assert min(steps) >= 15, (name, steps)  # enough logged steps to show a trend
        assert set(demo.RUNS[name]) >= {"expect", "description", "framework"}


def test_finished_runs_are_skipped(quick_demo):
    logdir, _, _ = quick_demo
    before = {name: os.path.getmtime(os.path.join(logdir, name, demo.DONE)) for name in demo.RUNS}
    start = time.time()
    demo.write_demo_logs(logdir, quick=True)
    assert time.time() - start < 5
    after = {name: os.path.getmtime(os.path.join(logdir, name, demo.DONE)) for name in demo.RUNS}
    assert after == before


def test_unfinished_runs_are_rewritten(tmp_path):
    run_dir = tmp_path / "weight_growth"
    run_dir.mkdir()
    (run_dir / "events.out.tfevents.stale").write_bytes(b"half a file")
    assert demo.write_demo_logs(str(tmp_path), quick=True, runs=["weight_growth"]) == ["weight_growth"]
    assert not (run_dir / "events.out.tfevents.stale").exists()
    assert (run_dir / demo.DONE).exists()
    with pytest.raises(ValueError):
        demo.write_demo_logs(str(tmp_path), runs=["no_such_run"])


def test_cli_rejects_unknown_runs(capsys):
    with pytest.raises(SystemExit) as exc:
        demo.main(["--logdir", "unused", "--runs", "nope"])
    assert exc.value.code == 2


# ------------------------------------------------- the pathologies, in the logged numbers

@pytest.mark.parametrize("name", ["healthy", "healthy_torch", "no_weight_decay"])
def test_healthy_runs_are_finite_and_balanced(quick_demo, name):
    _, runs, _ = quick_demo
    run = runs[name]
    for tag, steps in run.items():
        assert all(finite(b) for b in steps.values()), tag
    grads = [t for t in run if t.endswith(("kernel/grad", "weight.grad"))]
    assert len(grads) >= 3
    per_layer = np.array([series(run, t, rms) for t in grads])
    # Every layer's gradient within two orders of magnitude of every other's, at every step.
    assert (per_layer.min(axis=0) / per_layer.max(axis=0)).min() > 1e-2
    for tag in run:
        if tag.startswith("activations/act") or (tag.endswith("/activations") and tag != "dense_2/activations"):
            assert series(run, tag, share_above_zero).min() > 0.2, tag  # ReLU units alive


def test_vanishing_sigmoid_first_layers_get_tiny_gradients(quick_demo):
    _, runs, _ = quick_demo
    run = runs["vanishing_sigmoid"]
    first = series(run, "dense/kernel/grad", rms)
    last = series(run, "dense_10/kernel/grad", rms)
    assert (first / last).max() < 1e-2  # two orders of magnitude at least, at every step
    # ... and falling layer by layer towards the input.
    depth = [series(run, "dense%s/kernel/grad" % ("" if i == 0 else "_%d" % i), rms).mean() for i in range(11)]
    assert all(a < b for a, b in zip(depth, depth[1:]))


def test_exploding_lr_gradients_grow_then_go_non_finite(quick_demo):
    _, runs, _ = quick_demo
    run = runs["exploding_lr"]
    for tag in ("dense/kernel/grad", "dense_1/kernel/grad", "dense_2/kernel/grad"):
        ok = series(run, tag, finite)
        norms = series(run, tag, l2)
        first_bad = int(np.argmin(ok))
        assert not ok[first_bad] and not ok[-1], tag  # diverged, and stays so
        assert ok[:first_bad].all()
        assert norms[:first_bad].max() >= 10 * norms[0], tag
    assert not series(run, "dense/kernel", finite)[-1]


def test_dead_relu_layer_is_silent_and_still(quick_demo):
    _, runs, _ = quick_demo
    run = runs["dead_relu"]
    assert series(run, "activations/act2", all_zero).all()
    assert series(run, "activations/act1", share_above_zero).min() > 0.2  # the other ReLU layer lives
    assert series(run, "fc2.weight.grad", all_zero).all()
    fc2 = [run["fc2.weight"][s] for s in sorted(run["fc2.weight"])]
    assert all(np.array_equal(fc2[0], b) for b in fc2)
    fc1 = [run["fc1.weight"][s] for s in sorted(run["fc1.weight"])]
    assert not np.array_equal(fc1[0], fc1[-1])


def test_frozen_layer_weights_are_bit_identical(quick_demo):
    _, runs, _ = quick_demo
    run = runs["frozen_layer"]
    frozen = [run["dense_1/kernel"][s] for s in sorted(run["dense_1/kernel"])]
    assert all(np.array_equal(frozen[0], b) for b in frozen)
    assert "dense_1/kernel/grad" not in run  # not trainable: no gradient
    for tag in ("dense/kernel", "dense_2/kernel", "dense_3/kernel"):
        steps = [run[tag][s] for s in sorted(run[tag])]
        assert sum(not np.array_equal(a, b) for a, b in zip(steps, steps[1:])) == len(steps) - 1, tag


def test_weight_decay_shrinks_norms_and_the_control_does_not(quick_demo):
    _, runs, _ = quick_demo
    for tag in ("fc1.weight", "fc2.weight", "fc3.weight"):
        decayed = series(runs["weight_decay"], tag, l2)
        assert (np.diff(decayed) < 0).all(), tag
        assert decayed[-1] <= 0.5 * decayed[0], tag
        control = series(runs["no_weight_decay"], tag, l2)
        assert 0.8 * control[0] <= control[-1] <= 1.5 * control[0], tag


def test_weight_growth_norm_keeps_growing(quick_demo):
    _, runs, _ = quick_demo
    norms = series(runs["weight_growth"], "linear.weight", l2)
    assert norms[-1] >= 5 * norms[0]
    assert (np.diff(norms) > 0).all()


def test_tanh_saturation_hidden_activations_sit_at_the_bounds(quick_demo):
    _, runs, _ = quick_demo
    run = runs["tanh_saturation"]
    for tag in ("dense/activations", "dense_1/activations"):
        assert series(run, tag, lambda b: share_near_bounds(b, 0.07)).min() >= 0.75, tag


# ------------------------------------------------- the diagnosis

def test_diagnosis_raises_the_expected_markers(quick_demo):
    from tb_histdiag_plugin import api

    logdir, _, _ = quick_demo
    result = api.diagnose(logdir)["runs"]
    assert set(result) == set(demo.RUNS)
    problems = []
    for name, spec in demo.RUNS.items():
        markers = result[name]["markers"]
        kinds = {m["kind"] for m in markers}
        missing = set(spec["expect"]) - kinds
        if missing:
            problems.append("%s: expected %s, got %s" % (name, sorted(missing), sorted(kinds)))
        if not spec["expect"]:
            serious = [m for m in markers if m["severity"] in ("warning", "critical")]
            if serious:
                problems.append("%s (healthy): %s" % (name, [(m["kind"], m["tag"], m["evidence"]) for m in serious]))
    assert not problems, "\n".join(problems)
