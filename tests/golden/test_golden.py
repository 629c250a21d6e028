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
    if UPDATE:
        answers.dump(got, SNAPSHOT)
    return got


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
