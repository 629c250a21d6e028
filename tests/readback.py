"""Reading written histograms back with TensorBoard's own loader, for tests."""

import numpy as np


def read_histograms(run_dir):
    """``{tag: {step: [k, 3] buckets}}`` of a run, through TensorBoard's loader."""
    from tensorboard.backend.event_processing import plugin_event_accumulator as pea
    from tensorboard.util import tensor_util

    acc = pea.EventAccumulator(run_dir, size_guidance={pea.TENSORS: 0})
    acc.Reload()
    out = {}
    for tag in acc.Tags()[pea.TENSORS]:
        if acc.SummaryMetadata(tag).plugin_data.plugin_name != "histograms":
            continue
        for event in acc.Tensors(tag):
            out.setdefault(tag, {})[event.step] = tensor_util.make_ndarray(event.tensor_proto).astype(np.float64)
    return out


def assert_matches(buckets, exact, what):
    """Count, min and max of stored buckets equal those of the exact tensor."""
    exact = np.asarray(exact, dtype=np.float64).ravel()
    assert buckets[:, 2].sum() == exact.size, what
    np.testing.assert_allclose(buckets[0, 0], exact.min(), rtol=1e-6, atol=1e-12, err_msg=what)
    np.testing.assert_allclose(buckets[-1, 1], exact.max(), rtol=1e-6, atol=1e-12, err_msg=what)
