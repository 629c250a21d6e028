"""A run's diagnosis document and summary (``diagnosis.py``), built from numpy arrays.

Added for mutation testing (tests/mutation/): test_diagnosis.py serves documents of logs
read through TensorBoard; these build ``reading.Series`` and their statistics by hand (no
TensorBoard, no files) so each part of the document can be checked against the values put
in: the series' order and fields, the rounding of wall times and statistics, step windows
and thinning, the gzip body and its cache, pickling, serialising in parts, the depth
profile, the summary and the final training values.  Every expected value is worked out
from the inputs by hand (or with numpy on them).

The rules see statistics that are NaN except where a test sets them (as in
tests/rule_views.py), so the only markers are the ones a test provokes: ``non_finite``
(a NaN step, critical) and ``dead_units`` (an activation with 95 % zeros, a warning
under the default ``dead_fraction`` 0.9, none under 0.99).
"""

import collections
import gzip
import json
import math
import pickle

import numpy as np
import pytest

from tb_histdiag_plugin import diagnosis, downsample, reading, rules, scalars, settings, stats

WALL0 = 1.7e9
NO_DEAD = settings.parse_settings({"dead_fraction": "0.99"})


def series(tag, steps, walls=None, non_finite=()):
    """A ``reading.Series`` at ``steps`` (wall time ``WALL0 + step`` unless given), NaN at ``non_finite`` steps."""
    steps = np.asarray(steps, dtype=np.int64)
    walls = WALL0 + steps.astype(np.float64) if walls is None else np.asarray(walls, dtype=np.float64)
    n = len(steps)
    buckets = np.zeros((n, 1, 3))
    buckets[:, 0] = [1.0, 1.0, 4.0]  # four values of 1.0 (read only when statistics are not given)
    return reading.Series(tag, steps, walls, buckets, np.ones(n, dtype=np.int64), np.isin(steps, list(non_finite)))


def quiet(n, **given):
    """Statistics over ``n`` steps: NaN but ``count`` (1000), ``zero_fraction`` (0) and ``given`` ones."""
    st = {name: np.full(n, np.nan) for name in stats.STAT_NAMES}
    st["count"] = np.full(n, 1000.0)
    st["zero_fraction"] = np.zeros(n)
    for name, values in given.items():
        st[name] = np.broadcast_to(np.asarray(values, dtype=np.float64), (n,)).copy()
    return st


def analyse(specs, signals=None):
    """A ``RunAnalysis`` of ``{tag: (Series, statistics)}``."""
    return diagnosis.analyse("run", {t: s for t, (s, _) in specs.items()},
                             tag_stats={t: st for t, (_, st) in specs.items()}, signals=signals)


def plain(steps=(0, 10, 20), **layers_given):
    """``fc`` weights and gradient, plus an activation with 95 % zeros (a dead_units warning) when asked."""
    n = len(steps)
    specs = {"fc.weight": (series("fc.weight", steps), quiet(n)),
             "fc.weight.grad": (series("fc.weight.grad", steps), quiet(n))}
    if layers_given.get("dead"):
        specs["fc/activations"] = (series("fc/activations", steps), quiet(n, zero_fraction=0.95))
    return specs


def by_tag(doc):
    return {s["tag"]: s for s in doc["series"]}


# ------------------------------------------------------------ the series

def test_series_in_depth_order_then_by_tag_ungrouped_last():
    specs = {
        "cls_token": (series("cls_token", [0, 1], walls=[WALL0 - 100, WALL0 - 99]), quiet(2)),
        "alpha.weight": (series("alpha.weight", [0, 1], walls=[WALL0 + 5, WALL0 + 6]), quiet(2)),
        "alpha.bias": (series("alpha.bias", [0, 1], walls=[WALL0 + 5, WALL0 + 6]), quiet(2)),
        "zeta.weight": (series("zeta.weight", [0, 1], walls=[WALL0, WALL0 + 1]), quiet(2)),
        "bn.running_mean": (series("bn.running_mean", [0, 1], walls=[WALL0 + 9, WALL0 + 10]), quiet(2)),
    }
    a = analyse(specs)
    doc = a.document()
    assert [layer["name"] for layer in doc["layers"]] == ["zeta", "alpha", "bn"]
    assert [s["tag"] for s in doc["series"]] == ["zeta.weight", "alpha.bias", "alpha.weight", "bn.running_mean",
                                                 "cls_token"]
    assert [v.depth for v in a.run_view.series] == [0, 1, 1, 2, -1]
    assert doc["ungrouped"] == ["cls_token"]
    # What the rules see: each series' parameter name and whether it is a normalisation parameter.
    assert [(v.param_name, v.norm) for v in a.run_view.series] == [
        ("weight", False), ("bias", False), ("weight", False), ("running_mean", True), ("", False)]
    fields = {t: {k: s[k] for k in ("layer", "role", "param", "param_name", "norm")} for t, s in by_tag(doc).items()}
    assert fields["alpha.weight"] == {"layer": "alpha", "role": "weights", "param": "weights", "param_name": "weight",
                                      "norm": False}
    assert fields["alpha.bias"] == {"layer": "alpha", "role": "bias", "param": "bias", "param_name": "bias",
                                    "norm": False}
    assert fields["bn.running_mean"] == {"layer": "bn", "role": "other", "param": "other",
                                         "param_name": "running_mean", "norm": True}
    assert fields["cls_token"] == {"layer": None, "role": "other", "param": None, "param_name": None, "norm": False}
    assert doc["run"] == "run" and doc["total_steps"] == 2 and doc["step_range"] == [0, 1]


def test_tag_infos_without_parameter_name_or_norm_read_as_none_and_false():
    """``RunAnalysis`` also takes tag infos of the older form (tag, layer, role, param only)."""
    info = collections.namedtuple("OldTagInfo", "tag layer role param")
    infos = {"fc.weight": info("fc.weight", "fc", "weights", "weights")}
    layer = {"name": "fc", "depth": 0, "block": None,
             "tags": {"weights": "fc.weight", "bias": None, "gradient": None, "activation": None}}
    a = diagnosis.RunAnalysis("run", {"fc.weight": series("fc.weight", [0, 1])}, infos, [layer],
                              tag_stats={"fc.weight": quiet(2)})
    view = a.run_view.series[0]
    assert (view.param_name, view.norm) == ("", False)
    s = a.document()["series"][0]
    assert (s["layer"], s["role"], s["param"], s["param_name"], s["norm"]) == ("fc", "weights", "weights", None, False)


def test_first_written_layer_is_shallowest_wall_time_then_step():
    specs = {"a.weight": (series("a.weight", [5, 6], walls=[WALL0, WALL0 + 1]), quiet(2)),
             "b.weight": (series("b.weight", [3, 6], walls=[WALL0, WALL0 + 1]), quiet(2)),
             "c.weight": (series("c.weight", [0, 6], walls=[WALL0 + 0.5, WALL0 + 1]), quiet(2))}
    doc = analyse(specs).document()
    assert [layer["name"] for layer in doc["layers"]] == ["b", "a", "c"]
    assert doc["total_steps"] == 4 and doc["step_range"] == [0, 6]  # steps 0, 3, 5, 6 of all series


def test_wall_times_to_the_millisecond_statistics_to_8_digits_counts_exact():
    walls = [WALL0 + 0.12345, WALL0 + 1.5, WALL0 + 2.9996]
    st = quiet(3, mean=[0.123456789, -1234.56789, np.nan], count=[123456789.0, 7.0, 1e12 + 1],
               rms=[2.0 / 3.0, np.inf, 1e-20])
    doc = analyse({"fc.weight": (series("fc.weight", [0, 10, 20], walls=walls, non_finite=[20]), st)}).document()
    s = doc["series"][0]
    assert s["steps"] == [0, 10, 20]
    assert s["wall_times"] == [1700000000.123, 1700000001.5, 1700000003.0]
    assert s["non_finite"] == [False, False, True]
    assert s["stats"]["mean"] == [0.12345679, -1234.5679, None]
    assert s["stats"]["count"] == [123456789, 7, 1000000000001]
    assert s["stats"]["rms"] == [0.66666667, None, 1e-20]
    assert sorted(s["stats"]) == sorted(stats.STAT_NAMES)


def test_statistics_read_from_the_buckets_when_not_given():
    """Four values of 1.0 per step (``series``' buckets): count 4, mean, min, max and rms 1."""
    a = diagnosis.analyse("run", {"fc.weight": series("fc.weight", [0, 1, 2])})
    st = a.document()["series"][0]["stats"]
    assert st["count"] == [4, 4, 4]
    assert st["mean"] == st["min"] == st["max"] == st["rms"] == [1.0, 1.0, 1.0]


# ------------------------------------------------------------ step windows and thinning

def test_a_step_window_serves_every_step_in_it_and_every_marker():
    steps = list(range(0, 100, 10))
    specs = {"fc.weight": (series("fc.weight", steps, non_finite=[90]), quiet(10))}
    a = analyse(specs)
    doc = a.document(start_step=20, end_step=50)
    assert doc["series"][0]["steps"] == [20, 30, 40, 50]
    assert doc["step_range"] == [20, 50] and doc["total_steps"] == 10 and doc["downsampled"] is False
    assert [(m["kind"], m["first_step"]) for m in doc["markers"]] == [("non_finite", 90)]
    doc = a.document(start_step=75)
    assert doc["series"][0]["steps"] == [80, 90] and doc["step_range"] == [75, 90]
    doc = a.document(end_step=15)
    assert doc["series"][0]["steps"] == [0, 10] and doc["step_range"] == [0, 15]
    doc = json.loads(a.document_json(start_step=20, end_step=30, max_points=1))  # a window is never thinned
    assert doc["series"][0]["steps"] == [20, 30] and doc["downsampled"] is False


def long_run():
    """2,000 steps of ``fc``: weights NaN at steps 500 and 701, gradient NaN at step 1201: one non_finite
    marker on ``fc`` from 500 to 1201.  Constant statistics, so each thinning window keeps its first step."""
    steps = np.arange(2000)
    specs = {"fc.weight": (series("fc.weight", steps, non_finite=[500, 701]),
                           quiet(2000, rms=1.0, min=-1.0, max=1.0)),
             "fc.weight.grad": (series("fc.weight.grad", steps, non_finite=[1201]),
                                quiet(2000, rms=1.0, min=-1.0, max=1.0))}
    loss = scalars.Signal("run", "loss", steps, np.linspace(2.0, 1.0, 2000))
    return analyse(specs, signals={"loss": loss})


def test_long_series_are_thinned_keeping_the_markers_steps():
    a = long_run()
    doc = json.loads(a.document_json(max_points=1000))
    assert [(m["kind"], m["layer"], m["first_step"], m["last_step"]) for m in doc["markers"]] == [
        ("non_finite", "fc", 500, 1201)]
    assert doc["downsampled"] is True and doc["total_steps"] == 2000 and doc["step_range"] == [0, 1999]
    edges = downsample.window_edges(0, 1999)
    firsts = set(np.ceil(edges[:-1]).astype(int).tolist())
    assert not {500, 701, 1201} & firsts
    weights = by_tag(doc)["fc.weight"]["steps"]
    # Each window's first step, the last step, the NaN steps, and the marker's last step (finite here).
    assert weights == sorted(firsts | {1999, 500, 701, 1201})
    # The gradient is finite at 500 and 701: 500 is kept as the marker's first step, 701 is not.
    assert by_tag(doc)["fc.weight.grad"]["steps"] == sorted(firsts | {1999, 500, 1201})
    assert len(doc["scalars"]["loss"]["steps"]) < 2000  # the loss is thinned like the series


def test_series_no_longer_than_max_points_are_served_whole():
    a = long_run()
    for doc in (json.loads(a.document_json(max_points=2000)), json.loads(a.document_json(max_points=None)),
                a.document()):
        assert doc["downsampled"] is False
        assert by_tag(doc)["fc.weight"]["steps"] == list(range(2000))
        assert doc["scalars"]["loss"]["steps"] == list(range(2000))
    doc = json.loads(a.document_json(max_points=1999))
    assert doc["downsampled"] is True


def test_a_series_thinned_to_every_step_is_not_downsampled():
    """11 steps over 150 windows: each step is its own window's first, so all are kept."""
    a = analyse({"fc.weight": (series("fc.weight", range(11)), quiet(11, rms=1.0, min=-1.0, max=1.0))})
    doc = json.loads(a.document_json(max_points=10))
    assert doc["series"][0]["steps"] == list(range(11)) and doc["downsampled"] is False


def test_a_window_serves_every_point_of_the_training_signals():
    a = long_run()
    for window in ({"start_step": 0}, {"end_step": 1999}, {"start_step": 0, "end_step": 1999}):
        doc = json.loads(a.document_json(**window))
        assert doc["scalars"]["loss"]["steps"] == list(range(2000)), window
        assert by_tag(doc)["fc.weight"]["steps"] == list(range(2000))


def test_the_default_document_thins_to_max_points():
    doc = json.loads(long_run().document_json())
    assert downsample.MAX_POINTS < 2000 and doc["downsampled"] is True


# ------------------------------------------------------------ settings

def test_settings_change_the_markers_not_the_series():
    a = analyse(plain(dead=True))
    default, custom = a.document(), a.document(settings=NO_DEAD)
    assert [(m["kind"], m["layer"], m["severity"], m["first_step"], m["last_step"]) for m in default["markers"]] == [
        ("dead_units", "fc", "warning", 0, 20)]
    assert custom["markers"] == [] and custom["settings"]["dead_fraction"] == 0.99
    assert default["settings"] == rules.DEFAULTS
    assert custom["series"] == default["series"]
    assert [m["kind"] for m in a.markers()] == ["dead_units"]
    assert a.markers(NO_DEAD) == [] and a.markers(rules.DEFAULTS) == a.markers()
    assert a.story(rules.DEFAULTS) is a.story()  # the default story is computed once


def test_the_document_is_compact_json():
    text = analyse(plain(dead=True)).document_json()
    doc = json.loads(text)
    assert json.dumps(doc, separators=(",", ":")) == text
    # The one marker (dead_units from step 0 to 20) is the one episode.
    assert doc["timeline"] == [{"first": 0, "markers": [0], "first_step": 0, "last_step": 20}]


def test_unjudged_follows_the_settings_given():
    a = analyse(plain())
    # The weights' change is NaN at every step: whether they stop moving cannot be read.
    entries = [(u["tag"], u["rule"]) for u in a.unjudged()]
    assert ("fc.weight", "stagnant_weights") in entries
    assert a.unjudged() == a.unjudged(rules.DEFAULTS) == a.document()["unjudged"]
    assert a.document(settings=NO_DEAD)["unjudged"] == a.unjudged(NO_DEAD)


# ------------------------------------------------------------ gzip and its cache

def gunzip(body):
    return json.loads(gzip.decompress(body))


def test_gzip_body_is_the_document_level_1_mtime_0(monkeypatch):
    a = analyse(plain(dead=True))
    body = a.document_gzip()
    assert gunzip(body) == json.loads(a.document_json())
    assert body[4:8] == b"\0\0\0\0"  # mtime 0: the same document gives the same bytes
    assert body[8] == 4  # the gzip header's XFL: compressed with the fastest level


def test_default_gzip_is_compressed_once(monkeypatch):
    a = analyse(plain(dead=True))
    calls = []
    real = gzip.compress
    monkeypatch.setattr(diagnosis.gzip, "compress", lambda *args, **kw: calls.append(1) or real(*args, **kw))
    first = a.document_gzip()
    assert a.document_gzip() is first and a.document_gzip(rules.DEFAULTS) is first and len(calls) == 1
    custom = a.document_gzip(NO_DEAD)
    assert gunzip(custom)["markers"] == [] and gunzip(custom)["settings"]["dead_fraction"] == 0.99
    window = a.document_gzip(start_step=10, end_step=10)
    assert gunzip(window)["series"][0]["steps"] == [10] and gunzip(window)["step_range"] == [10, 10]
    assert gunzip(a.document_gzip(start_step=10))["series"][0]["steps"] == [10, 20]
    assert gunzip(a.document_gzip(end_step=10))["series"][0]["steps"] == [0, 10]
    assert len(calls) == 5
    assert a.document_gzip() is first and len(calls) == 5
    assert [m["kind"] for m in gunzip(first)["markers"]] == ["dead_units"]


def test_a_non_default_gzip_is_never_served_as_the_default():
    for kwargs in ({"settings": NO_DEAD}, {"start_step": 10}, {"end_step": 10}):
        a = analyse(plain(dead=True))
        a.document_gzip(**kwargs)
        doc = gunzip(a.document_gzip())
        assert doc["settings"] == rules.DEFAULTS and doc["step_range"] == [0, 20]
        assert doc["series"][0]["steps"] == [0, 10, 20] and len(doc["markers"]) == 1


def test_document_passes_every_argument_on():
    a = long_run()
    doc = a.document(settings=NO_DEAD, start_step=10, end_step=12)
    assert doc["settings"]["dead_fraction"] == 0.99 and doc["step_range"] == [10, 12]
    assert by_tag(doc)["fc.weight"]["steps"] == [10, 11, 12]
    assert a.document(max_points=1000)["downsampled"] is True


# ------------------------------------------------------------ memory, pickling, parts

def test_nbytes_counts_arrays_then_the_cached_json_and_gzip():
    a = analyse(plain())
    # Steps of the run (3 int64) + per series: steps (3 int64), non_finite (3 bool), every statistic
    # (3 float64 each) + the two series' wall times (3 float64 each).
    arrays = 3 * 8 + 2 * (3 * 8 + 3 + len(stats.STAT_NAMES) * 3 * 8) + 2 * 3 * 8
    assert a.nbytes() == arrays
    text = a.document_json()
    start = text.index('"series":') + len('"series":')
    _, end = json.JSONDecoder().raw_decode(text, start)
    assert a.nbytes() == arrays + (end - start)
    body = a.document_gzip()
    assert a.nbytes() == arrays + (end - start) + len(body)


class Unpicklable:
    """A stand-in for a worker pool: pickling it fails."""

    processes, broken = 2, False

    def __reduce__(self):
        raise TypeError("a pool is not picklable")


def test_an_analysis_pickles_without_its_pool_and_serves_after():
    a = analyse(plain(dead=True))
    a.pool = Unpicklable()
    b = pickle.loads(pickle.dumps(a))
    assert b.pool is None and a.pool is not None
    expected = analyse(plain(dead=True)).document_json()
    assert b.document_json() == expected
    assert gunzip(b.document_gzip()) == json.loads(expected)


class InlinePool:
    """A worker pool that runs each job at once and keeps what it was given."""

    def __init__(self, processes, broken=False):
        self.processes, self.broken, self.parts = processes, broken, []

    def submit(self, fn, arg):
        self.parts.append(len(arg))
        text = fn(arg)
        return type("Job", (), {"result": lambda self: text})()


def five_layers():
    return analyse({"l%d.weight" % i: (series("l%d.weight" % i, [0, 1], walls=[WALL0 + i, WALL0 + 9]),
                                       quiet(2, mean=[0.1 * i, 1.0 / 3.0]))
                    for i in range(5)})


def test_series_serialised_in_parts_give_the_same_text():
    alone = five_layers().document_json(max_points=None)
    for processes, n_parts in ((2, 2), (3, 3), (5, 5), (8, 5)):
        a = five_layers()
        a.pool = InlinePool(processes)
        assert a.document_json(max_points=None) == alone
        assert len(a.pool.parts) == n_parts and sum(a.pool.parts) == 5 and min(a.pool.parts) >= 1
    for pool in (InlinePool(1), InlinePool(4, broken=True)):
        a = five_layers()
        a.pool = pool
        assert a.document_json(max_points=None) == alone and pool.parts == []


def test_two_series_go_to_two_workers():
    a = analyse({"l%d.weight" % i: (series("l%d.weight" % i, [0, 1]), quiet(2)) for i in range(2)})
    alone = a.document_json(max_points=None)
    a.pool = InlinePool(4)
    assert a.document_json(max_points=None) == alone and a.pool.parts == [1, 1]


def test_one_series_is_never_split():
    a = analyse({"fc.weight": (series("fc.weight", [0, 1]), quiet(2))})
    alone = a.document_json()
    a._series_json = None
    a.pool = InlinePool(4)
    assert a.document_json(max_points=None) == alone and a.pool.parts == []


# ------------------------------------------------------------ summary

def profile_run(with_gradients=True):
    specs = {}
    for i, (rms, change) in enumerate(((0.5, 0.01), (2.0 / 3.0, 0.25))):
        tag = "l%d.weight" % i
        walls = [WALL0 + i, WALL0 + 9]
        specs[tag] = (series(tag, [0, 1], walls=walls), quiet(2, change=[np.nan, change]))
        if with_gradients:
            specs[tag + ".grad"] = (series(tag + ".grad", [0, 1], walls=walls), quiet(2, rms=[9.0, rms]))
    specs["l2.weight"] = (series("l2.weight", [0], walls=[WALL0 + 2]), quiet(1, change=[np.nan]))
    return analyse(specs)


def test_profile_is_the_last_gradient_rms_per_layer():
    profile = profile_run().profile()
    assert profile == {"source": "gradients", "values": [0.5, 0.66666667, None]}


def test_profile_of_a_weights_only_run_is_the_last_change():
    profile = profile_run(with_gradients=False).profile()
    assert profile == {"source": "weights", "values": [0.01, 0.25, None]}


def test_profile_of_a_series_with_no_steps_is_null():
    a = analyse({"l0.weight": (series("l0.weight", [0, 1]), quiet(2, change=[np.nan, 0.5])),
                 "l1.weight": (series("l1.weight", []), quiet(0))})
    assert a.profile() == {"source": "weights", "values": [0.5, None]}


def test_summary_of_a_run_with_markers():
    specs = plain(steps=(0, 10, 20), dead=True)
    specs["fc.weight.grad"] = (series("fc.weight.grad", [0, 10, 20], non_finite=[20]), quiet(3))
    a = analyse(specs)
    summary = a.summary()
    assert summary["run"] == "run" and summary["status"] == "done"
    assert (summary["tags"], summary["layers"], summary["first_step"], summary["last_step"]) == (3, 1, 0, 20)
    assert (summary["critical"], summary["warning"], summary["info"]) == (1, 1, 0)
    assert summary["worst"] == {"kind": "non_finite", "severity": "critical", "layer": "fc"}
    doc = a.document()
    assert summary["headline"] == doc["headline"] and summary["headline"]
    assert summary["first_sign"] == {k: v for k, v in doc["first_sign"].items() if k != "learning_rate"}
    assert summary["profile"] == a.profile()
    assert summary["final"] == {"loss": None, "val_loss": None, "accuracy": None, "val_accuracy": None}


def test_the_first_sign_is_summarised_without_its_learning_rate():
    specs = plain(dead=True)
    lr = scalars.Signal("run", "learning_rate", np.array([0, 10, 20]), np.array([0.1, 0.1, 0.1]))
    a = analyse(specs, signals={"learning_rate": lr})
    sign = a.document()["first_sign"]
    assert sign["learning_rate"] and "learning_rate" not in a.summary()["first_sign"]
    assert a.summary()["first_sign"] == {k: v for k, v in sign.items() if k != "learning_rate"}


def test_summary_of_a_quiet_run():
    summary = analyse(plain()).summary()
    assert summary["worst"] is None and summary["first_sign"] is None
    assert (summary["critical"], summary["warning"], summary["info"]) == (0, 0, 0)


def test_summary_of_a_run_with_no_steps():
    a = analyse({"fc.weight": (series("fc.weight", []), quiet(0))})
    summary = a.summary()
    assert summary["first_step"] is None and summary["last_step"] is None and summary["tags"] == 1
    doc = a.document()
    assert doc["total_steps"] == 0 and doc["step_range"] == [None, None]
    empty = diagnosis.analyse("run", {})
    assert empty.summary()["tags"] == 0 and empty.document()["series"] == []
    assert empty.summary()["first_step"] is None and empty.document()["total_steps"] == 0


def signal(tag, values, steps=None):
    values = np.asarray(values, dtype=np.float64)
    return scalars.Signal("run", tag, np.arange(len(values)) if steps is None else np.asarray(steps), values)


def test_final_values_are_the_last_finite_ones():
    signals = {"loss": signal("loss", [2.0, 1.5, 1.234567891, np.nan]),
               "val_loss": signal("val_loss", [np.inf, np.nan]),
               "accuracy": signal("acc", [10.0, 87.5])}  # written in percent
    a = analyse(plain(), signals=signals)
    assert a.final() == {"loss": 1.2345679, "val_loss": None, "accuracy": 0.875, "val_accuracy": None}
    assert a.summary()["final"] == a.final()


# ------------------------------------------------------------ classes from the output layer

def test_classes_and_chance_loss_from_the_output_bias():
    specs = {"fc1.weight": (series("fc1.weight", [0, 1]), quiet(2, count=640)),
             "fc2.weight": (series("fc2.weight", [0, 1], walls=[WALL0 + 1, WALL0 + 2]), quiet(2, count=640)),
             "fc2.bias": (series("fc2.bias", [0, 1], walls=[WALL0 + 1, WALL0 + 2]), quiet(2, count=10))}
    a = analyse(specs, signals={"loss": signal("loss", [2.31, 2.2])})
    doc = a.document()
    assert doc["classes"] == 10 and doc["chance_loss"] == 2.302585  # ln 10 = 2.3025851
    assert doc["scalars"]["classes"] == 10 and doc["scalars"]["chance_loss"] == 2.302585
    assert a.run_view.classes == 10 and a.run_view.chance_loss == pytest.approx(math.log(10))
    assert a.run_view.scalars["loss"].values.tolist() == [2.31, 2.2]
    a = analyse(specs)
    assert a.document()["classes"] is None and a.document()["chance_loss"] is None
