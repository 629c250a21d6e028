// The whole-page states: no histograms yet (how to log them) and errors (with Retry).

import { el, clear } from '../dom.js';

const code = (t) => el('pre', { class: 'hd-code' }, el('code', { text: t }));

function emptyMessage() {
  return el('div', { class: 'hd-message', id: 'hd-empty' },
    el('h2', { text: 'No histogram data was found' }),
    el('p', { text: 'This tab diagnoses gradient health from histogram summaries of weights, biases, gradients ' +
      'and activations. Log some histograms into the log directory TensorBoard is reading, then press Reload ' +
      '(this tab also checks again every 30 seconds).' }),
    el('h3', { text: 'Keras' }),
    el('p', { text: 'The TensorBoard callback logs weight histograms every histogram_freq epochs:' }),
    code('model.fit(x, y, epochs=10,\n          callbacks=[tf.keras.callbacks.TensorBoard(log_dir="logs/run1", histogram_freq=1)])'),
    el('h3', { text: 'TensorFlow, with gradients (custom loop)' }),
    code('writer = tf.summary.create_file_writer("logs/run1")\nwith tf.GradientTape() as tape:\n    loss = loss_fn(y, model(x, training=True))\n' +
      'grads = tape.gradient(loss, model.trainable_variables)\noptimizer.apply_gradients(zip(grads, model.trainable_variables))\n' +
      'with writer.as_default():\n    for v, g in zip(model.trainable_variables, grads):\n        tf.summary.histogram(v.name, v, step=step)\n' +
      '        tf.summary.histogram(v.name + "/grad", g, step=step)'),
    el('h3', { text: 'PyTorch' }),
    code('from torch.utils.tensorboard import SummaryWriter\nwriter = SummaryWriter("logs/run1")\n# after loss.backward():\n' +
      'for name, p in model.named_parameters():\n    writer.add_histogram(name, p, step)\n    if p.grad is not None:\n' +
      '        writer.add_histogram(name + ".grad", p.grad, step)'));
}

function errorMessage(error, retry) {
  return el('div', { class: 'hd-message', id: 'hd-error', role: 'alert' },
    el('h2', { class: 'hd-error', text: error.what }),
    el('p', { text: error.message }),
    el('p', { class: 'hd-hint', text: 'Check that TensorBoard is still running, then retry.' }),
    el('button', { class: 'hd-btn hd-primary', type: 'button', onclick: retry }, 'Retry'));
}

export function mount(container, { actions }) {
  let shown = null;
  return {
    render(state) {
      const want = state.phase === 'empty' ? 'empty' : state.phase === 'error' ? state.error : null;
      if (want === shown) return;
      shown = want;
      clear(container);
      if (want === 'empty') container.appendChild(emptyMessage());
      else if (want) container.appendChild(errorMessage(want, () => actions.refresh()));
    },
    dispose() {
      clear(container);
    },
  };
}
