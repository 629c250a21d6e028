"""A Keras 3 callback that logs what tb-histdiag diagnoses.

``GradientHistograms`` writes, with ``tf.summary.histogram``, for every layer
that has weights (input side first, in model order):

* each weight under ``{layer.name}/{variable.name}``: ``dense_1/kernel``,
  ``dense_1/bias`` (also ``gamma``, ``beta``, ``embeddings``,
  ``recurrent_kernel``, ...);
* the gradient of each trainable weight under ``{layer.name}/{variable.name}/grad``
  (``dense_1/kernel/grad``), computed on one fixed ``sample_batch`` with the
  loss the model was compiled with (``model.compute_loss``, so regularisation
  losses count), the model run in inference mode (dropout off) so the numbers
  are deterministic;
* each layer's output under ``{layer.name}/activations`` on the same batch
  (for every layer, weights or not, when ``activations=True``).

The step is the epoch index (``every_n_epochs``, the default) or the global
batch index (``every_n_batches``).

Where the logs go.  The callback writes into its own run, by default
``os.path.join(log_dir, "gradients")``, so it can share ``log_dir`` with the
stock ``keras.callbacks.TensorBoard`` (which writes the runs ``train`` and
``validation``).  It does not merge into ``train`` on purpose: the stock
callback names its histograms ``sequential/dense_1/kernel/histogram``, and one
run holding both naming schemes would show every layer twice.  Pass
``run=None`` to write straight into ``log_dir``.

TensorFlow and Keras are imported only when the class is first used: importing
``tb_histdiag_plugin.keras`` is cheap, and ``GradientHistograms`` is built on
first attribute access (a module ``__getattr__``), so it is a real subclass of
``keras.callbacks.Callback``.  The gradient needs the TensorFlow backend.

Example::

    from tb_histdiag_plugin.keras import GradientHistograms

    model.fit(x, y, epochs=20, callbacks=[
        keras.callbacks.TensorBoard("logs", histogram_freq=1),
        GradientHistograms("logs", sample_batch=(x[:256], y[:256])),
    ])
"""

import os

__all__ = ["GradientHistograms", "DEFAULT_RUN"]

DEFAULT_RUN = "gradients"


def _build_class():
    import keras
    import tensorflow as tf

    class GradientHistograms(keras.callbacks.Callback):
        """Log weights, gradients on a fixed batch and activations as histograms.

        Args:
            log_dir: the TensorBoard log directory.
            sample_batch: ``(x, y)`` or ``(x, y, sample_weight)``, a fixed batch on
                which gradients and activations are computed.  ``None`` logs the
                weights only.
            every_n_epochs: log at the end of every n-th epoch (step = epoch).
            every_n_batches: if given, log after every n-th training batch
                instead (step = global batch index, counted across epochs and
                ``fit`` calls).
            activations: also log each layer's output on ``sample_batch``.
            weights, gradients: turn those parts off.
            run: subdirectory of ``log_dir`` to write into (``None``: ``log_dir``
                itself).
            buckets: histogram buckets per tensor (``tf.summary.histogram``).
        """

        def __init__(self, log_dir, sample_batch=None, every_n_epochs=1, every_n_batches=None, activations=True,
                     weights=True, gradients=True, run=DEFAULT_RUN, buckets=30):
            super().__init__()
            if every_n_batches is None and (every_n_epochs is None or every_n_epochs < 1):
                raise ValueError("every_n_epochs must be a positive integer, got %r" % (every_n_epochs,))
            if every_n_batches is not None and every_n_batches < 1:
                raise ValueError("every_n_batches must be a positive integer, got %r" % (every_n_batches,))
            if sample_batch is not None and not (isinstance(sample_batch, (tuple, list)) and len(sample_batch) in (2, 3)):
                raise ValueError("sample_batch must be (x, y) or (x, y, sample_weight)")
            self.log_dir = os.path.join(log_dir, run) if run else log_dir
            self.sample_batch = tuple(sample_batch) if sample_batch is not None else None
            self.every_n_epochs = every_n_epochs
            self.every_n_batches = every_n_batches
            self.log_activations = activations
            self.log_weights = weights
            self.log_gradients = gradients
            self.buckets = buckets
            self._writer = None
            self._activation_model = None
            self._activation_layers = None
            self._global_batch = 0

        # ------------------------------------------------------------ hooks

        def on_train_batch_end(self, batch, logs=None):
            if self.every_n_batches is None:
                return
            step = self._global_batch
            self._global_batch += 1
            if step % self.every_n_batches == 0:
                self.write(step)

        def on_epoch_end(self, epoch, logs=None):
            if self.every_n_batches is None and epoch % self.every_n_epochs == 0:
                self.write(epoch)

        def on_train_end(self, logs=None):
            if self._writer is not None:
                self._writer.flush()

        def close(self):
            """Flush and close the event file (a later ``write`` opens a new one)."""
            if self._writer is not None:
                self._writer.close()
                self._writer = None

        # ------------------------------------------------------------ logging

        def _layers(self):
            """Layers input side first, nested models flattened, input layers left out."""
            out = []

            def walk(model):
                for layer in model.layers:
                    if isinstance(layer, keras.Model):
                        walk(layer)
                    elif not isinstance(layer, keras.layers.InputLayer):
                        out.append(layer)

            walk(self.model)
            return out

        def _activation_outputs(self, x):
            """``[(layer, output)]`` of every layer on ``x`` (built once)."""
            if self._activation_model is None:
                layers = []
                outputs = []
                for layer in self.model.layers:
                    if isinstance(layer, keras.layers.InputLayer):
                        continue
                    try:
                        output = layer.output
                    except (AttributeError, ValueError):
                        continue
                    if isinstance(output, (list, tuple, dict)):
                        continue
                    layers.append(layer)
                    outputs.append(output)
                try:
                    inputs = self.model.inputs
                    if isinstance(inputs, (list, tuple)) and len(inputs) == 1:
                        inputs = inputs[0]  # so a plain tensor fits its structure
                    self._activation_model = keras.Model(inputs, outputs)
                except (AttributeError, ValueError, TypeError) as e:
                    raise ValueError("GradientHistograms(activations=True) needs a Sequential or functional model "
                                     "with defined inputs (%s); pass activations=False" % e) from None
                self._activation_layers = layers
            values = self._activation_model(x, training=False)
            if not isinstance(values, (list, tuple)):
                values = [values]
            return list(zip(self._activation_layers, values))

        def _gradients(self):
            x, y = self.sample_batch[0], self.sample_batch[1]
            sample_weight = self.sample_batch[2] if len(self.sample_batch) > 2 else None
            variables = list(self.model.trainable_variables)
            with tf.GradientTape() as tape:
                y_pred = self.model(x, training=False)
                loss = self.model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
            grads = tape.gradient(loss, variables)
            return {id(v): g for v, g in zip(variables, grads) if g is not None}

        def _histogram(self, tag, value, step):
            if isinstance(value, tf.IndexedSlices):
                value = tf.convert_to_tensor(value)
            tf.summary.histogram(tag, value, step=step, buckets=self.buckets)

        def write(self, step):
            """Log everything at ``step`` now (the hooks call this)."""
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            step = int(step)
            grads = self._gradients() if self.log_gradients and self.sample_batch is not None else {}
            acts = {}
            if self.log_activations and self.sample_batch is not None:
                acts = {id(layer): value for layer, value in self._activation_outputs(self.sample_batch[0])}
            # Layer by layer in model order (weights, gradients, output), so the
            # order tags are first written in is the model's depth order.
            with self._writer.as_default():
                for layer in self._layers():
                    for var in layer.weights:
                        tag = "%s/%s" % (layer.name, var.name)
                        if self.log_weights:
                            self._histogram(tag, var.value, step)
                        if id(var) in grads:
                            self._histogram(tag + "/grad", grads[id(var)], step)
                    if id(layer) in acts:
                        self._histogram("%s/activations" % layer.name, acts.pop(id(layer)), step)
                for layer in self._activation_layers or ():
                    if id(layer) in acts:  # outputs of nested models
                        self._histogram("%s/activations" % layer.name, acts.pop(id(layer)), step)
            self._writer.flush()

    GradientHistograms.__module__ = __name__
    GradientHistograms.__qualname__ = "GradientHistograms"
    return GradientHistograms


_CLASS = None


def __getattr__(name):
    global _CLASS
    if name == "GradientHistograms":
        if _CLASS is None:
            _CLASS = _build_class()
        return _CLASS
    raise AttributeError("module %r has no attribute %r" % (__name__, name))


def __dir__():
    return sorted(list(globals()) + ["GradientHistograms"])
