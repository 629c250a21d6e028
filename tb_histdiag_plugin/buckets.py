"""The stored buckets of one tag at one step, read from a logdir offline.

What the notebook's ``histogram`` plot draws: the rows the tab's ``histogram``
route serves (both take them from ``reading.Series.bucket_rows``), read with
TensorBoard's own loading code (``loading.local_provider``).  A ``Reader``
loads the logdir once and serves many reads.  ``loading`` and ``reading`` (and
with them TensorBoard, which imports TensorFlow when installed) are imported on
the first read, so importing ``result.py``, which uses this module, stays light.
"""


class Reader:
    """Bucket reads from one logdir; the logdir is loaded on the first read."""

    def __init__(self, logdir, provider=None):
        self.logdir = logdir
        self._provider = provider

    @property
    def provider(self):
        if self._provider is None:
            from tb_histdiag_plugin import loading

            self._provider = loading.local_provider(self.logdir)
        return self._provider

    def runs_with(self, tag):
        """Sorted runs that hold histogram tag ``tag``."""
        from tb_histdiag_plugin import loading, reading

        listing = reading.list_histograms(self.provider, loading.request_context(), "")
        return sorted(run for run, tags in listing.items() if tag in tags)

    def read(self, run, tag, step=None):
        """``(step, rows)``: ``rows`` the float64 ``[k, 3]`` ``[left, right, count]`` buckets
        of ``tag`` at ``step`` (default: the last logged step); empty or
        non-finite steps give no rows."""
        from tb_histdiag_plugin import loading, reading

        series = reading.read_run(self.provider, loading.request_context(), "", run, [tag]).get(tag)
        if series is None:
            raise KeyError("run %r of %r has no histogram tag %r" % (run, self.logdir, tag))
        if step is None:
            i = len(series.steps) - 1
        else:
            i = series.step_index(step)
            if i is None:
                raise KeyError("tag %r of run %r has no step %d (steps %d–%d)"
                               % (tag, run, step, series.steps[0], series.steps[-1]))
        return int(series.steps[i]), series.bucket_rows(i)


def read_buckets(logdir, run, tag, step=None, provider=None):
    """``(step, rows)`` of one tag at one step (default: the last); see ``Reader.read``."""
    return Reader(logdir, provider).read(run, tag, step)
