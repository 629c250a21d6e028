"""Every route's answers and the CLI's output on fixed logs, compared with a committed snapshot.

The logs are ``tests/golden/golden_logs.py``'s (TF2 and torch/tensorboardX
layouts, healthy runs beside each pathology, a weights-only run, a 1,200-step
run the default document thins); the questions are ``tests/golden/answers.py``'s;
the answers of the code at the time of the snapshot are in
``tests/golden/snapshot.json``.  Everything must be equal, floats within a
relative 1e-9.

An intended change of a document: rewrite the snapshot and review its diff::

    HISTDIAG_UPDATE_GOLDEN=1 .venv/bin/python -m pytest tests/golden
    git diff --stat tests/golden/snapshot.json
"""

import os

import numpy as np
import pytest

import answers
import golden_logs

SNAPSHOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "snapshot.json")
UPDATE = os.environ.get("HISTDIAG_UPDATE_GOLDEN") == "1"
EXPECTED = {} if UPDATE or not os.path.exists(SNAPSHOT) else answers.load(SNAPSHOT)

# run -> marker kinds (warning or critical) its pathology must raise; the healthy twins raise none
PATHOLOGIES = {
    "tf2_vanishing": {"vanishing_gradient"},
    "tf2_exploding_nan": {"exploding_gradient", "non_finite"},
    "tf2_dead_units": {"dead_units"},
    "tf2_stagnant": {"stagnant_weights"},
    "tf2_saturation": {"saturation"},
    "weights_only": {"vanishing_gradient"},
    "torch_exploding": {"exploding_gradient"},
    "long": {"non_finite"},
}
HEALTHY = ["tf2_healthy", "tf2_tanh_healthy", "torch_healthy"]


@pytest.fixture(scope="module")
def today(tmp_path_factory):
    logdir = str(tmp_path_factory.mktemp("golden"))
    runs = golden_logs.write_golden_logdir(logdir)
    got = answers.collect(logdir, runs)
    if UPDATE:  # never rewrite the snapshot from documents that miss what the logs were made to show
        for run in sorted(golden_logs.RUNS):
            test_markers_are_those_the_log_was_made_to_show(got, run)
        answers.dump(got, SNAPSHOT)
    return got


# ---------------------------------------------------------------- independent expectations
#
# What each golden log must show, written from how ``golden_logs.py`` makes it (not read from the snapshot),
# and checked before any snapshot comparison can be regenerated away: every warning or critical marker as
# (kind, layer) with its least severity and its span, and nothing else at warning or above.

SEVERITY = {"info": 0, "warning": 1, "critical": 2}
EXPECTED_MARKERS = {
    "tf2_healthy": [],
    "tf2_tanh_healthy": [],
    "torch_healthy": [],
    # synthetic.vanishing(layers=5): against the output layer, layer_3 at 1e-1 (healthy), layer_2 at 1e-3
    # (below 1e-2: warning), layer_1 at 1e-5 and layer_0 at 10**-5.2 (below 1e-4: critical), at every step.
    "tf2_vanishing": [("vanishing_gradient", "layer_0", "critical", 0, 11),
                      ("vanishing_gradient", "layer_1", "critical", 0, 11),
                      ("vanishing_gradient", "layer_2", "warning", 0, 11)],
    # synthetic.diverging: gradients flat for steps 0-3, 5,600x and more from step 4, NaN from step 9 (weights Inf
    # too); weights growing to 560x by step 8, past 3x their start from step 2 (4.9x; 2.2x at step 1).
    "tf2_exploding_nan": [(kind, "fc%d" % i, "critical", first, last) for i in (1, 2, 3) for kind, first, last in (
        ("exploding_gradient", 4, 8), ("non_finite", 9, 11), ("weight_growth", 2, 8))],
    "torch_exploding": [("exploding_gradient", "fc%d" % i, "critical", 4, 9) for i in (1, 2, 3)],
    # dense_1's pre-activations shifted by -4: P(N(0, 1) > 4) = 3e-5, so all 256 outputs are zero at every step.
    "tf2_dead_units": [("dead_units", "dense_1", "critical", 0, 15)],
    # dense_1 frozen: its kernel never changes (change 0 from step 1, the first step with a change) and its
    # gradient is exactly zero (practically zero from step 0).
    "tf2_stagnant": [("vanishing_gradient", "dense_1", "critical", 0, 15),
                     ("stagnant_weights", "dense_1", "warning", 1, 15)],
    # dense_0 = tanh(600 N(0, 1)): exactly +-1 for 97.5% of the values, over 90%: critical.
    "tf2_saturation": [("saturation", "dense_0", "critical", 0, 15)],
    # dense_0 and dense_1 move 1/1000 and 1/100 of the output side's pace from step 1 (the first change).
    "weights_only": [("vanishing_gradient", "dense_0", "warning", 1, 15),
                     ("vanishing_gradient", "dense_1", "warning", 1, 15)],
    # one gradient step (777) holds NaN; the gradient's scale swings by 3x at most: nothing else.
    "long": [("non_finite", "dense", "critical", 777, 777)],
}


def test_every_golden_run_has_expectations():
    assert sorted(EXPECTED_MARKERS) == sorted(golden_logs.RUNS)


def _document(today, run):
    status, doc = today[answers.ROUTE + "diagnostics?run=" + run]
    assert status == 200, (run, doc)
    return doc


@pytest.mark.parametrize("run", sorted(golden_logs.RUNS))
def test_markers_are_those_the_log_was_made_to_show(today, run):
    serious = sorted((m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"])
                     for m in _document(today, run)["markers"] if SEVERITY[m["severity"]] >= SEVERITY["warning"])
    expected = sorted(EXPECTED_MARKERS[run])
    assert [m[:2] for m in serious] == [e[:2] for e in expected], run
    for got, want in zip(serious, expected, strict=True):
        assert SEVERITY[got[2]] >= SEVERITY[want[2]], (run, got, want)
        assert got[3:] == want[3:], (run, got, want)  # the span


def _frames(run):
    return dict(golden_logs.RUNS[run][1]())  # step -> {tag: exact ndarray}, as written


def _series(doc, tag):
    found = [s for s in doc["series"] if s["tag"] == tag]
    assert len(found) == 1, (tag, [s["tag"] for s in doc["series"]])
    return found[0]


@pytest.mark.parametrize("run, tag", [
    ("tf2_vanishing", "layer_2_gradients"),
    ("tf2_healthy", "dense_0/kernel"),
    ("tf2_dead_units", "dense_1/activations"),
    ("tf2_stagnant", "dense_1/kernel/grad"),
    ("torch_healthy", "fc1.weight"),  # TF1 HistogramProto layout
    ("torch_exploding", "fc3.weight.grad"),
])
def test_statistics_match_the_logged_tensors(today, run, tag):
    frames = _frames(run)
    s = _series(_document(today, run), tag)
    assert s["steps"] == sorted(frames)
    st = s["stats"]
    for i, step in enumerate(s["steps"]):
        x = np.asarray(frames[step][tag], dtype=np.float64)
        where = "%s %s step %d" % (run, tag, step)
        assert st["count"][i] == x.size, where
        # The TF2 layout stores min and max as its outer edges, the proto its min and max fields: exact up to
        # the document's 8 significant digits.
        assert st["min"][i] == pytest.approx(x.min(), rel=1e-7, abs=1e-300), where
        assert st["max"][i] == pytest.approx(x.max(), rel=1e-7, abs=1e-300), where
        assert st["zero_fraction"][i] == pytest.approx(np.mean(x == 0), abs=0.01), where
        if x.std() > 0:
            assert st["rms"][i] == pytest.approx(np.sqrt(np.mean(x * x)), rel=0.05), where
            assert st["std"][i] == pytest.approx(x.std(), rel=0.05), where
        else:
            assert st["std"][i] == 0 and st["rms"][i] == pytest.approx(abs(x[0]), abs=1e-300), where


def test_exact_zeros_and_stillness_read_exactly(today):
    dead = _series(_document(today, "tf2_dead_units"), "dense_1/activations")["stats"]
    assert dead["zero_fraction"] == [1.0] * 16
    stagnant = _document(today, "tf2_stagnant")
    frozen = _series(stagnant, "dense_1/kernel")["stats"]["change"]
    assert frozen == [None] + [0.0] * 15
    moving = _series(stagnant, "dense_0/kernel")["stats"]["change"]
    assert len(moving) == 16 and moving[0] is None and min(moving[1:]) > 0
    long = _series(_document(today, "long"), "dense/kernel/grad")
    assert [step for step, bad in zip(long["steps"], long["non_finite"], strict=True) if bad] == [777]


def test_snapshot_exists_or_is_being_written(today):
    if UPDATE:
        pytest.skip("HISTDIAG_UPDATE_GOLDEN=1: rewrote %s; review `git diff` before committing" % SNAPSHOT)
    assert EXPECTED, "no snapshot at %s: write it with HISTDIAG_UPDATE_GOLDEN=1" % SNAPSHOT
    assert sorted(today) == sorted(EXPECTED), "the questions changed: rewrite the snapshot"


@pytest.mark.parametrize("question", sorted(EXPECTED))
def test_answer_equals_the_snapshot(today, question):
    diffs = answers.differences(EXPECTED[question], today[question], path=question)
    assert not diffs, "%s differs from tests/golden/snapshot.json (HISTDIAG_UPDATE_GOLDEN=1 rewrites it):\n%s" % (
        question, "\n".join(diffs))


def _serious_kinds(today, run):
    status, doc = today[answers.ROUTE + "diagnostics?run=" + run]
    assert status == 200
    return {m["kind"] for m in doc["markers"] if m["severity"] in ("warning", "critical")}


@pytest.mark.parametrize("run", sorted(PATHOLOGIES))
def test_each_pathology_run_shows_its_pathology(today, run):
    assert PATHOLOGIES[run] <= _serious_kinds(today, run)


@pytest.mark.parametrize("run", HEALTHY)
def test_healthy_twins_raise_nothing(today, run):
    assert _serious_kinds(today, run) == set()


def test_the_long_run_is_thinned_by_default_and_whole_in_a_window(today):
    _, doc = today[answers.ROUTE + "diagnostics?run=long"]
    steps = doc["series"][0]["steps"]
    assert len(steps) < golden_logs.LONG_STEPS and steps[0] == 0 and steps[-1] == golden_logs.LONG_STEPS - 1
    assert 777 in steps  # the non-finite step is kept
    _, window = today[answers.ROUTE + "diagnostics?run=long&start_step=700&end_step=820"]
    assert window["series"][0]["steps"] == list(range(700, 821))

