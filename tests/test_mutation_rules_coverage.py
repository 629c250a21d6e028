"""What the health rules could not judge (``rules/coverage.py``), entry by entry and word for word.

Added for mutation testing (tests/mutation/): ``unjudged`` at the limits it reports, each
just below, at and just above the rules' named constants: a primary weight tensor without a
spread (one value, ``inferred.MIN_SMALL_VALUES``; or values that never had a spread), the
one-value tensor for ``off_center``, the tensor sizes ``clipped_values`` cannot read
(``CLIPPED_SMALL_PILE`` = 4 or fewer values; ``CLIPPED_SMALL_TENSOR`` = 32 to
``CLIPPED_MIN_TENSOR`` = 100), and a size class of fewer than ``MIN_LAYERS + 1`` = 3 layers
beside the other one when vanishing gradients are inferred from weights.  Every reason below
is written out by hand from the inputs.
"""

import numpy as np
import pytest

from rule_views import run_of, view
from tb_histdiag_plugin import settings as settings_mod
from tb_histdiag_plugin.rules import coverage

SETTINGS = settings_mod.parse_settings({})

NO_SPREAD_1 = "holds 1 value, so it has no spread and its change between logged steps (Wasserstein / std) is undefined"
STAGNANT = ": whether it stops moving cannot be read."
VANISHING = ": its pace cannot be compared with the other layers' to infer vanishing gradients from weights."
SMALL_PILE = ": a pile at a bound needs 4 equal values and one beside them, 5 in all."
MIDDLE = (": 1 to 3 per bucket, too many to read a pile of a few equal values (as in tensors of fewer than 32) and "
          "too few to tell a pile of 10 from an edge bucket's own count (tensors of 100 or more).")


def entry(layer, tag, rule, reason):
    return {"layer": layer, "tag": tag, "rule": rule, "reason": reason}


def kernel(name, count, change=0.1, **kw):
    return view("%s/kernel" % name, name, "weights", count=count, change=change, l2_norm=1.0, mean=0.0, std=0.1,
                **kw)


def healthy(*names):
    return [kernel(name, 1000.0) for name in names]


def unjudged(*views):
    return coverage.unjudged(run_of(*views), SETTINGS)


# ------------------------------------------------------------ primary weights without a spread

def test_a_one_value_kernel():
    assert unjudged(kernel("out", 1.0, change=np.nan), *healthy("a", "b", "c")) == [
        entry("out", "out/kernel", "stagnant_weights", "out/kernel " + NO_SPREAD_1 + STAGNANT),
        entry("out", "out/kernel", "vanishing_gradient", "out/kernel " + NO_SPREAD_1 + VANISHING),
        entry("out", "out/kernel", "off_center", "out/kernel holds 1 value: a single value has no spread to measure "
                                                 "its distance from zero in."),
        entry("out", "out/kernel", "clipped_values", "out/kernel holds 1 value" + SMALL_PILE),
    ]


def test_a_two_value_kernel_that_never_had_a_spread():
    why = ("out/kernel holds 2 values that never had a spread at two consecutive logged steps, so its change "
           "(Wasserstein / std) is undefined")
    assert unjudged(kernel("out", 2.0, change=np.nan), *healthy("a", "b", "c")) == [
        entry("out", "out/kernel", "stagnant_weights", why + STAGNANT),
        entry("out", "out/kernel", "vanishing_gradient", why + VANISHING),
        entry("out", "out/kernel", "clipped_values", "out/kernel holds 2 values" + SMALL_PILE),
    ]


def test_a_kernel_with_a_spread_at_one_step_is_read():
    # Its change is read (no stagnant_weights entry); as the run's only small layer it is not compared with the
    # large ones (the last section).
    change = np.full(8, np.nan)
    change[5] = 0.1
    assert unjudged(kernel("out", 2.0, change=change), *healthy("a", "b", "c")) == [
        entry("out", "out/kernel", "clipped_values", "out/kernel holds 2 values" + SMALL_PILE),
        entry("out", "out/kernel", "vanishing_gradient", "out/kernel " + compared("2 values", 1, "fewer than 100", 3)),
    ]


def test_with_gradients_logged_nothing_is_inferred_so_nothing_is_left_out_of_the_inference():
    grad = view("out/kernel/grad", "out", "gradient", "weights", count=1000.0, rms=0.1)
    assert unjudged(kernel("out", 1.0, change=np.nan), *healthy("a", "b", "c"), grad) == [
        entry("out", "out/kernel", "stagnant_weights", "out/kernel " + NO_SPREAD_1 + STAGNANT),
        entry("out", "out/kernel", "off_center", "out/kernel holds 1 value: a single value has no spread to measure "
                                                 "its distance from zero in."),
        entry("out", "out/kernel", "clipped_values", "out/kernel holds 1 value" + SMALL_PILE),
    ]


def test_a_one_value_normalisation_scale():
    # Read by the stagnant-weights rule, but never by the inference from weights nor off_center.
    gamma = view("bn/gamma", "bn", "weights", param_name="gamma", count=1.0, mean=1.0)
    assert unjudged(gamma, *healthy("a", "b", "c")) == [
        entry("bn", "bn/gamma", "stagnant_weights", "bn/gamma " + NO_SPREAD_1 + STAGNANT),
        entry("bn", "bn/gamma", "clipped_values", "bn/gamma holds 1 value" + SMALL_PILE),
    ]


def test_a_second_weight_tensor_of_one_value_is_no_primary_one():
    second = view("out/recurrent_kernel", "out", "weights", count=1.0, mean=0.5)
    assert unjudged(kernel("out", 1000.0), second, *healthy("a", "b")) == [
        entry("out", "out/recurrent_kernel", "off_center", "out/recurrent_kernel holds 1 value: a single value has no "
                                                           "spread to measure its distance from zero in."),
        entry("out", "out/recurrent_kernel", "clipped_values", "out/recurrent_kernel holds 1 value" + SMALL_PILE),
    ]


def test_a_tensor_outside_any_layer():
    loose = view("scale", "", "weights", count=1.0, mean=0.5)
    assert unjudged(loose, *healthy("a", "b", "c")) == [
        entry(None, "scale", "off_center", "scale holds 1 value: a single value has no spread to measure its distance "
                                           "from zero in."),
        entry(None, "scale", "clipped_values", "scale holds 1 value" + SMALL_PILE),
    ]


@pytest.mark.parametrize("extra", [
    view("out/activation", "out", "activation", count=1.0),  # activations: the rules of activations' business
    view("out/bias", "out", "bias", count=np.nan),  # nothing logged
    view("out/bias", "out", "bias", count=0.0),  # an empty tensor
])
def test_what_is_not_listed(extra):
    # ... and the tensors after it are still read.
    small = view("a/bias", "a", "bias", count=4.0, change=0.1)
    assert unjudged(extra, *healthy("a", "b", "c"), small) == [
        entry("a", "a/bias", "clipped_values", "a/bias holds 4 values" + SMALL_PILE)]


# ------------------------------------------------------------ clipped values: the sizes it cannot read

@pytest.mark.parametrize("count, reason", [
    (1.0, "out/bias holds 1 value" + SMALL_PILE),
    (4.0, "out/bias holds 4 values" + SMALL_PILE),  # CLIPPED_SMALL_PILE
    (5.0, None),
    (31.0, None),
    (32.0, "out/bias holds 32 values" + MIDDLE),  # CLIPPED_SMALL_TENSOR
    (99.0, "out/bias holds 99 values" + MIDDLE),
    (100.0, None),  # CLIPPED_MIN_TENSOR
])
def test_clipped_values_sizes(count, reason):
    bias = view("out/bias", "out", "bias", count=count, change=0.1, mean=0.0, std=0.1)
    expected = [entry("out", "out/bias", "clipped_values", reason)] if reason else []
    assert unjudged(*healthy("a", "b", "c"), bias) == expected


def test_the_largest_count_logged_decides():
    # A tensor logged with 3 values at first and 40 later holds 40.
    bias = view("out/bias", "out", "bias", count=np.array([3.0, np.nan] + [40.0] * 6), change=0.1)
    assert unjudged(*healthy("a", "b", "c"), bias) == [
        entry("out", "out/bias", "clipped_values", "out/bias holds 40 values" + MIDDLE)]


# ------------------------------------------------------------ size classes of too few layers

def compared(n, members, word, others):
    return ("holds %s, and only %d layer%s of the run hold%s %s values: a histogram's change is comparable only "
            "between layers of like size (one value per bucket or many), so its pace is not compared with the %d "
            "other layers' to infer vanishing gradients from weights." % (n, members, "" if members == 1 else "s",
                                                                          "s" if members == 1 else "", word, others))


def test_one_small_layer_beside_three_large_ones():
    small = kernel("s", 10.0)
    assert unjudged(*healthy("a", "b", "c"), small) == [
        entry("s", "s/kernel", "vanishing_gradient", "s/kernel " + compared("10 values", 1, "fewer than 100", 3))]


def test_two_large_layers_beside_three_small_ones():
    smalls = [kernel(name, 40.0) for name in ("x", "y", "z")]
    middle = [entry(name, "%s/kernel" % name, "clipped_values", "%s/kernel holds 40 values" % name + MIDDLE)
              for name in ("x", "y", "z")]
    assert unjudged(*healthy("a", "b"), *smalls) == [
        *middle,
        entry("a", "a/kernel", "vanishing_gradient", "a/kernel " + compared("1000 values", 2, "100 or more", 3)),
        entry("b", "b/kernel", "vanishing_gradient", "b/kernel " + compared("1000 values", 2, "100 or more", 3)),
    ]


def test_two_and_two():
    smalls = [kernel("x", 10.0), kernel("y", 99.0)]
    assert unjudged(*healthy("a", "b"), *smalls) == [
        entry("y", "y/kernel", "clipped_values", "y/kernel holds 99 values" + MIDDLE),
        entry("a", "a/kernel", "vanishing_gradient", "a/kernel " + compared("1000 values", 2, "100 or more", 2)),
        entry("b", "b/kernel", "vanishing_gradient", "b/kernel " + compared("1000 values", 2, "100 or more", 2)),
        entry("x", "x/kernel", "vanishing_gradient", "x/kernel " + compared("10 values", 2, "fewer than 100", 2)),
        entry("y", "y/kernel", "vanishing_gradient", "y/kernel " + compared("99 values", 2, "fewer than 100", 2)),
    ]


def test_one_class_alone_is_compared_within_itself():
    assert unjudged(*healthy("a", "b")) == []
    assert unjudged(kernel("x", 10.0), kernel("y", 10.0)) == []
    assert unjudged(*healthy("a", "b", "c"), *[kernel(name, 10.0) for name in ("x", "y", "z")]) == []


def test_no_class_comparison_when_gradients_are_logged():
    grad = view("a/kernel/grad", "a", "gradient", "weights", count=1000.0, rms=0.1)
    assert unjudged(*healthy("a", "b", "c"), kernel("s", 10.0), grad) == []
