"""Tutorial-size models (layers of 5 units) get the markers of their wide twins (64 units), and no false alarm.

Real trainings written by ``tests/small_logs.py`` (PyTorch with
``HistogramLogger``; Keras 3 under the stock ``TensorBoard(histogram_freq=1)``
callback, weights only), read back with ``tb_histdiag_plugin.diagnose``.  Each
pathology is trained at both sizes with the same code, and each has a healthy
twin at both sizes; the expectations below come from how each log was made
(which layer was made dead, frozen, constrained; what the fault does), not
from the rules' numbers.  Small layers hold 5 to 25 values (a 2x5, 5x5 or 5x1
kernel, a 5-unit bias): tensors the rules used to skip below 100 values.
"""

import pytest

import tb_histdiag_plugin
from tb_histdiag_plugin.result import SEVERITY_RANK

from small_logs import SMALL, SIZES, write_all

pytestmark = pytest.mark.slow

# PyTorch's Sequential names its modules 0, 1, 2, ...: Linear 0, ReLU/Tanh 1, Linear 2, act 3, Linear 4, act 5,
# Linear 6 (three hidden layers), or Linear 0, act 1, Linear 2, act 3, Linear 4 (two).  Keras names its Dense
# layers dense, dense_1, ...
# pathology run -> (healthy twin, the marker kind, the layers it must be on (one of them), the least severity)
PATHOLOGIES = {
    # Adam at lr 3.0 on inputs x100: the first steps push every hidden ReLU unit below zero for every input.
    "torch_dead": ("torch_healthy", "dead_units", {"1", "3", "5"}, "warning"),
    # A learning rate growing by half every step: the gradient norms grow by orders of magnitude, then NaN.
    "torch_exploding": ("torch_steady", "exploding_gradient", {"0", "1", "2"}, "warning"),
    # Weights of std 5: tanh units at -1 or +1 (the hidden activations; the output layer is exempt by design).
    "torch_saturated": ("torch_tanh", "saturation", {"1", "3"}, "warning"),
    # The second hidden Linear's bias at -100: its ReLU (module 3) outputs zero, so Linear 4's kernel never moves.
    "torch_downstream": ("torch_healthy", "stagnant_weights", {"4"}, "warning"),
    # The hidden kernels after the first (Linear 2 and 4) clamped at 0 from below after every step.
    "torch_nonneg": ("torch_healthy", "clipped_values", {"2", "4"}, "info"),
    # The same, logging its parameters only: the next layer's bias moves while its kernel and the dead layer stay.
    "torchw_downstream": ("torchw_healthy", "stagnant_weights", {"4"}, "warning"),
    # Ten sigmoid layers under SGD, weights only: the input side stops moving (inferred from weights).
    "keras_sigmoid/train": ("keras_relu/train", "vanishing_gradient", {"dense", "dense_1", "dense_2"}, "warning"),
    # The middle hidden layer trainable=False.
    "keras_frozen/train": ("keras_mlp/train", "stagnant_weights", {"dense_1"}, "warning"),
    # The middle hidden layer's bias at -100: dead, so the next layer (dense_2) gets zero gradient.
    "keras_downstream/train": ("keras_mlp/train", "stagnant_weights", {"dense_2"}, "warning"),
    # NonNeg on every hidden kernel: the values it clips pile at exactly 0 (info below half of the values).
    "keras_nonneg/train": ("keras_mlp/train", "clipped_values", {"dense", "dense_1", "dense_2"}, "info"),
}
CONTROLS = sorted({twin for twin, *_ in PATHOLOGIES.values()})
# Healthy twin -> its layers with weights, input side first (silence proves nothing unless they were read).
WEIGHTED = {
    "torch_healthy": ["0", "2", "4", "6"], "torchw_healthy": ["0", "2", "4", "6"], "torch_steady": ["0", "1", "2"], "torch_tanh": ["0", "2", "4"],
    "keras_relu/train": ["dense"] + ["dense_%d" % i for i in range(1, 11)],
    "keras_mlp/train": ["dense", "dense_1", "dense_2", "dense_3"],
}


def sized(run, units):
    name, _, split = run.partition("/")
    return "%s_%d%s" % (name, units, "/" + split if split else "")


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("small_models"))
    write_all(logdir)
    doc = tb_histdiag_plugin.diagnose(logdir)["runs"]
    expected = {sized(r, u) for r in list(PATHOLOGIES) + CONTROLS for u in SIZES}
    assert expected <= set(doc), sorted(expected - set(doc))
    return doc


def serious(doc):
    return [(m["kind"], m["layer"], m["severity"], m["evidence"]) for m in doc["markers"]
            if SEVERITY_RANK[m["severity"]] >= SEVERITY_RANK["warning"]]


def raised(doc, kind, layers, least):
    return [m for m in doc["markers"] if m["kind"] == kind and m["layer"] in layers
            and SEVERITY_RANK[m["severity"]] >= SEVERITY_RANK[least]]


@pytest.mark.parametrize("units", SIZES)
@pytest.mark.parametrize("run", sorted(PATHOLOGIES))
def test_pathology_is_found_at_both_sizes(runs, run, units):
    twin, kind, layers, least = PATHOLOGIES[run]
    doc = runs[sized(run, units)]
    assert raised(doc, kind, layers, least), [(m["kind"], m["layer"], m["severity"]) for m in doc["markers"]]


@pytest.mark.parametrize("units", SIZES)
@pytest.mark.parametrize("run", CONTROLS)
def test_healthy_twin_is_read_and_raises_no_warning(runs, run, units):
    doc = runs[sized(run, units)]
    weighted = {s["layer"] for s in doc["series"] if s["role"] == "weights"}
    assert [layer["name"] for layer in doc["layers"] if layer["name"] in weighted] == WEIGHTED[run]
    if run.startswith("torch_"):  # HistogramLogger logs gradients and activations too (torchw_: parameters only)
        assert {s["layer"] for s in doc["series"] if s["role"] == "gradient"} == weighted
        assert any(s["role"] == "activation" for s in doc["series"])
    assert not serious(doc)


def test_small_layers_are_judged_not_skipped(runs):
    """The small layers' own findings: the kernels of 10 to 25 values themselves carry the markers."""
    doc = runs[sized("keras_sigmoid/train", SMALL)]
    counts = {s["layer"]: max(c for c in s["stats"]["count"] if c is not None)
              for s in doc["series"] if s["role"] == "weights"}
    assert max(counts.values()) < 100
    vanishing = {m["layer"] for m in doc["markers"] if m["kind"] == "vanishing_gradient"}
    assert {"dense", "dense_1", "dense_2"} <= vanishing
    assert all(m["evidence_from"] == "weights" and m["severity"] == "warning"
               for m in doc["markers"] if m["kind"] == "vanishing_gradient")
    down = [m for m in runs[sized("torch_downstream", SMALL)]["markers"]
            if m["kind"] == "stagnant_weights" and m["layer"] == "4"]
    assert "bias" in down[0]["evidence"]  # its bias moves; the kernel is held by its zero input
    # Weights only: the dead layer (Linear 2) is still, kernel and bias, and Linear 4's kernel with it.
    down = [m for m in runs[sized("torchw_downstream", SMALL)]["markers"] if m["kind"] == "stagnant_weights"]
    assert {"2", "4"} <= {m["layer"] for m in down}


def test_what_could_not_be_judged_is_said(runs):
    """A single output unit's bias (one value) cannot hold a pile at a bound: the document says so."""
    doc = runs[sized("torch_healthy", SMALL)]
    if "unjudged" not in doc:
        pytest.skip("this diagnosis document does not carry 'unjudged' yet")
    entries = {(u["tag"], u["rule"]): u for u in doc["unjudged"]}
    one = entries[("6.bias", "clipped_values")]
    assert one["layer"] == "6" and "1 value" in one["reason"]
    # Every tensor of the tutorial model but the one-value bias is judged by clipped_values.
    assert not [t for t, rule in entries if rule == "clipped_values" and t != "6.bias" and not t.endswith(".grad")
                and not t.startswith("activations/")], entries
