"""Every contract statistic against numpy's, on every stored layout, within bounds the buckets themselves give.

The same tensors are logged by four real writers: TF2 ``tf.summary.histogram``
(30 buckets over the range), TF1 ``tf.compat.v1.summary.histogram`` (the C++
``HistogramProto`` with exponential bucket limits), PyTorch's
``SummaryWriter.add_histogram`` and tensorboardX's (the same proto, built in
Python).  Each run is diagnosed through the whole path (reading, statistics,
document) and each statistic is held to the exact statistic of the tensor.

The tolerances are derived from the stored buckets, read back with
TensorBoard's own loader (``tests/readback.py``), not from the estimator: a
histogram says where each value is up to its bucket's width w.  So any
estimate consistent with the buckets lies within D1 = sum(count * w) / n of
the exact mean and mean |x| (moving every value within its bucket), within
D2 = sqrt(sum(count * w^2) / n) of the exact RMS and std (Minkowski), and a
percentile that numpy interpolates between order statistics x[j] and x[j+1]
within the wider of their two buckets.  A share of values at a point (zero,
the minimum, the maximum) is known up to the other values of the bucket that
holds that point.  ``count``, ``min`` and ``max`` are stored exactly (up to
the document's 8 significant digits).  ``change`` (Wasserstein distance over
the previous std) is within the D1 of both steps, over the previous std's
bounds, plus 5% for the estimator's 64-level quadrature.

The tensors are float32 (what the TF1 op and most models log), recorded as
logged.
"""

import os

import numpy as np
import pytest

import readback

STEPS = 2
RNG = np.random.default_rng(19)


def _tensors():
    """``{name: [step 0 tensor, step 1 tensor]}``; step 1 scaled and shifted so ``change`` is known."""
    n = 2000
    base = {
        "normal": RNG.normal(0.3, 2.0, n),
        "relu": np.maximum(RNG.normal(0.0, 1.0, n), 0.0),  # half exact zeros
        "clipped": np.clip(RNG.normal(0.0, 1.0, n), -0.5, 0.5),  # piles at both bounds
        # Two tight clusters far apart: the median falls in the empty gap, between two order statistics
        # in different buckets (the case where reading one order statistic twice is off by the gap).
        "gap": np.concatenate([RNG.normal(-3.0, 0.01, n // 2), RNG.normal(3.0, 0.01, n // 2)]),
        "sparse": np.where(RNG.random(n) < 0.7, 0.0, RNG.normal(0.0, 1e-3, n)),  # a sparse gradient
        "lognormal": RNG.lognormal(0.0, 1.0, n),
    }
    return {name: [x.astype(np.float32), (1.5 * x + 0.25 * x.std()).astype(np.float32)]
            for name, x in base.items()}


TENSORS = _tensors()
LAYOUTS = ("tf2", "tf1", "torch", "tbx")


def tag(name):
    return "%s/kernel" % name


def _write_tf2(run_dir):
    import tensorflow as tf

    writer = tf.summary.create_file_writer(run_dir)
    with writer.as_default():
        for step in range(STEPS):
            for name, steps in TENSORS.items():
                tf.summary.histogram(tag(name), steps[step], step=step)
    writer.close()


def _write_tf1(run_dir):
    import tensorflow as tf

    v1 = tf.compat.v1
    graph = tf.Graph()
    with graph.as_default():
        feeds = {name: v1.placeholder(tf.float32, shape=[None]) for name in TENSORS}
        merged = v1.summary.merge([v1.summary.histogram(tag(name), ph) for name, ph in feeds.items()])
        writer = v1.summary.FileWriter(run_dir, graph=None)
        with v1.Session(graph=graph) as sess:
            for step in range(STEPS):
                summary = sess.run(merged, feed_dict={feeds[n]: TENSORS[n][step] for n in TENSORS})
                writer.add_summary(summary, step)
        writer.close()


def _write_proto(run_dir, writer_cls):
    writer = writer_cls(run_dir)
    for step in range(STEPS):
        for name, steps in TENSORS.items():
            writer.add_histogram(tag(name), steps[step], step)
    writer.close()


def _write_torch(run_dir):
    from torch.utils.tensorboard import SummaryWriter

    _write_proto(run_dir, SummaryWriter)


def _write_tbx(run_dir):
    from tensorboardX import SummaryWriter

    _write_proto(run_dir, SummaryWriter)


@pytest.fixture(scope="session")
def layouts(tmp_path_factory):
    """``{layout: (served document, {tag: {step: stored [k, 3] buckets}})}`` for every layout, written once."""
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    from tb_histdiag_plugin import api

    logdir = str(tmp_path_factory.mktemp("layouts"))
    writers = {"tf2": _write_tf2, "tf1": _write_tf1, "torch": _write_torch, "tbx": _write_tbx}
    for layout in LAYOUTS:
        writers[layout](os.path.join(logdir, layout))
    runs = api.diagnose(logdir, jobs=1)["runs"]
    assert sorted(runs) == sorted(LAYOUTS)
    return {layout: (runs[layout], readback.read_histograms(os.path.join(logdir, layout))) for layout in LAYOUTS}


def _served(doc, name):
    found = [s for s in doc["series"] if s["tag"] == tag(name)]
    assert len(found) == 1, [s["tag"] for s in doc["series"]]
    assert found[0]["steps"] == list(range(STEPS))
    return found[0]["stats"]


def _widths_of(buckets, values):
    """Per value, the widest stored bucket that can hold it (a value on an edge may be in either)."""
    left, right = buckets[:, 0], buckets[:, 1]
    inside = (left[None, :] <= values[:, None]) & (values[:, None] <= right[None, :]) & (buckets[None, :, 2] > 0)
    assert inside.any(axis=1).all(), "a value outside every occupied bucket"
    return np.where(inside, (right - left)[None, :], 0.0).max(axis=1)


def _share_bound(buckets, point, exact_share, n):
    """How far an estimated share of values at ``point`` can be off: the other values of its bucket(s), and
    3 values (a lone minimum is no pile: an estimate of 0 for its 1 / n is right)."""
    holding = (buckets[:, 0] <= point) & (point <= buckets[:, 1])
    return max(0.0, buckets[holding, 2].sum() / n - exact_share) + 3.0 / n


CASES = [(layout, name) for layout in LAYOUTS for name in TENSORS]


@pytest.mark.parametrize("layout, name", CASES)
def test_moments_and_extremes(layouts, layout, name):
    doc, stored = layouts[layout]
    st = _served(doc, name)
    for step in range(STEPS):
        x = TENSORS[name][step].astype(np.float64)
        buckets = stored[tag(name)][step]
        n = len(x)
        w = _widths_of(buckets, x)
        d1, d2 = w.mean(), np.sqrt(np.mean(w * w))
        where = "%s %s step %d (D1 %.3g, D2 %.3g)" % (layout, name, step, d1, d2)
        assert st["count"][step] == n, where
        assert st["min"][step] == pytest.approx(x.min(), rel=1e-7, abs=1e-30), where
        assert st["max"][step] == pytest.approx(x.max(), rel=1e-7, abs=1e-30), where
        slack = 1e-7 * np.abs(x).max()  # the document's rounding
        assert abs(st["mean"][step] - x.mean()) <= d1 + slack, where
        assert abs(st["abs_mean"][step] - np.abs(x).mean()) <= d1 + slack, where
        rms = np.sqrt(np.mean(x * x))
        assert abs(st["rms"][step] - rms) <= d2 + slack, where
        assert abs(st["l2_norm"][step] - rms * np.sqrt(n)) <= (d2 + slack) * np.sqrt(n), where
        # And the two are one estimate: sqrt(sum of squares) = sqrt(mean of squares * count), exactly.
        assert st["l2_norm"][step] == pytest.approx(st["rms"][step] * np.sqrt(n), rel=2e-7), where
        assert abs(st["std"][step] - x.std()) <= d2 + slack, where


@pytest.mark.parametrize("layout, name", CASES)
def test_percentiles(layouts, layout, name):
    doc, stored = layouts[layout]
    st = _served(doc, name)
    for step in range(STEPS):
        x = np.sort(TENSORS[name][step].astype(np.float64))
        buckets = stored[tag(name)][step]
        for p in (1, 5, 25, 50, 75, 95, 99):
            h = p / 100.0 * (len(x) - 1)  # numpy's linear percentile: between x[j] and x[j + 1]
            j = int(np.floor(h))
            pair = x[[j, min(j + 1, len(x) - 1)]]
            bound = _widths_of(buckets, pair).max() + 1e-7 * np.abs(pair).max()
            exact = np.percentile(x, p)
            assert abs(st["p%d" % p][step] - exact) <= bound, (layout, name, step, p, st["p%d" % p][step], exact,
                                                              bound)


def test_the_gap_median_is_interpolated_across_the_gap(layouts):
    # The exact median of the gap tensor is near 0, 3 from either cluster; each cluster's buckets are far
    # narrower than that in every layout, so an estimate at either cluster is caught.
    for layout in LAYOUTS:
        doc, _ = layouts[layout]
        for step in range(STEPS):
            x = TENSORS["gap"][step].astype(np.float64)
            exact = np.percentile(x, 50)
            assert exact - x[x < exact].max() > 2 and x[x > exact].min() - exact > 2  # deep in the gap
            assert abs(_served(doc, "gap")["p50"][step] - exact) < 1.0, (layout, step)


@pytest.mark.parametrize("layout, name", CASES)
def test_shares_at_zero_and_at_the_extremes(layouts, layout, name):
    doc, stored = layouts[layout]
    st = _served(doc, name)
    for step in range(STEPS):
        x = TENSORS[name][step].astype(np.float64)
        n = len(x)
        buckets = stored[tag(name)][step]
        where = (layout, name, step)
        zero = np.mean(x == 0)
        assert abs(st["zero_fraction"][step] - zero) <= _share_bound(buckets, 0.0, zero, n), where
        at_min, at_max = np.mean(x == x.min()), np.mean(x == x.max())
        assert abs(st["min_fraction"][step] - at_min) <= _share_bound(buckets, x.min(), at_min, n), where
        assert abs(st["max_fraction"][step] - at_max) <= _share_bound(buckets, x.max(), at_max, n), where


def test_piles_are_found_not_only_bounded(layouts):
    # The bounds above allow a pile's bucket neighbours; the piles themselves must be read, in every layout.
    for layout in LAYOUTS:
        doc, _ = layouts[layout]
        for name, point in (("relu", "zero_fraction"), ("sparse", "zero_fraction")):
            exact = np.mean(TENSORS[name][0] == 0)
            assert _served(doc, name)[point][0] == pytest.approx(exact, abs=0.05), (layout, name)
        clipped = TENSORS["clipped"][0]
        st = _served(doc, "clipped")
        assert st["min_fraction"][0] == pytest.approx(np.mean(clipped == clipped.min()), abs=0.05), layout
        assert st["max_fraction"][0] == pytest.approx(np.mean(clipped == clipped.max()), abs=0.05), layout


@pytest.mark.parametrize("layout, name", CASES)
def test_change_is_the_wasserstein_distance_over_the_previous_std(layouts, layout, name):
    doc, stored = layouts[layout]
    st = _served(doc, name)
    x0, x1 = (np.sort(TENSORS[name][s].astype(np.float64)) for s in range(STEPS))
    w1 = np.mean(np.abs(x1 - x0))  # equal sizes: the sorted values pair up
    d0 = _widths_of(stored[tag(name)][0], x0)
    d1 = _widths_of(stored[tag(name)][1], x1)
    spread = d0.mean() + d1.mean()
    std_err = np.sqrt(np.mean(d0 * d0))
    low = (w1 - spread) / (x0.std() + std_err) * 0.95
    high = (w1 + spread) / max(x0.std() - std_err, 1e-30) * 1.05
    assert st["change"][0] is None
    assert low <= st["change"][1] <= high, (layout, name, st["change"][1], w1 / x0.std(), low, high)
