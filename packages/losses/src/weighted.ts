import * as tf from '@tensorflow/tfjs-core';
import { expectFinite, expectNumber, expectTensor, InvalidArgumentError } from '@gantry/backend';

/** Named loss terms, each a scalar. */
export type LossTerms = Readonly<Record<string, tf.Scalar>>;

/** A weight per term name: `{ adversarial: 1, cls: 1, creg: 0.1, r1: 1 }`. */
export type LossWeights = Readonly<Record<string, number>>;

/**
 * The one place where loss terms are combined: Σ_name weights[name]·terms[name], the
 * shape of Eqs. 2, 3, 7 and 8 (L_d = L_adv + λ_cls·L_cls + λ_creg·L_creg + λ_r1·R1).
 * Every term needs a weight and every weight a term, so a misspelt name fails loudly; an
 * ablation is a change of one weight. A weight of 0 leaves its term out of the sum
 * entirely (0·NaN would still be NaN), though a caller should not compute it at all.
 * With value checks on, a non-finite term throws, naming it (`terms.creg`).
 */
export function weighted(terms: LossTerms, weights: LossWeights): tf.Scalar {
  const caller = 'weighted';
  const termNames = Object.keys(terms);
  const weightNames = Object.keys(weights);
  if (termNames.length === 0) throw new InvalidArgumentError(caller, 'terms', 'at least one named term', '{}');
  for (const name of weightNames) {
    if (!(name in terms)) throw new InvalidArgumentError(caller, `weights.${name}`, `the weight of a term (terms are ${termNames.join(', ')})`, 'a weight with no term');
    expectNumber(caller, `weights.${name}`, weights[name]);
  }
  const active: Record<string, tf.Tensor> = {};
  for (const name of termNames) {
    if (!(name in weights)) throw new InvalidArgumentError(caller, `weights.${name}`, `a weight for term '${name}'`, 'none');
    const term = expectTensor(caller, `terms.${name}`, terms[name]);
    if (term.size !== 1) throw new InvalidArgumentError(caller, `terms.${name}`, 'a scalar', `shape [${term.shape.join(', ')}]`);
    if (weights[name] !== 0) active[`terms.${name}`] = term;
  }
  expectFinite(caller, active);
  return tf.tidy(() =>
    termNames
      .filter((name) => weights[name] !== 0)
      .map((name) => tf.mul(tf.reshape(terms[name] as tf.Tensor, []), weights[name] as number) as tf.Scalar)
      .reduce((sum, term) => tf.add(sum, term), tf.scalar(0)),
  );
}
