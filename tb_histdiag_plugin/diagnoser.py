"""Cached diagnoses over a TensorBoard data provider, for the tab, the CLI and the API.

A run's analysis (``diagnosis.RunAnalysis``) is computed once and cached until
the data provider reports new data for it (its tags' largest step and wall
time change), within a memory budget; ``/runs`` rows come from the listing
alone while analyses run in the background (``parallel.py``).
"""

import threading

from tensorboard.data import provider

from tb_histdiag_plugin import cache, parallel, reading, scalars
from tb_histdiag_plugin.diagnosis import NotFound, analyse


DEFAULT_CACHE_MB = 1024
# A background run up to this many samples (72 MB of buckets at 30 rows) is sent whole to a worker.
_WHOLE_RUN_SAMPLES = 100_000


def _samples(tags):
    """Samples of a run, estimated from the listing (``max_step + 1`` per tag)."""
    if not isinstance(tags, dict):
        return 0
    return sum(max(1, int(getattr(ts, "max_step", 0) or 0) + 1) for ts in tags.values())


class Diagnoser:
    """Cached diagnoses over a TensorBoard data provider; safe across threads.

    ``cache_mb`` bounds the analyses kept (least recently used out); the
    ``/runs`` summaries are small and kept for every listed run, so a sweep
    larger than the cache is not re-analysed on every poll.  ``jobs`` worker
    threads run the background analyses ``runs`` starts (a request computes
    its own run at once).  With ``processes`` (the plugin's default) and more than one job, the
    statistics are computed in ``jobs`` worker processes (``parallel.ComputePool``)
    while the threads read (``parallel.read_grouped``).  The data provider's listing
    is shared by the requests of ``listing_ttl_s`` seconds (``cache.Listings``).
    """

    def __init__(self, data_provider, cache_mb=DEFAULT_CACHE_MB, jobs=None, processes=False,
                 listing_ttl_s=None, clock=None):
        self._provider = data_provider
        self._lock = threading.Lock()
        self._run_locks = {}
        self._cache = cache.LRU(int(cache_mb * 2**20))
        self._summaries = {}  # (experiment_id, run) -> (fingerprint, summary dict | None, error | None)
        self._jobs = parallel.workers(jobs)
        self._pool = parallel.ComputePool(self._jobs if processes and self._jobs > 1 else 0)
        self._background = None
        ttl = cache.LISTING_TTL_S if listing_ttl_s is None else listing_ttl_s
        self._listings = cache.Listings(self._list, ttl, *([clock] if clock else []))
        # Every run's scalar tags, indexed (scalars.Index): a run's loss may sit in a sibling run.
        self._scalar_listings = cache.Listings(self._list_scalars, ttl, *([clock] if clock else []))
        # A request's run alone: the scalars of that run and the runs it draws on, ``{run: Index}``
        # (a sweep's whole scalar listing walks every run's scalars under the Python loader).
        self._run_scalar_listings = cache.Listings(self._list_run_scalars, ttl, *([clock] if clock else []))
        self._run_names = cache.Listings(self._list_run_names, ttl, *([clock] if clock else []))
        self.computations = 0  # analyses computed (not served from the cache): for tests and the benchmark

    def _list(self, ctx, experiment_id, runs):
        return reading.list_histograms(self._provider, ctx, experiment_id, runs)

    def _list_scalars(self, ctx, experiment_id, runs):
        return scalars.Index(scalars.list_scalars(self._provider, ctx, experiment_id))

    def _list_run_scalars(self, ctx, experiment_id, runs):
        """``{run: scalars.Index}`` of each run's scalars and its related runs' (``scalars.Index.related_runs``,
        found from the run names alone), listed through a run filter; the same choices and fingerprints as
        the whole listing's.  A provider that cannot list runs or filter gets the whole listing."""
        try:
            names = self._run_names.get(ctx, experiment_id)
            out = {}
            for run in runs:
                related = sorted({run} | {r for r, _ in scalars.Index(names).related_runs(run)})
                listing = self._provider.list_scalars(
                    ctx, experiment_id=experiment_id, plugin_name=scalars.SCALARS_PLUGIN,
                    run_tag_filter=provider.RunTagFilter(runs=related)) or {}
                out[run] = scalars.Index({r: tags for r, tags in listing.items() if r in related})
            return out
        except Exception:  # no run listing here: the whole scalar listing, shared
            index = self._scalar_listings.get(ctx, experiment_id)
            return {run: index for run in runs}

    def _list_run_names(self, ctx, experiment_id, runs):
        """``{run name: {}}`` of every run (the data provider's ``list_runs``: names only)."""
        return {r.run_name: {} for r in self._provider.list_runs(ctx, experiment_id=experiment_id)}

    def _signals_of(self, ctx, experiment_id, run, whole=True):
        """``(chosen, fingerprint)``: the run's training signals ``{name: (run, tag)}`` and their freshness,
        from the whole scalar listing (``whole``, shared by ``/runs``' rows) or the run's own while no
        whole listing is fresh."""
        index = None if whole else self._scalar_listings.peek(experiment_id)
        if index is None:
            index = (self._scalar_listings.get(ctx, experiment_id) if whole
                     else self._run_scalar_listings.get(ctx, experiment_id, [run])[run])
        try:
            chosen = index.choose(run)
        except Exception:  # a scalar listing we cannot read: the histogram diagnosis stands alone
            chosen = {}
        return chosen, scalars.fingerprint(chosen, index.listing)

    def fingerprint(self, ctx, experiment_id, run, tags):
        """What changes when new data arrives for a run: its histogram tags and its training signals."""
        return reading.fingerprint(tags), self._signals_of(ctx, experiment_id, run)[1]

    def listing(self, ctx, experiment_id, runs=None):
        return self._listings.get(ctx, experiment_id, runs)

    def warm_up(self, wait=False):
        """Start the worker processes (if any) ahead of the first analysis."""
        self._pool.warm_up(wait)

    def close(self):
        """Stop the worker processes (they also exit with this process)."""
        self._pool.close()

    def cached_runs(self):
        """``[(experiment_id, run)]`` of the analyses held, least recently used first."""
        with self._lock:
            return self._cache.keys()

    def cache_bytes(self):
        with self._lock:
            return self._cache.nbytes()

    def analysis(self, ctx, experiment_id, run, tags=None, background=False):
        """The run's analysis, from the cache or computed: for a request, read in groups
        whose statistics the worker processes compute meanwhile (``parallel.read_grouped``); in
        the background, read whole and analysed whole by a worker while this thread's
        siblings read the next runs (the least work in this, the GIL's, process), unless
        the run is large: then as a request, so no worker is sent a whole run at once."""
        if tags is None:
            tags = self.listing(ctx, experiment_id, [run]).get(run)
            if not tags:
                raise NotFound("no histogram data for run %r" % run)
        key = (experiment_id, run)
        chosen, scalar_fingerprint = self._signals_of(ctx, experiment_id, run, whole=False)
        fingerprint = (reading.fingerprint(tags), scalar_fingerprint)
        with self._lock:
            cached = self._cache.get(key, fingerprint)
            if cached is not None:
                return cached
            run_lock = self._run_locks.setdefault(key, threading.Lock())
        with run_lock:  # one computation per run at a time; others wait for it
            with self._lock:
                cached = self._cache.get(key, fingerprint)
                if cached is not None:
                    return cached
            try:
                signals = scalars.read(self._provider, ctx, experiment_id, chosen)
                if background and _samples(tags) <= _WHOLE_RUN_SAMPLES:
                    series = reading.read_run(self._provider, ctx, experiment_id, run, tags)
                    if not series:
                        raise NotFound("no histogram data for run %r" % run)
                    wide = not parallel.worth_sending(list(series.values()))
                    result = analyse(run, series, None, signals) if wide else self._pool.run(analyse, run, series, None, signals)
                else:
                    series, tag_stats = parallel.read_grouped(self._provider, ctx, experiment_id, run, tags, self._pool)
                    if not series:
                        raise NotFound("no histogram data for run %r" % run)
                    result = analyse(run, series, tag_stats, signals)
            except Exception as e:
                with self._lock:
                    self._summaries[key] = (fingerprint, None, "%s: %s" % (type(e).__name__, e))
                raise
            result.pool = self._pool
            with self._lock:
                self.computations += 1
                self._cache.put(key, fingerprint, result)
                self._summaries[key] = (fingerprint, result.summary(), None)
            return result

    def series(self, ctx, experiment_id, run, tag):
        """One tag's normalised series, read fresh (the histogram route)."""
        tags = self.listing(ctx, experiment_id, [run]).get(run)
        if not tags:
            raise NotFound("no histogram data for run %r" % run)
        if tag not in tags:
            raise NotFound("run %r has no histogram tag %r" % (run, tag))
        series = reading.read_run(self._provider, ctx, experiment_id, run, [tag]).get(tag)
        if series is None:
            raise NotFound("run %r has no histogram data for tag %r" % (run, tag))
        return series

    def _forget(self, experiment_id, listed):
        """Drop what is held for runs of ``experiment_id`` no longer listed."""
        with self._lock:
            for key in [k for k in self._summaries if k[0] == experiment_id and k[1] not in listed]:
                self._summaries.pop(key, None)
                self._run_locks.pop(key, None)
            for key in self._cache.keys():
                if key[0] == experiment_id and key[1] not in listed:
                    self._cache.drop(key)

    def _start(self, ctx, experiment_id, run, tags):
        if self._background is None:
            with self._lock:
                if self._background is None:
                    self._background = parallel.Background(self._jobs)

        def job():
            try:
                self.analysis(ctx, experiment_id, run, tags, background=True)
            except Exception:  # recorded in the summaries as "error"
                pass

        self._background.submit((experiment_id, run), job)

    def runs(self, ctx, experiment_id, start=True):
        """The ``/runs`` rows, from the data provider's listing alone.

        Rows of runs not analysed at their current data carry ``"status":
        "pending"`` (with the previous analysis' figures, or nulls); with
        ``start`` the missing analyses are started in the background.
        """
        listing = self.listing(ctx, experiment_id)
        self._forget(experiment_id, listing)
        out = []
        for run in sorted(listing):
            tags = listing[run]
            fingerprint = self.fingerprint(ctx, experiment_id, run, tags)
            with self._lock:
                known = self._summaries.get((experiment_id, run))
            row = {"run": run, "tags": len(tags), "layers": None, "first_step": None,
                   "last_step": max(int(ts.max_step) for ts in tags.values()),
                   "critical": None, "warning": None, "info": None, "status": "pending",
                   "worst": None, "profile": None, "headline": None, "first_sign": None, "final": None}
            if known is not None and known[1] is not None:
                row.update(known[1], tags=len(tags), last_step=row["last_step"])
            fresh = known is not None and known[0] == fingerprint
            if fresh and known[2] is not None:
                row.update(status="error", error=known[2])
            elif not fresh:
                row["status"] = "pending"  # the previous analysis' summary says "done"
                if start:
                    self._start(ctx, experiment_id, run, tags)
            out.append(row)
        return out
