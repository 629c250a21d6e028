"""Which logged steps a compact diagnostics document keeps.

A 5,000-step run's full document is ~100 MB of JSON, and a chart a few hundred
pixels wide cannot show 5,000 points anyway.  The default document keeps at
most about ``MAX_POINTS`` (in fact ``4 * WINDOWS``) steps per series, chosen so a chart of the compact
series looks like the full one: the run's step axis is cut into windows shared
by all series of the run (so series stay aligned), and in each window the
steps holding the lowest ``min``, the highest ``max`` and the lowest and
highest ``rms`` are kept (the envelope of the distribution and of its scale,
so a spike or a dip never disappears).  On top of that the first and last
step of every series, every step a marker starts or ends at, and every step
whose tensor held NaN/Inf are kept.  Pure functions over numpy arrays; the
statistics themselves are never recomputed (see ``diagnosis.py``).
"""

import numpy as np

# Series longer than this are thinned.
MAX_POINTS = 1000
# (statistic, extreme) pairs kept per window: at most this many steps each.
_EXTREMES = (("min", "min"), ("max", "max"), ("rms", "min"), ("rms", "max"))
# 150 windows x 4 extremes: at most 600 steps per thinned series, so the
# default document of 100 tags x 5,000 steps stays under 5 MB gzipped (19
# statistics at 8 significant digits compress poorly: ~8 KB per step of 100
# tags); 250 windows made it 7.4 MB.
WINDOWS = 150


def window_edges(first_step, last_step, windows=WINDOWS):
    """``windows + 1`` edges splitting ``[first_step, last_step]`` evenly."""
    return np.linspace(float(first_step), float(last_step) + 1.0, windows + 1)


def _window_extreme(values, window, pick):
    """Index of the (first) lowest or highest finite value in each window."""
    v = np.where(np.isfinite(values), values, np.inf if pick == "min" else -np.inf)
    if pick == "max":
        v = -v
    # Sort by (window, value, index): the first row of each window is its extreme.
    order = np.lexsort((np.arange(len(v)), v, window))
    first = np.ones(len(order), dtype=bool)
    first[1:] = window[order][1:] != window[order][:-1]
    picked = order[first]
    return picked[np.isfinite(v[picked])]


def keep_indices(steps, stats, non_finite, edges, forced_steps=()):
    """Sorted indices of ``steps`` to keep (all of them when there are few).

    ``stats`` maps statistic name → float array aligned with ``steps`` (NaN
    where null); ``edges`` are the run's ``window_edges``; ``forced_steps`` are
    steps to keep whatever they hold (markers' first and last steps).
    """
    n = len(steps)
    if n <= MAX_POINTS:
        return np.arange(n)
    window = np.clip(np.searchsorted(edges, steps, side="right") - 1, 0, len(edges) - 2)
    keep = np.zeros(n, dtype=bool)
    keep[[0, -1]] = True
    keep |= np.asarray(non_finite, dtype=bool)
    if len(forced_steps):
        keep |= np.isin(steps, np.asarray(list(forced_steps), dtype=steps.dtype))
    for name, pick in _EXTREMES:
        keep[_window_extreme(stats[name], window, pick)] = True
    # A window whose extremes are all null (no finite data) keeps its first step.
    first_of_window = np.ones(n, dtype=bool)
    first_of_window[1:] = window[1:] != window[:-1]
    seen = np.zeros(len(edges) - 1, dtype=bool)
    seen[window[keep]] = True
    keep |= first_of_window & ~seen[window]
    return np.nonzero(keep)[0]


def in_range(steps, start_step=None, end_step=None):
    """Indices of ``steps`` inside ``[start_step, end_step]`` (either may be None)."""
    mask = np.ones(len(steps), dtype=bool)
    if start_step is not None:
        mask &= steps >= start_step
    if end_step is not None:
        mask &= steps <= end_step
    return np.nonzero(mask)[0]
