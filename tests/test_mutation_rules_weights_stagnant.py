"""stagnant_weights and the readings under it (``tb_histdiag_plugin/rules/weights.py``): the pauses of gradient
accumulation, a bias that moves, the dead input of the layer after a dead one, and the evidence sentences.

Added for mutation testing (tests/mutation/): the rule and edge tests check which layers are stagnant; these
pin each reading at its edges (a pace at exactly ``stagnant_change``, at exactly the slowest pace a histogram
shows, a tensor of exactly ``EXACT_TENSOR`` values), which evidence names the dead input, and the sentences,
written out by hand.  Steps are 0, 10, 20, ... (``rule_views.view``).
"""

import numpy as np
import pytest

from rule_views import STEPS, on, run_of, view
from tb_histdiag_plugin import settings as settings_module
from tb_histdiag_plugin.rules import base, weights

DEFAULTS = settings_module.parse_settings({})
NOT_LEARNING = "; no layer of the run is learning (every logged weight and bias is still)"


def kernel(layer, change, count=1000.0, n=STEPS):
    return view("%s/kernel" % layer, layer, "weights", n=n, change=change, count=count, l2_norm=10.0, mean=0.0,
                std=0.1)


def bias(layer, change, **extra):
    given = dict(change=change, mean=0.1)
    given.update(extra)
    return view("%s/bias" % layer, layer, "bias", **given)


def stagnant(run, skip=(), **overrides):
    """``[(layer, severity, first step, last step, evidence)]`` of stagnant_weights, each checked for its fields."""
    out = []
    for m in weights.stagnant_weights(run, dict(DEFAULTS, **overrides), skip):
        assert (m["kind"], m["tag"], m["evidence_from"]) == ("stagnant_weights", m["layer"] + "/kernel", "weights")
        out.append((m["layer"], m["severity"], m["first_step"], m["last_step"], m["evidence"]))
    return out


def spans(run, **overrides):
    return [m[:4] for m in stagnant(run, **overrides)]


# ------------------------------------------------------------ the two readings' sentences

def test_relative_evidence_names_the_median_pace_of_the_span_and_of_the_peers():
    # l1 moves 1e-6..4e-6 at steps 20..50 while l0 and l2 move 1e-2: below 1e-3 of them (1e-5).
    slow = np.array([1e-2, 1e-2, 1e-6, 2e-6, 3e-6, 4e-6, 1e-2, 1e-2])
    run = run_of(kernel("l0", 1e-2), kernel("l1", slow), kernel("l2", 1e-2))
    assert stagnant(run) == [
        ("l1", "warning", 20, 50, "weights changed by 2.50e-06 (Wasserstein / std, median per logged step) from step "
         "20 to 50, against 0.01 for the other layers")]


def test_absolute_evidence_counts_the_still_steps_and_names_the_limit():
    # l0 bit-identical (at most 1e-6) at steps 10..30; the other kernels are still throughout but their biases move.
    still = np.array([1e-3, 2e-7, 5e-7, 1e-6, 1e-3, 1e-3, 1e-3, 1e-3])
    run = run_of(kernel("l0", still), kernel("l1", 0.0), kernel("l2", 0.0), bias("l1", 1e-3), bias("l2", 1e-3))
    assert stagnant(run) == [
        ("l0", "warning", 10, 30, "weights bit-identical (change 5.00e-07 per logged step, at most 1.00e-06) from "
         "step 10 to 30, 3 logged steps")]


def test_nothing_learning_for_stagnant_steps_in_a_row_is_critical():
    # Every kernel moves until step 40, then all are still for exactly stagnant_steps (3) logged steps.
    run = run_of(*(kernel("l%d" % i, on({5, 6, 7}, 0.0, 1e-3)) for i in range(3)))
    sentence = ("weights bit-identical (change 0 per logged step, at most 1.00e-06) from step 50 to 70, 3 logged "
                "steps" + NOT_LEARNING)
    assert stagnant(run) == [("l%d" % i, "critical", 50, 70, sentence) for i in range(3)]
    # Two still steps at the end are too few for either reading.
    run = run_of(*(kernel("l%d" % i, on({6, 7}, 0.0, 1e-3)) for i in range(3)))
    assert stagnant(run) == []


def test_a_run_shorter_than_stagnant_steps_is_critical_only_when_nothing_learns():
    # Two logged steps: l0 still while l1 and l2 move is a warning (they learn).
    run = run_of(kernel("l0", 0.0, n=2), kernel("l1", 1e-3, n=2), kernel("l2", 1e-3, n=2))
    assert stagnant(run) == [
        ("l0", "warning", 0, 10, "weights changed by 0 (Wasserstein / std, median per logged step) from step 0 to 10, "
         "against 0.001 for the other layers")]
    run = run_of(kernel("l0", 0.0, n=2), kernel("l1", 0.0, n=2), kernel("l2", 0.0, n=2))
    sentence = ("weights bit-identical (change 0 per logged step, at most 1.00e-06) from step 0 to 10, 2 logged steps"
                + NOT_LEARNING)
    assert stagnant(run) == [("l%d" % i, "critical", 0, 10, sentence) for i in range(3)]


def test_skipped_layers_get_no_marker_and_the_others_still_do():
    run = run_of(kernel("l0", 0.0), kernel("l1", 0.0), kernel("l2", 0.0))
    assert [m[:4] for m in stagnant(run, skip={"l0"})] == [("l1", "critical", 0, 70), ("l2", "critical", 0, 70)]


# ------------------------------------------------------------ the relative reading at its edges

def test_peers_at_exactly_stagnant_change_are_still_not_a_pace_to_compare_with():
    # l1 and l2 move exactly 1e-6 (bit-identical by stagnant_change) with their biases moving; l0 is still at
    # steps 30, 40 only (too few for the absolute reading).  Tensors of 10 values show every pace.
    run = run_of(kernel("l0", on({3, 4}, 0.0, 1e-3), count=10.0), kernel("l1", 1e-6, count=10.0),
                 kernel("l2", 1e-6, count=10.0), bias("l1", 1e-3), bias("l2", 1e-3))
    assert spans(run) == []


def test_a_pace_of_exactly_stagnant_change_is_still_in_the_relative_reading():
    # Peers at 2e-4 (1e-3 of it is 2e-7); l0 at exactly 1e-6 on two steps is still all the same.  10,000 values
    # show a pace of 1e-4 and up.
    run = run_of(kernel("l0", on({3, 4}, 1e-6, 2e-4), count=1e4), kernel("l1", 2e-4, count=1e4),
                 kernel("l2", 2e-4, count=1e4))
    assert spans(run) == [("l0", "warning", 30, 40)]


def test_peers_at_exactly_the_slowest_visible_pace_count():
    # 1,000 values show a pace of VISIBLE_CHANGE / 1000 = 1e-3 and up: peers at exactly that pace count.
    run = run_of(kernel("l0", on({3, 4}, 0.0, 1e-3)), kernel("l1", 1e-3), kernel("l2", 1e-3))
    assert spans(run) == [("l0", "warning", 30, 40)]


# ------------------------------------------------------------ the absolute reading: the pace a histogram shows

@pytest.mark.parametrize("count, expected", [
    (25.0, [("l0", "warning", 10, 30)]),
    (31.0, [("l0", "warning", 10, 30)]),  # fewer than EXACT_TENSOR values: every pace shows
    (32.0, []),  # 1e-3 is below VISIBLE_CHANGE / 32
    (np.nan, [("l0", "warning", 10, 30)]),  # count unknown: no pace is ruled out
])
def test_the_pace_a_histogram_shows_by_its_count(count, expected):
    run = run_of(kernel("l0", on({1, 2, 3}, 0.0, 1e-3), count=count), kernel("l1", 0.0, count=25.0),
                 kernel("l2", 0.0, count=25.0), bias("l1", 1e-3), bias("l2", 1e-3))
    assert spans(run) == expected


# ------------------------------------------------------------ a bias that moves

def test_a_bias_change_of_exactly_stagnant_change_is_no_move():
    run = run_of(kernel("l0", 0.0), kernel("l1", 0.0), kernel("l2", 0.0), bias("l0", 1e-6))
    assert spans(run) == [("l%d" % i, "critical", 0, 70) for i in range(3)]
    run = run_of(kernel("l0", 0.0), kernel("l1", 0.0), kernel("l2", 0.0), bias("l0", 1.01e-6))
    assert spans(run) == [("l1", "warning", 0, 70), ("l2", "warning", 0, 70)]


def test_a_one_value_bias_moves_by_its_mean_relative_to_its_size():
    # A one-output layer's bias: no spread, so no change; its mean 1e-3 grows by 1e-4 a step (10% of itself).
    mean = 1e-3 + 1e-4 * np.arange(STEPS)
    run = run_of(kernel("l0", 0.0), kernel("l1", 0.0), kernel("l2", 0.0),
                 bias("l0", np.nan, mean=mean, count=1.0))
    # Nothing moves at step 0 (no previous mean): a pause before the first update.
    assert spans(run) == [("l1", "warning", 10, 70), ("l2", "warning", 10, 70)]


def test_a_one_value_bias_moving_by_exactly_stagnant_change_of_itself_is_still():
    # With stagnant_change = 2 ** -10, a mean from 1 - 2 ** -10 to 1 moves by exactly that share of itself.
    still = 2.0 ** -10
    mean = np.ones(STEPS)
    mean[0] = 1.0 - still
    run = run_of(kernel("l0", 0.0), kernel("l1", 0.0), kernel("l2", 0.0),
                 bias("l0", np.nan, mean=mean, count=1.0))
    assert spans(run, stagnant_change=still) == [("l%d" % i, "critical", 0, 70) for i in range(3)]
    # Twice that share: l0's bias moves at step 10 (step 0, before it, is a pause) and nothing moves after it.
    mean[0] = 1.0 - 2 * still
    run = run_of(kernel("l0", 0.0), kernel("l1", 0.0), kernel("l2", 0.0),
                 bias("l0", np.nan, mean=mean, count=1.0))
    assert spans(run, stagnant_change=still) == [("l0", "critical", 20, 70), ("l1", "critical", 10, 70),
                                                 ("l2", "critical", 10, 70)]


def test_a_bias_logged_at_fewer_steps_moves_only_where_logged():
    # l0's bias is logged at steps 0 and 10 only: from step 20 on nothing shows l0 learning.
    short = view("l0/bias", "l0", "bias", n=2, change=1e-3, mean=0.1)
    run = run_of(kernel("l0", 0.0), kernel("l1", 1e-3), kernel("l2", 1e-3), short)
    assert spans(run) == [("l0", "warning", 20, 70)]


# ------------------------------------------------------------ pauses between updates (gradient accumulation)

def paused(moving_at, bias_at=None):
    views = [kernel("l%d" % i, on(moving_at, 1e-3, 0.0)) for i in range(3)]
    if bias_at is not None:
        views.append(bias("l0", on(bias_at, 1e-3, 0.0)))
    return weights.paused_steps(run_of(*views), DEFAULTS).tolist()


@pytest.mark.parametrize("moving_at, bias_at, expected", [
    ({0, 3, 6}, None, [10, 20, 40, 50, 70]),  # every third step: the last still step is due before an update
    ({0, 2, 3}, None, [10]),  # four still steps at the end, longer than any pause before: a stop
    (set(range(7)), None, []),  # the last step still with no pause before it: a stop
    ({0, 7}, None, [10, 20, 30, 40, 50, 60]),  # the move at the last step ends the pause
    (set(), {0, 3}, [10, 20]),  # a bias moving is a move
])
def test_paused_steps(moving_at, bias_at, expected):
    assert paused(moving_at, bias_at) == expected


def test_a_pause_is_left_out_of_the_stagnant_reading():
    # stagnant_steps = 1: a still step is enough, unless it is a pause between two updates.
    run = run_of(*(kernel("l%d" % i, on({0, 1, 4, 5, 6, 7}, 1e-3, 0.0)) for i in range(3)))
    assert spans(run, stagnant_steps=1) == []
    run = run_of(*(kernel("l%d" % i, on(range(6), 1e-3, 0.0)) for i in range(3)))
    assert spans(run, stagnant_steps=1) == [("l%d" % i, "critical", 60, 70) for i in range(3)]


def test_no_weights_no_pauses():
    assert weights.paused_steps(run_of(bias("l0", 1e-3)), DEFAULTS).tolist() == []


# ------------------------------------------------------------ the layer after a dead one

ONLY_BIAS = "; only its bias moves: "
L0_STILL = "l0 before it is still too (kernel and bias), so its input is constant: exactly zero if l0 is dead"
ACTS_ZERO = "the activations of %s before it are exactly zero (a dead layer)"
GRAD_ZERO = "its kernel gradient is exactly zero, so the kernel cannot move (a zero input, as after a dead layer)"
STILL_SENTENCE = "weights bit-identical (change 0 per logged step, at most 1.00e-06) from step %d to %d, %d logged steps"


def act(layer, zero):
    return view("%s/activations" % layer, layer, "activation", zero_fraction=zero, min=0.0, max=1.0)


def grad(layer, zero, param="weights"):
    return view("%s/%s/grad" % (layer, "kernel" if param == "weights" else "bias"), layer, "gradient", param,
                zero_fraction=zero, rms=1e-3, l2_norm=1e-2)


def chain(*extra, count=25.0, pace=0.1, l0_bias=None):
    """l0 still (kernel and bias), l1's kernel still while its bias moves, l2 learning at ``pace``; ``extra``
    views (activations, gradients) go between l0 and l1."""
    return run_of(kernel("l0", 0.0, count=count), l0_bias or bias("l0", 0.0, mean=-100.0), *extra,
                  kernel("l1", 0.0, count=count), bias("l1", 0.1), kernel("l2", pace, count=count), bias("l2", 0.1))


def l1(run):
    return [m for m in stagnant(run) if m[0] == "l1"]


def test_weights_only_the_layer_before_still_makes_the_input_constant():
    run = chain()
    assert stagnant(run) == [
        ("l0", "warning", 0, 70, "weights changed by 0 (Wasserstein / std, median per logged step) from step 0 to "
         "70, against 0.05 for the other layers"),
        ("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + L0_STILL)]


@pytest.mark.parametrize("count, pace, dead", [
    (25.0, 0.01, True),  # fewer than EXACT_TENSOR values: any pace above stagnant_change would move l1
    (31.0, 0.01, True),
    (32.0, 0.01, False),  # 0.01 is below VISIBLE_CHANGE / 32: l1's histogram might not show it
    (1000.0, 1e-3, True),  # exactly VISIBLE_CHANGE / 1000
    (1000.0, 0.99e-3, False),
])
def test_weights_only_the_pace_l1_would_show(count, pace, dead):
    expected = [("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + L0_STILL)] if dead else []
    assert l1(chain(count=count, pace=pace)) == expected


def test_weights_only_the_previous_layer_is_the_nearest_one():
    # l0 learns, l1 is still (kernel and bias), l2's kernel is still while its bias moves, l3 learns:
    # l2's input comes from l1.
    run = run_of(kernel("l0", 0.1, count=25.0), bias("l0", 0.1), kernel("l1", 0.0, count=25.0), bias("l1", 0.0),
                 kernel("l2", 0.0, count=25.0), bias("l2", 0.1), kernel("l3", 0.1, count=25.0), bias("l3", 0.1))
    l1_still = L0_STILL.replace("l0", "l1")
    assert [m for m in stagnant(run) if m[0] == "l2"] == [
        ("l2", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + l1_still)]


@pytest.mark.parametrize("extra, why", [
    ([act("a0", 1.0)], ACTS_ZERO % "a0"),
    ([act("a0", 1.0 - 1e-9)], ACTS_ZERO % "a0"),  # ALL_ZERO: zero everywhere at the stored resolution
    ([grad("l1", 1.0)], GRAD_ZERO),
    ([grad("l1", 1.0 - 1e-9)], GRAD_ZERO),
    ([act("a0", 1.0), grad("l1", 1.0)], ACTS_ZERO % "a0"),  # the strongest evidence first
    ([act("a0", 0.5)], None),  # half the units alive: the input is not zero, and l1's bias learns
    ([act("a0", 1.0 - 2e-9)], None),
    ([grad("l1", 0.0)], None),
    ([grad("l1", 1.0 - 2e-9)], None),
    ([act("a0", 0.5), grad("l1", 0.0)], None),
])
def test_dead_input_read_from_activations_or_the_kernel_gradient(extra, why):
    expected = [("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + why)] if why else []
    assert l1(chain(*extra)) == expected


def test_a_zero_bias_is_no_zero_activation():
    # l0's bias is all zeros (zero-initialised, never moved); its activations are alive: l1's input is not zero.
    assert l1(chain(act("a0", 0.5), l0_bias=bias("l0", 0.0, mean=0.0, zero_fraction=1.0))) == []


def test_the_activations_of_the_layer_before_count_its_own_do_not():
    # l0's own activations (its layer's output) are l1's input.
    run = chain(act("l0", 1.0))
    assert l1(run) == [("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + ACTS_ZERO % "l0")]
    # l1's own activations are zero: that is l1's output, not its input.
    run = run_of(kernel("l0", 0.0, count=25.0), bias("l0", 0.0), kernel("l1", 0.0, count=25.0), bias("l1", 0.1),
                 act("l1", 1.0), kernel("l2", 0.1, count=25.0), bias("l2", 0.1))
    assert l1(run) == []


def test_zero_activations_before_the_first_layer_are_its_input_not_the_next_ones():
    run = run_of(act("in", 1.0), kernel("l0", 0.0, count=25.0), bias("l0", 0.1), kernel("l1", 0.0, count=25.0),
                 bias("l1", 0.1), kernel("l2", 0.1, count=25.0), bias("l2", 0.1))
    assert stagnant(run) == [("l0", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + ACTS_ZERO % "in")]


def test_dead_input_steps_add_up_from_every_source():
    # Two activations between l0 and l1, zero at steps 0..30 and 40..70: l1's input is zero throughout.
    run = chain(act("a0", on(range(4), 1.0, 0.5)), act("a1", on(range(4, STEPS), 1.0, 0.5)))
    assert l1(run) == [("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + ACTS_ZERO % "a0")]
    # Activations zero at steps 0..30, the kernel gradient at 40..70.
    run = chain(act("a0", on(range(4), 1.0, 0.5)), grad("l1", on(range(4, STEPS), 1.0, 0.0)))
    assert l1(run) == [("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8) + ONLY_BIAS + ACTS_ZERO % "a0")]
    # Only the steps 40..70 are known to be dead input.
    run = chain(act("a0", on(range(4, STEPS), 1.0, 0.5)))
    assert l1(run) == [("l1", "warning", 40, 70, STILL_SENTENCE % (40, 70, 4) + ONLY_BIAS + ACTS_ZERO % "a0")]


@pytest.mark.parametrize("extra", [[act("a0", 0.5)], [grad("l1", 0.0)]])
def test_with_activations_or_gradients_logged_the_weights_alone_do_not_say_dead(extra):
    # l0 still would make l1's input constant (weights only), but the logged activations or gradient say alive.
    assert l1(chain(*extra)) == []


def test_a_bias_gradient_is_no_kernel_gradient():
    # A layer that logs only its bias gradient: zero bias gradient says nothing of the kernel's input.
    views = [kernel("l0", 0.0, count=25.0), bias("l0", 0.0), kernel("l1", 0.0, count=25.0), bias("l1", 0.1),
             grad("l1", 1.0, param="bias"), kernel("l2", 0.1, count=25.0), bias("l2", 0.1)]
    layers = [{"name": "l%d" % i, "depth": i, "tags": {"weights": "l%d/kernel" % i, "bias": "l%d/bias" % i,
                                                       "gradient": None, "activation": None}} for i in range(3)]
    layers[1]["tags"]["gradient"] = "l1/bias/grad"
    for v in views:
        v.depth = int(v.layer[1])
    assert l1(base.RunView(views, layers)) == []


def test_a_zero_kernel_gradient_without_a_moving_bias_adds_no_bias_sentence():
    # l1 has no bias; the other kernels are still with their biases moving: the absolute reading alone.
    run = run_of(kernel("l0", 0.0), bias("l0", 1e-3), kernel("l1", 0.0), grad("l1", 1.0), kernel("l2", 0.0),
                 bias("l2", 1e-3))
    assert stagnant(run) == [("l1", "warning", 0, 70, STILL_SENTENCE % (0, 70, 8))]


def test_weights_only_no_pace_means_no_dead_input_even_with_stagnant_change_zero():
    # stagnant_change = 0: only exactly zero change is still.  No kernel moves, only the biases of l1 and l2:
    # with no pace to compare with, l0 still says nothing of l1's input (and l1's bias learns).
    run = chain(pace=0.0)
    assert [m for m in stagnant(run, stagnant_change=0.0) if m[0] == "l1"] == []
    # l2 moving at the smallest pace above 0 is a pace l1's 25 values would show.
    run = chain(pace=1e-12)
    assert [m[:4] for m in stagnant(run, stagnant_change=0.0) if m[0] == "l1"] == [("l1", "warning", 0, 70)]
