// What a marker means and what to do about it: one short text per marker kind.

export const MARKER_INFO = Object.freeze({
  vanishing_gradient: {
    title: 'Vanishing gradient',
    advice: 'Layers near the input get almost no learning signal. Use ReLU-family activations instead of ' +
      'sigmoid/tanh, He/Glorot initialisation, batch or layer normalisation, residual connections, or a shallower ' +
      'network; check for a frozen or detached layer.',
  },
  exploding_gradient: {
    title: 'Exploding gradient',
    advice: 'Gradient norms grow out of control. Lower the learning rate, clip gradients by norm ' +
      '(clipnorm / torch.nn.utils.clip_grad_norm_), add normalisation, check the loss scale and the inputs for ' +
      'extreme values.',
  },
  non_finite: {
    title: 'NaN / Inf values',
    advice: 'The tensor held NaN or ±Inf. Look at the first step where it happens: lower the learning rate, clip ' +
      'gradients, guard log/sqrt/division against zero, check the data for NaNs, and use loss scaling with mixed ' +
      'precision.',
  },
  dead_units: {
    title: 'Dead units',
    advice: 'Most activations are exactly zero (dead ReLUs). Lower the learning rate, use LeakyReLU/ELU/GELU, ' +
      'initialise biases slightly positive or use He initialisation, and check for a large negative bias shift.',
  },
  saturation: {
    title: 'Saturated activations',
    advice: 'Bounded activations sit at their limits and pass almost no gradient. Normalise the inputs, use ' +
      'Glorot initialisation, add batch normalisation, or switch to ReLU-family activations.',
  },
  stagnant_weights: {
    title: 'Stagnant weights',
    advice: 'The weights stopped changing. Check that the layer is trainable and receives gradients (not frozen, ' +
      'not detached), that the learning rate is not tiny or decayed to zero, and that its units are not dead.',
  },
  weight_decay_shrink: {
    title: 'Weights shrinking',
    advice: 'The weights shrink steadily towards zero: regularisation at work. If accuracy suffers, lower the ' +
      'weight decay / L2 factor.',
  },
  weight_growth: {
    title: 'Weights growing',
    advice: 'The weights grow without bound. Add or raise weight decay, lower the learning rate, or add ' +
      'normalisation; check for a diverging loss.',
  },
  off_center: {
    title: 'Off-centre weights',
    advice: 'The weight distribution moved far from zero or became lopsided. Check the initialisation, the input ' +
      'centring and the bias terms; normalisation layers usually fix it.',
  },
  clipped_values: {
    title: 'Clipped values',
    advice: 'Many values pile up exactly at the minimum or maximum: clipping or a weight constraint is at work. ' +
      'Check that the clip range or max-norm constraint is not too tight.',
  },
  not_learning: {
    title: 'Not learning',
    advice: 'The training loss does not fall (or sits at chance). Check that the labels match the inputs and the ' +
      'loss fits the output layer, try a larger learning rate, and look for frozen, dead or saturated layers below.',
  },
  loss_diverging: {
    title: 'Loss diverging',
    advice: 'The loss climbs far above its best value or turns NaN/Inf. Lower the learning rate (or shorten its ' +
      'warm-up), clip gradients, and look at the first layer that went wrong in the timeline.',
  },
  oscillating_loss: {
    title: 'Oscillating loss',
    advice: 'The loss swings up and down at most steps. Lower the learning rate, raise the batch size, or add ' +
      'momentum / a learning-rate schedule.',
  },
});

export function markerTitle(kind) {
  return (MARKER_INFO[kind] && MARKER_INFO[kind].title) || String(kind).replace(/_/g, ' ');
}

export function markerAdvice(kind) {
  return (MARKER_INFO[kind] && MARKER_INFO[kind].advice) || 'See the evidence for the numbers behind this marker.';
}
