"""Scalars that are not what they seem: never a 500, never a change to the histogram diagnosis.

Written with TensorBoard's own event writer (no TensorFlow): NaN and Inf
losses, repeated and missing steps, a text and an image summary named
``loss``, a loss in an unrelated run, thousands of scalar tags, and PyTorch's
``add_scalars`` child runs.  Each run's histograms are the same healthy ones,
so its markers must equal those of the run without scalars.
"""

import math
import os

import numpy as np
import pytest

import support
from tb_histdiag_plugin import scalars


def _writer(logdir, run):
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    return EventFileWriter(os.path.join(logdir, run))


def _scalar(writer, tag, step, value):
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.scalar import summary_v2

    writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary_v2.scalar_pb(tag, value)))


def _text(writer, tag, step, text):
    from tensorboard.compat.proto import event_pb2
    from tensorboard.plugins.text import summary_v2

    writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary_v2.text_pb(tag, text)))


def _image(writer, tag, step):
    from tensorboard.compat.proto import event_pb2, summary_pb2

    image = summary_pb2.Summary.Image(height=1, width=1, colorspace=1, encoded_image_string=b"\x89PNG")
    summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag=tag, image=image)])
    writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary))


STEPS = 8


def _healthy(logdir, run):
    rng = np.random.default_rng(0)
    arrays = {}
    for i, n in enumerate((64, 32, 10)):
        w = rng.normal(0, 0.2, size=n * 8)
        arrays["dense_%d/kernel" % i] = [w + 0.01 * k * rng.normal(size=w.size) for k in range(STEPS)]
        arrays["dense_%d/bias" % i] = [0.01 * k * rng.normal(size=n) for k in range(STEPS)]
    support.write_histograms(logdir, run, arrays)


@pytest.fixture(scope="module")
def logdir(tmp_path_factory):
    path = str(tmp_path_factory.mktemp("scalars_input"))
    for run in ("plain", "nan_loss", "strings", "many_tags", "elsewhere", "add_scalars", "repeated"):
        _healthy(path, run)
    w = _writer(path, "nan_loss")
    for step, value in enumerate([2.3, 1.9, 1.5, math.inf, math.nan, 1.2]):
        if step != 2:  # a missing step
            _scalar(w, "loss", step, value)
    w.close()
    w = _writer(path, "strings")
    for step in range(STEPS):
        _text(w, "loss", step, "not a number")
        _image(w, "train_loss", step)
    w.close()
    w = _writer(path, "many_tags")
    for step in range(3):
        for k in range(3000):
            _scalar(w, "metrics/param_%04d_norm" % k, step, float(k))
        _scalar(w, "train/loss", step, 2.0 - 0.5 * step)
    w.close()
    w = _writer(path, "unrelated_scalars_only")
    for step in range(STEPS):
        _scalar(w, "loss", step, 2.3)
    w.close()
    for child, values in (("Loss_train", [2.0, 1.0, 0.5]), ("Loss_val", [2.1, 1.2, 0.8])):
        w = _writer(path, "add_scalars/" + child)
        for step, value in enumerate(values):
            _scalar(w, "Loss", step, value)
        w.close()
    w = _writer(path, "repeated")
    for step, value in [(0, 3.0), (1, 2.0), (1, 1.5), (0, 2.9)]:  # a restart rewrites steps 0 and 1
        _scalar(w, "loss", step, value)
    w.close()
    return path


@pytest.fixture(scope="module")
def docs(logdir):
    client = support.in_process_client(logdir)
    out = {}
    for run in ("plain", "nan_loss", "strings", "many_tags", "elsewhere", "add_scalars", "repeated"):
        status, doc = support.client_json(client, support.ROUTE + "diagnostics?run=" + run)
        assert status == 200, (run, doc)
        out[run] = doc
    status, body = support.client_json(client, support.ROUTE + "runs")
    assert status == 200
    out["_runs"] = body
    return out


def _histogram_markers(doc):
    return [m for m in doc["markers"] if m["evidence_from"] != "scalars"]


def test_histogram_diagnosis_is_unchanged_by_any_scalar(docs):
    plain = _histogram_markers(docs["plain"])
    assert docs["plain"]["scalars"] == {"classes": None, "chance_loss": None}  # no loss: no chance to speak of
    for run in ("nan_loss", "strings", "many_tags", "elsewhere", "add_scalars", "repeated"):
        strip = [{k: v for k, v in m.items() if k not in ("caused_by", "link")} for m in _histogram_markers(docs[run])]
        assert strip == [{k: v for k, v in m.items() if k not in ("caused_by", "link")} for m in plain], run


def test_nan_and_inf_loss_are_null_and_a_diverging_marker(docs):
    loss = docs["nan_loss"]["scalars"]["loss"]
    assert loss["steps"] == [0, 1, 3, 4, 5]
    assert loss["values"] == [pytest.approx(2.3), pytest.approx(1.9), None, None, pytest.approx(1.2)]
    m = [m for m in docs["nan_loss"]["markers"] if m["kind"] == "loss_diverging"]
    assert [(x["severity"], x["first_step"], x["last_step"], x["layer"]) for x in m] == [("critical", 3, 4, None)]


def test_text_and_images_named_like_a_loss_are_ignored(docs):
    assert set(docs["strings"]["scalars"]) == {"classes", "chance_loss"}
    assert docs["strings"]["headline"].startswith("Healthy")


def test_thousands_of_scalar_tags_still_find_the_loss(docs):
    loss = docs["many_tags"]["scalars"]["loss"]
    assert (loss["tag"], loss["values"]) == ("train/loss", [2.0, 1.5, 1.0])
    assert set(docs["many_tags"]["scalars"]) == {"loss", "classes", "chance_loss"}


def test_a_loss_in_an_unrelated_run_is_not_taken(docs):
    assert set(docs["elsewhere"]["scalars"]) == {"classes", "chance_loss"}
    assert "unrelated_scalars_only" not in {row["run"] for row in docs["_runs"]["runs"]}


def test_add_scalars_children_give_train_and_validation_loss(docs):
    s = docs["add_scalars"]["scalars"]
    assert (s["loss"]["run"], s["loss"]["tag"], s["loss"]["values"]) == ("add_scalars/Loss_train", "Loss",
                                                                           [2.0, 1.0, 0.5])
    assert s["val_loss"]["run"] == "add_scalars/Loss_val"
    assert s["val_loss"]["values"] == pytest.approx([2.1, 1.2, 0.8], rel=1e-6)  # float32 as logged


def test_repeated_steps_keep_one_value_per_step(docs):
    loss = docs["repeated"]["scalars"]["loss"]
    assert loss["steps"] == sorted(set(loss["steps"])) == [0, 1]


def test_to_signal_sorts_skips_bad_values_and_keeps_the_last_of_a_step():
    class D:
        def __init__(self, step, value):
            self.step, self.value = step, value

    s = scalars.to_signal("r", "loss", [D(2, 1.0), D(0, 3.0), D(1, "x"), D(2, 0.5), D(1, None), D(3, math.nan)])
    assert s.steps.tolist() == [0, 2, 3] and s.values[:2].tolist() == [3.0, 0.5] and math.isnan(s.values[2])
    assert scalars.to_signal("r", "loss", [D(0, "x")]) is None


def test_a_long_signal_is_thinned_like_the_series():
    from tb_histdiag_plugin import downsample

    steps = np.arange(5000, dtype=np.int64)
    rng = np.random.default_rng(3)
    values = 2.0 * np.exp(-steps / 2000.0) + 0.05 * rng.random(5000)
    values[1234] = math.nan
    values[4321] = 9.0  # a spike
    signal = scalars.Signal("r", "loss", steps, values)
    kept = scalars.thinned(signal, downsample.MAX_POINTS)
    assert len(kept) <= 2 * downsample.WINDOWS + 3 and kept[0] == 0 and kept[-1] == 4999
    assert 1234 in kept and 4321 in kept and int(np.nanargmin(values)) in kept
    # each step window's lowest and highest finite value is kept
    edges = downsample.window_edges(0, 4999)
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = np.nonzero((steps >= lo) & (steps < hi) & np.isfinite(values))[0]
        assert inside[np.argmin(values[inside])] in kept and inside[np.argmax(values[inside])] in kept
    assert scalars.thinned(signal, None).tolist() == list(range(5000))
    short = scalars.Signal("r", "loss", steps[:900], values[:900])
    assert scalars.thinned(short, downsample.MAX_POINTS).tolist() == list(range(900))
