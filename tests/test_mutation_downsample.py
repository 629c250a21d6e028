"""Which steps the compact document keeps (``downsample.py``), against hand-placed extremes.

Added for mutation testing (tests/mutation/): test_diagnosis.py checks the thinned document
as a whole (size, markers kept); these pin down the windows, the extremes kept in each and
the steps always kept.  Every expected index is placed by hand.
"""

import numpy as np
import pytest

from tb_histdiag_plugin import downsample

N = 2000
EDGES = downsample.window_edges(0, N - 1, windows=4)  # windows [0,500) [500,1000) [1000,1500) [1500,2000)


def test_window_edges():
    np.testing.assert_array_equal(downsample.window_edges(0, 99, windows=10), np.arange(0, 101, 10))
    np.testing.assert_array_equal(downsample.window_edges(5, 5, windows=1), [5.0, 6.0])
    edges = downsample.window_edges(100, 399)
    assert len(edges) == downsample.WINDOWS + 1 and edges[0] == 100.0 and edges[-1] == 400.0
    np.testing.assert_array_equal(EDGES, [0, 500, 1000, 1500, 2000])


def test_window_extreme_skips_non_finite_values():
    values = np.array([3.0, np.nan, 1.0, 5.0, np.inf, 2.0, -np.inf])
    window = np.array([0, 0, 0, 1, 1, 1, 1])
    assert sorted(downsample._window_extreme(values, window, "min").tolist()) == [2, 5]
    assert sorted(downsample._window_extreme(values, window, "max").tolist()) == [0, 3]


def test_window_extreme_ties_and_empty_windows():
    assert downsample._window_extreme(np.array([1.0, 1.0]), np.array([0, 0]), "min").tolist() == [0]
    assert downsample._window_extreme(np.array([1.0, 1.0]), np.array([0, 0]), "max").tolist() == [0]
    values, window = np.array([np.nan, np.nan, 4.0]), np.array([0, 0, 1])
    assert downsample._window_extreme(values, window, "min").tolist() == [2]
    assert downsample._window_extreme(values, window, "max").tolist() == [2]
    values, window = np.array([np.nan, 7.0, -np.inf]), np.array([0, 0, 0])
    assert downsample._window_extreme(values, window, "min").tolist() == [1]
    assert downsample._window_extreme(values, window, "max").tolist() == [1]


def _stats(nan_window=None):
    """In every window the lowest min, highest max, lowest and highest rms sit 100, 200, 300, 400 steps in."""
    mins, maxs, rms = np.ones(N), np.zeros(N), np.full(N, 0.5)
    for w in range(0, N, 500):
        mins[w + 100], maxs[w + 200], rms[w + 300], rms[w + 400] = 0.0, 1.0, 0.0, 1.0
    stats = {"min": mins, "max": maxs, "rms": rms}
    if nan_window is not None:
        for values in stats.values():
            values[nan_window * 500:(nan_window + 1) * 500] = np.nan
    return stats


def test_keep_indices_keeps_each_windows_extremes_the_ends_non_finite_and_forced_steps():
    steps = np.arange(N)
    non_finite = np.zeros(N, dtype=bool)
    non_finite[1111] = True
    got = downsample.keep_indices(steps, _stats(), non_finite, EDGES, forced_steps=[1666])
    extremes = [w + d for w in (0, 500, 1000, 1500) for d in (100, 200, 300, 400)]
    assert got.tolist() == sorted(extremes + [0, 1111, 1666, 1999])


def test_keep_indices_keeps_the_first_step_of_a_window_without_finite_data():
    got = downsample.keep_indices(np.arange(N), _stats(nan_window=2), np.zeros(N, dtype=bool), EDGES)
    extremes = [w + d for w in (0, 500, 1500) for d in (100, 200, 300, 400)]
    assert got.tolist() == sorted(extremes + [0, 1000, 1999])


def test_keep_indices_takes_non_finite_flags_as_numbers():
    non_finite = [0] * N
    non_finite[1234] = 1
    got = downsample.keep_indices(np.arange(N), _stats(), non_finite, EDGES)
    assert 1234 in got.tolist()


def test_keep_indices_on_a_step_axis_with_gaps():
    # steps 0, 2, ..., 3998: edges at 0, 999.75, 1999.5, 2999.25, 3999
    steps = np.arange(N) * 2
    edges = downsample.window_edges(0, steps[-1], windows=4)
    stats = {"min": np.ones(N), "max": np.zeros(N), "rms": np.full(N, 0.5)}
    got = downsample.keep_indices(steps, stats, np.zeros(N, dtype=bool), edges)
    # all values tie, so each window keeps its first step: steps 0, 1000, 2000, 3000 (indices 0, 500, 1000, 1500)
    assert got.tolist() == [0, 500, 1000, 1500, N - 1]


@pytest.mark.parametrize("n", [1, 999, downsample.MAX_POINTS])
def test_short_series_keep_every_step(n):
    stats = {"min": np.ones(n), "max": np.zeros(n), "rms": np.full(n, 0.5)}
    got = downsample.keep_indices(np.arange(n), stats, np.zeros(n, dtype=bool), downsample.window_edges(0, n - 1))
    assert got.tolist() == list(range(n))


def test_in_range():
    steps = np.array([0, 10, 20, 30])
    assert downsample.in_range(steps, 10, 20).tolist() == [1, 2]
    assert downsample.in_range(steps, None, 20).tolist() == [0, 1, 2]
    assert downsample.in_range(steps, 10, None).tolist() == [1, 2, 3]
    assert downsample.in_range(steps).tolist() == [0, 1, 2, 3]
    assert downsample.in_range(steps, 11, 19).tolist() == []
    assert downsample.in_range(steps, 0, 0).tolist() == [0]
