"""A PyTorch helper that logs what tb-histdiag diagnoses.

``HistogramLogger(writer, model)`` logs, through any writer with
``add_histogram(tag, values, global_step)`` (``torch.utils.tensorboard.SummaryWriter``
or tensorboardX's ``SummaryWriter``):

* every parameter under its ``named_parameters()`` name: ``fc1.weight``, ``fc1.bias``;
* its gradient under ``{name}.grad``: ``fc1.weight.grad`` (parameters without a
  gradient, e.g. frozen with ``requires_grad_(False)``, are skipped);
* the output of every leaf module (a module without children) of the last
  forward pass under ``activations/{module_name}``: ``activations/act1``.
  Forward hooks keep a detached CPU copy of the last output; ``remove()`` takes
  the hooks off again.

Call ``logger.step(step)`` after ``loss.backward()`` and before
``optimizer.step()`` / ``optimizer.zero_grad()``, so the gradients and the
activations belong to the same batch and the parameters are the ones that
produced them::

    from tb_histdiag_plugin.torch import HistogramLogger

    logger = HistogramLogger(SummaryWriter("logs/run"), model, every_n_steps=10)
    for step, (x, y) in enumerate(loader):
        optimizer.zero_grad()
        loss = loss_fn(model(x), y)
        loss.backward()
        logger.step(step)
        optimizer.step()
    logger.remove()

Non-finite values.  For a tensor holding some NaN/Inf, PyTorch's and
tensorboardX's ``add_histogram`` leave those values out of the counts but
store NaN/Inf as the histogram's minimum or maximum, so TensorBoard (and
tb-histdiag) still see that the step was non-finite.  A tensor with no finite
value at all makes ``add_histogram`` raise; the logger writes it with
``add_histogram_raw`` as one bucket with non-finite edges instead, so training
that diverges keeps being logged.  Other tensors the writer refuses (empty
ones) are skipped with a warning, once per tag.  torch is imported only when a
logger is created.
"""

import warnings

import numpy as np

__all__ = ["HistogramLogger"]


class HistogramLogger:
    """Log parameters, gradients and activations of ``model`` as histograms.

    Args:
        writer: anything with ``add_histogram(tag, values, global_step)``.
        model: a ``torch.nn.Module``.
        every_n_steps: ``step(step)`` logs when ``step % every_n_steps == 0``.
        activations: hook the leaf modules and log their outputs.
        parameters, gradients: turn those parts off.
        bins: passed to ``add_histogram`` (``"tensorflow"`` is the writers' default).
    """

    def __init__(self, writer, model, every_n_steps=1, activations=True, parameters=True, gradients=True,
                 bins="tensorflow"):
        import torch  # noqa: F401  (a clear ImportError here rather than later)

        if every_n_steps < 1:
            raise ValueError("every_n_steps must be a positive integer, got %r" % (every_n_steps,))
        self.writer = writer
        self.model = model
        self.every_n_steps = int(every_n_steps)
        self.log_parameters_enabled = parameters
        self.log_gradients_enabled = gradients
        self.log_activations_enabled = activations
        self.bins = bins
        self._activations = {}
        self._handles = []
        self._warned = set()
        if activations:
            leaves = [(name, m) for name, m in model.named_modules() if not any(True for _ in m.children())]
            for name, module in leaves:
                self._handles.append(module.register_forward_hook(self._hook(name or type(module).__name__.lower())))

    def _hook(self, name):
        import torch

        def hook(module, inputs, output):
            if isinstance(output, torch.Tensor):
                self._activations[name] = output.detach().to("cpu", copy=True)

        return hook

    def _add(self, tag, tensor, step):
        values = tensor.detach().to("cpu").float().numpy().ravel()
        if values.size and not np.isfinite(values).any():
            self._add_non_finite(tag, values, step)
            return
        try:
            self.writer.add_histogram(tag, values, step, bins=self.bins)
        except ValueError as e:  # e.g. an empty tensor
            self._warn(tag, step, e)

    def _add_non_finite(self, tag, values, step):
        """A tensor without one finite value: the writers' ``add_histogram`` raises on it.

        Logged as one bucket with non-finite edges (NaN, or the infinities it
        holds), which TensorBoard stores and tb-histdiag reports as non-finite.
        """
        raw = getattr(self.writer, "add_histogram_raw", None)
        if raw is None:
            self._warn(tag, step, "no finite value and the writer has no add_histogram_raw")
            return
        nan = bool(np.isnan(values).any())
        low = float("nan") if nan else float(values.min())
        high = float("nan") if nan else float(values.max())
        raw(tag, min=low, max=high, num=int(values.size), sum=float("nan") if nan else float(values.sum()),
            sum_squares=float("nan") if nan else float("inf"), bucket_limits=[high], bucket_counts=[int(values.size)],
            global_step=step)

    def _warn(self, tag, step, why):
        if tag not in self._warned:
            self._warned.add(tag)
            warnings.warn("tb_histdiag: histogram %r at step %d not logged: %s" % (tag, step, why), RuntimeWarning)

    def log_parameters(self, step):
        """Log every parameter under its ``named_parameters()`` name."""
        for name, p in self.model.named_parameters():
            self._add(name, p, step)

    def log_gradients(self, step):
        """Log every parameter's ``.grad`` under ``{name}.grad`` (skipping ``None``)."""
        for name, p in self.model.named_parameters():
            if p.grad is not None:
                self._add(name + ".grad", p.grad, step)

    def log_activations(self, step):
        """Log the last forward pass's leaf-module outputs under ``activations/{module}``."""
        for name, value in self._activations.items():
            self._add("activations/" + name, value, step)

    def step(self, step):
        """Log everything if ``step`` is due (every ``every_n_steps``); returns whether it logged.

        Tags are written module by module in model order (a module's
        parameters, their gradients, then its output), so the order tags are
        first written in is the model's order, which tb-histdiag reads as depth.
        """
        if step % self.every_n_steps:
            return False
        for module_name, module in self.model.named_modules():
            params = list(module.named_parameters(prefix=module_name, recurse=False))
            if self.log_parameters_enabled:
                for name, p in params:
                    self._add(name, p, step)
            if self.log_gradients_enabled:
                for name, p in params:
                    if p.grad is not None:
                        self._add(name + ".grad", p.grad, step)
            act_name = module_name or type(module).__name__.lower()
            if self.log_activations_enabled and act_name in self._activations:
                self._add("activations/" + act_name, self._activations[act_name], step)
        return True

    def remove(self):
        """Remove the forward hooks and drop the stored activations; the model is left as it was."""
        for handle in self._handles:
            handle.remove()
        self._handles = []
        self._activations = {}

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.remove()
        return False
