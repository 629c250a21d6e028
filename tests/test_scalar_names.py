"""Scalar tag names of real tools → training signals; runs → splits; the choice among several tags."""

import itertools

import pytest
from hypothesis import given
from hypothesis import strategies as st
from scalar_names import FRACTION, PERCENT, ROWS

from tb_histdiag_plugin.scalar_names import SIGNALS, classify, is_percent, pick, split_of_run

# ------------------------------------------------------------ the name table


def test_the_table_spans_tools_and_signals():
    assert len(ROWS) >= 60
    assert len({row[0] for row in ROWS}) >= 8
    assert {row[3] for row in ROWS} == set(SIGNALS) | {None}
    assert len({(tool, tag, run) for tool, tag, run, _ in ROWS}) == len(ROWS)


@pytest.mark.parametrize("tool,tag,run,signal", ROWS, ids=["%s:%s@%s" % r[:3] for r in ROWS])
def test_scalar_table(tool, tag, run, signal):
    assert classify(tag, split_of_run(run)[1]) == signal


@pytest.mark.parametrize("tag", PERCENT)
def test_top1_names_say_percent(tag):
    assert classify(tag) in ("accuracy", "val_accuracy")
    assert is_percent(tag)


@pytest.mark.parametrize("tag", FRACTION)
def test_plain_accuracies_are_fractions(tag):
    assert classify(tag) in ("accuracy", "val_accuracy")
    assert not is_percent(tag)


def test_the_tag_says_its_split_before_the_run():
    assert classify("epoch_loss", "validation") == "val_loss"
    assert classify("epoch_loss", "train") == "loss"
    assert classify("epoch_loss") == "loss"
    assert classify("train_loss", "validation") == "loss"
    assert classify("val_loss", "train") == "val_loss"
    assert classify("epoch_learning_rate", "validation") == "learning_rate"


# ------------------------------------------------------------ runs


@pytest.mark.parametrize("run,expected", [
    ("logs/fit/train", ("logs/fit", "train")),
    ("logs/fit/validation", ("logs/fit", "validation")),
    ("train", ("", "train")),
    ("validation", ("", "validation")),
    ("exp/training", ("exp", "train")),
    ("exp/val", ("exp", "validation")),
    ("exp/valid", ("exp", "validation")),
    ("exp/eval", ("exp", "validation")),
    ("exp/test", ("exp", "validation")),
    ("a/b/Train", ("a/b", "train")),
    ("a\\validation", ("a", "validation")),
    ("runs/Dec02_16-27-59_host", ("runs/Dec02_16-27-59_host", None)),
    ("lightning_logs/version_0", ("lightning_logs/version_0", None)),
    ("train_run", ("train_run", None)),
    ("retrain", ("retrain", None)),
    ("train/exp", ("train/exp", None)),
    (".", (".", None)),
    ("", ("", None)),
])
def test_split_of_run(run, expected):
    assert split_of_run(run) == expected


# ------------------------------------------------------------ choosing


def test_keras_run_and_its_validation_sibling():
    candidates = [("fit/train", tag, "train") for tag in (
        "batch_loss", "epoch_loss", "batch_accuracy", "epoch_accuracy", "epoch_learning_rate",
        "epoch_steps_per_second")]
    candidates += [("fit/validation", tag, "validation") for tag in (
        "evaluation_loss_vs_iterations", "epoch_loss", "evaluation_accuracy_vs_iterations", "epoch_accuracy")]
    assert pick(candidates, run="fit/train") == {
        "loss": ("fit/train", "epoch_loss"), "accuracy": ("fit/train", "epoch_accuracy"),
        "learning_rate": ("fit/train", "epoch_learning_rate"),
        "val_loss": ("fit/validation", "epoch_loss"), "val_accuracy": ("fit/validation", "epoch_accuracy")}


def test_epoch_level_over_unsaid_over_batch_level():
    assert pick([("r", t, None) for t in ("train_loss_step", "train_loss", "train_loss_epoch")]) == {
        "loss": ("r", "train_loss_epoch")}
    assert pick([("r", t, None) for t in ("train_loss_step", "train_loss")]) == {"loss": ("r", "train_loss")}
    assert pick([("r", t, None) for t in ("training/batchloss", "training/loss")]) == {"loss": ("r", "training/loss")}


def test_the_plain_loss_over_a_kind_over_a_part():
    tags = ["loss_cls", "loss_rpn_loc", "fast_rcnn/cls_accuracy", "total_loss", "loss_box_reg", "lr"]
    assert pick([("out", t, None) for t in tags]) == {
        "loss": ("out", "total_loss"), "accuracy": ("out", "fast_rcnn/cls_accuracy"), "learning_rate": ("out", "lr")}
    assert pick([("r", t, None) for t in ("loss/box", "mse_loss", "loss")])["loss"] == ("r", "loss")
    assert pick([("r", t, None) for t in ("loss/box", "mse_loss")])["loss"] == ("r", "mse_loss")
    assert pick([("r", t, None) for t in ("loss/box", "metrics/avg_loss")])["loss"] == ("r", "metrics/avg_loss")
    assert pick([("r", t, None) for t in ("cross_entropy", "total_loss (raw)")])["loss"] == ("r", "total_loss (raw)")
    assert pick([("r", t, None) for t in ("eval/top1", "eval/accuracy")])["val_accuracy"] == ("r", "eval/accuracy")


def test_parts_of_an_unlogged_total_are_no_loss():
    tags = ["train/box_loss", "train/obj_loss", "train/cls_loss", "val/box_loss", "val/obj_loss", "metrics/mAP_0.5",
            "x/lr0", "x/lr1", "x/lr2"]
    assert pick([("runs/train/exp", t, None) for t in tags]) == {"learning_rate": ("runs/train/exp", "x/lr0")}


def test_a_lone_part_is_the_loss():
    assert pick([("r", "resnet_loss", None)]) == {"loss": ("r", "resnet_loss")}
    # the same part in a run and its sibling is one part, not two
    assert pick([("a/train", "loss/ce_main", "train"), ("a", "loss/ce_main", None)]) == {
        "loss": ("a/train", "loss/ce_main")}


def test_the_simplest_name():
    assert pick([("r", "train/train_loss", None), ("r", "train/loss", None)]) == {"loss": ("r", "train/loss")}
    assert pick([("r", "avg_train_loss", None), ("r", "train_loss", None)]) == {"loss": ("r", "train_loss")}
    assert pick([("r", "lr-Adam/pg2", None), ("r", "lr-Adam/pg1", None)]) == {"learning_rate": ("r", "lr-Adam/pg1")}


def test_a_run_of_the_signals_own_split():
    assert pick([("exp", "loss", None), ("exp/train", "loss", "train")]) == {"loss": ("exp/train", "loss")}
    assert pick([("exp", "val_loss", None), ("exp/validation", "loss", "validation")]) == {
        "val_loss": ("exp/validation", "loss")}
    assert pick([("exp/validation", "train_loss", "validation"), ("exp", "train_loss", None)]) == {
        "loss": ("exp", "train_loss")}


def test_the_histogram_run_over_a_sibling():
    candidates = [("a/train", "epoch_loss", "train"), ("b/train", "epoch_loss", "train")]
    assert pick(candidates, run="b/train") == {"loss": ("b/train", "epoch_loss")}
    assert pick(candidates, run="a/train") == {"loss": ("a/train", "epoch_loss")}
    assert pick(candidates) == {"loss": ("a/train", "epoch_loss")}
    # ...even over a better-named tag in the sibling
    assert pick([("a", "batch_loss", None), ("b", "epoch_loss", None)], run="a") == {"loss": ("a", "batch_loss")}


def test_no_signal_no_entry():
    assert pick([("r", t, None) for t in ("epoch", "grad_norm", "gen_loss", "kl_loss", "loss_scale")]) == {}
    assert pick([]) == {}
    assert pick(iter([("r", "loss", None)])) == {"loss": ("r", "loss")}


def test_pick_does_not_depend_on_the_order():
    candidates = [("fit/train", "epoch_loss", "train"), ("fit/train", "batch_loss", "train"),
                  ("fit/validation", "epoch_loss", "validation"), ("fit", "loss", None), ("fit", "val_acc", None),
                  ("fit/validation", "epoch_accuracy", "validation")]
    results = {repr(sorted(pick(order).items())) for order in itertools.permutations(candidates)}
    assert len(results) == 1


# ------------------------------------------------------------ any string

SPLITS = st.sampled_from([None, "train", "validation"])


@given(st.text(), SPLITS)
def test_classify_never_raises(tag, split):
    assert classify(tag, split) in SIGNALS + (None,)
    assert is_percent(tag) in (True, False)


@given(st.text(alphabet=st.characters(codec="ascii")), SPLITS)
def test_a_neutral_namespace_changes_nothing(tag, split):
    assert classify("metrics/" + tag, split) == classify(tag, split)
    plain = pick([("r", tag, split)])
    assert pick([("r", "metrics/" + tag, split)]) == {signal: ("r", "metrics/" + tag) for signal in plain}


@given(st.text(alphabet=st.characters(codec="ascii")))
def test_case_of_an_unbroken_name_changes_nothing(tag):
    assert classify(tag.upper()) == classify(tag.lower())


@given(st.text())
def test_split_of_run_never_raises(run):
    base, split = split_of_run(run)
    assert split in ("train", "validation", None)
    assert (base, split) == (run, None) or len(base) < len(run)


@given(st.lists(st.tuples(st.text(max_size=12), st.text(max_size=20), SPLITS), max_size=8),
       st.none() | st.text(max_size=12))
def test_pick_chooses_among_its_candidates(candidates, run):
    for signal, chosen in pick(candidates, run=run).items():
        assert any((r, t) == chosen and classify(t, s) == signal for r, t, s in candidates)


SEPARATORS = st.sampled_from(["/", "_", "-", ".", " "])
WORDS = {"loss": ["loss", "Loss", "LOSS", "cost"], "accuracy": ["acc", "accuracy", "Accuracy"],
         "learning_rate": ["lr", "LR", "learning_rate", "learning rate", "LearningRate"]}


@given(st.sampled_from(sorted(WORDS)), st.data(), SEPARATORS,
       st.sampled_from([("", None), ("train", None), ("val", "val_"), ("valid", "val_"), ("eval", "val_"),
                        ("test", "val_"), ("validation", "val_"), ("training", None)]),
       st.sampled_from(["", "epoch", "step", "batch"]), st.booleans(), st.booleans())
def test_signal_read_by_its_parts(kind, data, sep, split, level, split_first, level_first):
    """Any order and separator of a signal word, a split word and a level word."""
    word = data.draw(st.sampled_from(WORDS[kind]))
    parts = [word]
    if split[0]:
        parts = [split[0]] + parts if split_first else parts + [split[0]]
    if level:
        parts = [level] + parts if level_first else parts + [level]
    expected = split[1] + kind if split[1] and kind != "learning_rate" else kind
    assert classify(sep.join(parts)) == expected

