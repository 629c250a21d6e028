"""The bucket estimator (``stats.py``) on small histograms worked out by hand.

Added for mutation testing (tests/mutation/): test_stats.py holds the estimates to
numpy's exact statistics within a bucket's resolution, which leaves room for a changed
neighbour, threshold or slot.  Here every histogram is small enough to follow the model of
``stats.py``'s docstring by hand (an atom where a bucket holds clearly more than its
neighbours' density predicts, the rest uniform, split at zero), and each expected value
below is that hand computation, written out in the comments.
"""

import numpy as np
import pytest

from tb_histdiag_plugin import stats


def one_step(rows):
    buckets = np.array([rows], dtype=float)
    return stats.series_stats(buckets, np.array([len(rows)]))


def check(s, expected, step=0):
    for name, value in expected.items():
        assert s[name][step] == pytest.approx(value, abs=1e-9), name


def test_a_pile_at_zero_with_unequal_neighbours():
    # rows [-1,0] 40, [0,1] 100, [1,2] 10.  The [0,1] row holds zero; its neighbours' density is
    # (40 + 10) / 2 = 25, so 75 of its 100 are an atom at 0 (75 > 25 + 3 sqrt(25)).  The edge rows
    # extrapolate their neighbours' trend (2*100 - 10 = 190 and 2*100 - 40 = 160): no atom.
    # Model: uniform 40 on [-1,0], atom 75 at 0, uniform 25 on [0,1], uniform 10 on [1,2]; 150 values.
    s = one_step([[-1, 0, 40], [0, 1, 100], [1, 2, 10]])
    mean = (40 * -0.5 + 25 * 0.5 + 10 * 1.5) / 150                    # 0.05
    second = (40 * (1 / 3) + 25 * (1 / 3) + 10 * (7 / 3)) / 150        # 0.3
    check(s, {
        "count": 150, "mean": mean, "std": np.sqrt(second - mean ** 2), "min": -1, "max": 2,
        "rms": np.sqrt(second), "l2_norm": np.sqrt(second * 150), "abs_mean": (20 + 12.5 + 15) / 150,
        "zero_fraction": 0.5, "min_fraction": 0, "max_fraction": 0,
        # numpy's linear percentile between order statistics floor(h) and floor(h)+1, h = p (n-1),
        # each at CDF (j + 0.5) / n of the model
        "p1": -0.9625 + 0.49 * 0.025,    # h = 1.49: CDF 1.5/150 and 2.5/150 inside [-1,0] (40/150 of the mass)
        "p5": -0.8125 + 0.45 * 0.025,    # h = 7.45
        "p25": -0.0625 + 0.25 * 0.025,   # h = 37.25
        "p50": 0.0, "p75": 0.0,          # inside the atom (CDF 40/150 .. 115/150)
        "p95": 1.15 + 0.55 * 0.1,        # h = 141.55: inside [1,2], which starts at CDF 140/150
        "p99": 1.75 + 0.51 * 0.1,        # h = 147.51
    })
    assert np.isnan(s["change"][0])


def test_a_pile_at_zero_with_equal_neighbours():
    # rows [-1,0] 10, [0,1] 100, [1,2] 10: neighbours' density 10, atom 90 at 0.
    # Model: uniform 10 on [-1,0], atom 90 at 0, uniform 10 on [0,1] and on [1,2]; 120 values.
    s = one_step([[-1, 0, 10], [0, 1, 100], [1, 2, 10]])
    check(s, {"count": 120, "mean": 15 / 120, "rms": 0.5, "abs_mean": 25 / 120, "zero_fraction": 0.75,
              "std": np.sqrt(0.25 - (15 / 120) ** 2), "p1": -0.831, "p5": -0.355, "p50": 0.0,
              "p95": 1.355, "p99": 1.831})


def test_piles_at_both_edges():
    # rows [1,2] 60, [2,3] 10, [3,4] 10, [4,5] 60 (weights clipped to [1, 5]).  The first row's
    # neighbour density is 10 and its trend 2*10 - 10 = 10, so 50 of its 60 are an atom at its
    # minimum 1; the same at the maximum 5.  No row holds zero.
    # Model: atom 50 at 1, uniform 10 on each row, atom 50 at 5; 140 values.
    s = one_step([[1, 2, 60], [2, 3, 10], [3, 4, 10], [4, 5, 60]])
    second = (50 * 1 + 50 * 25 + 10 * (7 + 19 + 37 + 61) / 3) / 140
    check(s, {"count": 140, "mean": 3.0, "std": np.sqrt(second - 9.0), "rms": np.sqrt(second), "abs_mean": 3.0,
              "zero_fraction": 0.0, "min_fraction": 50 / 140, "max_fraction": 50 / 140,
              "p25": 1.0, "p75": 5.0,
              "p50": 3.0,                      # h = 69.5: CDF 69.5/140 at 2.95, 70.5/140 at 3.05
              "p5": 1.0, "p95": 5.0, "min": 1.0, "max": 5.0})


def test_a_pile_at_the_minimum_only_and_no_pile_on_a_smooth_histogram():
    # [0.5,1.5] 80, [1.5,2.5] 20, [2.5,3.5] 20: first row's expected count is max(20, 2*20 - 20) = 20,
    # so 60 are an atom at 0.5.  Model: atom 60 at 0.5, uniform 20 on each row; 120 values.
    s = one_step([[0.5, 1.5, 80], [1.5, 2.5, 20], [2.5, 3.5, 20]])
    check(s, {"min_fraction": 0.5, "max_fraction": 0.0, "zero_fraction": 0.0,
              "mean": (60 * 0.5 + 20 * (1 + 2 + 3)) / 120})
    # 30, 20, 10, 0-ish: a straight density trend; the first row holds what the trend predicts.
    s = one_step([[0, 1, 30], [1, 2, 20], [2, 3, 10]])
    check(s, {"min_fraction": 0.0, "max_fraction": 0.0, "zero_fraction": 0.0,
              "mean": (30 * 0.5 + 20 * 1.5 + 10 * 2.5) / 60})


def test_small_excesses_are_counting_noise():
    # [-1,0] 10, [0,1] 18, [1,2] 10: an excess of 8 over an expected 10 is below 10 + 3 sqrt(10): no atom.
    s = one_step([[-1, 0, 10], [0, 1, 18], [1, 2, 10]])
    check(s, {"zero_fraction": 0.0, "mean": (10 * -0.5 + 18 * 0.5 + 10 * 1.5) / 38})
    # [-1,0] 0, [0,1] 3, [1,2] 0: an excess of 3 is not more than 3.
    s = one_step([[-1, 0, 0], [0, 1, 3], [1, 2, 0]])
    check(s, {"zero_fraction": 0.0, "mean": 0.5})
    # ...but 4 is.
    s = one_step([[-1, 0, 0], [0, 1, 4], [1, 2, 0]])
    check(s, {"zero_fraction": 1.0, "mean": 0.0})


def test_a_row_straddling_zero_is_split_there():
    # one row [-1, 3] of 40: no neighbours, no atom; uniform over [-1, 3], 10 below zero and 30 above.
    s = one_step([[-1, 3, 40]])
    check(s, {"mean": 1.0, "abs_mean": (10 * 0.5 + 30 * 1.5) / 40, "rms": np.sqrt((1 - 3 + 9) / 3),
              "p50": 1.0, "zero_fraction": 0.0, "min": -1.0, "max": 3.0})


def test_a_constant_tensor_is_one_atom():
    # a zero-width row (every value equal) is an atom whole, at its value
    s = one_step([[2.5, 2.5, 7]])
    check(s, {"count": 7, "mean": 2.5, "std": 0.0, "rms": 2.5, "p1": 2.5, "p99": 2.5, "min_fraction": 1.0,
              "max_fraction": 0.0, "zero_fraction": 0.0})
    s = one_step([[0.0, 0.0, 7]])
    check(s, {"mean": 0.0, "zero_fraction": 1.0, "rms": 0.0})


def test_a_tiny_bucket_among_wide_ones_is_a_point():
    # PyTorch's [0, 1e-12) bucket: narrower than 1e-9 of the range, so its 50 values sit at 0 exactly.
    s = one_step([[-1, 0, 10], [0, 1e-12, 50], [1e-12, 1, 10]])
    check(s, {"zero_fraction": 50 / 70, "mean": (10 * -0.5 + 10 * 0.5) / 70, "p50": 0.0})


def test_change_is_the_wasserstein_distance_over_the_previous_std():
    # U[0,1] then U[1,2]: every quantile moves by 1; the first step's std is 1/sqrt(12).
    buckets = np.array([[[0, 1, 100]], [[1, 2, 100]], [[1, 2, 100]]], dtype=float)
    s = stats.series_stats(buckets, np.array([1, 1, 1]))
    assert np.isnan(s["change"][0])
    assert s["change"][1] == pytest.approx(np.sqrt(12.0))
    assert s["change"][2] == pytest.approx(0.0)


def test_empty_steps_are_nan_and_break_change():
    buckets = np.array([[[0, 1, 100]], [[0, 1, 0]], [[0, 1, 100]], [[0, 2, 100]]], dtype=float)
    s = stats.series_stats(buckets, np.array([1, 1, 1, 1]))
    for name in stats.STAT_NAMES:
        assert np.isnan(s[name][1]), name
    assert np.isnan(s["change"][2])  # the step before held nothing
    # U[0,1] to U[0,2]: quantile q moves by q, the mean move is 1/2, over std 1/sqrt(12)
    assert s["change"][3] == pytest.approx(0.5 * np.sqrt(12.0))
    assert s["count"][0] == 100 and s["mean"][2] == 0.5


def test_no_steps():
    s = stats.series_stats(np.zeros((0, 3, 3)), np.zeros(0, dtype=np.int64))
    assert set(s) == set(stats.STAT_NAMES) and all(len(v) == 0 for v in s.values())


def test_a_pile_beside_padding():
    # step 1: [1,2] 10, [2,3] 10, [3,4] 60 and a padding row (step 0 has four rows, so nothing is
    # compacted away): 50 of the last real row's 60 are a pile at 4, the padding row is no neighbour
    buckets = np.array([[[1, 2, 10], [2, 3, 10], [3, 4, 10], [4, 5, 10]],
                        [[1, 2, 10], [2, 3, 10], [3, 4, 60], [4, 4, 0]]], dtype=float)
    s = stats.series_stats(buckets, np.array([4, 3]))
    check(s, {"max_fraction": 50 / 80, "count": 80, "max": 4.0}, step=1)


def test_padding_rows_are_not_data():
    # the second step has two real rows and one row of padding (reading.normalise pads with the last edge)
    buckets = np.array([[[-1, 0, 10], [0, 1, 100], [1, 2, 10]],
                        [[-1, 0, 10], [0, 1, 10], [1, 1, 0]]], dtype=float)
    s = stats.series_stats(buckets, np.array([3, 2]))
    check(s, {"count": 20, "mean": 0.0, "max": 1.0, "min": -1.0, "zero_fraction": 0.0}, step=1)


def test_long_series_are_computed_in_blocks_with_the_same_change():
    n = 600  # more than one block of 256 steps
    width = 1.0 + np.arange(n) % 7
    buckets = np.zeros((n, 1, 3))
    buckets[:, 0, 0], buckets[:, 0, 1], buckets[:, 0, 2] = 0.0, width, 10.0
    s = stats.series_stats(buckets, np.ones(n, dtype=np.int64))
    # U[0,a] to U[0,b]: quantile q moves by q |b - a|, mean move |b - a| / 2, over a / sqrt(12)
    expected = np.abs(np.diff(width)) / 2 / (width[:-1] / np.sqrt(12.0))
    np.testing.assert_allclose(s["change"][1:], expected, rtol=1e-9)
    np.testing.assert_allclose(s["mean"], width / 2)
    assert np.isnan(s["change"][0])


def test_compact_cuts_runs_of_empty_rows_to_one():
    rows = [[i, i + 1, 0] for i in range(10)]
    rows[0][2], rows[9][2] = 10, 10
    buckets = np.array([rows, rows], dtype=float)
    buckets[1, 4, 2] = 5  # the second step also holds 5 in [4, 5]
    out, n_rows = stats.compact(buckets, np.array([10, 10]))
    # kept: each occupied row and the empty row after it; row 0 always
    assert n_rows.tolist() == [3, 5]
    np.testing.assert_array_equal(out[0], [[0, 1, 10], [1, 2, 0], [9, 10, 10], [10, 10, 0], [10, 10, 0]])
    np.testing.assert_array_equal(out[1], [[0, 1, 10], [1, 2, 0], [4, 5, 5], [5, 6, 0], [9, 10, 10]])


def test_compact_leaves_dense_histograms_alone():
    buckets = np.array([[[0, 1, 1], [1, 2, 1], [2, 3, 0], [3, 4, 1]]], dtype=float)
    out, n_rows = stats.compact(buckets, np.array([4]))
    assert out is buckets and n_rows.tolist() == [4]
    out, n_rows = stats.compact(np.zeros((0, 4, 3)), np.zeros(0, dtype=np.int64))
    assert out.shape == (0, 4, 3)


def test_compacting_changes_no_statistic():
    # two piles 10 apart with empty rows between: atoms at 0 and at 10 (each row's neighbour is empty)
    rows = [[i, i + 1, 0] for i in range(10)]
    rows[0][2], rows[9][2] = 10, 10
    s = one_step(rows)
    check(s, {"count": 20, "mean": 5.0, "std": 5.0, "zero_fraction": 0.5, "min_fraction": 0.5,
              "max_fraction": 0.5, "p50": 5.0, "min": 0.0, "max": 10.0})


def _series(widths, rng):
    k = widths
    n = int(rng.integers(2, 6))
    edges = np.sort(rng.normal(size=(n, k + 1)), axis=1)
    counts = rng.integers(0, 50, size=(n, k)).astype(float)
    return np.stack([edges[:, :-1], edges[:, 1:], counts], axis=-1), np.full(n, k)


def test_many_series_stats_equals_one_series_at_a_time():
    rng = np.random.default_rng(0)
    # widths 9 and 3 come alone (9 before the others), 4 and 6 several times, one series has no step
    pairs = [_series(9, rng), _series(4, rng), _series(6, rng), _series(4, rng), _series(4, rng), _series(3, rng),
             (np.zeros((0, 4, 3)), np.zeros(0, dtype=np.int64)), _series(6, rng)]
    got = stats.many_series_stats(pairs)
    assert len(got) == len(pairs)
    for (buckets, n_rows), out in zip(pairs, got):
        alone = stats.series_stats(buckets, n_rows)
        assert set(out) == set(stats.STAT_NAMES)
        for name in stats.STAT_NAMES:
            np.testing.assert_allclose(out[name], alone[name], rtol=1e-12, err_msg=name)
    # each series' first change is NaN, not a distance to the previous series' last step
    assert all(np.isnan(out["change"][0]) for out in got if len(out["change"]))


def test_many_series_stats_of_none_and_of_one():
    assert stats.many_series_stats([]) == []
    rng = np.random.default_rng(1)
    pair = _series(5, rng)
    [out] = stats.many_series_stats([pair])
    np.testing.assert_allclose(out["mean"], stats.series_stats(*pair)["mean"])


def test_a_peak_in_the_first_bucket_is_not_a_pile():
    # log-normal-like: [1,2] 130, [2,3] 50, [3,4] 20.  The first row's neighbour predicts 50, but the
    # density trend beside it, 2*50 - 20 = 80, predicts more: 130 - 80 = 50 is not above 80 + 3 sqrt(80).
    s = one_step([[1, 2, 130], [2, 3, 50], [3, 4, 20]])
    check(s, {"min_fraction": 0.0, "max_fraction": 0.0, "mean": (130 * 1.5 + 50 * 2.5 + 20 * 3.5) / 200})
    # the mirror image at the maximum
    s = one_step([[1, 2, 20], [2, 3, 50], [3, 4, 130]])
    check(s, {"min_fraction": 0.0, "max_fraction": 0.0, "mean": (20 * 1.5 + 50 * 2.5 + 130 * 3.5) / 200})


def test_a_falling_trend_does_not_lower_what_the_neighbour_predicts():
    # [1,2] 20, [2,3] 10, [3,4] 30: the first row's trend 2*10 - 30 is negative, its neighbour's
    # density 10 stands: an excess of 10 is noise.  The last row: neighbour 10, trend 2*10 - 20 = 0,
    # so 20 of its 30 are a pile at 4 (20 > 10 + 3 sqrt(10)).
    s = one_step([[1, 2, 20], [2, 3, 10], [3, 4, 30]])
    check(s, {"min_fraction": 0.0, "max_fraction": 20 / 60,
              "mean": (20 * 1.5 + 10 * 2.5 + 10 * 3.5 + 20 * 4) / 60})


def test_two_rows_have_no_trend():
    # [1,2] 30, [2,3] 10: the first row's one neighbour predicts 10, so 20 are a pile at 1.
    s = one_step([[1, 2, 30], [2, 3, 10]])
    check(s, {"min_fraction": 0.5, "max_fraction": 0.0, "mean": (20 * 1 + 10 * 1.5 + 10 * 2.5) / 40})


def test_a_pile_at_zero_in_a_middle_row_reads_both_neighbours_not_a_trend():
    # [-1.5,-0.5] 10, [-0.5,0.5] 100, [0.5,1.5] 50, [1.5,2.5] 10: the zero row's neighbours predict
    # (10 + 50) / 2 = 30, so 70 are an atom at 0 (70 > 30 + 3 sqrt(30)); its other 30 are split at
    # zero, 15 each side.  The edge rows' trends (2*100 - 50, 2*50 - 100) leave them without atoms.
    s = one_step([[-1.5, -0.5, 10], [-0.5, 0.5, 100], [0.5, 1.5, 50], [1.5, 2.5, 10]])
    # In CDF order the atom sits between the halves: the median (CDF 84.5/170 and 85.5/170) falls in
    # it, the 25th percentile (CDF 42.5/170) too, after the 25 values below zero.
    check(s, {"zero_fraction": 70 / 170, "min_fraction": 0.0, "max_fraction": 0.0, "p50": 0.0, "p25": 0.0,
              "p5": -0.65 + 0.45 * 0.1,  # h = 8.45: CDF 8.5/170 and 9.5/170 in the first row
              "mean": (10 * -1 + 15 * -0.25 + 15 * 0.25 + 50 * 1 + 10 * 2) / 170})


def test_a_row_ending_at_zero_holds_zero():
    # [-2,-1] 10, [-1,0] 100, [0,1] 10: a writer that puts zeros in the bucket ending at 0; 90 are an atom at 0.
    s = one_step([[-2, -1, 10], [-1, 0, 100], [0, 1, 10]])
    check(s, {"zero_fraction": 0.75, "mean": (10 * -1.5 + 10 * -0.5 + 10 * 0.5) / 120})


@pytest.mark.parametrize("count, atom", [(14, 0), (15, 11)])
def test_the_noise_threshold_is_three_standard_deviations(count, atom):
    # neighbours predict 4 in the zero row; an atom needs an excess above 4 + 3 sqrt(4) = 10
    s = one_step([[-1, 0, 4], [0, 1, count], [1, 2, 4]])
    check(s, {"zero_fraction": atom / (count + 8)})


def test_the_zero_bucket_holds_exact_zeros_even_when_it_holds_few():
    # PyTorch's [0, 1e-12) bucket with 2 values (too few to pass the noise test) is still a point at 0
    s = one_step([[-1, 0, 10], [0, 1e-12, 2], [1e-12, 1, 10]])
    check(s, {"zero_fraction": 2 / 22})
    s = one_step([[0, 1e-12, 2], [1e-12, 1, 10]])
    check(s, {"zero_fraction": 2 / 12})


def test_points_are_narrow_against_the_range_of_tiny_values():
    # gradients of 1e-6: only the 1e-18-wide bucket is a point; the others are spread uniformly
    s = one_step([[-1e-6, 0, 10], [0, 1e-18, 2], [1e-18, 1e-6, 10]])
    assert s["zero_fraction"][0] == pytest.approx(2 / 22)
    assert s["mean"][0] == pytest.approx(0.0, abs=1e-15)
    assert s["rms"][0] == pytest.approx(np.sqrt(20 * 1e-12 / 3 / 22), rel=1e-6)


def test_a_step_of_one_value():
    # one value somewhere in [0, 1]: uniform over the row; every percentile is the one order statistic
    s = one_step([[0, 1, 1]])
    check(s, {"count": 1, "mean": 0.5, "p1": 0.5, "p50": 0.5, "p99": 0.5, "min": 0.0, "max": 1.0})


def test_a_step_of_two_values():
    # [0,1] 1, [1,2] 1: order statistics at CDF 1/4 and 3/4 of the model, 0.5 and 1.5; numpy's
    # percentile p interpolates between them with weight p
    s = one_step([[0, 1, 1], [1, 2, 1]])
    check(s, {"count": 2, "p1": 0.51, "p25": 0.75, "p50": 1.0, "p75": 1.25, "p99": 1.49})


def test_change_of_a_two_step_series():
    buckets = np.array([[[0, 1, 100]], [[1, 2, 100]]], dtype=float)
    s = stats.series_stats(buckets, np.array([1, 1]))
    assert np.isnan(s["change"][0]) and s["change"][1] == pytest.approx(np.sqrt(12.0))


def test_compact_at_exactly_a_quarter_fewer_rows():
    # 4 rows, 3 kept (the empty row after an occupied one stays): a quarter fewer, so compacted
    buckets = np.array([[[0, 1, 1], [1, 2, 0], [2, 3, 0], [3, 4, 1]]], dtype=float)
    out, n_rows = stats.compact(buckets, np.array([4]))
    assert n_rows.tolist() == [3]
    np.testing.assert_array_equal(out[0], [[0, 1, 1], [1, 2, 0], [3, 4, 1]])


def test_an_empty_step_does_not_disturb_the_next_steps_percentiles():
    # all steps' CDFs are searched at once; an empty step between two others must not upset it
    c = [[-1, 0, 40], [0, 1, 100], [1, 2, 10]]  # the histogram of test_a_pile_at_zero_with_unequal_neighbours
    buckets = np.array([c, [[-1, 0, 0], [0, 1, 0], [1, 2, 0]], c], dtype=float)
    s = stats.series_stats(buckets, np.array([3, 3, 3]))
    for step in (0, 2):
        check(s, {"p1": -0.9625 + 0.49 * 0.025, "p25": -0.0625 + 0.25 * 0.025, "p50": 0.0,
                  "p95": 1.15 + 0.55 * 0.1, "p99": 1.75 + 0.51 * 0.1}, step=step)
    assert np.isnan(s["p50"][1])
