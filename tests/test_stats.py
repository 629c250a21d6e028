"""Statistics from buckets against numpy's exact statistics, and edge cases.

Buckets come from TensorBoard's own numpy histogram writer (``histogram_pb``,
the code behind TF2's ``tf.summary.histogram``), so no TensorFlow is needed.
"""

import numpy as np
import pytest

from tensorboard.plugins.histogram import summary_v2
from tensorboard.util import tensor_util

from tb_histdiag_plugin import reading, stats

RNG = np.random.default_rng(0)
DISTRIBUTIONS = {
    "normal": RNG.normal(0.3, 2.0, 1000),
    "relu_half_zero": np.maximum(RNG.normal(0, 1, 1000), 0),
    "relu_dead": np.where(RNG.random(4000) < 0.97, 0.0, RNG.exponential(1.0, 4000)),
    "tanh_saturated": np.tanh(RNG.normal(0, 5, 1000)),
    "uniform_init": RNG.uniform(-0.1, 0.1, 800),
    "clipped": np.clip(RNG.normal(0, 1, 1000), -0.5, 0.5),
    "large_mean": RNG.normal(100, 0.01, 500),
    "lognormal": RNG.lognormal(0, 1, 1000),
    "sparse_gradient": np.where(RNG.random(2000) < 0.6, 0.0, RNG.normal(0, 1e-3, 2000)),
    "bimodal": np.concatenate([RNG.normal(-2, 0.1, 500), RNG.normal(3, 0.5, 500)]),
}


def tf2_buckets(values, k=30):
    return tensor_util.make_ndarray(summary_v2.histogram_pb("t", values, buckets=k).value[0].tensor)


def compute(arrays):
    buckets, n_rows, non_finite = reading.normalise(arrays)
    return stats.series_stats(buckets, n_rows), non_finite


@pytest.mark.parametrize("name", sorted(DISTRIBUTIONS))
def test_estimates_within_bucket_resolution(name):
    x = DISTRIBUTIONS[name]
    s, _ = compute([tf2_buckets(x)])
    width = (x.max() - x.min()) / 30
    assert s["count"][0] == len(x)
    assert s["min"][0] == pytest.approx(x.min(), abs=1e-12)
    assert s["max"][0] == pytest.approx(x.max(), abs=1e-12)
    assert abs(s["mean"][0] - x.mean()) <= width / 2
    for p in (5, 25, 50, 75, 95):
        assert abs(s["p%d" % p][0] - np.percentile(x, p)) <= width, p
    assert s["std"][0] == pytest.approx(x.std(), rel=0.05)
    assert s["rms"][0] == pytest.approx(np.sqrt((x ** 2).mean()), rel=0.05)
    assert s["l2_norm"][0] == pytest.approx(np.linalg.norm(x), rel=0.05)
    assert abs(s["abs_mean"][0] - np.abs(x).mean()) <= width / 2


@pytest.mark.parametrize("name", ["relu_half_zero", "relu_dead", "sparse_gradient"])
def test_zero_mass_is_found(name):
    x = DISTRIBUTIONS[name]
    s, _ = compute([tf2_buckets(x)])
    assert s["zero_fraction"][0] == pytest.approx((x == 0).mean(), abs=0.03)


@pytest.mark.parametrize("name", ["normal", "uniform_init", "lognormal", "bimodal", "large_mean"])
def test_no_zero_mass_or_piles_invented(name):
    s, _ = compute([tf2_buckets(DISTRIBUTIONS[name])])
    assert s["zero_fraction"][0] == 0
    assert s["min_fraction"][0] < 0.01 and s["max_fraction"][0] < 0.01


def test_piles_at_the_bounds():
    x = DISTRIBUTIONS["clipped"]
    s, _ = compute([tf2_buckets(x)])
    assert s["min_fraction"][0] == pytest.approx((x == x.min()).mean(), abs=0.02)
    assert s["max_fraction"][0] == pytest.approx((x == x.max()).mean(), abs=0.02)


def test_change_is_wasserstein_over_previous_std():
    a = RNG.normal(0, 1, 5000)
    s, _ = compute([tf2_buckets(a), tf2_buckets(a), tf2_buckets(a + 0.5), tf2_buckets(a * 3)])
    assert np.isnan(s["change"][0])
    assert s["change"][1] == 0
    # Shifting by 0.5 moves every value 0.5: W1 = 0.5, over std 1.
    assert s["change"][2] == pytest.approx(0.5 / a.std(), rel=0.05)
    # Scaling by 3 moves each quantile q to 3q: W1 = 2 E|x - mean| ~ 1.6 std.
    w1 = np.mean(np.abs(np.sort(a * 3) - np.sort(a + 0.5)))
    assert s["change"][3] == pytest.approx(w1 / (a + 0.5).std(), rel=0.05)


def test_edge_cases_never_raise_and_mark_missing_data():
    cases = [
        tf2_buckets(np.array([])),  # TF2 "empty": all-zero [30, 3]
        np.zeros((0, 3)),  # v2 empty
        tf2_buckets(np.full(50, 0.7)),  # single value: zero-width rows
        np.array([[2.5, 3.5, 7.0]]),  # v2 single value, one bucket
        tf2_buckets(np.array([1.0, np.nan, 2.0])),  # NaN: all edges NaN, counts 0
        tf2_buckets(np.array([1.0, np.inf, 2.0])),  # Inf: edges inf/nan
        tf2_buckets(np.full(10, np.nan)),  # all NaN
        tf2_buckets(RNG.normal(size=100).astype(np.float16)),  # float16 tensor
        tf2_buckets(np.arange(100, dtype=np.int32)),  # integer tensor
        tf2_buckets(RNG.normal(size=10000), k=3000),  # thousands of buckets
        tf2_buckets(RNG.normal(size=10), k=1),  # one bucket
        np.array([[np.finfo(np.float64).max, -np.finfo(np.float64).max, 0.0]]),  # Rust all-empty TF1
    ]
    s, non_finite = compute(cases)
    assert non_finite.tolist() == [False, False, False, False, True, True, True, False, False, False, False, False]
    empty = [0, 1, 4, 5, 6, 11]
    for name, values in s.items():
        if name != "change":
            assert np.isnan(values[empty]).all(), name
    assert s["mean"][2] == pytest.approx(0.7) and s["std"][2] == 0 and s["p50"][2] == pytest.approx(0.7)
    assert s["count"][3] == 7 and s["mean"][3] == pytest.approx(3.0)
    assert s["count"][7] == 100 and s["count"][8] == 100 and s["count"][9] == 10000 and s["count"][10] == 10
    assert s["max"][8] == 99 and s["min"][8] == 0
    for name, values in s.items():
        finite = values[~np.isnan(values)]
        assert np.isfinite(finite).all(), name


def test_all_zero_tensor_is_all_zero_mass():
    s, _ = compute([tf2_buckets(np.zeros(40))])
    assert s["zero_fraction"][0] == 1 and s["mean"][0] == 0 and s["std"][0] == 0 and s["max_fraction"][0] == 0
