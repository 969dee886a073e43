import { InvalidArgumentError } from '@gantry/backend';

/** A set of feature vectors, row-major: `values[i·dimension + j]` is feature j of sample i. */
export interface FeatureSet {
  readonly values: ArrayLike<number>;
  readonly dimension: number;
}

/** Mean and covariance (n − 1 in the denominator) of a feature set, in float64. */
export interface FeatureMoments {
  readonly mean: Float64Array;
  /** dimension × dimension, row-major. */
  readonly covariance: Float64Array;
  readonly count: number;
}

function expectFeatures(caller: string, argument: string, features: FeatureSet): number {
  const { values, dimension } = features;
  if (!Number.isInteger(dimension) || dimension < 1) throw new InvalidArgumentError(caller, `${argument}.dimension`, 'an integer >= 1', String(dimension));
  if (values.length % dimension !== 0) throw new InvalidArgumentError(caller, `${argument}.values`, `a multiple of dimension ${dimension} values`, `${values.length}`);
  const count = values.length / dimension;
  if (count < 2) throw new InvalidArgumentError(caller, `${argument}.values`, 'at least 2 samples (a covariance needs them)', `${count}`);
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i] as number)) throw new InvalidArgumentError(caller, `${argument}.values[${i}]`, 'a finite number', String(values[i]));
  }
  return count;
}

/** The mean and covariance of a feature set, accumulated in float64. */
export function featureMoments(features: FeatureSet): FeatureMoments {
  return momentsOf('featureMoments', 'features', features);
}

function momentsOf(caller: string, argument: string, features: FeatureSet): FeatureMoments {
  const count = expectFeatures(caller, argument, features);
  const { values, dimension: d } = features;
  const mean = new Float64Array(d);
  for (let i = 0; i < count; i++) {
    // Stryker disable next-line EqualityOperator: equivalent: j <= d writes mean[d], past the end of a Float64Array, where writes are dropped
    for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) + (values[i * d + j] as number);
  }
  // Stryker disable next-line EqualityOperator: equivalent: j <= d writes mean[d], past the end, dropped
  for (let j = 0; j < d; j++) mean[j] = (mean[j] as number) / count;
  const covariance = new Float64Array(d * d);
  const centred = new Float64Array(d);
  for (let i = 0; i < count; i++) {
    // Stryker disable next-line EqualityOperator: equivalent: j <= d writes centred[d], past the end, dropped
    for (let j = 0; j < d; j++) centred[j] = (values[i * d + j] as number) - (mean[j] as number);
    // Stryker disable next-line EqualityOperator: equivalent: j = d runs an inner loop from k = d, which is empty
    for (let j = 0; j < d; j++) {
      const cj = centred[j] as number;
      // Stryker disable next-line EqualityOperator: equivalent: k = d writes NaN to the next row's first entry, in the lower triangle, which the symmetric copy below overwrites
      for (let k = j; k < d; k++) covariance[j * d + k] = (covariance[j * d + k] as number) + cj * (centred[k] as number);
    }
  }
  // Stryker disable next-line EqualityOperator: equivalent: j = d runs an inner loop from k = d, which is empty
  for (let j = 0; j < d; j++) {
    for (let k = j; k < d; k++) {
      const value = (covariance[j * d + k] as number) / (count - 1);
      covariance[j * d + k] = value;
      covariance[k * d + j] = value;
    }
  }
  return { mean, covariance, count };
}

/** The most Jacobi sweeps {@link symmetricEigen} runs before it stops unconverged. */
export const MAX_JACOBI_SWEEPS = 100;

/**
 * Eigenvalues and eigenvectors of a symmetric matrix (cyclic Jacobi rotations, float64).
 * `vectors` holds one eigenvector per column, row-major. It has converged when the squared
 * off-diagonal entries sum to at most 1e-30 of the squared diagonal; `sweeps` says how many
 * sweeps of rotations that took (a few for well-scaled matrices; a NaN never converges, and
 * stops after {@link MAX_JACOBI_SWEEPS}).
 */
export function symmetricEigen(matrix: ArrayLike<number>, dimension: number): { values: Float64Array; vectors: Float64Array; sweeps: number; converged: boolean } {
  const n = dimension;
  const a = Float64Array.from(matrix);
  const v = new Float64Array(n * n);
  // Stryker disable next-line EqualityOperator: equivalent: i = n writes v[n² + n], past the end, dropped
  for (let i = 0; i < n; i++) v[i * n + i] = 1;
  let sweeps = 0;
  let converged = false;
  for (;;) {
    let off = 0;
    let scale = 0;
    for (let p = 0; p < n; p++) {
      for (let q = 0; q < n; q++) {
        const value = (a[p * n + q] as number) ** 2;
        if (p === q) scale += value;
        else off += value;
      }
    }
    if (off <= 1e-30 * Math.max(scale, 1e-300)) {
      converged = true;
      break;
    }
    if (sweeps === MAX_JACOBI_SWEEPS) break;
    sweeps += 1;
    // Stryker disable next-line EqualityOperator,ArithmeticOperator: equivalent: for p = n − 1 or n there is no q > p to rotate with
    for (let p = 0; p < n - 1; p++) {
      for (let q = p + 1; q < n; q++) {
        const apq = a[p * n + q] as number;
        if (apq === 0) continue;
        const app = a[p * n + p] as number;
        const aqq = a[q * n + q] as number;
        const theta = (aqq - app) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        // Stryker disable next-line EqualityOperator: equivalent: k = n reads and writes a[n² + p] and a[n² + q], past the end (NaN read, writes dropped)
        for (let k = 0; k < n; k++) {
          const akp = a[k * n + p] as number;
          const akq = a[k * n + q] as number;
          a[k * n + p] = c * akp - s * akq;
          a[k * n + q] = s * akp + c * akq;
        }
        for (let k = 0; k < n; k++) {
          const apk = a[p * n + k] as number;
          const aqk = a[q * n + k] as number;
          a[p * n + k] = c * apk - s * aqk;
          a[q * n + k] = s * apk + c * aqk;
        }
        // Stryker disable next-line EqualityOperator: equivalent: k = n reads and writes v[n² + p] and v[n² + q], past the end (NaN read, writes dropped)
        for (let k = 0; k < n; k++) {
          const vkp = v[k * n + p] as number;
          const vkq = v[k * n + q] as number;
          v[k * n + p] = c * vkp - s * vkq;
          v[k * n + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  const values = new Float64Array(n);
  // Stryker disable next-line EqualityOperator: equivalent: i = n writes values[n], past the end, dropped
  for (let i = 0; i < n; i++) values[i] = a[i * n + i] as number;
  return { values, vectors: v, sweeps, converged };
}

function multiply(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const out = new Float64Array(n * n);
  // Stryker disable next-line EqualityOperator: equivalent: i = n only writes out[n² + j], past the end, dropped
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < n; k++) {
      const aik = a[i * n + k] as number;
      // Stryker disable next-line ConditionalExpression: equivalent: a zero factor adds ±0 to each sum, the same for the finite matrices multiplied here (up to the sign of a zero sum)
      if (aik === 0) continue;
      for (let j = 0; j < n; j++) out[i * n + j] = (out[i * n + j] as number) + aik * (b[k * n + j] as number);
    }
  }
  return out;
}

/**
 * The Fréchet distance between the Gaussians fitted to two sets of moments:
 * ||μ_a − μ_b||² + tr(Σ_a) + tr(Σ_b) − 2 tr((Σ_a^½ Σ_b Σ_a^½)^½), which equals the usual
 * tr(Σ_a + Σ_b − 2 (Σ_a Σ_b)^½) (Dowson and Landau 1982; FID, Heusel et al. 2017), computed
 * through symmetric eigendecompositions so that it stays real. Negative round-off
 * eigenvalues are clipped at 0.
 */
export function frechetDistanceFromMoments(a: FeatureMoments, b: FeatureMoments): number {
  const n = a.mean.length;
  if (b.mean.length !== n) throw new InvalidArgumentError('frechetDistanceFromMoments', 'b.mean', `${n} features (as a)`, `${b.mean.length}`);
  let meanTerm = 0;
  let traces = 0;
  for (let j = 0; j < n; j++) {
    meanTerm += ((a.mean[j] as number) - (b.mean[j] as number)) ** 2;
    traces += (a.covariance[j * n + j] as number) + (b.covariance[j * n + j] as number);
  }
  const { values, vectors } = symmetricEigen(a.covariance, n);
  // Σ_a^½ = V diag(√λ) Vᵀ.
  const scaled = new Float64Array(n * n);
  // Stryker disable next-line EqualityOperator: equivalent: i = n writes scaled[n² + k], past the end, dropped
  for (let i = 0; i < n; i++) {
    // Stryker disable next-line EqualityOperator: equivalent: k = n writes NaN to the next row's first entry, which the next row's k = 0 overwrites (the last row's is past the end)
    for (let k = 0; k < n; k++) scaled[i * n + k] = (vectors[i * n + k] as number) * Math.sqrt(Math.max(values[k] as number, 0));
  }
  const transposed = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    // Stryker disable next-line EqualityOperator: equivalent: k = n writes transposed[n² + i], past the end, dropped
    for (let k = 0; k < n; k++) transposed[k * n + i] = vectors[i * n + k] as number;
  }
  const root = multiply(scaled, transposed, n);
  const rootB = multiply(root, b.covariance, n);
  // Σ_a^½ Σ_b Σ_a^½, its upper triangle mirrored: exactly symmetric, as the second
  // decomposition assumes (the full product is symmetric only up to round-off).
  const inner = new Float64Array(n * n);
  // Stryker disable next-line EqualityOperator: equivalent: i = n runs an inner loop from k = n, which is empty
  for (let i = 0; i < n; i++) {
    for (let k = i; k < n; k++) {
      let sum = 0;
      for (let j = 0; j < n; j++) sum += (rootB[i * n + j] as number) * (root[j * n + k] as number);
      inner[i * n + k] = sum;
      inner[k * n + i] = sum;
    }
  }
  let traceRoot = 0;
  for (const value of symmetricEigen(inner, n).values) traceRoot += Math.sqrt(Math.max(value, 0));
  return Math.max(meanTerm + traces - 2 * traceRoot, 0);
}

/** The Fréchet distance between two feature sets (see {@link frechetDistanceFromMoments}). */
export function frechetDistance(a: FeatureSet, b: FeatureSet): number {
  if (a.dimension !== b.dimension) throw new InvalidArgumentError('frechetDistance', 'b.dimension', `${a.dimension} (as a)`, String(b.dimension));
  return frechetDistanceFromMoments(momentsOf('frechetDistance', 'a', a), momentsOf('frechetDistance', 'b', b));
}
