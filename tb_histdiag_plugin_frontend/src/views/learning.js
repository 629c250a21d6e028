// Learning flow, for runs without gradient histograms (most weights-only logs): how much each layer's weights moved
// since the previous logged step, relative to their spread (the `change` statistic: the update-to-weight ratio
// proxy), by depth. The dashed line is the rule of thumb of about 1e-3 per update; layers far below it towards the
// input while output-side layers move are the weights-only signature of vanishing gradients.

import { hasGradientData, learningFlow } from '../model.js';
import { mountProfile } from './profile.js';

export const LEARNING = {
  id: 'hd-learn',
  title: 'Learning flow',
  hint: 'relative weight change per layer since the previous logged step (log scale); ▲ unchanged',
  label: 'Relative weight change per layer, log scale, input side on the left',
  yName: 'weight change / std',
  ref: { value: 1e-3, label: '~1e-3' },
  note: 'Some selected runs have no gradient histograms, so this shows how much the weights moved. Log ' +
    'gradients (tf.summary.histogram in a GradientTape loop, tb_histdiag_plugin.keras.GradientHistograms, or ' +
    'writer.add_histogram(name + ".grad", p.grad, step) in PyTorch) to see gradient flow.',
  alwaysNote: true,
  points: learningFlow,
  shown: (models) => models.some((m) => !hasGradientData([m])),
};

export function mount(container, ctx) {
  return mountProfile(container, ctx, LEARNING);
}
