"""Synthetic histogram logs for the end-to-end tests, written without TensorFlow."""

import os

import numpy as np
from tensorboard.compat.proto import event_pb2
from tensorboard.plugins.histogram import summary_v2
from tensorboard.summary.writer.event_file_writer import EventFileWriter

N_LAYERS = 6
STEPS = list(range(0, 20, 2))
XSS_TAG = "<img src=x onerror=alert(1)>"


def _write(logdir, run, tagged_arrays_by_step):
    writer = EventFileWriter(os.path.join(logdir, run))
    t0 = 1.7e9
    for step, arrays in tagged_arrays_by_step:
        for tag, arr in arrays:
            writer.add_event(event_pb2.Event(
                step=step, wall_time=t0 + step,
                summary=summary_v2.histogram_pb(tag, np.asarray(arr, dtype=np.float64), buckets=30)))
    writer.close()


def _run_arrays(rng, grad_scale_for_layer, steps=STEPS, n_layers=N_LAYERS, extra=()):
    out = []
    for step in steps:
        arrays = []
        for i in range(n_layers):
            w = rng.normal(0.0, 0.3 * (1 + 0.01 * step), size=400)
            b = rng.normal(0.0, 0.05, size=32)
            g = rng.normal(0.0, grad_scale_for_layer(i), size=400)
            arrays += [("layer_%d_weights" % i, w), ("layer_%d_biases" % i, b), ("layer_%d_gradients" % i, g)]
        arrays += [(tag, rng.normal(0.0, 1.0, size=100)) for tag in extra]
        out.append((step, arrays))
    return out


BERT_LAYERS = 12
BERT_PARAMS = ("attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense",
               "intermediate.dense", "output.dense")
BERT_NORMS = ("attention.output.LayerNorm", "output.LayerNorm")
MARKUP_BLOCK = "<b onmouseover=alert(2)>blk"


def bert_tags():
    """A BERT-like model's parameter names (Hugging Face style): 12 blocks of 8 layers plus 4 outside any block."""
    tags = ["bert.embeddings.word_embeddings.weight", "bert.embeddings.LayerNorm.weight",
            "bert.embeddings.LayerNorm.bias"]
    for i in range(BERT_LAYERS):
        for p in BERT_PARAMS:
            tags += ["bert.encoder.layer.%d.%s.weight" % (i, p), "bert.encoder.layer.%d.%s.bias" % (i, p)]
        for p in BERT_NORMS:
            tags += ["bert.encoder.layer.%d.%s.weight" % (i, p), "bert.encoder.layer.%d.%s.bias" % (i, p)]
    tags += ["bert.pooler.dense.weight", "bert.pooler.dense.bias", "classifier.weight", "classifier.bias"]
    return tags


def _bert_arrays(rng, steps=(0, 1, 2, 3)):
    """Weights that move a little every step, with their gradients; block 0's query gradients vanish."""
    out = []
    tags = bert_tags()
    base = {t: rng.normal(0.0, 0.05, size=64) for t in tags}
    for step in steps:
        arrays = []
        for t in tags:
            base[t] = base[t] + rng.normal(0.0, 1e-3, size=64)
            arrays.append((t, base[t]))
            if t.endswith(".weight") and "LayerNorm" not in t:
                scale = 1e-9 if t.startswith("bert.encoder.layer.0.attention.self.query") else 1e-2
                arrays.append((t[:-len(".weight")] + ".weight.grad", rng.normal(0.0, scale, size=64)))
        out.append((step, arrays))
    return out


# weights_only: the size of each layer's update per logged step, input side first (weights have std 0.3)
UPDATE_SCALES = (0.0, 1e-7, 1e-6, 1e-5, 1e-3, 3e-3)


def _weights_only_arrays(rng, n_layers=N_LAYERS, steps=STEPS):
    """``layer_{i}_weights``/``_biases`` only (Keras' callback logs no gradients); output-side layers move more and
    the input layer's weights never change (bit-identical histograms: a relative change of exactly 0)."""
    out = []
    w = [rng.normal(0.0, 0.3, size=400) for _ in range(n_layers)]
    b = [rng.normal(0.0, 0.05, size=32) for _ in range(n_layers)]
    for step in steps:
        arrays = []
        for i in range(n_layers):
            w[i] = w[i] + rng.normal(0.0, 1.0, size=400) * UPDATE_SCALES[i]
            b[i] = b[i] + rng.normal(0.0, 1e-3, size=32)
            arrays += [("layer_%d_weights" % i, w[i]), ("layer_%d_biases" % i, b[i])]
        out.append((step, arrays))
    return out


def _markup_block_arrays(rng, steps=STEPS):
    """Blocks whose shared name holds markup: ``<b …>blk.{i}.{dense,out}`` weights and gradients."""
    out = []
    for step in steps:
        arrays = []
        for i in range(3):
            for layer in ("dense", "out"):
                name = "%s.%d.%s.weight" % (MARKUP_BLOCK, i, layer)
                arrays += [(name, rng.normal(0.0, 0.3, size=100)), (name + ".grad", rng.normal(0.0, 1e-2, size=100))]
        out.append((step, arrays))
    return out


def write_logs(logdir):
    """Write the runs ``vanishing``, ``healthy``, ``xss``, ``weights_only`` and ``wide_bert``; return their names.

    Names sort so that ``healthy`` and ``vanishing`` keep the first two run colours.
    """
    rng = np.random.default_rng(0)
    # Early layers' gradients 1e-6 of the last layer's.
    scales = np.logspace(-6, 0, N_LAYERS) * 1e-2
    _write(logdir, "vanishing", _run_arrays(rng, lambda i: scales[i]))
    _write(logdir, "healthy", _run_arrays(rng, lambda i: 1e-2))
    xss = _run_arrays(rng, lambda i: 1e-2, n_layers=2, extra=(XSS_TAG,))
    for (step, arrays), (_, more) in zip(xss, _markup_block_arrays(rng)):
        arrays += more
    _write(logdir, "xss", xss)
    _write(logdir, "weights_only", _weights_only_arrays(rng))
    _write(logdir, "wide_bert", _bert_arrays(rng))
    return ["vanishing", "healthy", "xss", "weights_only", "wide_bert"]


if __name__ == "__main__":
    import sys

    print(write_logs(sys.argv[1]))
