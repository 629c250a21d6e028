"""Demo logs: tiny models really trained on the CPU, one run per pathology.

``python -m tb_histdiag_plugin.demo --logdir DIR [--quick] [--runs a,b] [--force]``
writes one run subdirectory of ``DIR`` per entry of ``RUNS``.  Every run trains
a small model on numpy-made data with fixed seeds and logs histograms through
the Keras callback (``tb_histdiag_plugin.keras.GradientHistograms``), the
PyTorch helper (``tb_histdiag_plugin.torch.HistogramLogger`` with
``torch.utils.tensorboard`` or tensorboardX), or, weights only, as most logs on
disk are: Keras' stock ``TensorBoard(histogram_freq=1)`` callback and a
``GradientTape`` loop writing ``layer_{i}_weights`` (``demo/keras_runs.py``,
``demo/torch_runs.py``).  Beside its histograms every run logs its training
curve as real tools write it: Keras' stock ``TensorBoard`` callback
(``epoch_loss``, ``epoch_learning_rate`` in ``<run>/train``, the validation
``epoch_loss`` in ``<run>/validation``), ``tf.summary.scalar("epoch_loss", ...)``
in the ``GradientTape`` loop, ``writer.add_scalar("Loss/train", ...)``,
``"Accuracy/train"``, ``"Loss/validation"`` in the PyTorch loops.

A run that finished writes a ``.done`` file last; a later call skips finished
runs (so a second ``make demo`` starts in seconds) and rewrites unfinished ones.

``RUNS`` says, for each run, what it shows and which marker kinds
(see the contract) it is expected to raise; healthy runs expect none and must
get no ``warning`` or ``critical`` marker.
"""

import argparse
import json
import os
import shutil
import time

from tb_histdiag_plugin.demo import keras_runs as demo_keras, torch_runs as demo_torch

RUNS = {
    "healthy": {
        "expect": [],
        "framework": "keras",
        "description": "A well-initialised ReLU MLP trained with Adam on a smooth regression task (Keras callback): "
                       "gradients of similar size in every layer, about half the ReLU outputs zero, weights moving "
                       "a little every epoch. No warning or critical marker.",
    },
    "healthy_torch": {
        "expect": [],
        "framework": "torch",
        "description": "The PyTorch twin of 'healthy': a ReLU MLP with Adam, logged with HistogramLogger through "
                       "torch.utils.tensorboard. No warning or critical marker.",
    },
    "seed_layer_weights": {
        "expect": [],
        "framework": "keras",
        "description": "Weights only, as a hand-written GradientTape loop logs them: tf.summary.histogram of "
                       "layer_{i}_weights and layer_{i}_biases once per epoch, for a He-initialised ReLU MLP trained "
                       "with plain SGD. Every layer moves; the healthy control for 'weights_only_sigmoid'. "
                       "No warning or critical marker.",
    },
    "vanishing_sigmoid": {
        "expect": ["vanishing_gradient"],
        "framework": "keras",
        "description": "A 10-layer sigmoid MLP trained with plain SGD: each sigmoid layer scales the backward "
                       "signal by at most 1/4, so the first layers' gradients are orders of magnitude smaller "
                       "than the last layers'.",
    },
    "weights_only_sigmoid": {
        "expect": ["vanishing_gradient"],
        "framework": "keras",
        "subrun": "train",
        "description": "The same 10-layer sigmoid MLP and SGD logged only by Keras' stock "
                       "TensorBoard(histogram_freq=1) callback, which writes weights and no gradients (run "
                       "'weights_only_sigmoid/train'). The textbook signature is in the weights: the input-side "
                       "layers stay (nearly) bit-identical from epoch to epoch while the change grows by orders of "
                       "magnitude towards the output, so vanishing gradients are inferred from the weights (a "
                       "warning that says how to confirm with gradient histograms).",
    },
    "exploding_lr": {
        "expect": ["exploding_gradient", "non_finite", "loss_diverging"],
        "framework": "keras",
        "description": "A three-layer linear network trained with full-batch SGD whose learning-rate warm-up "
                       "ramps linearly from 0.01 to 0.6, far past the stable limit (about 0.15 here; the stock "
                       "callback logs it as epoch_learning_rate): the loss falls until the rate crosses it, then "
                       "every step overshoots, gradient norms grow by orders of magnitude within a few steps and "
                       "the loss, weights and gradients end in Inf/NaN (histograms logged every batch).",
    },
    "dead_relu": {
        "expect": ["dead_units", "stagnant_weights", "vanishing_gradient"],
        "framework": "torch",
        "description": "A ReLU network with a skip path (the output reads both ReLU layers) whose second ReLU "
                       "layer has its bias initialised at -5, far below what its inputs can reach: every unit is "
                       "dead, its outputs are exactly zero, it gets zero gradient and its weights never change, "
                       "while the first layer and the output train on through the skip path (PyTorch, "
                       "tensorboardX writer).",
    },
    "frozen_layer": {
        "expect": ["stagnant_weights"],
        "framework": "keras",
        "description": "A ReLU MLP whose middle layer is frozen (trainable=False) while the other layers train: "
                       "its weights are bit-identical at every logged step.",
    },
    "weight_decay": {
        "expect": ["weight_decay_shrink"],
        "framework": "torch",
        "description": "Full-batch SGD with a strong L2 weight decay (weight_decay=0.5) on a task with little "
                       "signal: every weight norm shrinks steadily towards zero.",
    },
    "no_weight_decay": {
        "expect": [],
        "framework": "torch",
        "description": "The control for 'weight_decay': the same model, data and optimiser without decay. "
                       "No warning or critical marker.",
    },
    "weight_growth": {
        "expect": ["weight_growth"],
        "framework": "torch",
        "description": "Logistic regression on linearly separable data with a large learning rate and no "
                       "regularisation: the loss keeps falling only by scaling the weights up, so their norm grows "
                       "without bound (tensorboardX writer).",
    },
    "tanh_saturation": {
        "expect": ["saturation"],
        "framework": "keras",
        "description": "A tanh MLP initialised with weights of standard deviation 5: nearly every hidden "
                       "activation sits within 0.05 of -1 or +1, where tanh passes almost no gradient.",
    },
    "off_center_no_bias": {
        "expect": ["off_center"],
        "framework": "torch",
        "description": "A sigmoid MLP whose output layer has no bias, fitting an unstandardised target around 10: "
                       "with no bias to carry the offset, and every sigmoid feature near 0.5, each output weight is "
                       "pushed the same way, so the weights, initialised symmetric around zero, end up several "
                       "standard deviations off centre.",
    },
    "weight_clipping": {
        "expect": ["clipped_values"],
        "framework": "torch",
        "description": "WGAN-style weight clipping: every parameter clamped to [-0.05, 0.05] after each SGD step. "
                       "Most weights pile up exactly at the two bounds, the capacity loss Gulrajani et al. (2017) "
                       "showed for WGAN critics.",
    },
    "not_learning": {
        "expect": ["not_learning"],
        "framework": "torch",
        "description": "A 10-class classifier (ReLU MLP) trained with SGD at a learning rate of 1e-6, far too small: "
                       "the training loss stays at chance, ln 10 = 2.303, and the accuracy at about 0.1, while the "
                       "weights barely move. The same network learns the task within a hundred steps at 0.1.",
    },
    "oscillating_loss": {
        "expect": ["oscillating_loss"],
        "framework": "torch",
        "description": "Softmax regression on three overlapping classes by full-batch SGD with a learning rate "
                       "(4.0) far above its stable limit: the cross-entropy's curvature falls as the logits grow, so "
                       "instead of diverging the weights settle into a two-step cycle, and the loss, logged every "
                       "step, drops from 1.38 to zigzag between 0.83 and 1.11 for good, with no net progress.",
    },
}


def tensorboard_run(name):
    """The run name TensorBoard shows for demo run ``name`` (the stock Keras callback adds ``/train``)."""
    sub = RUNS[name].get("subrun")
    return name + "/" + sub if sub else name


DONE = ".done"


WRITERS = {
    "healthy": demo_keras.run_healthy,
    "healthy_torch": demo_torch.run_healthy_torch,
    "seed_layer_weights": demo_keras.run_seed_layer_weights,
    "vanishing_sigmoid": demo_keras.run_vanishing_sigmoid,
    "weights_only_sigmoid": demo_keras.run_weights_only_sigmoid,
    "exploding_lr": demo_keras.run_exploding_lr,
    "dead_relu": demo_torch.run_dead_relu,
    "frozen_layer": demo_keras.run_frozen_layer,
    "weight_decay": demo_torch.run_weight_decay,
    "no_weight_decay": demo_torch.run_no_weight_decay,
    "weight_growth": demo_torch.run_weight_growth,
    "tanh_saturation": demo_keras.run_tanh_saturation,
    "off_center_no_bias": demo_torch.run_off_center_no_bias,
    "weight_clipping": demo_torch.run_weight_clipping,
    "not_learning": demo_torch.run_not_learning,
    "oscillating_loss": demo_torch.run_oscillating_loss,
}
assert set(WRITERS) == set(RUNS)


def is_done(run_dir):
    return os.path.isfile(os.path.join(run_dir, DONE))


def write_demo_logs(logdir, quick=False, runs=None, force=False, log=None):
    """Write the demo runs into ``logdir/<run>``; returns the names of the runs requested.

    ``runs`` picks a subset of ``RUNS`` (default: all).  Finished runs (with a
    ``.done`` file) are skipped unless ``force``; an unfinished run directory is
    deleted and written again.  ``log`` is called with progress lines.
    """
    names = list(RUNS) if runs is None else list(runs)
    unknown = [n for n in names if n not in RUNS]
    if unknown:
        raise ValueError("unknown demo run(s) %s (known: %s)" % (", ".join(unknown), ", ".join(RUNS)))
    os.makedirs(logdir, exist_ok=True)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    for name in names:
        run_dir = os.path.join(logdir, name)
        if is_done(run_dir) and not force:
            if log:
                log("%-20s already written, skipped" % name)
            continue
        if os.path.exists(run_dir):
            shutil.rmtree(run_dir)
        os.makedirs(run_dir)
        start = time.time()
        WRITERS[name](run_dir, quick)
        elapsed = time.time() - start
        with open(os.path.join(run_dir, DONE), "w") as f:
            json.dump({"run": name, "quick": bool(quick), "seconds": round(elapsed, 2),
                       "expect": RUNS[name]["expect"]}, f)
        if log:
            log("%-20s written in %.1f s" % (name, elapsed))
    return names


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m tb_histdiag_plugin.demo", description=__doc__.split("\n")[0])
    parser.add_argument("--logdir", required=True, help="directory to write one run subdirectory per demo run into")
    parser.add_argument("--quick", action="store_true", help="fewer steps and less data (for tests)")
    parser.add_argument("--runs", help="comma-separated subset of: " + ", ".join(RUNS))
    parser.add_argument("--force", action="store_true", help="rewrite runs that are already finished")
    args = parser.parse_args(argv)
    runs = [r for r in args.runs.split(",") if r] if args.runs else None
    unknown = [r for r in runs or () if r not in RUNS]
    if unknown:
        parser.error("unknown run(s) %s (known: %s)" % (", ".join(unknown), ", ".join(RUNS)))
    start = time.time()
    write_demo_logs(args.logdir, quick=args.quick, runs=runs, force=args.force,
                    log=lambda line: print("tb-histdiag demo: " + line, flush=True))
    print("tb-histdiag demo: logs in %s (%.1f s)" % (args.logdir, time.time() - start), flush=True)
    return 0

