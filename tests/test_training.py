"""The run as a whole, on real trainings: loss beside the histograms, chance, explosions and their story.

``training_logs.py`` writes each pathology beside its healthy twin (the same
code with one setting changed) through the real writers: PyTorch's
``SummaryWriter`` with ``HistogramLogger``, Keras' stock ``TensorBoard``
callback (``X/train`` + ``X/validation``), a ``GradientTape`` loop with
``tf.summary``.  Expectations come from how each log was made (10 classes, a
learning rate of 1e-7, a warm-up from 0.02) and from the logged values read
back by TensorBoard's own ``EventAccumulator``, never from the code under test.
"""

import math
import os

import numpy as np
import pytest

import support
import training_logs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("training"))
    training_logs.write_all(path)
    return path


@pytest.fixture(scope="module")
def client(logdir):
    return support.in_process_client(logdir)


@pytest.fixture(scope="module")
def docs(client, logdir):
    """Every histogram run's diagnostics document, through the plugin's route in a TensorBoard app."""
    status, body = support.client_json(client, support.ROUTE + "runs")
    assert status == 200
    runs = [row["run"] for row in body["runs"]]
    assert len(runs) == 13, runs
    out = {}
    for run in runs:
        status, doc = support.client_json(client, support.ROUTE + "diagnostics?run=" + run)
        assert status == 200, (run, doc)
        out[run] = doc
    return out


def logged(logdir, run, tag):
    """``(steps, values)`` of a scalar as TensorBoard's EventAccumulator reads it (an independent reader)."""
    from tensorboard.backend.event_processing import event_accumulator

    acc = event_accumulator.EventAccumulator(os.path.join(logdir, run), size_guidance={"tensors": 0, "scalars": 0})
    acc.Reload()
    if tag in acc.Tags()["scalars"]:
        events = acc.Scalars(tag)
        return [e.step for e in events], [e.value for e in events]
    events = acc.Tensors(tag)
    from tensorboard.util import tensor_util

    return [e.step for e in events], [float(tensor_util.make_ndarray(e.tensor_proto)) for e in events]


def serious(doc):
    return [m for m in doc["markers"] if m["severity"] in ("warning", "critical")]


def only(doc, kind):
    found = [m for m in doc["markers"] if m["kind"] == kind]
    assert len(found) == 1, (kind, doc["markers"])
    return found[0]


@pytest.mark.parametrize("broken, twin, loss_run, loss_tag", [
    ("torch_chance", "torch_learns", "torch_chance", "Loss/train"),
    ("keras_chance/train", "keras_learns/train", "keras_chance/train", "epoch_loss"),
    ("tape_chance", "tape_steady", "tape_chance", "loss"),
])
def test_a_run_at_chance_is_not_learning_and_its_twin_is_healthy(docs, logdir, broken, twin, loss_run, loss_tag):
    doc = docs[broken]
    m = only(doc, "not_learning")
    steps, values = logged(logdir, loss_run, loss_tag)
    assert len(steps) >= 8
    assert (m["severity"], m["layer"], m["tag"], m["evidence_from"]) == ("critical", None, loss_tag, "scalars")
    assert (m["first_step"], m["last_step"]) == (steps[0], steps[-1])
    assert "chance" in m["evidence"]
    # The loss really is flat and the model has 10 outputs: chance is ln 10.
    assert abs(values[-1] - values[0]) < 0.01 * values[0]
    assert doc["classes"] == training_logs.CLASSES
    assert doc["chance_loss"] == pytest.approx(math.log(training_logs.CLASSES), rel=1e-6)
    assert doc["first_sign"]["kind"] == "not_learning" and doc["first_sign"]["layer"] is None
    assert doc["headline"].startswith("First sign: loss not falling")

    healthy = docs[twin]
    assert serious(healthy) == []
    assert not [m for m in healthy["markers"] if m["evidence_from"] == "scalars"]
    assert healthy["first_sign"] is None
    _, twin_values = logged(logdir, twin, loss_tag)
    assert twin_values[-1] < 0.5 * twin_values[0]  # it did learn
    assert healthy["headline"].startswith("Healthy") and "loss fell" in healthy["headline"]


def test_scalars_section_holds_the_logged_values_and_keras_validation_from_its_sibling_run(docs, logdir):
    doc = docs["keras_chance/train"]
    s = doc["scalars"]
    assert set(s) >= {"loss", "val_loss", "accuracy", "val_accuracy", "classes", "chance_loss"}
    for key, run, tag in [("loss", "keras_chance/train", "epoch_loss"), ("val_loss", "keras_chance/validation",
                                                                         "epoch_loss"),
                          ("accuracy", "keras_chance/train", "epoch_accuracy"),
                          ("val_accuracy", "keras_chance/validation", "epoch_accuracy")]:
        steps, values = logged(logdir, run, tag)
        assert (s[key]["run"], s[key]["tag"]) == (run, tag)
        assert s[key]["steps"] == steps
        assert s[key]["values"] == pytest.approx(values, rel=1e-6)
    torch = docs["torch_learns"]["scalars"]
    steps, values = logged(logdir, "torch_learns", "Accuracy/train")
    assert torch["accuracy"]["steps"] == steps and torch["accuracy"]["values"] == pytest.approx(values, rel=1e-6)
    assert "val_loss" not in torch and "learning_rate" not in torch


@pytest.mark.parametrize("run, loss_tag, lr_tag, nan_layers, lr_from", [
    ("tape_explodes", "loss", "learning_rate", 3, 0.02),
    ("tape_tanh_explodes", "loss", "learning_rate", 3, 0.02),
    ("torch_explodes", "Loss/train", "lr", 3, 0.01),  # two Linear layers and the ReLU's activations
    ("keras_explodes/train", "epoch_loss", "epoch_learning_rate", 2, None),  # a constant 5.0: no rise
])
def test_an_explosion_is_one_story_whose_first_sign_comes_before_its_nan(docs, logdir, run, loss_tag, lr_tag,
                                                                          nan_layers, lr_from):
    doc = docs[run]
    steps, values = logged(logdir, run, loss_tag)
    first_nan = next(s for s, v in zip(steps, values) if not math.isfinite(v))
    sign = doc["first_sign"]
    assert sign["kind"] in ("exploding_gradient", "weight_growth", "loss_diverging")
    assert sign["step"] <= first_nan
    markers = doc["markers"]
    assert markers[sign["marker"]]["kind"] == sign["kind"]

    def root(i):
        seen = set()
        while markers[i]["caused_by"] is not None:
            assert i not in seen
            seen.add(i)
            i = markers[i]["caused_by"]
        return i

    nan_markers = [i for i, m in enumerate(markers) if m["kind"] == "non_finite"]
    assert len(nan_markers) == nan_layers  # every layer's tensors went NaN
    assert {root(i) for i in nan_markers} == {sign["marker"]}
    loss_marker = only(doc, "loss_diverging")
    assert loss_marker["severity"] == "critical" and loss_marker["last_step"] == steps[-1]
    # The learning rate was logged: the first sign names it, risen from the warm-up's start.
    lr = sign["learning_rate"]
    lr_steps, lr_values = logged(logdir, run, lr_tag)
    if lr_from is None:
        assert lr["from"] is None and lr["from_step"] is None
    else:
        assert lr["from"] == pytest.approx(lr_from, rel=1e-6) and lr["from_step"] == 0
    assert lr["value"] == pytest.approx(dict(zip(lr_steps, lr_values))[sign["step"]], rel=1e-6)
    assert "learning rate" in doc["headline"] and "NaN from %d" % first_nan in doc["headline"]


@pytest.mark.parametrize("run", ["tape_steady", "tape_tanh_steady"])
def test_the_explosions_twins_are_healthy(docs, run):
    doc = docs[run]
    assert serious(doc) == [] and doc["first_sign"] is None
    assert doc["headline"].startswith("Healthy: no warning signs in 3 layers; learning: loss fell")


def test_circle_benchmark_at_chance_with_a_binary_head(docs, logdir):
    doc = docs["circle_saturated/train"]
    m = only(doc, "not_learning")
    assert m["severity"] == "critical"
    assert (doc["classes"], doc["chance_loss"]) == (2, pytest.approx(math.log(2), rel=1e-6))
    _, values = logged(logdir, "circle_saturated/train", "epoch_loss")
    assert abs(values[-1] - math.log(2)) < 0.05
    assert serious(docs["circle_learns/train"]) == []


def test_timeline_orders_every_marker_once_and_links_only_backwards(docs):
    for run, doc in docs.items():
        markers, timeline = doc["markers"], doc["timeline"]
        listed = [i for episode in timeline for i in episode["markers"]]
        assert sorted(listed) == list(range(len(markers))), run
        assert [e["first_step"] for e in timeline] == sorted(e["first_step"] for e in timeline)
        for episode in timeline:
            members = episode["markers"]
            assert members[0] == episode["first"]
            assert [markers[i]["first_step"] for i in members] == sorted(markers[i]["first_step"] for i in members)
            assert episode["first_step"] == markers[episode["first"]]["first_step"]
            assert episode["last_step"] == max(markers[i]["last_step"] for i in members)
        for m in markers:
            if m["caused_by"] is not None:
                cause = markers[m["caused_by"]]
                assert cause["first_step"] <= m["first_step"] and m["link"], (run, m)
            else:
                assert m["link"] is None


def test_runs_rows_carry_first_sign_and_final_values_over_http(logdir, docs):
    with support.TensorBoardServer(logdir) as server:
        server.wait_listening()
        body = server.wait_for_runs(docs, timeout=180, complete=lambda row: row["status"] == "done")
    by_run = {row["run"]: row for row in body["runs"]}
    assert sorted(by_run) == sorted(docs)  # scalars-only runs (keras_*/validation) are not listed
    _, values = logged(logdir, "torch_learns", "Loss/train")
    assert by_run["torch_learns"]["final"]["loss"] == pytest.approx(values[-1], rel=1e-6)
    assert by_run["torch_learns"]["first_sign"] is None
    _, val = logged(logdir, "keras_learns/validation", "epoch_accuracy")
    assert by_run["keras_learns/train"]["final"]["val_accuracy"] == pytest.approx(val[-1], rel=1e-6)
    sign = by_run["torch_chance"]["first_sign"]
    assert (sign["kind"], sign["layer"]) == ("not_learning", None)
    assert by_run["torch_chance"]["headline"] == docs["torch_chance"]["headline"]


def test_cli_text_report_starts_each_run_with_its_headline(logdir, docs):
    from tb_histdiag_plugin import formatting

    text = formatting.format_text({"runs": {"torch_chance": docs["torch_chance"]}})
    first = text.splitlines()[0]
    assert first == "run torch_chance: " + docs["torch_chance"]["headline"]
    assert "not_learning" in text and "the run (Loss/train)" in text


def test_notebook_first_sign_and_timeline_figure(docs):
    pytest.importorskip("matplotlib")
    from tb_histdiag_plugin.result import Diagnosis

    d = Diagnosis({"runs": {"tape_explodes": docs["tape_explodes"], "torch_learns": docs["torch_learns"]}})
    sign = d.first_sign("tape_explodes")
    assert sign["kind"] == docs["tape_explodes"]["first_sign"]["kind"]
    assert sign["detail"] == docs["tape_explodes"]["markers"][sign["marker"]]
    assert d.first_sign("torch_learns") is None
    fig = d.timeline("tape_explodes")
    top, lanes = fig.axes[0], fig.axes[1]
    # The loss curve holds the logged (finite) values; one lane per layer plus the run's.
    line = top.get_lines()[0]
    logged_loss = docs["tape_explodes"]["scalars"]["loss"]
    assert list(line.get_xdata()) == logged_loss["steps"]
    assert [t.get_text() for t in lanes.get_yticklabels()] == ["run", "dense_0", "dense_1", "dense_2"]
    assert np.isnan(line.get_ydata()[-1])  # the NaN loss is a gap, not a number


def test_the_cli_and_api_tell_the_same_story_as_the_tab(logdir, docs):
    """Each run loaded on its own (a worker's view) still finds its sibling runs' validation scalars."""
    import tb_histdiag_plugin

    result = tb_histdiag_plugin.diagnose(logdir, jobs=1)
    assert sorted(result["runs"]) == sorted(docs)
    for run, doc in result["runs"].items():
        for key in ("markers", "headline", "first_sign", "timeline", "scalars", "classes", "chance_loss"):
            assert doc[key] == docs[run][key], (run, key)
