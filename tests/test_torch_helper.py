"""The PyTorch helper: a real training loop with torch's and tensorboardX's
``SummaryWriter``, read back with TensorBoard's loader and held to the exact tensors."""

import os
import warnings

import numpy as np
import pytest

from readback import assert_matches, read_histograms

WRITERS = ("torch", "tensorboardX")


def make_writer(kind, run_dir):
    if kind == "torch":
        from torch.utils.tensorboard import SummaryWriter
    else:
        from tensorboardX import SummaryWriter
    return SummaryWriter(run_dir)


def make_model(torch):
    torch.manual_seed(3)
    model = torch.nn.Sequential()
    model.add_module("fc1", torch.nn.Linear(5, 12))
    model.add_module("act1", torch.nn.ReLU())
    model.add_module("fc2", torch.nn.Linear(12, 6))
    model.add_module("act2", torch.nn.Tanh())
    model.add_module("fc3", torch.nn.Linear(6, 1))
    return model


@pytest.fixture(scope="module")
def torch_mod():
    import torch

    torch.set_num_threads(1)
    return torch


@pytest.mark.parametrize("kind", WRITERS)
def test_training_loop_logs_the_exact_tensors(tmp_path, torch_mod, kind):
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    model = make_model(torch)
    model.fc2.bias.requires_grad_(False)  # a frozen parameter has no gradient to log
    gen = torch.Generator().manual_seed(4)
    x = torch.randn(40, 5, generator=gen)
    y = x[:, :1] * 2 - x[:, 1:2]
    opt = torch.optim.SGD([p for p in model.parameters() if p.requires_grad], lr=0.1)
    writer = make_writer(kind, str(tmp_path))
    logger = HistogramLogger(writer, model, every_n_steps=2)
    exact = {}
    logged_steps = []
    for step in range(5):
        opt.zero_grad()
        batch = slice(8 * step, 8 * step + 8)
        out = model(x[batch])
        torch.nn.functional.mse_loss(out, y[batch]).backward()
        if logger.step(step):
            logged_steps.append(step)
            for name, p in model.named_parameters():
                exact.setdefault(name, {})[step] = p.detach().numpy().copy()
                if p.grad is not None:
                    exact.setdefault(name + ".grad", {})[step] = p.grad.numpy().copy()
            h = x[batch]
            with torch.no_grad():
                for name, module in model.named_children():
                    h = module(h)
                    exact.setdefault("activations/" + name, {})[step] = h.numpy().copy()
        opt.step()
    logger.remove()
    writer.close()

    assert logged_steps == [0, 2, 4]
    logged = read_histograms(str(tmp_path))
    assert set(logged) == {
        "fc1.weight", "fc1.bias", "fc2.weight", "fc2.bias", "fc3.weight", "fc3.bias",
        "fc1.weight.grad", "fc1.bias.grad", "fc2.weight.grad", "fc3.weight.grad", "fc3.bias.grad",
        "activations/fc1", "activations/act1", "activations/fc2", "activations/act2", "activations/fc3",
    }
    assert set(exact) == set(logged)
    for tag, steps in exact.items():
        assert sorted(logged[tag]) == logged_steps, tag
        for step, value in steps.items():
            assert_matches(logged[tag][step], value, "%s@%d (%s)" % (tag, step, kind))


def test_tags_are_first_written_in_model_order(tmp_path, torch_mod):
    """Module by module, so TensorBoard's first-seen order is the model's depth order."""
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    class Recorder:
        def __init__(self):
            self.tags = []

        def add_histogram(self, tag, values, global_step=None, bins="tensorflow"):
            self.tags.append(tag)

    model = make_model(torch)
    rec = Recorder()
    logger = HistogramLogger(rec, model)
    model(torch.ones(2, 5)).sum().backward()
    logger.step(0)
    assert rec.tags == [
        "fc1.weight", "fc1.bias", "fc1.weight.grad", "fc1.bias.grad", "activations/fc1", "activations/act1",
        "fc2.weight", "fc2.bias", "fc2.weight.grad", "fc2.bias.grad", "activations/fc2", "activations/act2",
        "fc3.weight", "fc3.bias", "fc3.weight.grad", "fc3.bias.grad", "activations/fc3",
    ]
    logger.remove()


def test_remove_leaves_the_model_as_it_was(tmp_path, torch_mod):
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    model = make_model(torch)
    x = torch.randn(7, 5, generator=torch.Generator().manual_seed(5))
    with torch.no_grad():
        before = model(x).clone()
    state = {k: v.clone() for k, v in model.state_dict().items()}
    writer = make_writer("torch", str(tmp_path))
    with HistogramLogger(writer, model) as logger:
        assert any(m._forward_hooks for m in model.modules())
        with torch.no_grad():
            hooked = model(x)
        torch.testing.assert_close(hooked, before, rtol=0, atol=0)
        logger.step(0)
    writer.close()
    assert all(not m._forward_hooks for m in model.modules())
    with torch.no_grad():
        torch.testing.assert_close(model(x), before, rtol=0, atol=0)
    for k, v in model.state_dict().items():
        assert torch.equal(v, state[k]), k
    # Stored activations are detached copies: they do not keep the graph alive.
    assert logger._activations == {}


def test_activation_copies_are_detached_snapshots(torch_mod):
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    class Recorder:
        def __init__(self):
            self.values = {}

        def add_histogram(self, tag, values, global_step=None, bins="tensorflow"):
            self.values[tag] = np.array(values, copy=True)

    model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU(inplace=True))
    rec = Recorder()
    logger = HistogramLogger(rec, model, parameters=False, gradients=False)
    x = torch.randn(2, 3, requires_grad=True)
    out = model(x)
    stored = logger._activations["0"]
    assert not stored.requires_grad
    # The in-place ReLU overwrote the Linear's output buffer after the hook copied it.
    assert (stored < 0).any() and not (out < 0).any()
    logger.step(0)
    assert set(rec.values) == {"activations/0", "activations/1"}
    logger.remove()


@pytest.mark.parametrize("kind", WRITERS)
def test_non_finite_tensors_are_logged_as_non_finite(tmp_path, torch_mod, kind):
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    model = torch.nn.Sequential()
    model.add_module("fc", torch.nn.Linear(3, 2))
    model.add_module("fc2", torch.nn.Linear(2, 2))
    model.add_module("out", torch.nn.Linear(2, 1))
    with torch.no_grad():
        model.fc.weight[0, 0] = float("nan")  # some values NaN
        model.fc.bias.fill_(float("nan"))  # all NaN: add_histogram alone would raise
        model.fc2.bias.fill_(float("inf"))  # all +Inf
    writer = make_writer(kind, str(tmp_path))
    logger = HistogramLogger(writer, model)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # nothing is skipped
        model(torch.ones(4, 3)).sum().backward()
        logger.step(0)
    writer.close()
    logged = read_histograms(str(tmp_path))
    assert {"fc.weight", "fc.bias", "fc2.bias", "fc.weight.grad", "activations/out"} <= set(logged)
    assert not np.isfinite(logged["fc.weight"][0][:, :2]).all()
    assert np.isnan(logged["fc.bias"][0][:, :2]).all() and logged["fc.bias"][0][:, 2].sum() == 2
    assert np.isposinf(logged["fc2.bias"][0][:, :2]).all() and logged["fc2.bias"][0][:, 2].sum() == 2
    assert np.isnan(logged["activations/out"][0][:, :2]).all()
    assert np.isfinite(logged["out.weight"][0]).all()


@pytest.mark.filterwarnings("ignore:Initializing zero-element tensors")
def test_empty_tensors_are_skipped_with_one_warning(torch_mod):
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    class Refusing:
        def add_histogram(self, tag, values, global_step=None, bins="tensorflow"):
            if np.asarray(values).size == 0:
                raise ValueError("The histogram is empty")

    model = torch.nn.Linear(0, 2)
    logger = HistogramLogger(Refusing(), model, activations=False, gradients=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        logger.step(0)
        logger.step(1)
    assert len([w for w in caught if "'weight'" in str(w.message)]) == 1


def test_every_n_steps_must_be_positive(torch_mod):
    from tb_histdiag_plugin.torch import HistogramLogger

    with pytest.raises(ValueError):
        HistogramLogger(None, torch_mod.nn.Linear(1, 1), every_n_steps=0)


def test_event_files_land_in_the_writer_directory(tmp_path, torch_mod):
    torch = torch_mod
    from tb_histdiag_plugin.torch import HistogramLogger

    writer = make_writer("tensorboardX", str(tmp_path / "run"))
    model = torch.nn.Linear(2, 1)
    logger = HistogramLogger(writer, model)
    model(torch.ones(1, 2)).sum().backward()
    logger.step(0)
    writer.close()
    assert any(name.startswith("events.out.tfevents") for name in os.listdir(tmp_path / "run"))
    # A bare leaf module as the model: its output is logged under its class name.
    assert set(read_histograms(str(tmp_path / "run"))) == {"weight", "bias", "weight.grad", "bias.grad",
                                                           "activations/linear"}
