"""Diagnosis documents (``tb_histdiag_plugin/diagnosis.py``, ``downsample.py``); the cache is
tested in ``test_diagnoser.py``.

Every test reads logs written with TensorBoard's own numpy writer through
TensorBoard's own loading code (``EventMultiplexer`` + its data provider, as
``tensorboard --load_fast=false`` and ``loading.local_provider`` do); the
multiplexer is kept so a test can write more steps, delete a run and reload.
"""

import gzip
import json

import numpy as np
import pytest

from tensorboard.backend import application
from tensorboard.backend.event_processing import data_provider as tb_data_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from werkzeug import test as werkzeug_test
from werkzeug import wrappers

import support
from tb_histdiag_plugin import cache, downsample, loading, plugin, reading, rules, stats
from tb_histdiag_plugin.diagnoser import Diagnoser

CTX = loading.request_context()


class Logdir:
    """A logdir loaded by TensorBoard's multiplexer, reloadable after writing more."""

    def __init__(self, path):
        self.path = str(path)
        self.multiplexer = plugin_event_multiplexer.EventMultiplexer(
            tensor_size_guidance={reading.HISTOGRAM_PLUGIN: 0}, max_reload_threads=1)
        self.provider = tb_data_provider.MultiplexerDataProvider(self.multiplexer, self.path)
        self.reload()

    def reload(self):
        self.multiplexer.AddRunsFromDirectory(self.path)
        self.multiplexer.Reload()


def frames(steps, seed=0, scale=1.0, start=0):
    """Two layers' weights and gradients; gradients scaled by ``scale``."""
    rng = np.random.default_rng(seed)
    out = []
    for step in range(start, start + steps):
        out.append((step, {
            "dense_0/kernel": rng.normal(0, 0.3, 256), "dense_0/kernel/grad": rng.normal(0, 1e-2 * scale, 256),
            "dense_1/kernel": rng.normal(0, 0.3, 256), "dense_1/kernel/grad": rng.normal(0, 1e-2 * scale, 256),
        }))
    return out


@pytest.fixture
def logdir(tmp_path):
    for i, run in enumerate(("a", "b", "c")):
        support.write_frames(str(tmp_path), run, frames(6, seed=i))
    return Logdir(tmp_path)


class Clock:
    """A monotonic clock the test moves by hand (``cache.Listings``' window)."""

    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


class CountingProvider:
    """A data provider counting ``list_tensors`` calls (the freshness check)."""

    def __init__(self, provider):
        self._provider, self.listings = provider, 0

    def list_tensors(self, *args, **kwargs):
        self.listings += 1
        return self._provider.list_tensors(*args, **kwargs)

    def read_tensors(self, *args, **kwargs):
        return self._provider.read_tensors(*args, **kwargs)


@pytest.fixture
def no_listing_window(monkeypatch):
    """Every request lists afresh (tests that reload and expect the new data at once)."""
    monkeypatch.setattr(cache, "LISTING_TTL_S", 0.0)


def test_profile_is_the_last_gradient_rms_per_layer(tmp_path):
    rng = np.random.default_rng(3)
    grads = {0: rng.normal(0, 1e-4, 4096), 1: rng.normal(0, 1e-1, 4096)}
    support.write_frames(str(tmp_path), "run", [(s, {
        "dense_0/kernel": rng.normal(0, 0.3, 256), "dense_0/kernel/grad": grads[0] * (1 + s),
        "dense_1/kernel": rng.normal(0, 0.3, 256), "dense_1/kernel/grad": grads[1] * (1 + s)}) for s in range(3)])
    summary = Diagnoser(Logdir(tmp_path).provider).analysis(CTX, "", "run").summary()
    exact = [float(np.sqrt(np.mean((grads[i] * 3) ** 2))) for i in (0, 1)]
    assert summary["profile"]["source"] == "gradients"
    np.testing.assert_allclose(summary["profile"]["values"], exact, rtol=0.05)


# ---------------------------------------------------------------- HTTP bodies

def client(provider, cache_mb=None):
    flags = type("Flags", (), {"histdiag_cache_mb": cache_mb, "histdiag_jobs": 1})()
    ctx = base_plugin.TBContext(data_provider=provider, flags=flags)
    wsgi = application.TensorBoardWSGI([plugin.HistDiagPlugin(ctx)], data_provider=provider)
    return werkzeug_test.Client(wsgi, wrappers.Response)


def bodies(app, query):
    """The gzip and the plain body of one diagnostics request, both parsed."""
    path = support.ROUTE + "diagnostics?" + query
    zipped = app.get(path, headers={"Accept-Encoding": "gzip"})
    plain = app.get(path)
    assert zipped.status_code == plain.status_code == 200
    assert zipped.headers["Content-Encoding"] == "gzip" and "Content-Encoding" not in plain.headers
    return json.loads(gzip.decompress(zipped.data)), json.loads(plain.data)


def test_gzip_body_equals_plain_body_with_overrides_and_after_new_steps(tmp_path, no_listing_window):
    support.write_frames(str(tmp_path), "run", frames(6, scale=1.0) + frames(3, scale=50.0, start=6))
    logdir = Logdir(tmp_path)
    app = client(logdir.provider)
    zipped, plain = bodies(app, "run=run")
    assert zipped == plain and zipped["series"][0]["steps"] == list(range(9))
    again, _ = bodies(app, "run=run")  # the cached gzip answers the same
    assert again == plain
    zipped_o, plain_o = bodies(app, "run=run&exploding_factor=1000000")
    assert zipped_o == plain_o and zipped_o["settings"]["exploding_factor"] == 1e6
    kinds = lambda doc: {m["kind"] for m in doc["markers"]}  # noqa: E731
    assert "exploding_gradient" in kinds(plain) and "exploding_gradient" not in kinds(plain_o)
    support.write_frames(logdir.path, "run", frames(2, seed=5, start=9))
    logdir.reload()
    zipped, plain = bodies(app, "run=run")
    assert zipped == plain and zipped["series"][0]["steps"] == list(range(11))


# ---------------------------------------------------------------- long runs

@pytest.fixture(scope="module")
def long_run(tmp_path_factory):
    """1,500 steps of two tags: a spike, a dip, NaN steps, a gradient explosion."""
    path = tmp_path_factory.mktemp("long")
    rng = np.random.default_rng(7)
    out = []
    for step in range(1500):
        w = rng.normal(0, 0.3, 200)
        g = rng.normal(0, 1e-3 * (1 if step < 1400 else 1e4), 200)
        if step == 333:
            w[0] = 40.0  # a one-step spike of the maximum
        if step == 901:
            w[0] = -55.0  # a one-step dip of the minimum
        if step in (777, 1203):
            g[3] = np.nan
        out.append((step, {"dense/kernel": w, "dense/kernel/grad": g}))
    support.write_frames(str(path), "long", out)
    analysis = Diagnoser(Logdir(path).provider).analysis(CTX, "", "long")
    return analysis, analysis.document()


def test_default_document_is_compact_and_keeps_extremes_markers_and_nan(long_run):
    analysis, full = long_run
    doc = json.loads(analysis.document_json())
    assert full["downsampled"] is False and len(full["series"][0]["steps"]) == 1500
    assert doc["downsampled"] is True and doc["total_steps"] == 1500 and doc["step_range"] == [0, 1499]
    assert doc["markers"] == full["markers"]  # markers from every step
    marker_steps = {m[k] for m in doc["markers"] for k in ("first_step", "last_step")}
    assert {777, 1203} <= marker_steps
    full_series = {s["tag"]: s for s in full["series"]}
    for series in doc["series"]:
        steps = series["steps"]
        assert len(steps) <= downsample.MAX_POINTS + len(marker_steps) + 2
        assert len(steps) < 1500 and steps == sorted(set(steps)) and steps[0] == 0 and steps[-1] == 1499
        assert marker_steps <= set(steps)
        ref = full_series[series["tag"]]
        index = {s: i for i, s in enumerate(ref["steps"])}
        for name, values in series["stats"].items():  # kept points are the full document's values
            assert values == [ref["stats"][name][index[s]] for s in steps], name
        nan_steps = {s for s, bad in zip(ref["steps"], ref["non_finite"]) if bad}
        assert nan_steps <= set(steps)
    kernel = next(s for s in doc["series"] if s["tag"] == "dense/kernel")
    assert {333, 901} <= set(kernel["steps"])
    assert max(kernel["stats"]["max"]) == max(full_series["dense/kernel"]["stats"]["max"]) == pytest.approx(40.0)
    assert min(kernel["stats"]["min"]) == pytest.approx(-55.0)
    grad = next(s for s in doc["series"] if s["tag"] == "dense/kernel/grad")
    assert {777, 1203} <= {s for s, bad in zip(grad["steps"], grad["non_finite"]) if bad}


def test_a_step_range_is_served_at_full_resolution(long_run):
    analysis, full = long_run
    doc = json.loads(analysis.document_json(start_step=100, end_step=1299))
    assert doc["downsampled"] is False and doc["step_range"] == [100, 1299]
    assert doc["markers"] == full["markers"]
    for series in doc["series"]:
        assert series["steps"] == list(range(100, 1300))
        assert all(len(v) == 1200 for v in series["stats"].values())
    open_end = json.loads(analysis.document_json(start_step=1490))
    assert open_end["series"][0]["steps"] == list(range(1490, 1500))


def test_statistics_in_blocks_equal_one_pass(long_run, tmp_path):
    rng = np.random.default_rng(11)
    support.write_frames(str(tmp_path), "run", [(s, {"w": rng.normal(s * 1e-3, 1.0, 300)}) for s in range(600)])
    logdir = Logdir(tmp_path)
    series = reading.read_run(logdir.provider, CTX, "", "run", ["w"])["w"]
    assert len(series.steps) == 600 > 2 * stats._BLOCK
    blocked = stats.series_stats(series.buckets, series.n_rows)
    whole = stats._block_stats(*stats.compact(series.buckets, series.n_rows))
    for name in stats.STAT_NAMES:
        np.testing.assert_allclose(blocked[name], whole[name], rtol=1e-12, atol=0, equal_nan=True, err_msg=name)
    assert np.isnan(blocked["change"][0]) and np.isfinite(blocked["change"][stats._BLOCK])


def test_empty_rows_cut_leave_every_statistic_unchanged(tmp_path):
    """PyTorch-style buckets (hundreds of rows, most empty): ``stats.compact`` changes nothing."""
    from tensorboard.compat.proto import event_pb2, summary_pb2
    from tensorboard.summary.writer.event_file_writer import EventFileWriter

    rng = np.random.default_rng(5)
    # PyTorch's default bins (``torch.utils.tensorboard.summary.default_bins``), up to 100.
    positive = 1e-12 * 1.1 ** np.arange(int(np.log(1e14) / np.log(1.1)) + 1)
    edges = np.concatenate([-positive[::-1], [0.0], positive])
    writer = EventFileWriter(str(tmp_path / "run"))
    for step in range(20):
        values = np.concatenate([rng.normal(0, 0.1, 1000), np.zeros(50)])
        counts, _ = np.histogram(values, edges)
        nz = np.nonzero(counts)[0]
        lo, hi = nz[0], nz[-1] + 1
        proto = summary_pb2.HistogramProto(min=values.min(), max=values.max(), num=len(values),
                                           bucket_limit=edges[lo + 1:hi + 1].tolist(), bucket=counts[lo:hi].tolist())
        summary = summary_pb2.Summary(value=[summary_pb2.Summary.Value(tag="w", histo=proto)])
        writer.add_event(event_pb2.Event(step=step, wall_time=1.7e9 + step, summary=summary))
    writer.close()
    series = reading.read_run(Logdir(tmp_path).provider, CTX, "", "run", ["w"])["w"]
    small, n_rows = stats.compact(series.buckets, series.n_rows)
    assert small.shape[1] < 0.75 * series.buckets.shape[1]
    assert small[..., 2].sum() == series.buckets[..., 2].sum()
    fast = stats.series_stats(series.buckets, series.n_rows)
    plain = stats._block_stats(series.buckets, series.n_rows)
    for name in stats.STAT_NAMES:
        np.testing.assert_allclose(fast[name], plain[name], rtol=1e-12, atol=1e-300, equal_nan=True, err_msg=name)
    np.testing.assert_allclose(fast["zero_fraction"], 50 / 1050, rtol=0.02)


# ---------------------------------------------------------------- gRPC's cap

class CappedProvider:
    """The real data provider, refusing answers of more than ``cap`` samples
    with the error the Rust data server's gRPC channel raises over its cap."""

    def __init__(self, provider, cap):
        self._provider, self.cap, self.calls = provider, cap, []

    def list_tensors(self, *args, **kwargs):
        return self._provider.list_tensors(*args, **kwargs)

    def read_tensors(self, ctx, **kwargs):
        data = self._provider.read_tensors(ctx, **kwargs)
        samples = sum(len(d) for tags in data.values() for d in tags.values())
        self.calls.append(sorted(kwargs["run_tag_filter"].tags))
        if samples > self.cap:
            raise RuntimeError("StatusCode.RESOURCE_EXHAUSTED: Received message larger than max")
        return data


def test_reads_are_split_under_the_message_cap(tmp_path, monkeypatch):
    rng = np.random.default_rng(2)
    tags = ["t%d" % i for i in range(6)]
    support.write_frames(str(tmp_path), "run", [(s, {t: rng.normal(0, 1, 64) for t in tags}) for s in range(10)])
    logdir = Logdir(tmp_path)
    whole = reading.read_run(logdir.provider, CTX, "", "run", reading.list_histograms(logdir.provider, CTX, "")["run"])
    # Groups by the listing's sample estimate: 25 samples per call holds two tags of 10 steps.
    monkeypatch.setattr(reading, "_SAMPLES_PER_CALL", 25)
    capped = CappedProvider(logdir.provider, cap=10**9)
    listing = reading.list_histograms(capped, CTX, "")["run"]
    grouped = reading.read_run(capped, CTX, "", "run", listing)
    assert [len(c) for c in capped.calls] == [2, 2, 2]
    # A server refusing more than one tag's samples: groups are halved until each fits.
    monkeypatch.setattr(reading, "_SAMPLES_PER_CALL", 10**9)
    capped = CappedProvider(logdir.provider, cap=10)
    halved = reading.read_run(capped, CTX, "", "run", listing)
    assert sorted(tag for call in capped.calls if len(call) == 1 for tag in call) == tags
    for result in (grouped, halved):
        assert sorted(result) == tags
        for tag in tags:
            np.testing.assert_array_equal(result[tag].buckets, whole[tag].buckets)
            np.testing.assert_array_equal(result[tag].steps, whole[tag].steps)


def test_settings_defaults_are_the_cached_markers(logdir):
    analysis = Diagnoser(logdir.provider).analysis(CTX, "", "a")
    assert analysis.markers() is analysis.markers(dict(rules.DEFAULTS))


def test_worker_processes_give_the_same_analyses(tmp_path):
    """``loading.analyse_logdir`` loads each run in its own process (the CLI's path)."""
    for i, run in enumerate(("a", "nested/b")):
        support.write_frames(str(tmp_path), run, frames(5, seed=i, scale=10.0 ** -i))
    support.write_scalars(str(tmp_path), "scalars_only")
    logdir = Logdir(tmp_path)
    diagnoser = Diagnoser(logdir.provider)
    shared = {run: diagnoser.analysis(CTX, "", run) for run in ("a", "nested/b")}
    for jobs in (1, 2):
        separate = loading.analyse_logdir(str(tmp_path), jobs=jobs)
        assert list(separate) == ["a", "nested/b"]  # the scalar-only run is left out
        for run, analysis in separate.items():
            assert analysis.document_json() == shared[run].document_json()
    with pytest.raises(KeyError):
        loading.analyse_logdir(str(tmp_path), runs=["nope"])


def test_many_series_at_once_equal_one_by_one(tmp_path):
    """A run's series are computed stacked (``stats.many_series_stats``): same numbers."""
    rng = np.random.default_rng(4)
    support.write_frames(str(tmp_path), "run", [(s, {
        "a": rng.normal(0, 1, 300), "b": rng.normal(s, 0.1, 300), "c": np.maximum(rng.normal(0, 1, 300), 0)})
        for s in range(40)])
    series = reading.read_run(Logdir(tmp_path).provider, CTX, "", "run", ["a", "b", "c"])
    pairs = [(series[t].buckets, series[t].n_rows) for t in "abc"]
    for one, many in zip([stats.series_stats(*p) for p in pairs], stats.many_series_stats(pairs), strict=True):
        for name in stats.STAT_NAMES:
            np.testing.assert_allclose(many[name], one[name], rtol=1e-12, atol=0, equal_nan=True, err_msg=name)
        assert np.isnan(many["change"][0]) and np.isfinite(many["change"][1:]).all()
