import type * as tf from '@tensorflow/tfjs-core';
import { expectNumber, InvalidArgumentError, type Random } from '@gantry/backend';

/** The serialised form of a {@link ContinuousPrior}. */
export type ContinuousPriorJSON =
  | { readonly kind: 'normal'; readonly dimension: number; readonly mean: number; readonly std: number }
  | { readonly kind: 'uniform'; readonly dimension: number; readonly min: number; readonly max: number };

/** A continuous latent distribution Z over R^dimension, sampled row by row. */
export interface ContinuousPrior {
  readonly kind: 'normal' | 'uniform';
  /** d_z. */
  readonly dimension: number;
  /** Draws `batch` codes, [batch, dimension] float32, from `random` (reproducible from its seed). */
  sample(batch: number, random: Random): tf.Tensor2D;
  toJSON(): ContinuousPriorJSON;
}

/** Checks a batch size; shared by every sampler of this package. */
export function expectBatchSize(caller: string, batch: unknown): number {
  return expectNumber(caller, 'batch', batch, { min: 1, integer: true });
}

/** Checks that `random` is a seeded stream from `createRandom`; shared by the samplers of this package. */
export function expectRandom(caller: string, random: unknown): Random {
  // Stryker disable next-line ConditionalExpression: equivalent: a string or number has no normal function, which the last test catches with the same message.
  if (typeof random !== 'object' || random === null || typeof (random as Random).normal !== 'function') {
    throw new InvalidArgumentError(caller, 'random', 'a Random from createRandom(seed) (@gantry/backend)', random === null ? 'null' : typeof random);
  }
  return random as Random;
}

/**
 * The normal prior N(mean, std²·I) of dimension d_z; the defaults give the paper's
 * Z ~ N(0, I_dz) (Section 4).
 */
export function normalPrior(dimension: number, options: { readonly mean?: number; readonly std?: number } = {}): ContinuousPrior {
  const caller = 'normalPrior';
  const size = expectNumber(caller, 'dimension', dimension, { min: 1, integer: true });
  const mean = expectNumber(caller, 'options.mean', options.mean ?? 0);
  const std = expectNumber(caller, 'options.std', options.std ?? 1, { min: 0, exclusive: true });
  return {
    kind: 'normal',
    dimension: size,
    sample(batch, random) {
      const rows = expectBatchSize('normalPrior.sample', batch);
      return expectRandom('normalPrior.sample', random).normal([rows, size], mean, std) as tf.Tensor2D;
    },
    toJSON: () => ({ kind: 'normal', dimension: size, mean, std }),
  };
}

/** The uniform prior U[min, max)^dimension; default U[−1, 1). */
export function uniformPrior(dimension: number, options: { readonly min?: number; readonly max?: number } = {}): ContinuousPrior {
  const caller = 'uniformPrior';
  const size = expectNumber(caller, 'dimension', dimension, { min: 1, integer: true });
  const min = expectNumber(caller, 'options.min', options.min ?? -1);
  const max = expectNumber(caller, 'options.max', options.max ?? 1, { min, exclusive: true });
  return {
    kind: 'uniform',
    dimension: size,
    sample(batch, random) {
      const rows = expectBatchSize('uniformPrior.sample', batch);
      return expectRandom('uniformPrior.sample', random).uniform([rows, size], min, max) as tf.Tensor2D;
    },
    toJSON: () => ({ kind: 'uniform', dimension: size, min, max }),
  };
}

/** Rebuilds a {@link ContinuousPrior} from {@link ContinuousPrior.toJSON}'s output. */
export function continuousPriorFromJSON(json: ContinuousPriorJSON): ContinuousPrior {
  if (typeof json !== 'object' || json === null) throw new InvalidArgumentError('continuousPriorFromJSON', 'json', 'an object', json === null ? 'null' : typeof json);
  switch (json.kind) {
    case 'normal':
      return normalPrior(json.dimension, { mean: json.mean, std: json.std });
    case 'uniform':
      return uniformPrior(json.dimension, { min: json.min, max: json.max });
    default:
      throw new InvalidArgumentError('continuousPriorFromJSON', 'json.kind', "'normal' or 'uniform'", JSON.stringify((json as { kind: unknown }).kind));
  }
}
