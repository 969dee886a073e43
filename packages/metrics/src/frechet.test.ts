import { describe, expect, it } from 'vitest';
import { featureMoments, frechetDistance, frechetDistanceFromMoments, MAX_JACOBI_SWEEPS, symmetricEigen } from './index.js';
/** n samples of dimension d from N(0, 1) (mulberry32 and Box-Muller, no TF.js), each mapped by `transform`. */
function gaussianSamples(seed: number, n: number, d: number, transform: (x: number[]) => number[]): Float64Array {
  let state = seed >>> 0;
  const uniform = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
  };
  const normal = (): number => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
  const out = new Float64Array(n * d);
  for (let i = 0; i < n; i++) out.set(transform(Array.from({ length: d }, normal)), i * d);
  return out;
}

describe('frechetDistance', () => {
  const d = 3;
  const base = gaussianSamples(1, 400, d, (x) => [x[0] as number, (x[0] as number) * 0.5 + (x[1] as number), (x[2] as number) * 2 - (x[1] as number)]);

  it('is 0 for a set against itself, and ||δ||² for the set moved by δ', () => {
    expect(frechetDistance({ values: base, dimension: d }, { values: base, dimension: d })).toBeLessThan(1e-9);
    const moved = base.map((value, i) => value + [1, -2, 0.5][i % d]!);
    expect(frechetDistance({ values: base, dimension: d }, { values: moved, dimension: d })).toBeCloseTo(1 + 4 + 0.25, 9);
  });

  it('moments: the mean and the unbiased covariance, by hand', () => {
    // Rows (1, 2), (3, 0), (5, 4): mean (3, 2); deviations (-2, 0), (0, -2), (2, 2).
    const moments = featureMoments({ values: [1, 2, 3, 0, 5, 4], dimension: 2 });
    expect(Array.from(moments.mean)).toEqual([3, 2]);
    expect(Array.from(moments.covariance)).toEqual([4, 2, 2, 4]);
    expect(moments.count).toBe(3);
    const three = featureMoments({ values: [1, 0, 2, 0, 1, 4, 2, 2, 0], dimension: 3 });
    expect(Array.from(three.mean)).toEqual([1, 1, 2]);
    expect(Array.from(three.covariance)).toEqual([1, 0.5, -2, 0.5, 1, -1, -2, -1, 4]);
  });

  it('is ||μ||² + tr Σ for the set against twice itself', () => {
    const moments = featureMoments({ values: base, dimension: d });
    const doubled = base.map((value) => 2 * value);
    let expected = 0;
    for (let j = 0; j < d; j++) expected += (moments.mean[j] as number) ** 2 + (moments.covariance[j * d + j] as number);
    expect(frechetDistance({ values: base, dimension: d }, { values: doubled, dimension: d })).toBeCloseTo(expected, 8);
  });

  it('matches the closed form for 2 × 2 covariances that do not commute', () => {
    // tr (Σa^½ Σb Σa^½)^½ = sqrt(tr(Σa Σb) + 2 sqrt(det Σa det Σb)) in two dimensions.
    const a = { mean: Float64Array.from([0, 1]), covariance: Float64Array.from([2, 0.6, 0.6, 1]), count: 10 };
    const b = { mean: Float64Array.from([1, -1]), covariance: Float64Array.from([0.5, -0.3, -0.3, 3]), count: 10 };
    const traceProduct = 2 * 0.5 + 0.6 * -0.3 + 0.6 * -0.3 + 1 * 3;
    const determinants = (2 * 1 - 0.36) * (0.5 * 3 - 0.09);
    const expected = 1 + 4 + 3 + 3.5 - 2 * Math.sqrt(traceProduct + 2 * Math.sqrt(determinants));
    expect(frechetDistanceFromMoments(a, b)).toBeCloseTo(expected, 10);
    expect(frechetDistanceFromMoments(b, a)).toBeCloseTo(expected, 10);
  });

  it('is (μa − μb)² + (σa − σb)² for one feature', () => {
    // a: 0, 2 (mean 1, variance 2); b: 1, 5 (mean 3, variance 8): 4 + (√2 − √8)² = 6.
    expect(frechetDistance({ values: [0, 2], dimension: 1 }, { values: [1, 5], dimension: 1 })).toBeCloseTo(6, 12);
  });

  it('grows with the difference between the distributions', () => {
    const near = gaussianSamples(2, 400, d, (x) => x.map((v) => v * 1.1));
    const far = gaussianSamples(3, 400, d, (x) => x.map((v) => v * 3 + 2));
    const reference = gaussianSamples(4, 400, d, (x) => x);
    const distance = (values: Float64Array): number => frechetDistance({ values: reference, dimension: d }, { values, dimension: d });
    expect(distance(near)).toBeLessThan(0.3);
    expect(distance(far)).toBeGreaterThan(10);
  });

  it('names a bad argument', () => {
    expect(() => frechetDistance({ values: [1, 2, 3], dimension: 2 }, { values: [1, 2], dimension: 2 })).toThrow('frechetDistance: a.values must be a multiple of dimension 2 values, got 3.');
    expect(() => frechetDistance({ values: [1, 2, 3, 4], dimension: 2 }, { values: [1, 2, 3, 4, 5, 6], dimension: 3 })).toThrow('frechetDistance: b.dimension must be 2 (as a), got 3.');
    expect(() => featureMoments({ values: [1, Number.NaN, 3, 4], dimension: 2 })).toThrow('featureMoments: features.values[1] must be a finite number, got NaN.');
  });
});

describe('symmetricEigen', () => {
  it('decomposes a symmetric matrix: A = V diag(λ) Vᵀ', () => {
    const n = 4;
    const a = [4, 1, -2, 0.5, 1, 3, 0, 1, -2, 0, 5, -1, 0.5, 1, -1, 2];
    const { values, vectors } = symmetricEigen(a, n);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += (vectors[i * n + k] as number) * (values[k] as number) * (vectors[j * n + k] as number);
        expect(sum).toBeCloseTo(a[i * n + j] as number, 10);
      }
    }
    expect([...values].reduce((x, y) => x + y, 0)).toBeCloseTo(4 + 3 + 5 + 2, 10);
  });

  it('skips a pair whose off-diagonal entry is 0, even with equal diagonal entries (its rotation angle would be 0/0)', () => {
    const n = 3;
    const a = [1, 0, 0.5, 0, 1, 0.5, 0.5, 0.5, 2];
    const { values, vectors, converged } = symmetricEigen(a, n);
    expect(converged).toBe(true);
    for (let i = 0; i < n; i++) {
      for (let j = 0; j < n; j++) {
        let sum = 0;
        for (let k = 0; k < n; k++) sum += (vectors[i * n + k] as number) * (values[k] as number) * (vectors[j * n + k] as number);
        expect(sum).toBeCloseTo(a[i * n + j] as number, 10);
      }
    }
  });

  it('says how many sweeps it took and whether it converged: a few here, none for a diagonal or zero matrix, all of them for a NaN', () => {
    const spread = symmetricEigen([4, 1, -2, 0.5, 1, 3, 0, 1, -2, 0, 5, -1, 0.5, 1, -1, 2], 4);
    expect(spread.converged).toBe(true);
    expect(spread.sweeps).toBeGreaterThanOrEqual(1);
    expect(spread.sweeps).toBeLessThanOrEqual(10);
    const diagonal = symmetricEigen([2, 0, 0, -1], 2);
    expect([diagonal.sweeps, diagonal.converged, [...diagonal.values], [...diagonal.vectors]]).toEqual([0, true, [2, -1], [1, 0, 0, 1]]);
    const zero = symmetricEigen([0, 0, 0, 0, 0, 0, 0, 0, 0], 3);
    expect([zero.sweeps, zero.converged, [...zero.values]]).toEqual([0, true, [0, 0, 0]]);
    const broken = symmetricEigen([1, Number.NaN, Number.NaN, 1], 2);
    expect([broken.sweeps, broken.converged]).toEqual([MAX_JACOBI_SWEEPS, false]);
  });
});
