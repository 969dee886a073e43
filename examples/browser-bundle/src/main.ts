// What a browser app does: import the backend package it ships, then Gantry's public entries.
import '@tensorflow/tfjs-backend-cpu';
import * as tf from '@tensorflow/tfjs-core';
import { checkGradients, createRandom, selectBackend } from '@gantry/backend';
import { r1Penalty } from '@gantry/losses';
import { discriminatorOutputs, integratedDiscriminator } from '@gantry/models';
import { categoricalPrior, exponentialMovingAverage } from '@gantry/priors';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { createTrainer, mixtureSource } from '@gantry/trainer';
import { vcagan } from '@gantry/vcagan';

/**
 * Selects cpu, checks d/dw of R1 for D(x) = Σ tanh(x·w) against finite differences, moves
 * an EMA prior once, runs a small D* and one VCAGAN training step; returns what it saw.
 */
export async function run(): Promise<{ backend: string; ok: boolean; worstErrorRatio: number; prior: readonly number[]; logitsShape: readonly number[]; losses: Readonly<Record<string, number>> }> {
  const selection = await selectBackend('cpu');
  const random = createRandom(3);
  const x = random.normal([4, 3]);
  const w = tf.variable(random.normal([3, 2]), true, 'bundle/w');
  const penalty = (): tf.Scalar => r1Penalty({ discriminator: (input) => tf.sum(tf.tanh(tf.matMul(input, w)), -1), real: x });
  const result = checkGradients(penalty, [w]);
  tf.dispose([x, w]);
  const prior = categoricalPrior({ categories: 2, rule: exponentialMovingAverage() }).update([[1, 0]]);
  const d = integratedDiscriminator({ inputShape: [2], categories: 2, trunk: { kind: 'mlp', units: 8, layers: 1 } });
  const { adversarial, logits } = discriminatorOutputs(d, tf.zeros([3, 2]));
  const logitsShape = logits.shape;
  tf.dispose([adversarial, logits]);
  // One VCAGAN step in the browser, on the paper's mixture, with small networks.
  const data = mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE));
  const trainer = createTrainer({ setup: vcagan.build({ sampleShape: [2], classes: 4 }, { units: 16, layers: 2 }, 1), data, seed: 1 });
  const { losses } = trainer.trainStep();
  trainer.dispose();
  return { backend: selection.backend, ok: result.ok, worstErrorRatio: result.worstErrorRatio, prior: prior.probabilities(), logitsShape, losses };
}
