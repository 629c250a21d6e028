"""Tutorial-size models (layers of 5 units) get the markers of their wide twins (64 units), and no false alarm.

The second half holds the edges of the constants that judge small tensors
(``EXACT_TENSOR``, ``CLIPPED_SMALL_PILE``, ``CLIPPED_SMALL_STEPS``, the
inference's size classes, the dead input of stagnant weights, the plateau
escape of exploding gradients and ``rules/coverage.py``) on run views built
from numpy arrays (``tests/rule_views.py``; steps 0, 10, ..., 70).

Real trainings written by ``tests/small_logs.py`` (PyTorch with
``HistogramLogger``; Keras 3 under the stock ``TensorBoard(histogram_freq=1)``
callback, weights only), read back with ``tb_histdiag_plugin.diagnose``.  Each
pathology is trained at both sizes with the same code, and each has a healthy
twin at both sizes; the expectations below come from how each log was made
(which layer was made dead, frozen, constrained; what the fault does), not
from the rules' numbers.  Small layers hold 5 to 25 values (a 2x5, 5x5 or 5x1
kernel, a 5-unit bias): tensors the rules used to skip below 100 values.
"""

import numpy as np
import pytest

import tb_histdiag_plugin
from tb_histdiag_plugin.rules import coverage, gradients as rules_gradients
from tb_histdiag_plugin.settings import DEFAULTS
from tb_histdiag_plugin.rules.weights import CLIPPED_SMALL_PILE, CLIPPED_SMALL_STEPS, EXACT_TENSOR
from tb_histdiag_plugin.scalars import Signal
from tb_histdiag_plugin.result import SEVERITY_RANK

from rule_views import STEPS, marks, on, run_of, view
from small_logs import SMALL, SIZES, write_all

slow = pytest.mark.slow

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
    # Ten sigmoid layers under SGD, gradients logged: the input side's are orders of magnitude below the output's.
    "torch_sigmoid": ("torch_healthy", "vanishing_gradient", {"0", "2", "4"}, "warning"),
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
    "torch_healthy": ["0", "2", "4", "6"], "torchw_healthy": ["0", "2", "4", "6"], "torch_steady": ["0", "1", "2"],
    "torch_tanh": ["0", "2", "4"],
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


@slow
@pytest.mark.parametrize("units", SIZES)
@pytest.mark.parametrize("run", sorted(PATHOLOGIES))
def test_pathology_is_found_at_both_sizes(runs, run, units):
    twin, kind, layers, least = PATHOLOGIES[run]
    doc = runs[sized(run, units)]
    assert raised(doc, kind, layers, least), [(m["kind"], m["layer"], m["severity"]) for m in doc["markers"]]


@slow
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


@slow
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


@slow
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


# ------------------------------------------------------------ edges of the small-tensor constants (no training)

IDX = np.arange(STEPS)


def small_kernel(layer, change, count=25.0, **extra):
    given = dict(change=change, count=count, l2_norm=1.0, mean=0.0, std=0.2)
    given.update(extra)
    return view("%s/kernel" % layer, layer, "weights", **given)


def pile(share, count=25.0, low=0.0, bound_moves=False, change=1e-2):
    """A kernel with ``share`` of its values at the maximum 0.5 (and ``low`` at the minimum -0.5) from step 2 on."""
    high = 0.5 + (IDX * 1e-3 if bound_moves else 0.0)
    return view("l0/kernel", "l0", "weights", min=-0.5, max=high, std=0.2, mean=0.0, l2_norm=1.0, change=change,
                count=count, max_fraction=on(range(2, STEPS), share, 0.0), min_fraction=on(range(2, STEPS), low, 0.0))


@pytest.mark.parametrize("values, count, expected", [
    (CLIPPED_SMALL_PILE, 25.0, [("clipped_values", "l0", "info", 20, 70)]),  # 4 of 25 equal values at the maximum
    (CLIPPED_SMALL_PILE - 0.1, 25.0, []),
    (CLIPPED_SMALL_PILE, EXACT_TENSOR - 1, [("clipped_values", "l0", "info", 20, 70)]),
    (CLIPPED_SMALL_PILE, EXACT_TENSOR, []),  # 32 to 99 values: not judged (coverage says so)
    (10, 99.0, []),
    (15, 25.0, [("clipped_values", "l0", "warning", 20, 70)]),  # 60%: most values clipped
])
def test_clipped_pile_in_a_small_tensor(values, count, expected):
    assert marks(run_of(pile(values / count, count=count)), "clipped_values") == expected


@pytest.mark.parametrize("first, expected", [
    (STEPS - CLIPPED_SMALL_STEPS, [("clipped_values", "l0", "info", 50, 70)]),  # the last 3 logged steps
    (STEPS - CLIPPED_SMALL_STEPS + 1, []),  # 2 in a row: a few equal values happen once
])
def test_clipped_small_pile_must_last(first, expected):
    v = pile(0.0)
    v.stats["max_fraction"] = on(range(first, STEPS), 0.2, 0.0)
    assert marks(run_of(v), "clipped_values") == expected


def test_clipped_small_pile_needs_a_bound_that_holds_while_the_tensor_moves():
    # A cluster of close values moving with training (its bound moves): no clip.
    assert marks(run_of(pile(0.2, bound_moves=True)), "clipped_values") == []
    # A still tensor shows a pile as well as a cluster: not judged as a clip (stagnant_weights' business).
    assert marks(run_of(pile(0.2, change=0.0)), "clipped_values") == []
    # A large tensor's pile needs neither (the edge buckets cannot hide 10 values).
    assert marks(run_of(pile(0.2, count=1000.0, bound_moves=True)), "clipped_values") == [
        ("clipped_values", "l0", "info", 20, 70)]


def one_sided(role="weights", low=0.0, high=0.5, first_low=-0.5, share=0.3, dip=False):
    lo = np.full(STEPS, low)
    lo[0] = first_low  # the initialisation, before the constraint first acted
    if dip:
        lo[4] = -0.1
        share = on(set(range(1, STEPS)) - {4}, share, 0.0)
    return view("l0/%s" % ("kernel" if role == "weights" else "bias"), "l0", role, min=lo, max=high, std=0.2,
                mean=0.1, l2_norm=1.0, change=1e-2, count=1000.0, min_fraction=on(range(1, STEPS), share, 0.0),
                max_fraction=0.0)


@pytest.mark.parametrize("args, expected", [
    ({}, [("clipped_values", "l0", "info", 10, 70)]),  # NonNeg: never below 0 after the first step, piled at 0
    ({"dip": True}, []),  # below zero at one step: no sign constraint, and a pile at 0 is sparsity
    ({"role": "bias"}, []),  # biases piled at 0 are dead units' zeros
    ({"low": -0.5, "high": 0.0, "share": 0.0}, []),
])
def test_one_sided_pile_at_zero_is_a_constraint_for_weights(args, expected):
    assert marks(run_of(one_sided(**args)), "clipped_values") == expected


def non_positive():
    v = one_sided()
    v.stats["min"] = np.full(STEPS, -0.5)
    v.stats["max"] = np.where(IDX == 0, 0.5, 0.0)
    v.stats["max_fraction"], v.stats["min_fraction"] = v.stats["min_fraction"], np.zeros(STEPS)
    return v


def test_one_sided_pile_below_zero():
    assert marks(run_of(non_positive()), "clipped_values") == [("clipped_values", "l0", "info", 10, 70)]


# Stagnant weights: every pace shows in a tensor of fewer than EXACT_TENSOR values.

@pytest.mark.parametrize("count, expected", [
    (EXACT_TENSOR - 1, [("stagnant_weights", "l0", "warning", 10, 30)]),
    (EXACT_TENSOR, []),  # 1e-3 is below the pace a 32-value histogram shows (VISIBLE_CHANGE / 32)
])
def test_every_pace_shows_in_a_small_tensor(count, expected):
    run = run_of(small_kernel("l0", on({1, 2, 3}, 0.0, 1e-3), count=count), small_kernel("l1", 0.0),
                 small_kernel("l2", 0.0), view("l1/bias", "l1", "bias", change=1e-3, mean=0.1),
                 view("l2/bias", "l2", "bias", change=1e-3, mean=0.1))
    assert marks(run, "stagnant_weights") == expected


def downstream(evidence):
    """l0 dead (or frozen), l1's kernel still with its bias moving, l2 learning; ``evidence`` of l1's zero input."""
    views = [small_kernel("l0", 0.0), view("l0/bias", "l0", "bias", change=0.0, mean=-100.0),
             small_kernel("l1", 0.0), view("l1/bias", "l1", "bias", change=0.1, mean=0.1),
             small_kernel("l2", 0.1), view("l2/bias", "l2", "bias", change=0.1, mean=0.1)]
    if evidence == "activations":
        views.insert(2, view("act0/activations", "act0", "activation", zero_fraction=1.0, min=0.0, max=0.0))
    elif evidence == "activations alive":
        views.insert(2, view("act0/activations", "act0", "activation", zero_fraction=0.5, min=0.0, max=1.0))
    elif evidence == "gradient":
        views.insert(4, view("l1/kernel/grad", "l1", "gradient", "weights", zero_fraction=1.0, rms=0.0,
                             l2_norm=0.0))
    elif evidence == "gradient alive":
        views.insert(4, view("l1/kernel/grad", "l1", "gradient", "weights", zero_fraction=0.0, rms=1e-3,
                             l2_norm=1e-2))
    return run_of(*views)


@pytest.mark.parametrize("evidence, expected", [
    ("weights", {"l0", "l1"}),  # weights only: the layer before is still too, at a pace l1's histogram shows
    ("activations", {"l0", "l1"}),  # the activations before it are exactly zero
    ("gradient", {"l0", "l1"}),  # its kernel gradient is exactly zero
    ("activations alive", {"l0"}),  # half the activations alive: l1's input is not zero, its bias learns
    ("gradient alive", {"l0"}),
])
def test_the_layer_after_a_dead_one_is_stagnant_though_its_bias_moves(evidence, expected):
    found = {m[1] for m in marks(downstream(evidence), "stagnant_weights")}
    assert found == expected


# Inferred vanishing gradients: small layers compared among themselves.

def kernels(*change, count):
    return [small_kernel("l%d" % i, c, count=n) for i, (c, n) in enumerate(zip(change, count, strict=True))]


@pytest.mark.parametrize("count, expected", [
    ([25.0, 25.0, 25.0, 5.0], {"l0", "l1"}),  # a tutorial stack: all small, compared with one another
    ([10.0, 25.0, 25.0, 25.0], {"l0", "l1"}),
    ([99.0, 1000.0, 1000.0, 1000.0], set()),  # one small layer beside large ones: not compared with them
    ([1.0, 25.0, 25.0, 25.0], set()),  # one value: no change to read (coverage says so); l1 alone is no fall
])
def test_inferred_vanishing_among_small_layers(count, expected):
    run = run_of(*kernels(1e-4, 1e-5, 1.0, 1.0, count=count))
    if count[0] == 1.0:
        run.series[0].stats["change"][:] = np.nan
    assert {m[1] for m in marks(run, "vanishing_gradient")} == expected


# Exploding gradients: growth while the logged loss falls is a plateau escape (info).

def growing(loss):
    norm = np.array([1e-3, 1e-3, 1e-3, 1e-2, 3e-2, 0.1, 0.2, 0.3])  # 300x its early value
    run = run_of(view("l0/kernel/grad", "l0", "gradient", "weights", l2_norm=norm, rms=norm / 10))
    if loss is not None:
        run.scalars = {"loss": Signal("run", "loss", IDX * 10, np.asarray(loss, dtype=float))}
    return run


@pytest.mark.parametrize("loss, severity", [
    (None, "warning"),  # no loss logged: the growth alone
    (np.linspace(0.7, 0.1, STEPS), "info"),  # the loss fell meanwhile: leaving a plateau
    (np.full(STEPS, 0.7), "warning"),  # the loss did not fall
    (np.linspace(0.7, 0.7 * 0.951, STEPS), "warning"),  # less than loss_min_fall (5%)
    (np.linspace(0.7, 3.0, STEPS), "warning"),  # the loss rose
    (np.where(IDX == 4, np.nan, np.linspace(0.7, 0.1, STEPS)), "warning"),  # NaN on the way
])
def test_plateau_escape_is_info(loss, severity):
    # The rule itself: the run-level rules read the same loss and have markers of their own.
    found = rules_gradients.exploding_gradient(growing(loss), DEFAULTS)
    assert [m["severity"] for m in found] == [severity]
    assert ("plateau" in found[0]["evidence"]) == (severity == "info")


# What could not be judged.

def test_unjudged_names_the_tensor_the_rule_and_the_numbers():
    run = run_of(small_kernel("l0", 1e-4, count=25.0), small_kernel("l1", 1e-5, count=1000.0),
                 small_kernel("l2", 1.0, count=1000.0), small_kernel("l4", 1.0, count=1000.0),
                 small_kernel("l3", np.nan, count=1.0),
                 view("l3/bias", "l3", "bias", change=np.nan, mean=0.1, count=1.0),
                 view("l2/bias", "l2", "bias", change=1e-2, mean=0.1, count=64.0))
    got = {(u["tag"], u["rule"]): u for u in coverage.unjudged(run, {})}
    assert set(got) == {("l3/kernel", "stagnant_weights"), ("l3/kernel", "vanishing_gradient"),
                        ("l3/kernel", "off_center"), ("l3/kernel", "clipped_values"),
                        ("l3/bias", "clipped_values"), ("l2/bias", "clipped_values"),
                        ("l0/kernel", "vanishing_gradient")}
    assert all(u["layer"] == u["tag"].split("/")[0] for u in got.values())
    assert "1 value" in got[("l3/kernel", "stagnant_weights")]["reason"]
    assert "64 values" in got[("l2/bias", "clipped_values")]["reason"]
    # The one small layer beside 3 large ones is compared with nothing.
    assert "25 values" in got[("l0/kernel", "vanishing_gradient")]["reason"]
    assert "3 other layers" in got[("l0/kernel", "vanishing_gradient")]["reason"]
