"""Scalar tag names as real tools and common training code write them.

Each row: (tool, tag, run, signal), where ``run`` is the run the tag sits in
where it matters (its last component gives the split, ``split_of_run``; ``""``
= a run without one) and ``signal`` is what ``scalar_names.classify`` reads
(``None`` = not a training signal).  Sources of each form:

* keras3: ``keras/src/callbacks/tensorboard.py``: ``_log_epoch_metrics`` writes
  ``"epoch_" + name`` to the ``train`` writer and, with the ``val_`` prefix
  dropped, to the ``validation`` writer; ``update_freq="batch"`` writes
  ``"batch_" + name``; ``on_test_end`` writes ``"evaluation_" + name +
  "_vs_iterations"`` to the validation writer; ``write_steps_per_second`` adds
  ``epoch_steps_per_second``/``batch_steps_per_second`` (the callback's tests
  observe ``epoch_loss``, ``epoch_learning_rate``, ``epoch_steps_per_second``).
  Metric names are the compiled metrics' (``sparse_categorical_accuracy``,
  ``top_k_categorical_accuracy``, ``mae``, ``precision``).
* keras2: tf.keras 2.x writes the same ``epoch_``/``batch_``/``evaluation_``
  forms (``acc`` when compiled with ``metrics=["acc"]``, ``lr`` added to the
  logs by the LR callbacks up to TF 2.10); the Keras 2.2/TF1-era callback wrote
  every ``logs`` key as-is into one run: ``loss``, ``acc``, ``val_loss``,
  ``val_acc``, ``lr``.
* torch: ``torch.utils.tensorboard`` docs (``Loss/train``, ``Loss/test``,
  ``Accuracy/train``, ``Accuracy/test``), the PyTorch TensorBoard tutorial
  (``training loss``) and the usual hand-written ``add_scalar`` names.
* lightning: ``self.log`` names (``on_step`` and ``on_epoch`` both add the
  ``_step``/``_epoch`` suffixes), ``LearningRateMonitor`` (``lr-`` + optimizer
  class, ``/pg{i}`` per parameter group, ``-momentum`` and ``-weight_decay``
  with ``log_momentum``/``log_weight_decay``), ``epoch`` and ``hp_metric``.
* hf: transformers' ``TensorBoardCallback.on_log`` through ``rewrite_logs``:
  ``eval_x`` → ``eval/x``, ``test_x`` → ``test/x``, anything else → ``train/x``
  (the Trainer logs ``loss``, ``grad_norm``, ``learning_rate``, ``epoch``, at the
  end ``train_loss``, ``train_runtime``, ``total_flos``).
* ignite: ``OutputHandler`` writes ``"{tag}/{name}"`` (the MNIST examples'
  ``training/batchloss`` and ``training``/``validation`` + ``loss``,
  ``accuracy``, ``nll``), ``OptimizerParamsHandler`` ``"{tag}/lr/group_{i}"``
  (default ``lr/group_0``); ``mnist_with_tensorboard.py`` writes
  ``training/avg_loss`` and ``valdation/avg_accuracy`` (sic).
* timm: ``train.py``'s ``update_summary`` rows: ``"train_" + k``, ``"eval_" +
  k`` for loss/top1/top5 (accuracies in percent) and ``lr`` (written to
  summary.csv and wandb; these are the names people forward to TensorBoard).
* fastai: ``fastai/callback/tensorboard.py``: ``after_batch`` writes
  ``train_loss`` and each optimiser hyper-parameter as ``f"{k}_{i}"`` (``lr_0``,
  ``mom_0``, ``wd_0``, ``sqr_mom_0``, ``eps_0``); ``after_epoch`` the recorder's
  names (``valid_loss`` and the metrics: ``accuracy``, ``error_rate``).
* tf1: ``tf.compat.v1.summary.scalar``: mnist_with_summaries (``cross_entropy``,
  ``accuracy`` in its ``train``/``test`` runs), the mnist tutorial's
  ``xentropy_mean``, cifar10's ``total_loss (raw)``, ``learning_rate``, the
  Estimator's ``loss`` and ``global_step/sec``; TF1 makes a repeated summary name
  unique with ``_1``.
* tfod: the TF Object Detection API (``model_lib_v2``): ``Loss/`` +
  classification/localization/regularization/total loss, ``learning_rate``.
* flax: examples/mnist ``summary_writer.scalar`` (``train_loss``,
  ``train_accuracy``, ``test_loss``, ``test_accuracy``); examples/imagenet's
  ``train_``/``eval_`` prefixed metrics (``train_learning_rate``).
* detectron2: ``EventStorage`` scalars (``total_loss``, the ``loss_*`` parts,
  ``lr``, ``fast_rcnn/cls_accuracy``, ``fast_rcnn/false_negative``, ``data_time``).
* yolov5: ``utils/loggers`` keys (``train/box_loss`` …, ``metrics/mAP_0.5``,
  ``x/lr0``): only the parts of the loss are logged.
* misc: what hand-written loops log that is no training signal (GAN, VAE and
  regularisation losses, AMP's ``loss_scale``, optimiser state, media).
"""

L, VL, A, VA, LR = "loss", "val_loss", "accuracy", "val_accuracy", "learning_rate"

ROWS = [
    # tool, tag, run, signal
    ("keras3", "epoch_loss", "logs/fit/train", L),
    ("keras3", "epoch_loss", "logs/fit/validation", VL),
    ("keras3", "epoch_accuracy", "logs/fit/train", A),
    ("keras3", "epoch_accuracy", "logs/fit/validation", VA),
    ("keras3", "epoch_sparse_categorical_accuracy", "logs/train", A),
    ("keras3", "epoch_sparse_categorical_accuracy", "logs/validation", VA),
    ("keras3", "epoch_categorical_accuracy", "train", A),
    ("keras3", "epoch_binary_accuracy", "validation", VA),
    ("keras3", "epoch_learning_rate", "logs/train", LR),
    ("keras3", "evaluation_loss_vs_iterations", "logs/validation", VL),
    ("keras3", "evaluation_accuracy_vs_iterations", "logs/validation", VA),
    ("keras3", "batch_loss", "logs/train", L),
    ("keras3", "batch_accuracy", "logs/train", A),
    ("keras3", "epoch_steps_per_second", "logs/train", None),
    ("keras3", "batch_steps_per_second", "logs/train", None),
    ("keras3", "epoch_top_k_categorical_accuracy", "logs/validation", None),
    ("keras3", "epoch_mae", "logs/train", None),
    ("keras3", "epoch_precision", "logs/validation", None),
    ("keras2", "epoch_loss", "20231201-120000/train", L),
    ("keras2", "epoch_acc", "20231201-120000/train", A),
    ("keras2", "epoch_acc", "20231201-120000/validation", VA),
    ("keras2", "epoch_lr", "20231201-120000/train", LR),
    ("keras2", "batch_loss", "20231201-120000/train", L),
    ("keras2", "evaluation_loss_vs_iterations", "20231201-120000/validation", VL),
    ("keras2", "loss", "logs", L),
    ("keras2", "acc", "logs", A),
    ("keras2", "val_loss", "logs", VL),
    ("keras2", "val_acc", "logs", VA),
    ("keras2", "lr", "logs", LR),
    ("torch", "Loss/train", "runs/Dec02_16-27-59_host", L),
    ("torch", "Loss/test", "runs/Dec02_16-27-59_host", VL),
    ("torch", "Accuracy/train", "runs/exp1", A),
    ("torch", "Accuracy/test", "runs/exp1", VA),
    ("torch", "training loss", "runs/fashion_mnist_experiment_1", L),
    ("torch", "Loss", "", L),
    ("torch", "loss", "", L),
    ("torch", "loss/train", "", L),
    ("torch", "loss/val", "", VL),
    ("torch", "train_loss", "", L),
    ("torch", "test_acc", "", VA),
    ("torch", "accuracy", "", A),
    ("torch", "lr", "", LR),
    ("torch", "LR", "", LR),
    ("torch", "learning_rate", "", LR),
    ("torch", "Learning Rate", "", LR),
    ("torch", "loss", "runs/exp1/validation", VL),
    ("lightning", "train_loss", "lightning_logs/version_0", L),
    ("lightning", "train_loss_step", "lightning_logs/version_0", L),
    ("lightning", "train_loss_epoch", "lightning_logs/version_0", L),
    ("lightning", "val_loss", "lightning_logs/version_0", VL),
    ("lightning", "val_acc", "lightning_logs/version_0", VA),
    ("lightning", "lr-Adam", "lightning_logs/version_0", LR),
    ("lightning", "lr-SGD", "lightning_logs/version_0", LR),
    ("lightning", "lr-AdamW/pg1", "lightning_logs/version_0", LR),
    ("lightning", "lr-Adam/pg2", "lightning_logs/version_0", LR),
    ("lightning", "lr-Adam-momentum", "lightning_logs/version_0", None),
    ("lightning", "lr-Adam-weight_decay", "lightning_logs/version_0", None),
    ("lightning", "epoch", "lightning_logs/version_0", None),
    ("lightning", "hp_metric", "lightning_logs/version_0", None),
    ("hf", "train/loss", "runs/Dec02_16-27-59_host", L),
    ("hf", "train/learning_rate", "runs/Dec02_16-27-59_host", LR),
    ("hf", "train/grad_norm", "runs/Dec02_16-27-59_host", None),
    ("hf", "train/epoch", "runs/Dec02_16-27-59_host", None),
    ("hf", "eval/loss", "runs/Dec02_16-27-59_host", VL),
    ("hf", "eval/accuracy", "runs/Dec02_16-27-59_host", VA),
    ("hf", "eval/runtime", "runs/Dec02_16-27-59_host", None),
    ("hf", "eval/samples_per_second", "runs/Dec02_16-27-59_host", None),
    ("hf", "train/train_loss", "runs/Dec02_16-27-59_host", L),
    ("hf", "train/total_flos", "runs/Dec02_16-27-59_host", None),
    ("hf", "test/loss", "runs/Dec02_16-27-59_host", VL),
    ("ignite", "training/batchloss", "tb_logs", L),
    ("ignite", "training/loss", "tb_logs", L),
    ("ignite", "training/accuracy", "tb_logs", A),
    ("ignite", "validation/loss", "tb_logs", VL),
    ("ignite", "validation/accuracy", "tb_logs", VA),
    ("ignite", "validation/nll", "tb_logs", VL),
    ("ignite", "lr/group_0", "tb_logs", LR),
    ("ignite", "generator/lr/group_0", "tb_logs", None),
    ("ignite", "training/avg_loss", "tb_logs", L),
    ("ignite", "valdation/avg_accuracy", "tb_logs", VA),
    ("timm", "train_loss", "output/train/20231201-resnet50", L),
    ("timm", "eval_loss", "output/train/20231201-resnet50", VL),
    ("timm", "eval_top1", "output/train/20231201-resnet50", VA),
    ("timm", "eval_top5", "output/train/20231201-resnet50", None),
    ("timm", "lr", "output/train/20231201-resnet50", LR),
    ("timm", "epoch", "output/train/20231201-resnet50", None),
    ("fastai", "train_loss", "runs", L),
    ("fastai", "valid_loss", "runs", VL),
    # fastai computes its metrics on the validation set, but the name does not say so.
    ("fastai", "accuracy", "runs", A),
    ("fastai", "error_rate", "runs", None),
    ("fastai", "lr_0", "runs", LR),
    ("fastai", "mom_0", "runs", None),
    ("fastai", "wd_0", "runs", None),
    ("fastai", "sqr_mom_0", "runs", None),
    ("fastai", "eps_0", "runs", None),
    ("tf1", "cross_entropy", "mnist_with_summaries/train", L),
    ("tf1", "cross_entropy", "mnist_with_summaries/test", VL),
    ("tf1", "accuracy_1", "mnist_with_summaries/test", VA),
    ("tf1", "accuracy", "mnist_with_summaries/train", A),
    ("tf1", "xentropy_mean", "", L),
    ("tf1", "loss", "model_dir", L),
    ("tf1", "total_loss (raw)", "cifar10_train", L),
    ("tf1", "learning_rate", "cifar10_train", LR),
    ("tf1", "train/loss", "", L),
    ("tf1", "global_step/sec", "model_dir", None),
    ("tfod", "Loss/total_loss", "train", L),
    ("tfod", "Loss/classification_loss", "train", L),  # a part: pick takes Loss/total_loss
    ("tfod", "Loss/localization_loss", "train", L),
    ("tfod", "Loss/regularization_loss", "train", None),
    ("tfod", "learning_rate", "train", LR),
    ("flax", "train_loss", "workdir", L),
    ("flax", "train_accuracy", "workdir", A),
    ("flax", "test_loss", "workdir", VL),
    ("flax", "test_accuracy", "workdir", VA),
    ("flax", "eval_accuracy", "workdir", VA),
    ("flax", "train_learning_rate", "workdir", LR),
    ("detectron2", "total_loss", "output", L),
    ("detectron2", "loss_cls", "output", L),  # a part
    ("detectron2", "loss_rpn_loc", "output", L),  # a part
    ("detectron2", "loss_box_reg", "output", None),  # "reg": read as regularisation; a part anyway
    ("detectron2", "lr", "output", LR),
    ("detectron2", "fast_rcnn/cls_accuracy", "output", A),  # a part
    ("detectron2", "fast_rcnn/false_negative", "output", None),
    ("detectron2", "data_time", "output", None),
    ("yolov5", "train/box_loss", "runs/train/exp", L),  # a part
    ("yolov5", "val/obj_loss", "runs/train/exp", VL),  # a part
    ("yolov5", "metrics/precision", "runs/train/exp", None),
    ("yolov5", "metrics/mAP_0.5", "runs/train/exp", None),
    ("yolov5", "metrics/mAP_0.5:0.95", "runs/train/exp", None),
    ("yolov5", "x/lr0", "runs/train/exp", LR),
    ("misc", "gen_loss", "", None),
    ("misc", "disc_loss", "", None),
    ("misc", "loss_G", "", None),
    ("misc", "D_loss", "", None),
    ("misc", "kl_loss", "", None),
    ("misc", "reg_loss", "", None),
    ("misc", "regularization_loss", "", None),
    ("misc", "loss_scale", "", None),
    ("misc", "losses_images", "", None),
    ("misc", "perplexity", "", None),
    ("misc", "mAP", "", None),
    ("misc", "val_precision", "", None),
    ("misc", "grad_norm", "", None),
    ("misc", "weight_decay", "", None),
    ("misc", "momentum", "", None),
    ("misc", "lr_decay", "", None),
    ("misc", "global_step", "", None),
    ("misc", "best_val_loss", "", None),
    ("misc", "top5", "", None),
    ("misc", "Acc@5", "", None),
    ("misc", "data/scalar1", "", None),
]

# Top-1 accuracy written in percent, and accuracies that are fractions.
PERCENT = ["eval_top1", "Acc@1", "acc1", "accuracy/top1", "val_acc_pct", "accuracy (%)"]
FRACTION = ["epoch_accuracy", "val_acc", "accuracy_1", "acc_1", "eval/accuracy", "train_accuracy"]
