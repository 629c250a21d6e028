"""Reading histogram series through TensorBoard's data provider.

Only the data provider is used (never ``context.multiplexer``, which is None
under the Rust data server, and never our own event-file parser), so the tab
sees exactly what TensorBoard loaded, under ``--load_fast`` true or false.

The stored layouts differ by writer and loader (see ``shared`` brief §2.2-2.3):
TF2 ``[k, 3]`` tensors with an all-zero "empty" case and zero-width rows for a
single value; TF1/PyTorch/tensorboardX protos, trimmed to float32 by the Python
loader or untrimmed float64 by the Rust loader, with backwards outer rows,
inner edges outside ``[min, max]`` and ``+-DBL_MAX`` sentinels; NaN edges with
zero counts when the logged tensor held NaN.  ``normalise`` turns all of them
into one ``[n_steps, K, 3]`` float64 array whose rows lie inside each step's
``[min, max]``, so ``stats.py`` needs no per-layout code.
"""

import dataclasses
import functools

import numpy as np

from tensorboard.data import provider
from tensorboard.plugins.histogram import metadata as histogram_metadata

HISTOGRAM_PLUGIN = histogram_metadata.PLUGIN_NAME
# read_tensors needs an int; anything above the stored reservoir means "all".
ALL_SAMPLES = 10**9
_SENTINEL = 1e300


@dataclasses.dataclass
class Series:
    """One histogram tag of one run, normalised (see module docstring)."""

    tag: str
    steps: np.ndarray  # int64 [n]
    wall_times: np.ndarray  # float64 [n]
    buckets: np.ndarray  # float64 [n, K, 3], zero-count padding rows
    n_rows: np.ndarray  # int64 [n], real rows per step
    non_finite: np.ndarray  # bool [n], the logged tensor held NaN or +-Inf

    def step_index(self, step):
        hits = np.nonzero(self.steps == step)[0]
        return int(hits[0]) if len(hits) else None

    def bucket_rows(self, i):
        """The ``[left, right, count]`` rows of step index ``i`` as float64
        ``[k, 3]``, padding dropped; no rows for an empty or non-finite step
        (nothing to draw).  The histogram route and the notebook serve these."""
        rows = np.asarray(self.buckets[i, : self.n_rows[i]], dtype=np.float64)
        return rows if rows[:, 2].any() else rows[:0]


def supported(time_series):
    """Skip tags written in a histogram format newer than we understand."""
    content = getattr(time_series, "plugin_content", None)
    try:
        return _supported_content(content)
    except TypeError:  # not bytes (unhashable or malformed): parse it uncached
        return _parse_supported(content)


@functools.lru_cache(maxsize=64)
def _supported_content(content):
    # Nearly every tag has the same (empty) metadata: ``/runs`` over 1,000
    # runs x 75 tags then parses it once instead of 75,000 times.
    return _parse_supported(content)


def _parse_supported(content):
    try:
        return histogram_metadata.parse_plugin_metadata(content).version <= 0
    except Exception:  # a malformed metadata blob: leave the tag out
        return False


def list_histograms(data_provider, ctx, experiment_id, runs=None):
    """``{run: {tag: TensorTimeSeries}}`` for histogram tags we can read."""
    run_tag_filter = provider.RunTagFilter(runs=list(runs)) if runs is not None else None
    listing = data_provider.list_tensors(
        ctx, experiment_id=experiment_id, plugin_name=HISTOGRAM_PLUGIN, run_tag_filter=run_tag_filter
    )
    result = {}
    for run, tags in listing.items():
        kept = {tag: ts for tag, ts in tags.items() if supported(ts)}
        if kept:
            result[run] = kept
    return result


def fingerprint(tags):
    """What changes when TensorBoard loads new data for a run: the cache key."""
    return tuple(sorted((tag, ts.max_step, ts.max_wall_time) for tag, ts in tags.items()))


# Samples per ``read_tensors`` call.  The Rust data server answers over gRPC,
# whose messages are capped at 256 MiB: 100 TF2 tags x 5,000 steps (30 buckets,
# float64) is ~370 MB and fails with RESOURCE_EXHAUSTED.  ~250k TF2 samples is
# ~190 MB; runs with wider histograms are split further on that error.
_SAMPLES_PER_CALL = 250_000


def _chunks(tags):
    """Tag groups of at most ``_SAMPLES_PER_CALL`` samples, estimated from
    ``max_step + 1`` (an upper bound for steps counted from 0)."""
    if not isinstance(tags, dict):
        return [list(tags)]
    out, group, size = [], [], 0
    for tag, ts in tags.items():
        n = max(1, int(getattr(ts, "max_step", 0) or 0) + 1)
        if group and size + n > _SAMPLES_PER_CALL:
            out.append(group)
            group, size = [], 0
        group.append(tag)
        size += n
    if group:
        out.append(group)
    return out


def _too_large(error):
    code = getattr(error, "code", None)
    text = str(code() if callable(code) else "") + " " + str(error)
    return "RESOURCE_EXHAUSTED" in text or "larger than max" in text


def read_run(data_provider, ctx, experiment_id, run, tags):
    """All samples of the given tags of one run: one ``read_tensors`` call for
    an ordinary run, a few for a very large one (see ``_SAMPLES_PER_CALL``)."""
    series = {}
    for group in _chunks(tags):
        _read_into(series, data_provider, ctx, experiment_id, run, group)
    return series


def _read_into(series, data_provider, ctx, experiment_id, run, tags):
    try:
        data = data_provider.read_tensors(
            ctx,
            experiment_id=experiment_id,
            plugin_name=HISTOGRAM_PLUGIN,
            downsample=ALL_SAMPLES,
            run_tag_filter=provider.RunTagFilter(runs=[run], tags=list(tags)),
        )
    except Exception as e:  # the response over the gRPC message cap: halve the tags
        if len(tags) > 1 and _too_large(e):
            half = len(tags) // 2
            _read_into(series, data_provider, ctx, experiment_id, run, tags[:half])
            _read_into(series, data_provider, ctx, experiment_id, run, tags[half:])
            return
        raise
    for tag, datums in data.get(run, {}).items():
        if datums:
            series[tag] = to_series(tag, datums)


def to_series(tag, datums):
    steps = np.fromiter((d.step for d in datums), dtype=np.int64, count=len(datums))
    wall_times = np.fromiter((d.wall_time for d in datums), dtype=np.float64, count=len(datums))
    buckets, n_rows, non_finite = normalise([d.numpy for d in datums])
    return Series(tag, steps, wall_times, buckets, n_rows, non_finite)


def _stack(arrays):
    """Stack per-step ``[k, 3]`` arrays into ``[n, K, 3]``, padding short ones
    with empty rows at the step's last right edge (the layout ``normalise``
    returns, so already-normal steps of varying width need no second pass)."""
    if arrays:
        # Fast path: every step has the same number of rows (the usual case).
        try:
            stacked = np.stack(arrays).astype(np.float64, copy=False)
        except (ValueError, TypeError):
            stacked = None
        if stacked is not None and stacked.ndim == 3 and stacked.shape[2] == 3 and stacked.shape[1] > 0:
            return stacked, np.full(len(arrays), stacked.shape[1], dtype=np.int64)
    shaped = []
    for arr in arrays:
        arr = np.asarray(arr)
        if arr.ndim != 2 or arr.shape[1] != 3:
            # Not a histogram tensor (should not happen): treat as empty.
            arr = np.zeros((0, 3))
        shaped.append(arr)
    n_rows = np.array([len(a) for a in shaped], dtype=np.int64)
    width = max(1, int(n_rows.max()) if len(n_rows) else 1)
    out = np.zeros((len(shaped), width, 3))
    for i, arr in enumerate(shaped):
        out[i, : len(arr)] = arr
        if 0 < len(arr) < width:
            out[i, len(arr):, :2] = arr[-1, 1]
    return out, np.maximum(n_rows, 1)


def _already_normal(buckets, n_rows):
    """True when ``normalise`` would return ``buckets`` unchanged: every row
    finite, non-negative counts, occupied first and last real rows, every row
    forwards and inside ``[first left, last right]``, both below the
    sentinels (TF2's layout, and the Python loader's trimmed TF1/PyTorch
    protos, on healthy data; ``_stack``'s padding rows pass as they are).
    A cheap check that spares the general path's ~40 array passes."""
    n, k, _ = buckets.shape
    if n == 0:
        return False
    left, right, count = buckets[..., 0], buckets[..., 1], buckets[..., 2]
    rows = np.arange(n)
    lo, hi = left[:, 0], right[rows, n_rows - 1]
    with np.errstate(invalid="ignore"):
        if not np.isfinite(buckets).all() or not (count[:, 0] > 0).all() or not (count[rows, n_rows - 1] > 0).all():
            return False
        if not (lo > -_SENTINEL).all() or not (hi < _SENTINEL).all() or count.min() < 0:
            return False
        return bool((right >= left).all() and (left >= lo[:, None]).all() and (right <= hi[:, None]).all())


def normalise(arrays):
    """Normalise per-step bucket arrays (any stored layout); see module docstring.

    Returns ``(buckets [n, K, 3], n_rows [n], non_finite [n])``.  Steps whose
    data is not finite get zero counts, so every statistic is null there.
    """
    buckets, n_rows = _stack(arrays)
    n, k, _ = buckets.shape
    if _already_normal(buckets, n_rows):
        return buckets, n_rows, np.zeros(n, dtype=bool)
    real = np.arange(k)[None, :] < n_rows[:, None]
    left, right, count = buckets[..., 0], buckets[..., 1], buckets[..., 2]

    bad = ~np.isfinite(buckets).all(axis=2) & real
    non_finite = bad.any(axis=1)
    count = np.where(np.isfinite(count) & (count > 0) & real, count, 0.0)
    count[non_finite] = 0.0

    # The step's range: the first row's left and last row's right edge under
    # every layout; fall back to the occupied rows when those are sentinels.
    lo = left[:, 0].copy()
    hi = right[np.arange(n), n_rows - 1].copy()
    occupied = count > 0
    with np.errstate(invalid="ignore"):
        finite_left = np.where(occupied & (np.abs(left) < _SENTINEL), left, np.inf).min(axis=1)
        finite_right = np.where(occupied & (np.abs(right) < _SENTINEL), right, -np.inf).max(axis=1)
    lo_bad = ~np.isfinite(lo) | (np.abs(lo) >= _SENTINEL)
    hi_bad = ~np.isfinite(hi) | (np.abs(hi) >= _SENTINEL)
    lo = np.where(lo_bad, finite_left, lo)
    hi = np.where(hi_bad, finite_right, hi)
    empty = ~occupied.any(axis=1) | ~np.isfinite(lo) | ~np.isfinite(hi) | (lo > hi)
    count[empty] = 0.0
    lo = np.where(empty, 0.0, lo)
    hi = np.where(empty, 0.0, hi)

    with np.errstate(invalid="ignore"):
        left = np.clip(np.nan_to_num(left, nan=0.0), lo[:, None], hi[:, None])
        right = np.clip(np.nan_to_num(right, nan=0.0), lo[:, None], hi[:, None])
    # Backwards rows (Rust's untrimmed outer buckets) hold no data.
    count = np.where(right < left, 0.0, count)
    right = np.maximum(right, left)

    # Trim empty rows at both ends, as the Python loader does for TF1 protos,
    # so every loader yields the same layout: first row starts at the minimum,
    # last row ends at the maximum, both occupied.
    occupied = count > 0
    first = np.where(occupied.any(axis=1), occupied.argmax(axis=1), 0)
    last = np.where(occupied.any(axis=1), k - 1 - occupied[:, ::-1].argmax(axis=1), 0)
    n_rows = last - first + 1
    idx = np.minimum(first[:, None] + np.arange(k)[None, :], k - 1)
    rows = np.arange(n)[:, None]
    left, right, count = left[rows, idx], right[rows, idx], count[rows, idx]
    real = np.arange(k)[None, :] < n_rows[:, None]
    count = np.where(real, count, 0.0)
    left[:, 0] = lo
    right[np.arange(n), n_rows - 1] = hi
    left = np.where(real, left, hi[:, None])
    right = np.where(real, right, hi[:, None])
    return np.stack([left, right, count], axis=-1), n_rows, non_finite
