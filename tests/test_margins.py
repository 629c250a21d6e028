"""The synthetic pathologies sit far from every threshold they should cross or stay under.

A fixture near a threshold lets sampling noise or the bucket estimate decide
the marker: a test on it passes or fails for reasons it does not state.  Here
each fixture of ``tests/synthetic.py`` (and the golden runs made from them) is
measured on its own exact tensors, the numbers the rules read estimated from
buckets, and held a factor 3 (``MARGIN``) from each threshold: a ratio r and
threshold t satisfy r <= t / 3 or r >= 3 t.  The thresholds are the settings'
defaults, written here as numbers.
"""

import numpy as np
import pytest

import synthetic

MARGIN = 3.0
VANISHING_RATIO, VANISHING_CRITICAL, VANISHING_ABS = 1e-2, 1e-4, 1e-7
EXPLODING_FACTORS, EXPLODING_ABS = (10.0, 100.0, 1000.0), 1e6
GROWTH_RATIOS = (3.0, 10.0, 100.0)
DEAD_FRACTION = 0.9


def far(value, threshold, margin=MARGIN):
    return value <= threshold / margin or value >= threshold * margin


def rms(x):
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.sqrt(np.mean(x * x)))


def norm(x):
    x = np.asarray(x, dtype=np.float64)
    x = x[np.isfinite(x)]
    return float(np.linalg.norm(x))


# ------------------------------------------------------------ vanishing

@pytest.mark.parametrize("layers, steps, seed, vanishing, critical", [
    (6, 12, 0, {0, 1, 2, 3}, {0, 1, 2}),  # synthetic.vanishing() as the tests write it
    (5, 12, 11, {0, 1, 2}, {0, 1}),  # the golden run tf2_vanishing
    (6, 4, 0, {0, 1, 2, 3}, {0, 1, 2}),  # test_wheel's four steps
    (6, 8, 0, {0, 1, 2, 3}, {0, 1, 2}),  # test_reliability's eight
])
def test_vanishing_fixture_is_far_from_the_vanishing_thresholds(layers, steps, seed, vanishing, critical):
    frames = synthetic.vanishing(steps=steps, layers=layers, seed=seed)
    found_vanishing, found_critical = set(), set()
    for step, tensors in frames:
        g = [rms(tensors["layer_%d_gradients" % i]) for i in range(layers)]
        for i in range(layers - 1):
            ratio = g[i] / max(g[i + 1:])  # against the largest RMS nearer the output
            where = "layer_%d step %d: ratio %.3g, RMS %.3g" % (i, step, ratio, g[i])
            assert far(ratio, VANISHING_RATIO) and far(ratio, VANISHING_CRITICAL), where
            assert far(ratio, 1e-6), where  # test_api's and test_cli's override that turns the rule off
            assert far(g[i], VANISHING_ABS), where
            if ratio < VANISHING_RATIO or g[i] < VANISHING_ABS:
                found_vanishing.add(i)
            if ratio <= VANISHING_CRITICAL or g[i] < VANISHING_ABS:
                found_critical.add(i)
        assert far(g[-1], VANISHING_ABS)
    assert (found_vanishing, found_critical) == (vanishing, critical)


# ------------------------------------------------------------ diverging

def test_diverging_fixture_is_far_from_the_exploding_and_growth_thresholds():
    frames = synthetic.diverging()
    first_nan = synthetic.DIVERGING_NAN_FROM
    for name in ("fc1", "fc2", "fc3"):
        grads = [norm(t[name + ".weight.grad"]) for _, t in frames[:first_nan]]
        baseline = float(np.median(grads[:3]))  # the early baseline: the first 3 logged steps
        growth = np.array(grads) / baseline
        for step, g in enumerate(growth[3:], start=3):
            assert all(far(g, f) for f in EXPLODING_FACTORS), (name, step, g)
        assert max(grads) <= EXPLODING_ABS / (10 * MARGIN), (name, max(grads))  # the last finite norm, 1.3e4
        assert growth[3] < 10 and growth[4] > 1000  # grown from step 4, critical at once
        weights = [norm(t[name + ".weight"]) for _, t in frames[:first_nan]]
        end = weights[-1] / weights[0]
        assert all(far(end, r) for r in GROWTH_RATIOS), (name, end)
        assert end > 100  # critical
        assert np.all(np.diff(weights) > 0)  # rising at every step: far from steady_fraction 0.8
    for step, tensors in frames:
        assert np.isnan(tensors["fc1.weight.grad"]).any() == (step >= first_nan)
        assert np.isinf(tensors["fc1.weight"]).any() == (step >= first_nan)


# ------------------------------------------------------------ healthy

def test_healthy_fixture_is_far_from_every_threshold():
    frames = synthetic.healthy()
    layers = 4
    grads = np.array([[rms(t["dense_%d/kernel/grad" % i]) for i in range(layers)] for _, t in frames])
    for step, g in enumerate(grads):
        for i in range(layers - 1):
            assert g[i] / g[i + 1:].max() >= VANISHING_RATIO * 10, (step, i)  # a decade above
        assert g.min() >= VANISHING_ABS * 1e4
    norms = grads * np.sqrt(1024)
    growth = norms / np.median(norms[:3], axis=0)
    assert growth.max() <= EXPLODING_FACTORS[0] / MARGIN
    for i in range(layers):
        zero = [np.mean(t["dense_%d/activations" % i] == 0) for _, t in frames]
        # The active share is what the dead-units threshold leaves: 10%; the fixture's is half, 5x that.
        assert min(1 - z for z in zero) >= MARGIN * (1 - DEAD_FRACTION)
        kernel = [norm(t["dense_%d/kernel" % i]) for _, t in frames]
        end = kernel[-1] / kernel[0]
        # Growth and shrink thresholds are ratios to the start: a factor 3 in the exponent from 3 and 0.8.
        assert 0.8 ** (1 / MARGIN) <= end <= 3.0 ** (1 / MARGIN), (i, end)


# ------------------------------------------------------------ the golden runs' own pathologies

def _golden(run):
    import golden_logs

    return golden_logs.RUNS[run][1]()


@pytest.fixture(scope="module")
def golden_path():
    import os
    import sys

    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "golden")
    sys.path.insert(0, path)
    yield
    sys.path.remove(path)


def test_golden_dead_and_saturated_layers_are_far_from_their_thresholds(golden_path):
    for _, tensors in _golden("tf2_dead_units"):
        assert np.mean(tensors["dense_1/activations"] == 0) == 1.0  # dead: every value (critical 0.99)
        for i in (0, 2):
            assert 1 - np.mean(tensors["dense_%d/activations" % i] == 0) >= MARGIN * (1 - DEAD_FRACTION)
    for _, tensors in _golden("tf2_saturation"):
        x = tensors["dense_0/activations"]
        unsaturated = np.mean(np.abs(x) < 0.95)  # within 0.05 of +-1 is saturated
        assert unsaturated <= (1 - 0.9) / MARGIN, unsaturated  # critical at 90% saturated
        assert np.mean(np.abs(x) == 1.0) >= 0.95  # piled exactly at the bounds
        for i in (1, 2):
            saturated = np.mean(np.abs(tensors["dense_%d/activations" % i]) >= 0.95)
            assert saturated <= 0.5 / MARGIN, (i, saturated)  # the healthy tanh layers, against 50%
    for _, tensors in _golden("tf2_tanh_healthy"):
        for i in range(3):
            assert np.mean(np.abs(tensors["dense_%d/activations" % i]) >= 0.95) <= 0.5 / MARGIN


def test_golden_frozen_and_weights_only_layers_are_far_from_their_thresholds(golden_path):
    frames = _golden("tf2_stagnant")
    for (_, before), (_, after) in zip(frames[:-1], frames[1:], strict=True):
        assert np.array_equal(before["dense_1/kernel"], after["dense_1/kernel"])  # bit-identical: change 0
        assert not after["dense_1/kernel/grad"].any()  # exactly zero gradient
        for i in (0, 2):  # the others move by 0.01 per step on a 0.3 spread, against stagnant_ratio 1e-3
            step = np.sqrt(np.mean((after["dense_%d/kernel" % i] - before["dense_%d/kernel" % i]) ** 2))
            assert step / before["dense_%d/kernel" % i].std() >= 1e-2
    frames = _golden("weights_only")
    paces = np.array([[np.sqrt(np.mean((b["dense_%d/kernel" % i] - a["dense_%d/kernel" % i]) ** 2))
                       for i in range(4)] for (_, a), (_, b) in zip(frames[:-1], frames[1:], strict=True)])
    ratio = paces / paces[:, 3:].max(axis=1, keepdims=True)  # against the output side's pace
    assert (ratio[:, 0] <= 1e-2 / MARGIN).all() and (ratio[:, 1] <= 0.1 / MARGIN).all()  # slow, 2+ decades
    assert (ratio[:, 2] >= 0.1 * MARGIN).all()  # the third layer keeps up with the output side
