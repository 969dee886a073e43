// The run's configuration as plain JSON. No TF.js here: the page's main thread imports it.
import type { GaussianMixtureOptions } from '@gantry/datasets';

/** The recipes the page offers, by the CLI's names. */
export const RECIPE_NAMES = ['vcagan', 'vanilla', 'infogan'] as const;

export type RecipeName = (typeof RECIPE_NAMES)[number];

/** Everything that defines a run: plain JSON, saved with the model. */
export interface PlaygroundConfig {
  readonly recipe: RecipeName;
  readonly mixture: GaussianMixtureOptions;
  /** λ_creg (VCAGAN only). */
  readonly lambdaCreg: number;
  /** VCAGAN only: steps of prior warm-up (P(C) frozen; the CGPGAN code's option), 0 for the paper's text. */
  readonly warmupSteps: number;
  /** VCAGAN only: during the warm-up, virtual labels from batch-re-centred Q(x). */
  readonly recentre: boolean;
  /** The decay of an EMA of the generator's weights that the scatter samples from (the author's code: 0.999), or null to sample the live generator. */
  readonly generatorEma: number | null;
  /** d_c. */
  readonly categories: number;
  readonly learningRate: number;
  readonly seed: number;
  /** MLP width and depth of G and D*. */
  readonly units: number;
  readonly layers: number;
  readonly batchSize: number;
}

/**
 * The paper's mixture (Fig. 1) and hyperparameters with the main job's configuration: 4 × 128
 * MLPs (the CLI's quick preset), a 2,000-step prior warm-up with re-centred labels and a
 * generator-weights EMA, which recovered the four components on 10 of 10 seeds in Node
 * (docs/results/gaussian.md). 4 × 64 trains twice as fast but recovered 2 of 3.
 */
export const DEFAULT_CONFIG: PlaygroundConfig = {
  recipe: 'vcagan',
  mixture: {
    centers: [[-2, 2], [2, 1], [0, -2], [1, -1]],
    probabilities: [0.1, 0.4, 0.2, 0.3],
    std: 0.3,
  },
  lambdaCreg: 0.1,
  // Gantry's most reliable configuration on this mixture (docs/results/gaussian.md); 0 and false are the paper's text.
  warmupSteps: 2000,
  recentre: true,
  generatorEma: 0.999,
  categories: 8,
  learningRate: 1e-3,
  seed: 1,
  units: 128,
  layers: 4,
  batchSize: 32,
};

