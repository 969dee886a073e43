import '@tensorflow/tfjs-core/dist/register_all_gradients.js';
import type { Platform } from './platform.js';

/** The browser platform: the bundler includes TF.js's gradients; backends must be imported by the app. */
export const browserPlatform: Platform = {
  name: 'browser',
  importModule: undefined,
  registerGradients: () => {
    // Registered by the import above, once the bundle runs.
  },
  extraCandidates: [],
  prepareWasmThreads: undefined,
};
