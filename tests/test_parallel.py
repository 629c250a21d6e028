"""Sharing the data provider's listing and computing in worker processes
(``tb_histdiag_plugin/cache.py`` ``Listings``, ``parallel.py`` ``ComputePool``).

Logs are written with TensorBoard's own writer and read through its own loader,
as in ``test_diagnosis.py`` (whose helpers this reuses).
"""

import os

import numpy as np
import pytest

import support
from test_diagnosis import CTX, Clock, CountingProvider, Logdir, logdir  # noqa: F401  (logdir: a fixture)
from tb_histdiag_plugin import cache, diagnosis, parallel, reading
from tb_histdiag_plugin import diagnoser as diagnoser_mod
from tb_histdiag_plugin.diagnoser import Diagnoser


class CountingReads(CountingProvider):
    """Counts ``read_tensors`` calls too."""

    reads = 0

    def read_tensors(self, *args, **kwargs):
        self.reads += 1
        return super().read_tensors(*args, **kwargs)


def test_one_listing_serves_the_requests_of_its_window(logdir):
    provider, clock = CountingProvider(logdir.provider), Clock()
    diagnoser = Diagnoser(provider, clock=clock)
    rows = diagnoser.runs(CTX, "", start=False)  # the whole listing ...
    for run in "abc":  # ... serves each run's own request too
        diagnoser.analysis(CTX, "", run)
    diagnoser.runs(CTX, "", start=False)
    assert provider.listings == 1 and [r["last_step"] for r in rows] == [5, 5, 5]
    clock.now += cache.LISTING_TTL_S
    diagnoser.analysis(CTX, "", "a")  # the window is over: listed again (this run only)
    diagnoser.analysis(CTX, "", "b")
    assert provider.listings == 3
    assert diagnoser.computations == 3  # nothing new was logged: no new analysis
    # A run's own listing is never taken for the whole one.
    assert [r["run"] for r in diagnoser.runs(CTX, "", start=False)] == ["a", "b", "c"] and provider.listings == 4


def test_without_a_window_every_request_lists(logdir):
    provider = CountingProvider(logdir.provider)
    diagnoser = Diagnoser(provider, listing_ttl_s=0)
    for _ in range(3):
        diagnoser.analysis(CTX, "", "a")
    assert provider.listings == 3 and diagnoser.computations == 1


@pytest.mark.parametrize("whole_run_samples", [10**6, 0], ids=["runs sent whole", "large runs: in groups"])
def test_background_analyses_in_worker_processes_equal_those_in_thread(logdir, monkeypatch, whole_run_samples):
    monkeypatch.setattr(diagnoser_mod, "_WHOLE_RUN_SAMPLES", whole_run_samples)
    in_thread = Diagnoser(logdir.provider, jobs=1)
    pooled = Diagnoser(logdir.provider, jobs=2, processes=True)
    try:
        support.wait_until(lambda: (all(r["status"] == "done" for r in pooled.runs(CTX, "")), None), timeout=120,
                           interval=0.1, what="every run analysed")
        assert not pooled._pool.broken and pooled.computations == 3
        for run in "abc":
            assert pooled.analysis(CTX, "", run).document_json() == in_thread.analysis(CTX, "", run).document_json()
        assert pooled.runs(CTX, "") == in_thread.runs(CTX, "", start=False)
    finally:
        pooled.close()


@pytest.mark.parametrize("send_max_rows", [64, 0], ids=["sent to workers", "wide: computed here"])
def test_a_request_reads_in_groups_whose_statistics_workers_compute(tmp_path, monkeypatch, send_max_rows):
    """A run of more tags than a group: read and computed group by group, same document."""
    monkeypatch.setattr(parallel, "STATS_GROUP_TAGS", 3)
    monkeypatch.setattr(parallel, "SEND_MAX_ROWS", send_max_rows)
    rng = np.random.default_rng(5)
    support.write_frames(str(tmp_path), "run", [(s, {
        "dense_%d/%s" % (i, kind): rng.normal(0, 0.1 * (1 + i), 128) for i in range(4)
        for kind in ("kernel", "kernel/grad")}) for s in range(12)])
    provider = CountingReads(Logdir(tmp_path).provider)
    whole = diagnosis.analyse("run", reading.read_run(provider, CTX, "", "run", [
        "dense_%d/%s" % (i, kind) for i in range(4) for kind in ("kernel", "kernel/grad")]))
    provider.reads = 0
    pooled = Diagnoser(provider, jobs=2, processes=True)
    try:
        grouped = pooled.analysis(CTX, "", "run")
        assert provider.reads == 3  # 8 tags in groups of 3
        # Its documents are serialised in parts by the workers: the same text.
        for window in ({}, {"start_step": 3, "end_step": 7}):
            assert grouped.document_json(**window) == whole.document_json(**window)
        assert not pooled._pool.broken
    finally:
        pooled.close()
    assert grouped.document_json() == Diagnoser(provider, jobs=1).analysis(CTX, "", "run").document_json()


def _exit_unless_in(pid):
    """Kills a worker process; answers in the process ``pid``."""
    if os.getpid() != pid:
        os._exit(3)
    return "answered in %d" % pid


def test_compute_pool_runs_in_other_processes_and_falls_back_to_this_thread():
    pool = parallel.ComputePool(2)
    try:
        assert pool.run(os.getpid) != os.getpid()
        with pytest.raises(ZeroDivisionError):  # the job's own error, as in this thread
            pool.run(divmod, 1, 0)
        assert not pool.broken
        # A worker dies: the job is done here instead, and from then on.
        assert pool.run(_exit_unless_in, os.getpid()) == "answered in %d" % os.getpid()
        assert pool.broken and pool.run(os.getpid) == os.getpid()
    finally:
        pool.close()
    assert parallel.ComputePool(0).run(os.getpid) == os.getpid()  # no processes asked for
