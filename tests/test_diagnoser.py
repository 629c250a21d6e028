"""The diagnosis cache (``tb_histdiag_plugin/diagnoser.py``): invalidation on new
steps, one computation per run under concurrent requests, the memory budget,
vanished runs and background analyses for ``/runs``.

Logs and providers as in ``test_diagnosis.py``: TensorBoard's own writer and
loading code, with the multiplexer kept so a test can write more steps, delete
a run and reload.
"""

import gzip
import json
import shutil
import threading

import support
from test_diagnosis import CTX, Clock, frames, logdir, no_listing_window  # noqa: F401  (fixtures)
from tb_histdiag_plugin import cache
from tb_histdiag_plugin.diagnoser import Diagnoser


def test_new_steps_invalidate_the_cached_analysis(logdir):
    clock = Clock()
    diagnoser = Diagnoser(logdir.provider, clock=clock)
    first = diagnoser.analysis(CTX, "", "a")
    assert diagnoser.analysis(CTX, "", "a") is first and diagnoser.computations == 1
    old_gzip = first.document_gzip()
    support.write_frames(logdir.path, "a", frames(3, seed=9, start=6))
    logdir.reload()
    # Within the listing's window the new steps are not seen yet ...
    clock.now += 0.9 * cache.LISTING_TTL_S
    assert diagnoser.analysis(CTX, "", "a") is first and diagnoser.computations == 1
    # ... and once it is over they are.
    clock.now += 0.2 * cache.LISTING_TTL_S
    second = diagnoser.analysis(CTX, "", "a")
    assert second is not first and diagnoser.computations == 2
    doc = json.loads(gzip.decompress(second.document_gzip()))
    assert doc["series"][0]["steps"] == list(range(9)) and doc["total_steps"] == 9
    assert json.loads(gzip.decompress(old_gzip))["series"][0]["steps"] == list(range(6))


def test_concurrent_requests_compute_each_run_once(logdir):
    diagnoser = Diagnoser(logdir.provider)
    results, errors = [], []
    barrier = threading.Barrier(8)

    def ask(run):
        try:
            barrier.wait()
            results.append((run, diagnoser.analysis(CTX, "", run)))
        except Exception as e:  # collected: a failing thread must fail the test
            errors.append(e)

    threads = [threading.Thread(target=ask, args=("ab"[i % 2],)) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(results) == 8
    assert diagnoser.computations == 2
    for run in "ab":
        assert len({id(a) for r, a in results if r == run}) == 1


def test_cache_keeps_the_budget_least_recently_used_out(logdir):
    one = Diagnoser(logdir.provider).analysis(CTX, "", "a").nbytes()
    assert one > 0
    # Room for two analyses of this size (the three runs have the same shape).
    diagnoser = Diagnoser(logdir.provider, cache_mb=2.5 * one / 2**20)
    diagnoser.analysis(CTX, "", "a")
    diagnoser.analysis(CTX, "", "b")
    diagnoser.analysis(CTX, "", "a")  # a hit: "a" is now the most recently used
    assert diagnoser.computations == 2
    diagnoser.analysis(CTX, "", "c")
    assert diagnoser.cached_runs() == [("", "a"), ("", "c")]
    assert diagnoser.cache_bytes() <= 2.5 * one
    diagnoser.analysis(CTX, "", "b")  # evicted: computed again
    assert diagnoser.computations == 4
    # A generous budget keeps all three.
    roomy = Diagnoser(logdir.provider, cache_mb=64)
    for run in "abc":
        roomy.analysis(CTX, "", run)
    assert len(roomy.cached_runs()) == 3


def test_runs_that_vanish_from_the_listing_are_dropped(logdir, no_listing_window):
    diagnoser = Diagnoser(logdir.provider)
    for run in "abc":
        diagnoser.analysis(CTX, "", run)
    assert {r["run"]: r["status"] for r in diagnoser.runs(CTX, "", start=False)} == dict.fromkeys("abc", "done")
    shutil.rmtree(logdir.path + "/b")
    logdir.reload()
    assert [r["run"] for r in diagnoser.runs(CTX, "", start=False)] == ["a", "c"]
    assert diagnoser.cached_runs() == [("", "a"), ("", "c")]


def test_runs_start_background_analyses_and_fill_in(logdir):
    diagnoser = Diagnoser(logdir.provider, jobs=2)
    first = diagnoser.runs(CTX, "")
    assert [r["run"] for r in first] == ["a", "b", "c"]
    assert all(r["tags"] == 4 and r["last_step"] == 5 for r in first)
    for row in first:  # from the listing alone: analysis fields null unless already done
        assert row["status"] in ("pending", "done")
        if row["status"] == "pending":
            assert row["critical"] is None and row["layers"] is None

    def all_done():
        rows = diagnoser.runs(CTX, "")
        return all(r["status"] == "done" for r in rows), rows

    rows = support.wait_until(all_done, timeout=60, interval=0.1, what="every run analysed")
    for row in rows:
        assert row["layers"] == 2 and row["first_step"] == 0
        assert all(isinstance(row[k], int) for k in ("critical", "warning", "info"))
        assert row["profile"]["source"] == "gradients" and len(row["profile"]["values"]) == 2
    assert diagnoser.computations == 3
    diagnoser.runs(CTX, "")
    assert diagnoser.computations == 3  # nothing new: no new work
