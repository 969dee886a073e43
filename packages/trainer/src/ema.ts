import * as tf from '@tensorflow/tfjs-core';
import { expectNumber } from '@gantry/backend';

/**
 * An exponential moving average of a network's weights, θ̄ ← decay·θ̄ + (1 − decay)·θ after
 * every step (StudioGAN, compare_gan and the paper author's CGPGAN code sample from it).
 */
export interface WeightsEma {
  readonly decay: number;
  /** The averaged weights, in the network's variable order. */
  readonly shadows: readonly tf.Variable[];
  /** Moves the average towards `variables`. */
  update(variables: readonly tf.Variable[]): void;
  /** Runs `run` with the averaged weights swapped into `variables`, then puts the trained ones back. */
  withAveragedWeights<T>(variables: readonly tf.Variable[], run: () => T): T;
  dispose(): void;
}

/** Starts an average at the current weights (decay default 0.999). */
export function weightsEma(variables: readonly tf.Variable[], options: { readonly decay?: number } = {}): WeightsEma {
  const decay = expectNumber('weightsEma', 'options.decay', options.decay ?? 0.999, { min: 0, max: 1, exclusive: true });
  const shadows = tf.tidy(() => variables.map((variable) => tf.variable(variable.clone(), false, `${variable.name}/ema`)));
  return {
    decay,
    shadows,
    update(current) {
      tf.tidy(() => {
        current.forEach((variable, index) => {
          const shadow = shadows[index] as tf.Variable;
          shadow.assign(tf.add(tf.mul(shadow, decay), tf.mul(variable, 1 - decay)));
        });
      });
    },
    withAveragedWeights(current, run) {
      const trained = current.map((variable) => tf.keep(variable.clone()));
      current.forEach((variable, index) => variable.assign(shadows[index] as tf.Variable));
      try {
        return run();
      } finally {
        current.forEach((variable, index) => variable.assign(trained[index] as tf.Tensor));
        tf.dispose(trained);
      }
    },
    dispose() {
      tf.dispose([...shadows]);
    },
  };
}
