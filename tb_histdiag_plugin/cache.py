"""A size-bounded least-recently-used cache of run analyses.

``diagnoser.Diagnoser`` keeps one analysis per run; a sweep of hundreds of
runs would otherwise hold every run's statistics (and cached JSON) for the
life of the TensorBoard process.  The budget is ``--histdiag_cache_mb``
(``entry_point.py``).  ``Listings`` shares the data provider's listing
between the requests of a short window.
"""

import collections
import threading
import time


class LRU:
    """Analyses by key, least recently used first out once their estimated
    bytes (``diagnosis.RunAnalysis.nbytes``, which grows as JSON gets cached) exceed the
    budget.  The newest entry always stays, however large.  Not thread-safe:
    ``diagnoser.Diagnoser`` holds its lock around every call."""

    def __init__(self, budget_bytes):
        self.budget = budget_bytes
        self._items = collections.OrderedDict()  # key -> (fingerprint, RunAnalysis)

    def get(self, key, fingerprint):
        item = self._items.get(key)
        if item is None or item[0] != fingerprint:
            return None
        self._items.move_to_end(key)
        return item[1]

    def put(self, key, fingerprint, analysis):
        self._items[key] = (fingerprint, analysis)
        self._items.move_to_end(key)
        self.evict()

    def evict(self):
        total = sum(a.nbytes() for _, a in self._items.values())
        while total > self.budget and len(self._items) > 1:
            _, (_, oldest) = self._items.popitem(last=False)
            total -= oldest.nbytes()

    def drop(self, key):
        self._items.pop(key, None)

    def keys(self):
        return list(self._items)

    def nbytes(self):
        return sum(a.nbytes() for _, a in self._items.values())


# How long one data-provider listing serves every request (seconds): well
# within TensorBoard's --reload_interval (5 s by default), so new data shows
# up at most this much later than it would otherwise.
LISTING_TTL_S = 2.0


class Listings:
    """The data provider's histogram listing, shared by the requests of a short window.

    The listing is our freshness check (``reading.fingerprint``) and it is not
    cheap: the Python loader's ``list_tensors`` walks every loaded event in
    Python (0.3-0.4 s for 100 tags x 5,000 steps) and the Rust data server's
    takes ~45 ms over gRPC, so a warm request re-listing each time could never
    answer in tens of milliseconds.  A listing is reused for ``ttl_s`` seconds
    (timed from before it was asked for), for its own runs or any subset; one
    caller computes a missing listing while the others for it wait.
    """

    def __init__(self, list_fn, ttl_s=LISTING_TTL_S, clock=time.monotonic):
        self._list = list_fn  # (ctx, experiment_id, runs or None) -> {run: {tag: TensorTimeSeries}}
        self.ttl_s = ttl_s
        self._clock = clock
        self._lock = threading.Lock()
        self._held = {}  # (experiment_id, runs tuple or None) -> (time asked, listing)
        self._flights = {}  # key -> lock of the caller computing it

    def _fresh(self, key, runs, now):
        for k in (key, (key[0], None)):
            hit = self._held.get(k)
            if hit is not None and now - hit[0] < self.ttl_s:
                listing = hit[1]
                return listing if runs is None else {r: listing[r] for r in runs if r in listing}
        return None

    def peek(self, experiment_id, runs=None):
        """The listing if one is held and fresh (as ``get`` would serve it), else None; never lists."""
        key = (experiment_id, None if runs is None else tuple(sorted(set(runs))))
        with self._lock:
            return self._fresh(key, runs, self._clock())

    def get(self, ctx, experiment_id, runs=None):
        key = (experiment_id, None if runs is None else tuple(sorted(set(runs))))
        with self._lock:
            found = self._fresh(key, runs, self._clock())
            if found is not None:
                return found
            flight = self._flights.setdefault(key, threading.Lock())
        with flight:
            with self._lock:
                found = self._fresh(key, runs, self._clock())
            if found is not None:
                return found
            asked = self._clock()
            listing = self._list(ctx, experiment_id, runs)
            with self._lock:
                now = self._clock()
                for k in [k for k, (t, _) in self._held.items() if now - t >= self.ttl_s]:
                    del self._held[k]
                    self._flights.pop(k, None)
                if self.ttl_s > 0:
                    self._held[key] = (asked, listing)
            return listing
