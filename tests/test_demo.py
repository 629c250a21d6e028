"""The demo generator: every pathology is really in the numbers it logs.

The quick demo is written once per module; each run's pathology is measured on
the histograms as TensorBoard's loader reads them back (count, edges and
bucket counts, nothing else), and its training curve on the scalars as
TensorBoard's ``EventAccumulator`` reads them back; then the diagnosis must
raise the markers written down here (run, kind, layer, least severity; layer
``None`` for a marker about the run as a whole) and nothing serious on the
healthy runs.  The expectations live in this file, not in ``demo.RUNS``, so
relabelling a demo run cannot make its test pass.
"""

import json
import math
import os

import numpy as np
import pytest

from readback import read_histograms
from tb_histdiag_plugin import demo
from tb_histdiag_plugin.result import SEVERITY_RANK

pytestmark = pytest.mark.slow

# run -> [(kind, layer, least severity)] the diagnosis must raise.
EXPECTED = {
    "vanishing_sigmoid": [("vanishing_gradient", "dense", "warning"), ("vanishing_gradient", "dense_3", "warning")],
    "weights_only_sigmoid/train": [("vanishing_gradient", "dense", "warning"),
                                   ("vanishing_gradient", "dense_2", "warning")],
    "exploding_lr": [("exploding_gradient", "dense", "warning"), ("non_finite", "dense", "critical"),
                     ("loss_diverging", None, "critical")],
    "dead_relu": [("dead_units", "act2", "critical"), ("stagnant_weights", "fc2", "warning"),
                  ("vanishing_gradient", "fc2", "warning")],
    "frozen_layer": [("stagnant_weights", "dense_1", "warning")],
    "weight_decay": [("weight_decay_shrink", "fc1", "info"), ("weight_decay_shrink", "fc2", "info"),
                     ("weight_decay_shrink", "fc3", "info")],
    "weight_growth": [("weight_growth", "linear", "warning")],
    "tanh_saturation": [("saturation", "dense", "warning"), ("saturation", "dense_1", "warning")],
    "off_center_no_bias": [("off_center", "fc2", "warning")],
    "weight_clipping": [("clipped_values", "fc1", "warning"), ("clipped_values", "fc2", "warning")],
    "not_learning": [("not_learning", None, "critical")],
    "oscillating_loss": [("oscillating_loss", None, "warning")],
}
# Each demo run's training curve as its writer logs it: signal -> (subdirectory of the run, tag).
# Keras' stock callback writes train/ and validation/; PyTorch loops and GradientTape loops the run itself.
KERAS_FIT = {"loss": ("train", "epoch_loss"), "learning_rate": ("train", "epoch_learning_rate"),
             "val_loss": ("validation", "epoch_loss")}
TORCH = {"loss": ("", "Loss/train"), "val_loss": ("", "Loss/validation")}
TORCH_CLASSIFIER = dict(TORCH, accuracy=("", "Accuracy/train"), val_accuracy=("", "Accuracy/validation"))
CURVES = {
    "healthy": KERAS_FIT,
    "healthy_torch": TORCH,
    "seed_layer_weights": {"loss": ("", "epoch_loss"), "val_loss": ("", "epoch_val_loss")},
    "vanishing_sigmoid": KERAS_FIT,
    "weights_only_sigmoid": KERAS_FIT,
    "exploding_lr": {"loss": ("train", "epoch_loss"), "learning_rate": ("train", "epoch_learning_rate")},
    "dead_relu": TORCH,
    "frozen_layer": KERAS_FIT,
    "weight_decay": TORCH,
    "no_weight_decay": TORCH,
    "weight_growth": TORCH_CLASSIFIER,
    "tanh_saturation": KERAS_FIT,
    "off_center_no_bias": TORCH,
    "weight_clipping": TORCH,
    "not_learning": TORCH_CLASSIFIER,
    "oscillating_loss": {"loss": ("", "Loss/train"), "accuracy": ("", "Accuracy/train")},
}
# Healthy runs and their layers with weights, in depth order (proof the diagnosis read them at all).
HEALTHY = {
    "healthy": ["dense", "dense_1", "dense_2"],
    "healthy_torch": ["fc1", "fc2", "fc3"],
    "no_weight_decay": ["fc1", "fc2", "fc3"],
    "seed_layer_weights": ["layer_0", "layer_1", "layer_2", "layer_3"],
}
# Markers inferred from weights alone: at most a warning, and they say so.
INFERRED = {"weights_only_sigmoid/train"}


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


LEVELS = (np.arange(64) + 0.5) / 64


def quantiles(b):
    """64 quantiles of the stored histogram, values spread evenly inside each bucket."""
    cum = np.cumsum(b[:, 2])
    out = []
    for q in LEVELS * cum[-1]:
        i = int(np.searchsorted(cum, q))
        inside = (q - (cum[i] - b[i, 2])) / b[i, 2]
        out.append(b[i, 0] + inside * (b[i, 1] - b[i, 0]))
    return np.array(out)


def std(b):
    mid = (b[:, 0] + b[:, 1]) / 2
    w = b[:, 2] / b[:, 2].sum()
    return float(np.sqrt((w * (mid - (w * mid).sum()) ** 2).sum()))


def mean_over_std(b):
    mid = (b[:, 0] + b[:, 1]) / 2
    return float((b[:, 2] * mid).sum() / b[:, 2].sum()) / std(b)


def changes(run, tag):
    """Per logged step: the mean shift of the quantiles since the step before, over the std (0 = bit-identical)."""
    steps = [run[tag][s] for s in sorted(run[tag])]
    return np.array([np.abs(quantiles(b) - quantiles(a)).mean() / std(a) for a, b in zip(steps, steps[1:])])


def share_at_edges(b):
    """Share of the values in the first and in the last bucket."""
    return float(b[0, 2] / b[:, 2].sum()), float(b[-1, 2] / b[:, 2].sum())


def piled_edges(b):
    """Which edge buckets hold a pile: 5% of the values or more, and 5 times their neighbour's count."""
    low, high = share_at_edges(b)
    return low >= 0.05 and b[0, 2] >= 5 * b[1, 2], high >= 0.05 and b[-1, 2] >= 5 * b[-2, 2]


# ------------------------------------------------- fixture

@pytest.fixture(scope="module")
def quick_demo(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("demo"))
    names = demo.write_demo_logs(logdir, quick=True)
    assert names == list(demo.RUNS)
    runs = {demo.tensorboard_run(name): read_histograms(os.path.join(logdir, demo.tensorboard_run(name)))
            for name in names}
    return logdir, runs


def test_every_run_is_expected_written_and_marked_done(quick_demo):
    logdir, runs = quick_demo
    # A new demo run needs its expectation here first.
    assert set(runs) == set(EXPECTED) | set(HEALTHY)
    assert set(CURVES) == set(demo.RUNS)
    assert not set(EXPECTED) & set(HEALTHY)
    for name in demo.RUNS:
        tags = runs[demo.tensorboard_run(name)]
        assert tags, name
        with open(os.path.join(logdir, name, demo.DONE)) as f:
            done = json.load(f)
        assert done["run"] == name and done["quick"] is True
        steps = {len(s) for s in tags.values()}
        assert min(steps) >= 15, (name, steps)  # enough logged steps to show a trend
        assert set(demo.RUNS[name]) >= {"expect", "description", "framework"}


def test_finished_runs_are_skipped(quick_demo, monkeypatch):
    logdir, _ = quick_demo
    before = {name: os.path.getmtime(os.path.join(logdir, name, demo.DONE)) for name in demo.RUNS}

    def must_not_train(run_dir, quick):
        raise AssertionError("a finished run was trained again: %s" % run_dir)

    monkeypatch.setattr(demo, "WRITERS", {name: must_not_train for name in demo.WRITERS})
    assert demo.write_demo_logs(logdir, quick=True) == list(demo.RUNS)
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
    _, runs = quick_demo
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
    _, runs = quick_demo
    run = runs["vanishing_sigmoid"]
    first = series(run, "dense/kernel/grad", rms)
    last = series(run, "dense_10/kernel/grad", rms)
    assert (first / last).max() < 1e-2  # two orders of magnitude at least, at every step
    # ... and falling layer by layer towards the input.
    depth = [series(run, "dense%s/kernel/grad" % ("" if i == 0 else "_%d" % i), rms).mean() for i in range(11)]
    assert all(a < b for a, b in zip(depth, depth[1:]))


def test_exploding_lr_gradients_grow_then_go_non_finite(quick_demo):
    _, runs = quick_demo
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
    _, runs = quick_demo
    run = runs["dead_relu"]
    assert series(run, "activations/act2", all_zero).all()
    assert series(run, "activations/act1", share_above_zero).min() > 0.2  # the other ReLU layer lives
    assert series(run, "fc2.weight.grad", all_zero).all()
    fc2 = [run["fc2.weight"][s] for s in sorted(run["fc2.weight"])]
    assert all(np.array_equal(fc2[0], b) for b in fc2)
    fc1 = [run["fc1.weight"][s] for s in sorted(run["fc1.weight"])]
    assert not np.array_equal(fc1[0], fc1[-1])


def test_frozen_layer_weights_are_bit_identical(quick_demo):
    _, runs = quick_demo
    run = runs["frozen_layer"]
    frozen = [run["dense_1/kernel"][s] for s in sorted(run["dense_1/kernel"])]
    assert all(np.array_equal(frozen[0], b) for b in frozen)
    assert "dense_1/kernel/grad" not in run  # not trainable: no gradient
    for tag in ("dense/kernel", "dense_2/kernel", "dense_3/kernel"):
        steps = [run[tag][s] for s in sorted(run[tag])]
        assert sum(not np.array_equal(a, b) for a, b in zip(steps, steps[1:])) == len(steps) - 1, tag


def test_weight_decay_shrinks_norms_and_the_control_does_not(quick_demo):
    _, runs = quick_demo
    for tag in ("fc1.weight", "fc2.weight", "fc3.weight"):
        decayed = series(runs["weight_decay"], tag, l2)
        assert (np.diff(decayed) < 0).all(), tag
        assert decayed[-1] <= 0.5 * decayed[0], tag
        control = series(runs["no_weight_decay"], tag, l2)
        assert 0.8 * control[0] <= control[-1] <= 1.5 * control[0], tag


def test_weight_growth_norm_keeps_growing(quick_demo):
    _, runs = quick_demo
    norms = series(runs["weight_growth"], "linear.weight", l2)
    assert norms[-1] >= 5 * norms[0]
    assert (np.diff(norms) > 0).all()


def test_tanh_saturation_hidden_activations_sit_at_the_bounds(quick_demo):
    _, runs = quick_demo
    run = runs["tanh_saturation"]
    for tag in ("dense/activations", "dense_1/activations"):
        assert series(run, tag, lambda b: share_near_bounds(b, 0.07)).min() >= 0.75, tag


def test_weights_only_sigmoid_has_the_textbook_vanishing_signature(quick_demo):
    """Stock Keras callback, weights only: input side (nearly) bit-identical, change rising by decades."""
    _, runs = quick_demo
    run = runs["weights_only_sigmoid/train"]
    assert all(t.endswith(("/kernel/histogram", "/bias/histogram")) for t in run)  # no gradient logged
    assert len(run) == 22

    def tag(i):
        return "sequential/dense%s/kernel/histogram" % ("" if i == 0 else "_%d" % i)

    typical = [float(np.median(changes(run, tag(i)))) for i in range(11)]
    assert (changes(run, tag(0)) == 0).all()  # the first layer: bit-identical at every epoch
    assert max(typical[:4]) < 1e-6, typical  # the next ones move by float32 rounding at most
    assert min(typical[9:]) > 1e-4, typical  # while the output side moves
    # ... and the change grows towards the output, layer by layer, by three decades from dense_3 to dense_9.
    assert all(a < b for a, b in zip(typical[3:10], typical[4:10])), typical
    assert typical[9] >= 1e3 * typical[3], typical


def test_seed_layer_weights_every_layer_moves(quick_demo):
    """The weights-only healthy control: same optimiser, every layer moves, within an order of magnitude."""
    _, runs = quick_demo
    run = runs["seed_layer_weights"]
    assert set(run) == {"layer_%d_%s" % (i, p) for i in range(4) for p in ("weights", "biases")}
    moves = [changes(run, "layer_%d_weights" % i) for i in range(4)]
    assert all((m > 0).all() for m in moves)
    typical = [float(np.median(m)) for m in moves]
    assert max(typical) <= 20 * min(typical), typical
    for steps in run.values():
        assert all(finite(b) for b in steps.values())


def test_off_center_weights_leave_zero_and_the_first_layer_does_not(quick_demo):
    _, runs = quick_demo
    head = series(runs["off_center_no_bias"], "fc2.weight", mean_over_std)
    assert abs(head[0]) < 0.25  # initialised symmetric around zero
    assert head[-1] >= 3  # ends several standard deviations off centre
    first = series(runs["off_center_no_bias"], "fc1.weight", mean_over_std)
    assert np.abs(first).max() < 0.5
    assert np.abs(series(runs["healthy_torch"], "fc2.weight", mean_over_std)).max() < 0.5  # the control


def test_weight_clipping_piles_values_at_both_bounds(quick_demo):
    _, runs = quick_demo
    run = runs["weight_clipping"]
    bound = float(np.float32(0.05))
    for tag, least in (("fc1.weight", 0.3), ("fc2.weight", 0.2), ("fc3.weight", 0.1)):
        for b in run[tag].values():
            assert b[0, 0] == -bound and b[-1, 1] == bound, tag
            assert (b[-1, 1] - b[0, 0]) > 30 * max(b[0, 1] - b[0, 0], b[-1, 1] - b[-1, 0]), tag  # narrow edges
            low, high = share_at_edges(b)
            assert low >= least and high >= least, (tag, low, high)
            if tag != "fc3.weight":  # 64 values are too few for the neighbour comparison
                assert piled_edges(b) == (True, True), tag
    for tag in ("fc1.weight", "fc2.weight"):  # the control: tails, no pile (fc3's 32 values are too few to tell)
        assert not any(any(piled_edges(b)) for b in runs["healthy_torch"][tag].values()), tag


# ------------------------------------------------- the training curves, in the logged scalars

def read_scalars(run_dir):
    """``{tag: (steps, values)}`` of one directory's scalars through TensorBoard's EventAccumulator:
    legacy scalar events (PyTorch, tensorboardX) and TF2 ``tf.summary.scalar`` tensors (Keras)."""
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    if not os.path.isdir(run_dir):
        return {}
    acc = ea.EventAccumulator(run_dir, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()[ea.SCALARS]:
        events = acc.Scalars(tag)
        out[tag] = (np.array([e.step for e in events]), np.array([e.value for e in events], dtype=np.float64))
    for tag in acc.Tags()[ea.TENSORS]:
        if acc.SummaryMetadata(tag).plugin_data.plugin_name == "scalars":
            events = acc.Tensors(tag)
            out[tag] = (np.array([e.step for e in events]),
                        np.array([float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]))
    return out


@pytest.fixture(scope="module")
def curves(quick_demo):
    """``{run: {signal: values in step order}}`` for the signals of ``CURVES``, as logged."""
    logdir, _ = quick_demo
    out = {}
    for name, signals in CURVES.items():
        by_dir = {sub: read_scalars(os.path.join(logdir, name, sub)) for sub in {sub for sub, _ in signals.values()}}
        out[name] = {}
        for signal, (sub, tag) in signals.items():
            assert tag in by_dir[sub], (name, sub, tag, sorted(by_dir[sub]))
            steps, values = by_dir[sub][tag]
            assert (np.diff(steps) > 0).all(), (name, tag)
            out[name][signal] = values
    return out


@pytest.mark.parametrize("name", sorted(CURVES))
def test_every_run_logs_its_training_curve(curves, name):
    """Loss (and validation loss, accuracy, learning rate where the run has them): enough points, finite."""
    for signal, values in curves[name].items():
        assert len(values) >= 5, (name, signal, len(values))  # enough to read a trend
        if name == "exploding_lr" and signal == "loss":
            continue  # turns NaN: below
        assert np.isfinite(values).all(), (name, signal, values)
        if "accuracy" in signal:
            assert ((values >= 0) & (values <= 1)).all(), (name, signal)


@pytest.mark.parametrize("name", sorted(HEALTHY))
def test_healthy_runs_loss_falls(curves, name):
    loss = curves[name]["loss"]
    assert loss[-1] <= 0.5 * loss[0], loss
    assert loss[-1] == pytest.approx(loss.min(), rel=0.2), loss  # still at (about) its lowest at the end
    val = curves[name]["val_loss"]
    assert val[-1] < val[0], val


def test_not_learning_stays_at_chance(curves):
    c = curves["not_learning"]
    chance = math.log(10)
    for signal in ("loss", "val_loss"):
        assert np.abs(c[signal] / chance - 1).max() < 0.02, (signal, c[signal])  # at ln 10, every step
        assert np.ptp(c[signal]) < 1e-3 * chance, (signal, c[signal])  # and it does not move
    for signal in ("accuracy", "val_accuracy"):
        assert c[signal].max() <= 0.2, (signal, c[signal])  # about 1 in 10


def test_oscillating_loss_zigzags_without_diverging(curves):
    loss = curves["oscillating_loss"]["loss"]
    d = np.diff(loss)
    turns = np.sign(d[1:]) * np.sign(d[:-1]) < 0
    swing = np.minimum(np.abs(d[1:]), np.abs(d[:-1])) / loss[1:-1]
    big_turns = turns & (swing >= 0.2)  # up, down, up... by a fifth of its level or more
    assert big_turns.mean() >= 0.8 and big_turns[len(big_turns) // 2:].all(), big_turns  # settled: every step
    half = len(loss) // 2
    assert loss[half:].max() < loss[0]  # bounded: never back above where it started
    assert abs(loss[half:].mean() / loss[half // 2:half].mean() - 1) < 0.05  # and no net progress
    assert curves["oscillating_loss"]["accuracy"][half:].min() >= 0.5  # it did learn something (chance: 1/3)


def test_exploding_lr_warm_up_crosses_the_stable_limit_then_nan(curves):
    lr, loss = curves["exploding_lr"]["learning_rate"], curves["exploding_lr"]["loss"]
    assert np.allclose(np.diff(lr), np.diff(lr)[0], rtol=1e-3) and np.diff(lr)[0] > 0  # a linear ramp
    assert lr[0] <= 0.05 and lr[-1] >= 0.5
    bad = ~np.isfinite(loss)
    first_bad = int(np.argmax(bad))
    assert bad.any() and bad[first_bad:].all(), loss  # NaN from some epoch to the end
    low = int(np.argmin(loss[:first_bad]))
    assert loss[low] <= 0.5 * loss[0], loss  # it learns while the rate is small ...
    assert loss[:first_bad].max() >= 10 * loss[low] and loss[:first_bad].argmax() > low  # ... then blows up


# ------------------------------------------------- the diagnosis

@pytest.fixture(scope="module")
def diagnosed(quick_demo):
    from tb_histdiag_plugin import api

    logdir, runs = quick_demo
    result = api.diagnose(logdir)["runs"]
    assert set(result) == set(runs)
    return result


def missing_markers(markers, expected):
    found = {(m["kind"], m["layer"]): m for m in sorted(markers, key=lambda m: SEVERITY_RANK[m["severity"]])}
    return [(kind, layer, least) for kind, layer, least in expected
            if (kind, layer) not in found or SEVERITY_RANK[found[kind, layer]["severity"]] < SEVERITY_RANK[least]]


@pytest.mark.parametrize("run", sorted(EXPECTED))
def test_diagnosis_names_each_pathology(diagnosed, run):
    markers = diagnosed[run]["markers"]
    missing = missing_markers(markers, EXPECTED[run])
    assert not missing, "%s: expected %s; got %s" % (run, missing, sorted(
        {(m["kind"], m["layer"], m["severity"]) for m in markers}))


@pytest.mark.parametrize("run", sorted(INFERRED))
def test_inferred_markers_say_they_come_from_weights(diagnosed, run):
    markers = [m for m in diagnosed[run]["markers"] if m["kind"] == "vanishing_gradient"]
    assert markers
    for m in markers:
        assert m["evidence_from"] == "weights" and m["severity"] == "warning", m
        assert "GradientHistograms" in m["evidence"] and "HistogramLogger" in m["evidence"], m


@pytest.mark.parametrize("run", sorted(HEALTHY))
def test_healthy_runs_are_read_and_raise_no_alarm(diagnosed, run):
    doc = diagnosed[run]
    weighted = {s["layer"] for s in doc["series"] if s["role"] == "weights"}
    assert [layer["name"] for layer in doc["layers"] if layer["name"] in weighted] == HEALTHY[run]
    serious = [(m["kind"], m["layer"], m["severity"], m["evidence"]) for m in doc["markers"]
               if SEVERITY_RANK[m["severity"]] >= SEVERITY_RANK["warning"]]
    assert not serious, serious


@pytest.mark.parametrize("name", sorted(CURVES))
def test_the_diagnosis_finds_each_runs_training_curve(diagnosed, name):
    """Every signal as logged, from the run itself or the stock Keras callback's ``X/train``, ``X/validation``."""
    doc = diagnosed[demo.tensorboard_run(name)]
    found = {signal: (s["run"], s["tag"]) for signal, s in doc["scalars"].items() if isinstance(s, dict)}
    expected = {signal: (name + "/" + sub if sub else demo.tensorboard_run(name), tag)
                for signal, (sub, tag) in CURVES[name].items()}
    assert found == expected, name
    if name in ("not_learning", "oscillating_loss"):
        assert doc["scalars"]["classes"] == {"not_learning": 10, "oscillating_loss": 3}[name]
    if name == "exploding_lr":  # the story: the rate had risen when the gradients began to explode
        first = doc["first_sign"]
        assert first["kind"] == "exploding_gradient", first
        assert first["learning_rate"]["value"] >= 3 * first["learning_rate"]["from"], first
