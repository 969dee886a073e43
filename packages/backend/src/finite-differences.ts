import * as tf from '@tensorflow/tfjs-core';
import { ensureGradientsRegistered } from './platform.js';

/** Options of {@link checkGradients}. */
export interface GradientCheckOptions {
  /** Step h of the central differences (Richardson-extrapolated from h/2 and h/4, checked against h and h/2). Default 1e-2. */
  readonly epsilon?: number;
  /** Entries checked per variable, spread evenly over it. Default 6. */
  readonly entriesPerVariable?: number;
  /** Relative tolerance. Default 2e-3. */
  readonly relativeTolerance?: number;
  /** Absolute tolerance, in units of max(1, |f|): float32 rounding of f scales with f. Default 2e-4. */
  readonly absoluteTolerance?: number;
}

/** One checked entry of one variable. */
export interface GradientCheckEntry {
  readonly variable: string;
  readonly index: number;
  /** The gradient TF.js computed (0 where it returned none for the variable). */
  readonly analytic: number;
  /** The finite-difference estimate. */
  readonly numeric: number;
  /** |analytic − numeric| / (absolute + relative·max(|analytic|, |numeric|)); ≤ 1 passes. */
  readonly errorRatio: number;
  /**
   * True when the two finite-difference estimates (steps h and h/2) disagree: f is not
   * smooth within ±h of this point (a leakyRelu kink flips the mask that ∇x f depends on,
   * so a penalty through it jumps). Such entries say nothing about the gradient and are
   * left out of the verdict, up to a quarter of all entries.
   */
  readonly nonSmooth: boolean;
}

/** The outcome of {@link checkGradients}. */
export interface GradientCheckResult {
  /** f at the unperturbed variables. */
  readonly value: number;
  readonly entries: readonly GradientCheckEntry[];
  /** The largest errorRatio among smooth entries; the check passes when it is ≤ 1. */
  readonly worstErrorRatio: number;
  /** How many entries were left out as non-smooth. */
  readonly nonSmoothEntries: number;
  readonly ok: boolean;
  /** Variables for which TF.js returned no gradient at all. */
  readonly missingGradients: readonly string[];
}

function evaluate(f: () => tf.Scalar): number {
  return tf.tidy(() => {
    const value = f();
    if (value.size !== 1) throw new Error(`checkGradients: f must return a scalar, got shape [${value.shape.join(', ')}].`);
    return value.dataSync()[0] as number;
  });
}

/**
 * Compares the gradients TF.js computes for a scalar function of variables with central
 * finite differences (Richardson-extrapolated, so the truncation error is O(h⁴) and what
 * remains is float32 rounding). f may itself take gradients: this is how Gantry proves its
 * second-order gradients (R1, L_creg) right. The variables are restored afterwards.
 */
export function checkGradients(
  f: () => tf.Scalar,
  variables: readonly tf.Variable[],
  options: GradientCheckOptions = {},
): GradientCheckResult {
  const epsilon = options.epsilon ?? 1e-2;
  const perVariable = options.entriesPerVariable ?? 6;
  const relative = options.relativeTolerance ?? 2e-3;
  if (!(epsilon > 0) || !Number.isFinite(epsilon)) throw new RangeError(`checkGradients: options.epsilon must be a positive number, got ${epsilon}.`);
  if (!Number.isInteger(perVariable) || perVariable < 1) {
    throw new RangeError(`checkGradients: options.entriesPerVariable must be a positive integer, got ${perVariable}.`);
  }
  if (variables.length === 0) throw new RangeError('checkGradients: variables must not be empty.');

  ensureGradientsRegistered();
  const value = evaluate(f);
  const absolute = (options.absoluteTolerance ?? 2e-4) * Math.max(1, Math.abs(value));
  const { grads, value: gradValue } = tf.variableGrads(f, [...variables]);
  gradValue.dispose();
  const missingGradients = variables.filter((variable) => grads[variable.name] === undefined).map((variable) => variable.name);
  const analyticByName = new Map<string, Float32Array>();
  for (const variable of variables) {
    const gradient = grads[variable.name];
    analyticByName.set(variable.name, gradient === undefined ? new Float32Array(variable.size) : (gradient.dataSync() as Float32Array));
  }
  tf.dispose(grads);

  const entries: GradientCheckEntry[] = [];
  for (const variable of variables) {
    const original = tf.keep(variable.clone());
    const base = original.dataSync() as Float32Array;
    const analytic = analyticByName.get(variable.name) as Float32Array;
    const count = Math.min(perVariable, variable.size);
    try {
      for (let k = 0; k < count; k++) {
        const index = Math.floor(((k + 0.5) * variable.size) / count);
        const at = (delta: number): number => {
          const perturbed = base.slice();
          perturbed[index] = (perturbed[index] as number) + delta;
          tf.tidy(() => variable.assign(tf.tensor(perturbed, variable.shape, 'float32')));
          return evaluate(f);
        };
        const central = (h: number): number => (at(h) - at(-h)) / (2 * h);
        const [full, half, quarter] = [central(epsilon), central(epsilon / 2), central(epsilon / 4)];
        const coarse = (4 * half - full) / 3;
        const numeric = (4 * quarter - half) / 3;
        const ratio = (a: number, b: number): number => Math.abs(a - b) / (absolute + relative * Math.max(Math.abs(a), Math.abs(b)));
        const computed = analytic[index] as number;
        entries.push({ variable: variable.name, index, analytic: computed, numeric, errorRatio: ratio(computed, numeric), nonSmooth: ratio(coarse, numeric) > 1 });
      }
    } finally {
      variable.assign(original);
      original.dispose();
    }
  }
  const smooth = entries.filter((entry) => !entry.nonSmooth);
  const nonSmoothEntries = entries.length - smooth.length;
  const worstErrorRatio = smooth.reduce((worst, entry) => Math.max(worst, entry.errorRatio), 0);
  const ok = worstErrorRatio <= 1 && missingGradients.length === 0 && nonSmoothEntries * 4 <= entries.length;
  return { value, entries, worstErrorRatio, nonSmoothEntries, ok, missingGradients };
}
