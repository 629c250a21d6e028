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

Speed.  Each ``write`` runs as one ``tf.function``, traced on the first call
(and again only if the model, its trainable variables or the writer change):
eager ``tf.summary.histogram`` calls cost ~10 ms each, so an 11-layer model's
55 histograms took ~0.6 s per write; traced, a write takes ~10-15 ms after a
one-off ~3 s of tracing.  The histogram buckets are computed without
``tf.cond`` (see ``_buckets``) because tracing conds dominated that one-off cost.

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
            self._step = None  # tf.Variable: the traced graph reads the step from it
            self._batch = None  # sample_batch as tensors, the traced graph's argument
            self._batch_of = None  # the sample_batch self._batch was made from
            self._graph = None  # (signature, tf.function) of write
            self._activation_model = None
            self._activation_layers = None
            self._activation_owner = None
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

        def _build_activation_model(self):
            """A model returning every layer's output (built once, eagerly: not inside a trace)."""
            if self._activation_model is None or self._activation_owner is not self.model:
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
                self._activation_owner = self.model

        def _activation_outputs(self, x):
            """``[(layer, output)]`` of every layer on ``x``."""
            self._build_activation_model()
            values = self._activation_model(x, training=False)
            if not isinstance(values, (list, tuple)):
                values = [values]
            return list(zip(self._activation_layers, values))

        def _gradients(self, x, y, sample_weight):
            """``{id(variable): gradient}`` of the compiled loss on the sample batch (inference mode)."""
            variables = list(self.model.trainable_variables)
            with tf.GradientTape() as tape:
                y_pred = self.model(x, training=False)
                loss = self.model.compute_loss(x=x, y=y, y_pred=y_pred, sample_weight=sample_weight, training=False)
            grads = tape.gradient(loss, variables)
            return {id(v): g for v, g in zip(variables, grads) if g is not None}

        def _histogram(self, tag, value, divisor):
            if isinstance(value, tf.IndexedSlices):
                value = tf.convert_to_tensor(value)
            buckets = _buckets(value, self.buckets, divisor)
            if buckets is None:  # size unknown when tracing: TensorBoard's own op
                tf.summary.histogram(tag, value, step=self._step, buckets=self.buckets)
            else:
                tf.summary.write(tag, buckets, step=self._step, metadata=_histogram_metadata())

        def _write_graph(self, batch, divisor):
            """The body of ``write``, traced into one ``tf.function``.

            An eager ``tf.summary.histogram`` costs ~10x its graph version, so
            eager logging took most of a small model's ``fit``.  The tags are
            Python strings fixed at trace time; the step is read from the
            variable ``self._step``, the weights when the graph runs.  No
            autograph, as in Keras's own train step: every branch here is on
            Python values.
            """
            grads, acts = {}, {}
            if batch and self.log_gradients:
                grads = self._gradients(batch[0], batch[1], batch[2] if len(batch) > 2 else None)
            if batch and self.log_activations:
                acts = {id(layer): value for layer, value in self._activation_outputs(batch[0])}
            # record_if(True): a stock TensorBoard callback with an integer
            # update_freq leaves a record_if condition pushed during training,
            # which a trace would freeze into the graph.
            with self._writer.as_default(), tf.summary.record_if(True):
                # Layer by layer in model order (weights, gradients, output), so
                # the order tags are first written in is the model's depth order.
                for layer in self._layers():
                    for var in layer.weights:
                        tag = "%s/%s" % (layer.name, var.name)
                        if self.log_weights:
                            self._histogram(tag, var.value, divisor)
                        if id(var) in grads:
                            self._histogram(tag + "/grad", grads[id(var)], divisor)
                    if id(layer) in acts:
                        self._histogram("%s/activations" % layer.name, acts.pop(id(layer)), divisor)
                for layer in self._activation_layers or ():
                    if id(layer) in acts:  # outputs of nested models
                        self._histogram("%s/activations" % layer.name, acts.pop(id(layer)), divisor)

        def _signature(self):
            """What the traced graph depends on besides the batch: retrace when it changes."""
            layers = self._layers()
            return (id(self.model), id(self._writer), tuple(id(v) for v in self.model.trainable_variables),
                    tuple((id(layer), layer.name, tuple((id(v), v.name) for v in layer.weights)) for layer in layers))

        def write(self, step):
            """Log everything at ``step`` now (the hooks call this)."""
            if self._writer is None:
                self._writer = tf.summary.create_file_writer(self.log_dir)
            if self._step is None:
                self._step = tf.Variable(0, dtype=tf.int64, trainable=False, name="histdiag_step")
            self._step.assign(int(step))
            if self._batch is None or self._batch_of is not self.sample_batch:
                self._batch, self._batch_of = (), self.sample_batch
                if self.sample_batch is not None:
                    self._batch = tuple(tf.nest.map_structure(tf.convert_to_tensor, part) if part is not None else None
                                        for part in self.sample_batch)
            if self.log_activations and self._batch:
                self._build_activation_model()
            signature = self._signature()
            if self._graph is None or self._graph[0] != signature:
                self._graph = (signature, tf.function(self._write_graph, autograph=False))
            self._graph[1](self._batch, tf.constant(float(self.buckets), dtype=tf.float64))
            self._writer.flush()

    GradientHistograms.__module__ = __name__
    GradientHistograms.__qualname__ = "GradientHistograms"
    return GradientHistograms


def _histogram_metadata():
    from tensorboard.plugins.histogram import metadata

    return metadata.create_summary_metadata(display_name=None, description=None)


def _buckets(data, bucket_count, divisor):
    """``[bucket_count, 3]`` float64 buckets of ``data``, the ones ``tf.summary.histogram`` writes.

    The same arithmetic as TensorBoard's ``tensorboard.plugins.histogram.summary_v2._buckets``
    (so the same numbers), without its two ``tf.cond``: tracing those costs ~0.2 s
    per histogram, more than a whole eager ``write``.  Emptiness is decided from
    the static size, and the single-value case by ``tf.where`` over both results
    (the multi-value one then divides by zero, harmlessly, and is dropped).
    ``divisor`` is ``bucket_count`` as a float64 tensor the graph receives at run
    time: divided by a constant, grappler rewrites the division and interior
    edges move by an ulp.  Returns ``None`` when the size is unknown at trace
    time or ``bucket_count < 1``.
    ``tests/test_keras_callback.py`` compares it with TensorBoard's op.
    """
    import tensorflow as tf

    size = data.shape.num_elements()
    if size is None or not isinstance(bucket_count, int) or bucket_count < 1:
        return None
    data = tf.cast(tf.reshape(data, [-1]), tf.float64)
    if size == 0:
        return tf.zeros((bucket_count, 3), dtype=tf.float64)
    min_ = tf.reduce_min(data)
    max_ = tf.reduce_max(data)
    range_ = max_ - min_
    bucket_width = range_ / divisor
    bucket_indices = tf.cast(tf.floor((data - min_) / bucket_width), dtype=tf.int32)
    one_hots = tf.one_hot(tf.minimum(bucket_indices, bucket_count - 1), depth=bucket_count, dtype=tf.float64)
    counts = tf.cast(tf.reduce_sum(one_hots, axis=0), dtype=tf.float64)
    # tf.linspace(min_, max_, bucket_count + 1) with its last edge max_, as
    # TensorBoard has it, spelled for scalars (tf.linspace adds ~25 ops).
    steps = tf.constant([float(i) for i in range(1, bucket_count)], dtype=tf.float64)
    edges = tf.concat([[min_], min_ + bucket_width * steps, [max_]], 0)
    multiple = tf.transpose(tf.stack([edges[:-1], edges[1:], counts]))
    single_edges = tf.fill([bucket_count], max_)
    single_counts = tf.constant([0.0] * (bucket_count - 1) + [float(size)], dtype=tf.float64)
    single = tf.transpose(tf.stack([single_edges, single_edges, single_counts]))
    return tf.where(tf.equal(range_, 0), single, multiple)


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
