"""Every stored histogram layout normalises to the same canonical rows."""

import numpy as np

from tb_histdiag_plugin import reading, stats

DBL_MAX = np.finfo(np.float64).max


def normalised(arr):
    buckets, n_rows, non_finite = reading.normalise([np.asarray(arr, dtype=np.float64)])
    return buckets[0, : n_rows[0]], non_finite[0]


def test_python_and_rust_tf1_layouts_give_the_same_statistics():
    # One TF1 HistogramProto (min 0.5, max 2.5; limits 0.4, 1, 2, 3, DBL_MAX;
    # counts 0, 3, 5, 2, 0) as the two loaders convert it (shared brief §2.3).
    python_layout = np.array([[0.5, 1.0, 3], [1.0, 2.0, 5], [2.0, 2.5, 2]], dtype=np.float32)
    rust_layout = np.array([[0.5, 0.4, 0], [0.4, 1.0, 3], [1.0, 2.0, 5], [2.0, 3.0, 2], [3.0, 2.5, 0]])
    a, _ = normalised(python_layout)
    b, _ = normalised(rust_layout)
    np.testing.assert_allclose(a, b)
    assert a[0, 0] == 0.5 and a[-1, 1] == 2.5


def test_dbl_max_sentinel_edges_fall_back_to_occupied_rows():
    rows, non_finite = normalised([[-DBL_MAX, -1.0, 0], [-1.0, 0.0, 4], [0.0, 1.0, 6], [1.0, DBL_MAX, 0]])
    assert not non_finite
    assert rows[0, 0] == -1.0 and rows[-1, 1] == 1.0 and rows[:, 2].sum() == 10


def test_tf1_single_value_under_rust_becomes_a_point():
    # Values [3, 3]: three rows, the outer ones backwards with zero count.
    rows, _ = normalised([[3.0, 2.9, 0], [2.9, 3.1, 2], [3.1, 3.0, 0]])
    assert rows.tolist() == [[3.0, 3.0, 2.0]]


def test_nan_edges_mark_the_step_non_finite_and_empty():
    rows, non_finite = normalised([[np.nan, np.nan, 0], [np.nan, np.nan, 0]])
    assert non_finite and rows[:, 2].sum() == 0
    rows, non_finite = normalised([[np.nan, 1.0, 2], [1.0, 2.0, 3], [2.0, np.nan, 1]])  # tensorboardX NaN min/max
    assert non_finite and rows[:, 2].sum() == 0


def test_steps_with_different_bucket_counts_stack():
    arrays = [np.array([[0, 1, 1.0], [1, 2, 1.0]]), np.zeros((0, 3)), np.array([[0, 1, 1], [1, 2, 1], [2, 3, 8]])]
    buckets, n_rows, _ = reading.normalise(arrays)
    s = stats.series_stats(buckets, n_rows)
    assert buckets.shape == (3, 3, 3)
    assert s["count"][0] == 2 and np.isnan(s["count"][1]) and s["count"][2] == 10
