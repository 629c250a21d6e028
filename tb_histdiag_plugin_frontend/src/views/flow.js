// Gradient flow: gradient RMS per layer (log scale) at the chosen step, one line per compared run. Shown when some
// compared run has gradient histograms (learning.js covers the runs that have none).

import { gradientFlow, hasGradientData } from '../model.js';
import { mountProfile } from './profile.js';

export const FLOW = {
  id: 'hd-flow',
  title: 'Gradient flow',
  hint: 'gradient RMS per layer (log scale) at the chosen step',
  label: 'Gradient RMS per layer, log scale, input side on the left',
  yName: 'gradient RMS',
  note: 'No gradient RMS at this step in the selected runs.',
  points: gradientFlow,
  shown: (models) => hasGradientData(models),
};

export function mount(container, ctx) {
  return mountProfile(container, ctx, FLOW);
}
