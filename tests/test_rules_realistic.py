"""False alarms and misses of the health rules on trainings shaped like real ones, each beside its pathology.

Run views are built from arrays (``rule_views.view``) with the numbers tiny
real PyTorch trainings logged (``SummaryWriter.add_histogram`` /
``tb_histdiag_plugin.torch.HistogramLogger``; the figures are quoted where
used): gradient accumulation, batch size 1, a residual branch initialised
small, fine-tuning a pretrained backbone under a small learning rate, and a
borderline vanishing gradient.  Thresholds are written here as numbers.
"""

import numpy as np
import pytest

from tb_histdiag_plugin import rules
from rule_views import found, run_of, view


def layer(i, change, bias_change=None, count=1000.0, **given):
    """A kernel (and optional bias) of layer ``l<i>``; ``change`` per logged step (NaN at the first)."""
    change = np.asarray(change, dtype=float)
    n = len(change)
    out = [view("l%d/kernel" % i, "l%d" % i, "weights", n=n, change=change, count=count,
                l2_norm=given.pop("l2_norm", 10.0), mean=0.0, std=0.1, **given)]
    if bias_change is not None:
        out.append(view("l%d/bias" % i, "l%d" % i, "bias", n=n, change=np.asarray(bias_change, dtype=float),
                        count=64.0, mean=0.01, std=0.05))
    return out


# ------------------------------------------------------------ 1. gradient accumulation

def accumulating(pace, n=24, k=4, last_move=None):
    """Change per logged step when the optimiser steps every ``k`` logged steps (bit-identical in between)."""
    i = np.arange(n)
    moves = (i % k == 0) & (i > 0) & (i <= (n if last_move is None else last_move))
    out = np.where(moves, pace, 0.0)
    out[0] = np.nan
    return out


# Paces per update of a 3-layer MLP under SGD (Wasserstein / std; 2e-3 to 9e-3 in the tiny trainings).
PACES = (4e-3, 2e-3, 9e-3)


def test_gradient_accumulation_is_not_stagnant():
    # Logged at every micro-step, 4 micro-steps per update: 3 bit-identical steps in a row, every layer at once.
    run = run_of(*[v for i, p in enumerate(PACES) for v in layer(i, accumulating(p), accumulating(p / 2))])
    assert found(run) == []


def test_frozen_layer_under_gradient_accumulation_is_still_stagnant():
    frozen = np.zeros(24)
    frozen[0] = np.nan
    views = (layer(0, accumulating(4e-3), accumulating(2e-3)) + layer(1, frozen, frozen)
             + layer(2, accumulating(9e-3), accumulating(4e-3)))
    assert found(run_of(*views)) == [("stagnant_weights", "l1", "warning", "weights")]


@pytest.mark.parametrize("n, fires", [
    (24, False),  # the logs end 3 steps after the last update: the pause of every accumulation
    (25, True),  # 4 still steps: an update was due and never came
])
def test_training_that_stops_under_accumulation_is_critical(n, fires):
    views = [v for i, p in enumerate(PACES) for v in layer(i, accumulating(p, n=n, last_move=20),
                                                           accumulating(p / 2, n=n, last_move=20))]
    expected = [("stagnant_weights", "l%d" % i, "critical", "weights") for i in range(3)] if fires else []
    assert found(run_of(*views)) == expected


def test_inferred_vanishing_is_still_read_under_accumulation():
    # Per-update paces of a sigmoid MLP under SGD (keras_sigmoid_sgd in tests/test_inferred.py): a fall towards
    # the input.  With 3 of 4 steps bit-identical, every median is 0: the pauses must not hide it.
    paces = (4.7e-6, 1.9e-5, 3.4e-6, 5.3e-7, 3.4e-5, 4.0e-4, 8.8e-4, 1.25e-3)
    run = run_of(*[v for i, p in enumerate(paces) for v in layer(i, accumulating(p))])
    assert found(run) == [("vanishing_gradient", "l%d" % i, "warning", "weights") for i in range(5)]
    # Control: the same paces without the fall (every layer within 3x of the output's) are healthy.
    run = run_of(*[v for i, p in enumerate(paces) for v in layer(i, accumulating(max(p, 4e-4)))])
    assert found(run) == []


@pytest.mark.parametrize("end, severity", [(0.81, None), (0.8, "info")])
def test_weight_decay_is_read_under_accumulation(end, severity):
    # The norm falls at each update and stays put in between: a steady fall, not 3 of 4 steps without one.
    updates = np.repeat(np.linspace(1.0, end, 6), 4)  # moves at steps 4, 8, ..., 20 as the kernels do
    views = [v for i, p in enumerate(PACES) for v in layer(i, accumulating(p), accumulating(p / 2))]
    views[0] = view("l0/kernel", "l0", "weights", n=24, change=accumulating(4e-3), l2_norm=updates, mean=0.0,
                    std=0.1)
    expected = [("weight_decay_shrink", "l0", severity, "weights")] if severity else []
    assert found(run_of(*views)) == expected


# ------------------------------------------------------------ 2. dead units from bias gradients at batch size 1

def zeros_of(*counts, units=64):
    return np.array(counts, dtype=float) / units


# Bias-gradient zero counts (of 64 units) at 16 logged steps of a 4-layer ReLU MLP trained at batch size 1
# (SGD, HistogramLogger without activations): fc1 and fc3 healthy, the output's single bias never zero.
FC1 = zeros_of(39, 35, 28, 37, 28, 26, 29, 33, 25, 37, 32, 31, 25, 31, 27, 32)
FC3 = zeros_of(33, 25, 32, 30, 30, 31, 30, 30, 27, 27, 30, 32, 27, 31, 26, 24)
# fc2 with half its units killed (bias -20): 46-53 of 64 zero at every step.
FC2_DEAD = zeros_of(46, 53, 49, 52, 52, 50, 49, 52, 49, 50, 51, 48, 48, 51, 51, 50)


def bias_gradient_run(fc2):
    n = len(fc2)
    return run_of(*[view("fc%d/bias/grad" % (i + 1), "fc%d" % (i + 1), "gradient", "bias", n=n, count=64.0,
                         rms=1e-3, l2_norm=8e-3, zero_fraction=z)
                    for i, z in enumerate([FC1, fc2, FC3, np.zeros(n)])])


def spiking(at):
    """A healthy batch-size-1 layer (about half its units silent for the one example) with spikes at ``at``."""
    z = zeros_of(33, 36, 31, 35, 34, 31, 38, 30, 34, 36, 33, 37, 35, 34, 36, 33)
    z[list(at)] = 51 / 64  # 80% silent for that example: a sparse input, not dead units
    return z


@pytest.mark.parametrize("at, fires", [
    ((3, 4), False),  # two steps in a row: the share of one batch each
    ((3, 4, 6, 7), False),  # twice two, with a step between: still no unit shown silent throughout
    ((3, 4, 5), True),  # three in a row (dead_gradient_steps)
])
def test_batch_size_one_spikes_are_not_dead_units(at, fires):
    expected = [("dead_units", "fc2", "warning", "gradients")] if fires else []
    assert found(bias_gradient_run(spiking(at)), "dead_units") == expected
    # What one step's share used to be enough for: the same spikes read as dead units.
    assert found(bias_gradient_run(spiking(at)), "dead_units", dead_gradient_steps="1") == [
        ("dead_units", "fc2", "warning", "gradients")]


def test_dead_units_at_batch_size_one_are_caught():
    run = bias_gradient_run(FC2_DEAD)
    assert found(run, "dead_units") == [("dead_units", "fc2", "warning", "gradients")]
    marker = [m for m in rules.evaluate(run) if m["kind"] == "dead_units"][0]
    # From the first step where it stands 0.25 above the other layers (46/64 at step 0 is 0.20 above).
    assert (marker["first_step"], marker["last_step"]) == (10, 150)
    # Control: the healthy layers of the same run.
    assert found(bias_gradient_run(FC3), "dead_units") == []


# ------------------------------------------------------------ 3. small initialisation growing

N = 8
PEER_RMS = 0.1  # the other layers' RMS (PyTorch's default init of 64-512-wide layers: 0.03-0.2)


def norms(rms, count=4096.0):
    return np.asarray(rms, dtype=float) * np.sqrt(count)


def small_init_run(last_rms):
    """Three layers at ``PEER_RMS`` and a residual branch's last layer initialised at RMS 1e-4 (weights only)."""
    views = [view("l%d/kernel" % i, "l%d" % i, "weights", n=N, count=4096.0, l2_norm=norms(PEER_RMS), mean=0.0,
                  std=PEER_RMS, change=1e-3) for i in range(3)]
    views.append(view("branch/kernel", "branch", "weights", n=N, count=4096.0, l2_norm=norms(last_rms), mean=0.0,
                      std=np.asarray(last_rms), change=1e-2))
    return run_of(*views)


def test_small_initialisation_catching_up_is_not_exploding():
    # 1e-4 -> 1e-2 within two logged steps: 100x, but still a tenth of the other layers.
    run = small_init_run([1e-4, 1e-4, 1e-3, 1e-2, 2e-2, 3e-2, 3e-2, 3e-2])
    assert found(run) == []


@pytest.mark.parametrize("peak, fires", [(0.99, False), (1.01, True)])
def test_small_initialisation_exploding_past_the_others_is_caught(peak, fires):
    # Measured from a tenth of the others' scale (0.01): 100x that is RMS 1.0, ten times any other layer.
    run = small_init_run([1e-4, 1e-4, 1e-3, peak, peak, peak, peak, peak])
    assert found(run, "exploding_gradient") == ([("exploding_gradient", "branch", "warning", "weights")]
                                                if fires else [])
    if fires:
        evidence = [m for m in rules.evaluate(run) if m["kind"] == "exploding_gradient"][0]["evidence"]
        assert "started smaller" in evidence


@pytest.mark.parametrize("end, severity", [
    (3.6e-2, "info"),  # a residual branch's last layer under Adam: 3.6x a tenth of the others in 300 steps
    (0.099, "info"),
    (0.101, "warning"),  # 10x a tenth of the others' scale (growth_warning_ratio)
    (1.01, "critical"),  # 100x (growth_critical_ratio): ten times any other layer
])
def test_small_initialisation_growing_steadily_is_graded_against_the_others(end, severity):
    run = small_init_run(np.geomspace(1e-4, end, N))
    assert found(run, "weight_growth") == [("weight_growth", "branch", severity, "weights")]
    evidence = [m for m in rules.evaluate(run) if m["kind"] == "weight_growth"][0]["evidence"]
    assert "started far smaller" in evidence
    # Control: a layer at the others' scale growing as much from there is judged on its own start.
    views = [view("l%d/kernel" % i, "l%d" % i, "weights", n=N, count=4096.0, l2_norm=norms(PEER_RMS), mean=0.0,
                  std=PEER_RMS, change=1e-3) for i in range(3)]
    views.append(view("l3/kernel", "l3", "weights", n=N, count=4096.0, mean=0.0, std=PEER_RMS, change=1e-3,
                      l2_norm=norms(np.geomspace(0.1, 0.1 * end / 1e-4, N))))
    assert found(run_of(*views), "weight_growth") == [("weight_growth", "l3", "critical", "weights")]


@pytest.mark.parametrize("peak, fires", [(9.9, False), (10.0, True)])
def test_normally_initialised_layer_exploding_is_unchanged(peak, fires):
    # A layer at the others' scale: its own start is the reference, 100x as before.
    views = [view("l%d/kernel" % i, "l%d" % i, "weights", n=N, count=4096.0, l2_norm=norms(PEER_RMS), mean=0.0,
                  std=PEER_RMS, change=1e-3) for i in range(3)]
    views.append(view("l3/kernel", "l3", "weights", n=N, count=4096.0, mean=0.0, std=PEER_RMS, change=1e-3,
                      l2_norm=norms([0.1, 0.1, 0.1, 0.1, peak, peak, peak, peak])))
    assert found(run_of(*views), "exploding_gradient") == ([("exploding_gradient", "l3", "warning", "weights")]
                                                           if fires else [])


# ------------------------------------------------------------ 4. fine-tuning a pretrained backbone

def noisy(paces, n=30, seed=0):
    """Per-step changes scattered around ``paces`` (lognormal, as logged paces scatter by ~1.5x)."""
    rng = np.random.default_rng(seed)
    out = np.array(paces, dtype=float)[:, None] * rng.lognormal(0.0, 0.4, size=(len(paces), n))
    out[:, 0] = np.nan
    return out


# Median paces of a 5-layer pretrained ReLU backbone and a fresh head, fine-tuned 300 steps logged every 10.
ADAMW = (7.7e-5, 1.7e-4, 1.5e-4, 1.3e-4, 1.1e-4, 1.35e-2)  # AdamW, backbone lr 1e-5, head 1e-3
SGD = (4.9e-5, 5.7e-5, 3.1e-5, 2.6e-5, 3.9e-5, 1.3e-2)  # SGD, backbone lr 1e-3, head 1e-2
# keras_sigmoid_sgd (tests/test_inferred.py): a vanishing gradient's fall towards the input.
SIGMOID = (4.7e-6, 1.9e-5, 3.4e-6, 5.3e-7, 3.4e-5, 4.0e-4, 8.8e-4, 1.25e-3)


@pytest.mark.parametrize("paces", [ADAMW, SGD], ids=["adamw", "sgd"])
def test_fine_tuned_backbone_is_not_vanishing(paces):
    run = run_of(*[v for i, c in enumerate(noisy(paces)) for v in layer(i, c, count=16384.0)])
    assert found(run) == []


def test_vanishing_fall_is_still_caught_beside_fine_tuning():
    run = run_of(*[v for i, c in enumerate(noisy(SIGMOID)) for v in layer(i, c)])
    assert found(run) == [("vanishing_gradient", "l%d" % i, "warning", "weights") for i in range(5)]


@pytest.mark.parametrize("third, fires", [(1e-5, False), (0.99e-5, True)])
def test_backbone_moves_as_one_edge(third, fires):
    # Three input-side layers 1e-4, 1e-4 and ``third`` behind a head at 0.1: within 10x of each other a
    # backbone, beyond it a fall.
    run = run_of(*[v for i, c in enumerate((1e-4, 1e-4, third, 0.1)) for v in layer(i, np.full(N, c))])
    expected = [("vanishing_gradient", "l%d" % i, "warning", "weights") for i in range(3)] if fires else []
    assert found(run) == expected


def test_two_layers_are_too_few_to_call_a_backbone():
    run = run_of(*[v for i, c in enumerate((1e-4, 1e-4, 1.0)) for v in layer(i, np.full(N, c))])
    assert [m[0] for m in found(run)] == ["vanishing_gradient"] * 2


def test_slightly_perturbed_layer_reading_still_is_not_stagnant():
    # SGD fine-tuning: the 2048-value input layer's histogram is bit-identical for 3 logged steps while the
    # backbone around it moves 3e-5 to 6e-5 per step: below what a 2048-value histogram shows (1 / 2048).
    first = noisy(SGD)[0]
    first[-3:] = 0.0
    views = layer(0, first, count=2048.0) + [v for i, c in enumerate(noisy(SGD, seed=1)[1:], 1)
                                             for v in layer(i, c, count=16384.0)]
    assert found(run_of(*views)) == []


@pytest.mark.parametrize("peers, fires", [(0.99e-3, False), (1e-3, True)])
def test_layer_stopping_among_visible_peers_is_stagnant(peers, fires):
    # 1000 values: a pace of 1e-3 shows in its histogram (VISIBLE_CHANGE / count); the middle layer moves at the
    # others' pace, then reads bit-identical for its last 3 logged steps.
    stops = np.full(N, peers)
    stops[-3:] = 0.0
    run = run_of(*[v for i, c in enumerate((np.full(N, peers), stops, np.full(N, peers))) for v in layer(i, c)])
    assert found(run) == ([("stagnant_weights", "l1", "warning", "weights")] if fires else [])
    # A layer bit-identical at every step is frozen, whatever its peers' pace.
    run = run_of(*[v for i, c in enumerate((peers / 100, 0.0, peers / 100)) for v in layer(i, np.full(N, c))])
    assert found(run) == [("stagnant_weights", "l1", "warning", "weights")]


# ------------------------------------------------------------ 5. borderline vanishing

def test_borderline_vanishing_with_one_layer_near_the_slow_ratio():
    # Input side at 1e-5 to 1e-3 of the output's pace; one layer at 0.09x of it (median) whose pace rises when
    # the output's falls, so that it is slow against it on one step of seven: the group is still slow.
    out = np.array([np.nan, 0.5, 1.0, 0.5, 1.0, 0.5, 1.0, 1.0])
    near = np.array([np.nan, 0.06, 0.11, 0.06, 0.11, 0.06, 0.11, 0.09])
    paces = [np.full(N, 1e-5), near, np.full(N, 1e-4), np.full(N, 1e-3), out]
    run = run_of(*[v for i, c in enumerate(paces) for v in layer(i, c)])
    # The flickering layer is slow on a single step: no marker of its own.
    assert found(run) == [("vanishing_gradient", "l%d" % i, "warning", "weights") for i in (0, 2, 3)]
    # Control: the same flicker with the others within 10x of the output: healthy.
    paces = [np.full(N, 0.2), near, np.full(N, 0.3), np.full(N, 0.5), out]
    assert found(run_of(*[v for i, c in enumerate(paces) for v in layer(i, c)])) == []
