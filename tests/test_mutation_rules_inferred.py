"""The inferences from weights (``rules/inferred.py``) at the edges mutation testing found unpinned.

Added for mutation testing (tests/mutation/): which layers are compared with which
(``size_classes``: ``MIN_VALUES``, ``MIN_SMALL_VALUES``, normalisation layers; the
small class read only when the large one finds no fall), the step-by-step
persistence of a slow input side (``persist_fraction``, ``SLOW_MAJORITY``, output
steps that do not move or are missing, ``stagnant_change`` at the pauses of
gradient accumulation), the evidence sentences word for word, and the exploding
inference's first norm, window and small-initialisation floor.

Run views of weights only (``rule_views``), input side first, steps 0, 10, ..., 70.
Every expected value is worked out by hand from the inputs built here.
"""

import numpy as np
import pytest

from rule_views import on, run_of, view
from tb_histdiag_plugin import settings as settings_mod
from tb_histdiag_plugin.rules import inferred

CONFIRM = ("inferred from weights (the run logs no gradients); confirm by logging gradients with "
           "tb_histdiag_plugin.keras.GradientHistograms or tb_histdiag_plugin.torch.HistogramLogger")


def kernels(*change, count=None, prefix="l"):
    counts = count or [1000.0] * len(change)
    return [view("%s%d/kernel" % (prefix, i), "%s%d" % (prefix, i), "weights", change=c, count=n, l2_norm=10.0,
                 mean=0.0, std=0.1)
            for i, (c, n) in enumerate(zip(change, counts, strict=True))]


def settings(**overrides):
    return settings_mod.parse_settings({k: str(v) for k, v in overrides.items()})


def vanishing(run, **overrides):
    """``[(layer, severity, first_step, last_step, evidence_from)]`` of the inferred vanishing-gradient markers."""
    out = inferred.inferred_vanishing_gradient(run, settings(**overrides))
    assert all(m["kind"] == "vanishing_gradient" for m in out)
    return [(m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence_from"]) for m in out]


def exploding(run, **overrides):
    """``[(layer, severity, first_step, last_step, evidence_from)]`` of the inferred exploding-gradient markers."""
    out = inferred.inferred_exploding_gradient(run, settings(**overrides))
    assert all(m["kind"] == "exploding_gradient" for m in out)
    return [(m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence_from"]) for m in out]


def spans(*layers, first=0, last=70):
    return [(name, "warning", first, last, "weights") for name in layers]


# ------------------------------------------------------------ which layers are compared

def test_size_classes_split_at_min_values_and_leave_out_what_cannot_be_read():
    norm = view("bn/gamma", "bn", "weights", param_name="gamma", count=1000.0, change=0.1)  # first in depth order
    at_min = view("a/kernel", "a", "weights", count=100.0, change=0.1)  # MIN_VALUES: large
    below = view("b/kernel", "b", "weights", count=99.0, change=0.1)  # one fewer: small
    two = view("c/kernel", "c", "weights", count=2.0, change=0.1)  # MIN_SMALL_VALUES: small
    one = view("d/kernel", "d", "weights", count=1.0, change=0.1)  # a single value: neither
    no_spread = view("e/kernel", "e", "weights", count=5.0)  # change never defined: neither
    no_count = view("f/kernel", "f", "weights", count=np.nan, change=0.1)  # nothing logged: neither
    large, small = inferred.size_classes(run_of(norm, at_min, below, two, one, no_spread, no_count))
    assert list(large) == ["a"] and large["a"] is at_min
    assert list(small) == ["b", "c"] and small["b"] is below and small["c"] is two


def test_a_fall_among_small_layers_only():
    # Three layers of 10 values (MIN_LAYERS + 1): compared among themselves.
    run = run_of(*kernels(1e-4, 1e-5, 1.0, count=[10.0] * 3))
    assert vanishing(run) == spans("l0", "l1")
    # Two are too few to show a fall, however far behind the first is.
    assert vanishing(run_of(*kernels(1e-5, 1.0, count=[10.0] * 2))) == []


def test_small_layers_beside_large_ones_are_read_only_when_the_large_ones_find_no_fall():
    large = kernels(1e-4, 1e-5, 1.0)
    healthy_small = kernels(0.5, 0.5, 0.5, count=[10.0] * 3, prefix="s")
    falling_small = kernels(1e-4, 1e-5, 1.0, count=[10.0] * 3, prefix="s")
    assert vanishing(run_of(*large, *healthy_small)) == spans("l0", "l1")
    assert vanishing(run_of(*kernels(0.5, 0.5, 0.5), *falling_small)) == spans("s0", "s1")


# ------------------------------------------------------------ how slow, how far behind (output side at 0.5)

@pytest.mark.parametrize("second, expected", [
    (0.049, spans("l0", "l1")),
    (0.05, spans("l0", "l1")),  # inferred_slow_ratio (0.1) of the output side's 0.5
    (0.051, []),
])
def test_slow_ratio_is_of_the_output_sides_pace(second, expected):
    assert vanishing(run_of(*kernels(1e-3, second, 0.5, 0.5))) == expected


@pytest.mark.parametrize("slowest, expected", [
    (0.0049, spans("l0", "l1")),
    (0.005, spans("l0", "l1")),  # inferred_vanishing_ratio (0.01) of the output side's 0.5
    (0.0051, []),
])
def test_vanishing_ratio_is_of_the_output_sides_pace(slowest, expected):
    assert vanishing(run_of(*kernels(slowest, 0.04, 0.5, 0.5))) == expected


@pytest.mark.parametrize("early, expected", [
    (1e-6, []),  # the output side's median pace is stagnant_change: it does not move, nothing is behind it
    (1.1e-6, spans("l0", "l1")),  # just above: it moves, and the input side is far behind it at every step
])
def test_the_output_side_must_move_more_than_stagnant_change(early, expected):
    # The output side moves ``early`` on steps 0-40, 1.0 on steps 50-70 (median ``early``); a bias that moves at
    # every step says the run never pauses.
    out = on(range(5), early, 1.0)
    bias = view("l3/bias", "l3", "bias", change=1e-3, count=10.0)
    run = run_of(*kernels(1e-9, 1e-10, out, out), bias)
    assert vanishing(run) == expected


# ------------------------------------------------------------ persistence, step by step

@pytest.mark.parametrize("slow, overrides, expected", [
    # The input side is slow (1e-3 and 1e-4 of the output side's 1.0) on the steps ``slow`` and half as fast as
    # the output side on the others: each layer's median pace is slow, the steps vary.
    ({1, 2, 3, 4, 5}, {}, spans("l0", "l1", first=10, last=50)),  # 5 of 8 steps, persist_fraction 0.5
    ({1, 2, 3, 4, 5}, {"persist_fraction": 0.75}, []),  # 5 of 8 is below 0.75
    ({1, 2, 3, 4, 5, 6}, {"persist_fraction": 0.75}, spans("l0", "l1", first=10, last=60)),  # exactly 6 of 8
    ({0, 1, 2, 3, 4, 5, 6}, {"persist_fraction": 0.875}, spans("l0", "l1", first=0, last=60)),  # exactly 7 of 8
    ({1, 2, 3, 4, 5, 6}, {"persist_fraction": 0.875}, []),
])
def test_the_input_side_must_stay_slow(slow, overrides, expected):
    run = run_of(*kernels(on(slow, 1e-3, 0.5), on(slow, 1e-4, 0.5), 1.0, 1.0))
    assert vanishing(run, **overrides) == expected


def test_half_of_the_group_slow_makes_the_group_slow():
    # l1 keeps up with the output side at steps 50-70: there one of the two input-side layers is slow, which is
    # half of them (SLOW_MAJORITY), so the group is slow at all 8 steps, enough for persist_fraction 1.
    run = run_of(*kernels(1e-4, on({5, 6, 7}, 0.5, 1e-5), 1.0, 1.0))
    assert vanishing(run, persist_fraction=1.0) == [("l0", "warning", 0, 70, "weights"),
                                                    ("l1", "warning", 0, 40, "weights")]


def test_an_output_layer_missing_at_some_steps_leaves_the_others_as_reference():
    # l3 has no change at steps 0-40 (logged later, say): l2 alone is the output side there.
    late = np.where(np.arange(8) >= 5, 1.0, np.nan)
    assert vanishing(run_of(*kernels(1e-4, 1e-5, 1.0, late))) == spans("l0", "l1")


@pytest.mark.parametrize("stalled, expected", [
    (0.0, spans("l0", "l1", first=0, last=40)),  # the output side still at steps 50-70: those are not observed
    (1e-6, spans("l0", "l1", first=0, last=40)),  # stagnant_change counts as still
    (2e-6, []),  # just above it moves, and the input side (1e-4) is not behind it: 5 slow steps of 8
])
def test_steps_where_the_output_side_is_still_are_not_counted(stalled, expected):
    # The input side moves at every step (so the run never pauses); with persist_fraction 0.75, 5 slow steps
    # of 5 observed are enough, 5 of 8 are not.
    out = on({5, 6, 7}, stalled, 1.0)
    assert vanishing(run_of(*kernels(1e-4, 1e-5, out, out)), persist_fraction=0.75) == expected


@pytest.mark.parametrize("paused, expected", [
    (0.0, spans("l0", "l1", first=20, last=70)),
    (1e-6, spans("l0", "l1", first=20, last=70)),  # at most stagnant_change: still, a pause
    (2e-6, []),  # every layer moves 2e-6 at those steps: no pause, and the input side is as fast as the output
])
def test_pauses_of_gradient_accumulation_do_not_count(paused, expected):
    # Every layer is still (``paused``) at steps 0, 10, 30, 40 and 60 and updates at 20, 50 and 70: the
    # pauses say nothing about the pace, which is read at the updates only (medians of 1e-4, 1e-5, 1.0, 1.0).
    updates = {2, 5, 7}
    run = run_of(*kernels(on(updates, 1e-4, paused), on(updates, 1e-5, paused), on(updates, 1.0, paused),
                          on(updates, 1.0, paused)))
    assert vanishing(run) == expected


def test_pauses_among_small_layers():
    # The same pauses in a tutorial-size model (layers of 10 values, compared among themselves).
    updates = {2, 5, 7}
    run = run_of(*kernels(on(updates, 1e-4, 0.0), on(updates, 1e-5, 0.0), on(updates, 1.0, 0.0), count=[10.0] * 3))
    assert vanishing(run) == spans("l0", "l1", first=20, last=70)


def test_one_marker_per_layer_over_the_whole_slow_stretch():
    # l1 keeps up with the output side at steps 20-40 (three steps, more than base.MAX_GAP): still one marker
    # from its first slow step to its last, the finding is about the run.
    run = run_of(*kernels(1e-4, on({2, 3, 4}, 0.5, 1e-5), 1.0, 1.0))
    assert vanishing(run) == spans("l0", "l1")


@pytest.mark.parametrize("third, expected", [
    # With inferred_slow_ratio 0.5, three input-side layers whose mean paces are within a factor 2 of each other
    # (1e-3, 5e-4, ``third``) move as one: a backbone under a smaller learning rate (MIN_BACKBONE = 3), no fall.
    (5e-4, []),
    (4.9e-4, spans("l0", "l1", "l2")),
])
def test_a_backbone_of_three_layers_moving_as_one(third, expected):
    assert vanishing(run_of(*kernels(1e-3, 5e-4, third, 1.0)), inferred_slow_ratio=0.5) == expected


def test_layers_logged_at_other_steps_are_aligned():
    # The output layer l3 is logged every 5 steps, the others every 10: the markers span steps 0 to 70.
    l3 = view("l3/kernel", "l3", "weights", n=15, change=1.0, count=1000.0, l2_norm=10.0, mean=0.0, std=0.1)
    l3.steps = np.arange(15) * 5
    run = run_of(*kernels(1e-4, 1e-5, 1.0), l3)
    assert vanishing(run) == spans("l0", "l1")


def test_no_inference_when_gradients_are_logged():
    grad = view("l3/kernel/grad", "l3", "gradient", "weights", rms=0.1)
    assert vanishing(run_of(*kernels(1e-4, 1e-5, 1.0, 1.0), grad)) == []


# ------------------------------------------------------------ the evidence, word for word

def test_vanishing_evidence():
    # l0 never moves; l1 moves 2e-3 but 5e-4 at step 30 and 0.1 at step 70 (not slow there: above 0.1 of 0.5);
    # l2 moves 0.25 and l3 0.5: the output side's fastest is l3, 0.5 per step.
    l1 = on({3}, 5e-4, on({7}, 0.1, 2e-3))
    out = inferred.inferred_vanishing_gradient(run_of(*kernels(0.0, l1, 0.25, 0.5)), settings())
    assert [(m["layer"], m["first_step"], m["last_step"], m["severity"], m["evidence_from"]) for m in out] == [
        ("l0", 0, 70, "warning", "weights"), ("l1", 0, 60, "warning", "weights")]
    group = "the 2 layers from the input to l1 move less than 0.1 of the output side's fastest layer (l3)"
    # l0: the slowest step (ratio 0) is the first.
    assert out[0]["evidence"] == ("at step 0 the weights did not change at all (bit-identical histograms); %s "
                                  "at 8 of 8 logged steps; %s" % (group, CONFIRM))
    # l1: the slowest step is step 30, 5e-4 / 0.5 = 1/1000 of the output side.
    assert out[1]["evidence"] == ("at step 30 the weights changed by 5.00e-04 per logged step (Wasserstein / std), "
                                  "1/1e+03 of the output side's 0.5; %s at 7 of 8 logged steps; %s"
                                  % (group, CONFIRM))


def test_vanishing_evidence_at_an_output_pace_below_one():
    # Every step alike: the first is described; 1e-4 / 0.25 = 1/2500.
    out = inferred.inferred_vanishing_gradient(run_of(*kernels(1e-4, 1e-4, 0.25)), settings())
    assert out[0]["evidence"].startswith("at step 0 the weights changed by 1.00e-04 per logged step (Wasserstein / "
                                         "std), 1/2.5e+03 of the output side's 0.25; ")


# ------------------------------------------------------------ exploding, inferred from weight norms

def jumping(norms, zero_start=0.0, name="l0", count=1000.0):
    norms = np.asarray(norms, dtype=float)
    zero = np.zeros(len(norms))
    zero[0] = zero_start
    return view("%s/kernel" % name, name, "weights", n=len(norms), l2_norm=norms, zero_fraction=zero, mean=0.0,
                std=0.1, change=1e-3, count=count)


JUMP = [1.0, 1.0, 1.0, 1.0, 100.0, 100.0, 100.0, 100.0]  # 100x at steps 40, 50 and 60 over the 3 steps before


def test_no_exploding_inference_when_gradients_are_logged():
    assert exploding(run_of(jumping(JUMP))) == [("l0", "warning", 40, 60, "weights")]
    grad = view("l0/kernel/grad", "l0", "gradient", "weights", rms=0.1)
    assert exploding(run_of(jumping(JUMP), grad)) == []


@pytest.mark.parametrize("norms, expected", [
    ([1.0], []),
    ([1.0, 100.0], [("l0", "warning", 10, 10, "weights")]),  # two logged norms are enough
    ([1.0, 99.0], []),
])
def test_two_logged_norms_are_enough(norms, expected):
    assert exploding(run_of(jumping(norms))) == expected


@pytest.mark.parametrize("zero_start, expected", [
    (0.49, [("l0", "warning", 40, 60, "weights")]),
    (0.5, []),  # ZERO_INITIALISED: half its first values exactly zero, it grows from nothing
])
def test_zero_initialised_edge(zero_start, expected):
    assert exploding(run_of(jumping(JUMP, zero_start))) == expected


def test_a_skipped_layer_does_not_end_the_reading():
    grows = jumping([1e-6, 1e-3, 1e-2, 1e-1, 0.2, 0.3, 0.4, 0.5], zero_start=1.0, name="l0")  # zero-initialised
    assert exploding(run_of(grows, jumping(JUMP, name="l1"))) == [("l1", "warning", 40, 60, "weights")]


def test_normalisation_parameters_are_not_judged():
    gamma = view("bn/gamma", "bn", "weights", param_name="gamma", l2_norm=np.array(JUMP), zero_fraction=0.0,
                 mean=1.0, std=0.1, change=1e-3)
    assert exploding(run_of(gamma)) == []


def test_a_first_norm_of_zero_is_no_base():
    # A first logged norm of 0 (values too small for their squares, here with no exact zeros): the layer grows
    # from nothing, not judged, however it jumps later.
    assert exploding(run_of(jumping([0.0, 1.0, 1.0, 1.0, 100.0, 100.0, 100.0, 100.0]))) == []


def test_a_zero_norm_is_no_base_to_jump_from():
    # Step 10's norm is 0: no growth is measured from it (a jump from 0 is no number), so steps 20 and 30 are
    # measured from step 0's 1 and 40 too (the smallest positive norm of steps 10-30); 100x at steps 40-60.
    assert exploding(run_of(jumping([1.0, 0.0, 1.0, 1.0, 100.0, 100.0, 100.0, 100.0]))) == [
        ("l0", "warning", 40, 60, "weights")]


@pytest.mark.parametrize("steps, expected", [
    (1, []),  # 10x per step
    (2, [("l0", "warning", 50, 50, "weights")]),  # step 50's 100 over step 30's 1 (step 40 holds 10)
])
def test_exploding_window_of_one_and_two_steps(steps, expected):
    norms = [1.0, 1.0, 1.0, 1.0, 10.0, 100.0, 100.0, 100.0]
    assert exploding(run_of(jumping(norms)), inferred_exploding_steps=steps) == expected


def test_exploding_evidence():
    # The first norm is 2, steps 10-30 hold 1: step 40's 100 is 100x the smallest of the 3 steps before.
    [m] = inferred.inferred_exploding_gradient(run_of(jumping([2.0, 1.0, 1.0, 1.0, 100.0, 100.0, 100.0, 100.0])),
                                               settings())
    assert (m["first_step"], m["last_step"]) == (40, 60)
    assert m["evidence"] == ("weight L2 norm jumped 100× within 3 logged steps to 100 at step 40 (2 at step 0); "
                             + CONFIRM)


def _with_others(own):
    # Two other layers of 100 values with norms 10 and 30: initial RMS 1 and 3, median 2; SMALL_INIT_SHARE (0.1)
    # of it is 0.2, a norm of 0.2 * sqrt(100) = 2 for a 100-value layer.
    return run_of(jumping([10.0] * 8, name="a", count=100.0), jumping([30.0] * 8, name="b", count=100.0), own)


def test_exploding_from_a_small_initialisation_is_measured_from_the_others_scale():
    # Started at 0.01, far below the others: its jump to 400 is measured from 2 (200x), not from 0.01.
    [m] = inferred.inferred_exploding_gradient(
        _with_others(jumping([0.01] * 4 + [400.0] * 4, name="c", count=100.0)), settings())
    assert (m["layer"], m["first_step"], m["last_step"], m["severity"]) == ("c", 40, 60, "warning")
    assert m["evidence"] == ("weight L2 norm jumped 200× within 3 logged steps to 400 at step 40 (0.01 at step 0) "
                             "(measured from 0.1 of the other layers' initial scale: the layer started smaller); "
                             + CONFIRM)


def test_a_layer_started_at_the_floor_is_measured_from_its_own_norm():
    # Started at 2, exactly the floor: measured from its own norm, no note.
    [m] = inferred.inferred_exploding_gradient(
        _with_others(jumping([2.0] * 4 + [400.0] * 4, name="c", count=100.0)), settings())
    assert m["evidence"] == ("weight L2 norm jumped 200× within 3 logged steps to 400 at step 40 (2 at step 0); "
                             + CONFIRM)
