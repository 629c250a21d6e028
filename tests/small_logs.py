"""Real, tiny trainings of tutorial-size models (layers of 5 units) and their wide twins (64 units).

AUTOTRAINER's Circle and Blob benchmarks (Zhang et al., ICSE 2021) are stacks
of Dense(5) layers on sklearn's ``make_circles`` / ``make_blobs``; their
faulty variants scale the inputs x100, pick sigmoid or exponential units, or a
learning rate far too large.  Every training here is written twice, with
``units`` = 5 (kernels of 10 to 25 values, biases of 5) and 64 (kernels of
thousands), the same code otherwise, and every pathology has a healthy twin
(the same code with the one fault removed).  A run's name is
``{what}_{units}``.

PyTorch (``HistogramLogger``: weights, gradients and every module's output):
- ``torch_healthy``: a ReLU MLP on circles, Adam at lr 1e-2 (the control).
- ``torch_dead``: the same, inputs x100 and Adam at lr 3.0, far too large: the
  first steps throw every hidden ReLU unit to where no input reaches it.
- ``torch_exploding`` / ``torch_steady``: a linear stack under full-batch SGD
  whose learning rate grows by half every step far past the stable limit, and
  the same at a fixed small learning rate.
- ``torch_sigmoid`` (control ``torch_healthy``): ten sigmoid layers under plain SGD,
  gradients logged: each layer passes back at most a quarter of the gradient.
- ``torch_saturated`` / ``torch_tanh``: a tanh MLP initialised with weights of
  std 5 (every unit at -1 or +1), and its Glorot-initialised twin.
- ``torch_downstream`` (control ``torch_healthy``): the second hidden layer's bias
  initialised at -100, below anything its inputs reach: its ReLU outputs are
  exactly zero at every step, so the next layer's kernel gets an exactly zero
  gradient and never moves (its bias still does).
- ``torch_nonneg`` / ``torch_healthy``: hidden kernels clamped at 0 from below after every
  step (Keras' ``NonNeg`` written by hand).
- ``torchw_downstream`` / ``torchw_healthy``: the same two trainings logging
  their parameters only (no gradients, no activations).

Keras 3 under the stock ``TensorBoard(histogram_freq=1)`` callback (weights
only, one histogram per epoch; the runs are ``{name}/train``):
- ``keras_sigmoid`` / ``keras_relu``: ten sigmoid layers under plain SGD (each
  passes back at most a quarter of the gradient), and a He-initialised ReLU
  stack of the same depth under Adam.
- ``keras_frozen`` / ``keras_mlp``: the middle of three hidden layers frozen
  (``trainable=False``), and the same MLP with every layer training.
- ``keras_downstream`` (control ``keras_mlp``): the middle hidden layer's bias at
  -100: dead, so the next layer's kernel never moves.
- ``keras_nonneg`` (control ``keras_mlp``): every hidden kernel under
  ``keras.constraints.NonNeg()``.
"""

import os

import training_logs

SMALL = 5
WIDE = 64
SIZES = (SMALL, WIDE)


def circles(n=256, seed=0, scale=1.0):
    """AUTOTRAINER's Circle data (``training_logs.circles``), 256 points."""
    return training_logs.circles(n=n, seed=seed, scale=scale)


# ------------------------------------------------------------------ PyTorch

def _torch_mlp(units, depth, act, init_std=None, dead_layer=None):
    import torch
    from torch import nn

    mods, width = [], 2
    for i in range(depth):
        lin = nn.Linear(width, units)
        if init_std is not None:
            nn.init.normal_(lin.weight, 0.0, init_std)
        if i == dead_layer:
            nn.init.constant_(lin.bias, -100.0)
        mods += [lin, act()]
        width = units
    mods.append(nn.Linear(width, 1))
    return nn.Sequential(*mods)


def train_torch(logdir, what, units, steps=200, every=10, weights_only=False):
    import torch
    from torch import nn
    from torch.utils.tensorboard import SummaryWriter

    from tb_histdiag_plugin.torch import HistogramLogger

    torch.manual_seed(0)
    torch.set_num_threads(1)
    scale = 100.0 if what == "dead" else 1.0
    x, y = circles(scale=scale)
    x, y = torch.from_numpy(x), torch.from_numpy(y)[:, None]
    loss_fn = nn.functional.binary_cross_entropy_with_logits
    lr_of = None
    clamp = []
    if what in ("healthy", "dead", "nonneg"):
        model = _torch_mlp(units, 3, nn.ReLU)
        opt = torch.optim.Adam(model.parameters(), lr=3.0 if what == "dead" else 1e-2)
        if what == "nonneg":
            clamp = [m.weight for m in list(model)[2:-1:2]]  # the hidden kernels after the first
    elif what == "downstream":
        model = _torch_mlp(units, 3, nn.ReLU, dead_layer=1)
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)
    elif what in ("exploding", "steady"):
        model = nn.Sequential(nn.Linear(2, units), nn.Linear(units, units), nn.Linear(units, 1))
        opt = torch.optim.SGD(model.parameters(), lr=0.01)
        loss_fn = nn.functional.mse_loss
        y = x[:, :1] - 2 * x[:, 1:]
        steps, every = 30, 1  # every step: an explosion takes a few
        if what == "exploding":
            lr_of = lambda step: 0.01 * 1.5 ** step  # noqa: E731
    elif what == "sigmoid":  # ten sigmoid layers under plain SGD: each passes back at most a quarter
        model = _torch_mlp(units, 10, nn.Sigmoid)
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
    elif what in ("saturated", "tanh"):
        model = _torch_mlp(units, 2, nn.Tanh, init_std=5.0 if what == "saturated" else None)
        opt = torch.optim.SGD(model.parameters(), lr=0.5)
    else:
        raise ValueError(what)
    writer = SummaryWriter(os.path.join(logdir, "torch%s_%s_%d" % ("w" if weights_only else "", what, units)))
    logger = HistogramLogger(writer, model, every_n_steps=every, gradients=not weights_only,
                             activations=not weights_only)
    for step in range(steps):
        if lr_of is not None:
            for group in opt.param_groups:
                group["lr"] = lr_of(step)
        idx = torch.arange(step * 32, step * 32 + 32) % len(x) if lr_of is None else torch.arange(len(x))
        opt.zero_grad()
        loss = loss_fn(model(x[idx]), y[idx])
        loss.backward()
        if logger.step(step):
            with torch.no_grad():  # the loss on every example, beside the histograms
                writer.add_scalar("loss", loss_fn(model(x), y).item(), step)
        opt.step()
        with torch.no_grad():
            for w in clamp:
                w.clamp_(min=0.0)
    logger.remove()
    writer.close()


TORCH_RUNS = ("healthy", "dead", "exploding", "steady", "saturated", "tanh", "downstream", "nonneg", "sigmoid")
# Also logged with parameters only (``torchw_*``), as the ``named_parameters()`` loops of tutorials do.
TORCH_WEIGHTS_ONLY = ("healthy", "downstream")


# ------------------------------------------------------------------ Keras, stock callback

def train_keras(logdir, what, units, epochs=12):
    import keras

    keras.backend.clear_session()  # stock layer names (dense, dense_1, ...) in every run
    keras.utils.set_random_seed(0)
    x, y = circles()
    hidden = dict(units=units)
    if what == "sigmoid":
        layers = [keras.layers.Dense(units, activation="sigmoid") for _ in range(10)]
        opt = keras.optimizers.SGD(0.1)
    elif what == "relu":
        layers = [keras.layers.Dense(units, activation="relu", kernel_initializer="he_normal") for _ in range(10)]
        opt = keras.optimizers.Adam(1e-2)
    else:
        kinds = [dict(), dict(), dict()]
        if what == "frozen":
            kinds[1] = dict(trainable=False)
        elif what == "downstream":
            kinds[1] = dict(bias_initializer=keras.initializers.Constant(-100.0))
        elif what == "nonneg":
            kinds = [dict(kernel_constraint=keras.constraints.NonNeg()) for _ in kinds]
        elif what != "mlp":
            raise ValueError(what)
        layers = [keras.layers.Dense(activation="relu", **hidden, **k) for k in kinds]
        opt = keras.optimizers.Adam(1e-2)
    model = keras.Sequential([keras.Input((2,))] + layers + [keras.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"])
    model.fit(x, y, epochs=epochs, batch_size=32, verbose=0,
              callbacks=[keras.callbacks.TensorBoard(os.path.join(logdir, "keras_%s_%d" % (what, units)),
                                                     histogram_freq=1)])


KERAS_RUNS = ("sigmoid", "relu", "frozen", "mlp", "downstream", "nonneg")


def write_all(logdir, torch_runs=TORCH_RUNS, keras_runs=KERAS_RUNS, sizes=SIZES, weights_only=TORCH_WEIGHTS_ONLY):
    for units in sizes:
        for what in torch_runs:
            train_torch(logdir, what, units)
        for what in weights_only:
            train_torch(logdir, what, units, weights_only=True)
    for units in sizes:
        for what in keras_runs:
            train_keras(logdir, what, units)
