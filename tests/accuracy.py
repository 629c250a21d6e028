"""Holding served statistics to the exact statistics of the logged tensors.

The tolerances are those the project promises (README, "Accuracy"): count,
min and max exact up to float32 rounding; mean within half a bucket width;
p5..p95 within one bucket width for tensors of 100+ values; std within 5%
relative for at least 95% of the histograms.
"""

import numpy as np

PCTS = (5, 25, 50, 75, 95)


def bucket_width_at(buckets, value):
    """Width of the stored bucket holding ``value`` (the histogram's resolution there)."""
    for left, right, _ in buckets:
        if left <= value <= right:
            return right - left
    return max(right - left for left, right, _ in buckets)


def check_series(doc_series, exact_by_step, buckets_at):
    """Compare one served series with the exact tensors; returns (failures, std_errors).

    ``buckets_at(tag, step)`` gives the stored ``[left, right, count]`` rows as
    TensorBoard's loader reads them (``tests/readback.py``): the resolution the
    log really has, independent of the plugin under test.
    """
    failures, std_errors = [], []
    stats = doc_series["stats"]
    tag = doc_series["tag"]
    for i, step in enumerate(doc_series["steps"]):
        x = exact_by_step[step]  # every served step was logged
        x = x[np.isfinite(x)]
        if len(x) == 0:
            failures.append("%s step %d: the writers log no all-non-finite tensor" % (tag, step))
            continue
        buckets = buckets_at(tag, step)
        lo, hi = float(x.min()), float(x.max())
        tol32 = 1e-6 * max(1.0, abs(lo), abs(hi))
        where = "%s step %d" % (tag, step)
        if stats["count"][i] != len(x):
            failures.append("%s: count %s != %d" % (where, stats["count"][i], len(x)))
        if abs(stats["min"][i] - lo) > tol32 + 1e-6 * abs(lo) or abs(stats["max"][i] - hi) > tol32 + 1e-6 * abs(hi):
            failures.append("%s: min/max %s/%s != %s/%s" % (where, stats["min"][i], stats["max"][i], lo, hi))
        typical = max(r - l for l, r, c in buckets if c > 0) if buckets else 0.0
        if abs(stats["mean"][i] - x.mean()) > 0.5 * typical + 1e-6 * abs(x.mean()) + 1e-12:
            failures.append("%s: mean %s vs %s (half bucket %s)" % (where, stats["mean"][i], x.mean(), 0.5 * typical))
        if len(x) >= 100:
            for p in PCTS:
                exact_p = np.percentile(x, p)
                width = bucket_width_at(buckets, exact_p)
                if abs(stats["p%d" % p][i] - exact_p) > width + 1e-6 * abs(exact_p) + 1e-12:
                    failures.append("%s: p%d %s vs %s (bucket %s)" % (where, p, stats["p%d" % p][i], exact_p, width))
        if x.std() > 0:
            std_errors.append(abs(stats["std"][i] - x.std()) / x.std())
    return failures, std_errors
