"""A size-bounded least-recently-used cache of run analyses.

``diagnosis.Diagnoser`` keeps one analysis per run; a sweep of hundreds of
runs would otherwise hold every run's statistics (and cached JSON) for the
life of the TensorBoard process.  The budget is ``--histdiag_cache_mb``
(``entry_point.py``).
"""

import collections


class LRU:
    """Analyses by key, least recently used first out once their estimated
    bytes (``diagnosis.RunAnalysis.nbytes``, which grows as JSON gets cached) exceed the
    budget.  The newest entry always stays, however large.  Not thread-safe:
    ``diagnosis.Diagnoser`` holds its lock around every call."""

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
