import * as tf from '@tensorflow/tfjs-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  checkGradients,
  createRandom,
  disableHigherOrderGradients,
  enableHigherOrderGradients,
  higherOrderGradientsEnabled,
  type Random,
} from './index.node.js';
import { TESTED_BACKENDS, useBackend } from './testing.js';

/**
 * One row of the table: a network f(x; θ) built around one op. The checked quantity is the
 * gradient penalty P(θ) = mean over the batch of ||∇x Σ f(x; θ)||² (R1's form), whose
 * gradient with respect to θ is a second-order gradient.
 */
interface PenaltyCase {
  readonly name: string;
  readonly inputShape: readonly number[];
  readonly parameters: (random: Random) => Record<string, tf.Tensor>;
  readonly network: (x: tf.Tensor, p: Record<string, tf.Tensor>) => tf.Tensor;
  /** Smaller steps for piecewise-linear ops, whose kinks a large step may cross. */
  readonly epsilon?: number;
}

const get = (p: Record<string, tf.Tensor>, key: string): tf.Tensor => {
  const value = p[key];
  if (value === undefined) throw new Error(`missing parameter ${key}`);
  return value;
};

/** A dense layer (x·W + b) feeding the activation under test, then a linear read-out. */
function activationCase(name: string, activation: (h: tf.Tensor) => tf.Tensor, epsilon?: number): PenaltyCase {
  return {
    name,
    inputShape: [3, 4],
    parameters: (random) => ({ w: random.normal([4, 5], 0, 0.6), b: random.normal([5], 0, 0.3), v: random.normal([5, 1]) }),
    network: (x, p) => tf.matMul(activation(tf.add(tf.matMul(x, get(p, 'w')), get(p, 'b'))), get(p, 'v')),
    ...(epsilon === undefined ? {} : { epsilon }),
  };
}

const softplusReadout = (h: tf.Tensor, v: tf.Tensor): tf.Tensor => tf.sum(tf.mul(tf.softplus(h), v));

const CASES: readonly PenaltyCase[] = [
  activationCase('dense + tanh', tf.tanh),
  activationCase('sigmoid', tf.sigmoid),
  activationCase('exp', (h) => tf.exp(tf.mul(h, 0.5))),
  activationCase('log', (h) => tf.log(tf.add(tf.softplus(h), 0.5))),
  activationCase('softplus', tf.softplus),
  activationCase('leakyRelu(0.2)', (h) => tf.leakyRelu(h, 0.2), 1e-3),
  activationCase('relu', (h) => tf.add(tf.relu(h), tf.mul(tf.tanh(h), 0.3)), 1e-3),
  activationCase('elu', tf.elu, 1e-3),
  activationCase('softmax', (h) => tf.mul(tf.softmax(h), tf.tensor1d([1, -2, 0.5, 3, -1]))),
  activationCase('logSoftmax', (h) => tf.mul(tf.logSoftmax(h), tf.tensor1d([1, -2, 0.5, 3, -1]))),
  activationCase('maximum', (h) => tf.maximum(h, tf.mul(h, 0.1)), 1e-3),
  activationCase('mean and sum', (h) => tf.add(tf.mul(tf.square(tf.mean(tf.softplus(h), -1, true)), 2), tf.tanh(h))),
  {
    name: 'matMul with transposes',
    inputShape: [3, 4],
    parameters: (random) => ({ w: random.normal([5, 4], 0, 0.5), v: random.normal([1, 5]) }),
    network: (x, p) => {
      const h = tf.matMul(x, get(p, 'w'), false, true);
      return tf.matMul(tf.tanh(h), get(p, 'v'), false, true);
    },
  },
  {
    name: 'transposed first operand',
    inputShape: [3, 4],
    parameters: (random) => ({ w: random.normal([4, 3], 0, 0.5) }),
    network: (x, p) => tf.sum(tf.tanh(tf.matMul(get(p, 'w'), x, true, true)), 0),
  },
  {
    name: 'concat and reshape',
    inputShape: [3, 4],
    parameters: (random) => ({ w: random.normal([4, 3], 0, 0.5), u: random.normal([4, 3], 0, 0.5), v: random.normal([2, 3]) }),
    network: (x, p) => {
      const joined = tf.concat([tf.matMul(x, get(p, 'w')), tf.tanh(tf.matMul(x, get(p, 'u')))], 1);
      return softplusReadout(tf.reshape(joined, [3, 2, 3]), get(p, 'v'));
    },
  },
  {
    name: 'layer normalisation',
    inputShape: [3, 4],
    parameters: (random) => ({ w: random.normal([4, 6], 0, 0.5), gamma: random.normal([6], 1, 0.1), v: random.normal([6]) }),
    network: (x, p) => {
      const h = tf.matMul(x, get(p, 'w'));
      const { mean, variance } = tf.moments(h, -1, true);
      const normalised = tf.mul(tf.div(tf.sub(h, mean), tf.sqrt(tf.add(variance, 1e-3))), get(p, 'gamma'));
      return softplusReadout(normalised, get(p, 'v'));
    },
  },
  {
    name: 'batch normalisation',
    inputShape: [4, 3],
    parameters: (random) => ({ w: random.normal([3, 5], 0, 0.5), scale: random.normal([5], 1, 0.1), offset: random.normal([5], 0, 0.1), v: random.normal([5]) }),
    network: (x, p) => {
      const h = tf.matMul(x, get(p, 'w'));
      const { mean, variance } = tf.moments(h, 0);
      return softplusReadout(tf.batchNorm(h, mean, variance, get(p, 'offset'), get(p, 'scale'), 1e-3), get(p, 'v'));
    },
  },
  {
    name: 'conv2d (stride 2, same) + leakyRelu',
    inputShape: [2, 6, 6, 2],
    parameters: (random) => ({ k: random.normal([3, 3, 2, 3], 0, 0.4), b: random.normal([3], 0, 0.1), v: random.normal([3, 3, 3]) }),
    network: (x, p) => softplusReadout(tf.leakyRelu(tf.add(tf.conv2d(x as tf.Tensor4D, get(p, 'k') as tf.Tensor4D, 2, 'same'), get(p, 'b')), 0.2), get(p, 'v')),
  },
  {
    name: 'conv2d (stride 1, valid) + tanh',
    inputShape: [2, 5, 5, 2],
    parameters: (random) => ({ k: random.normal([2, 2, 2, 3], 0, 0.4), v: random.normal([4, 4, 3]) }),
    network: (x, p) => softplusReadout(tf.tanh(tf.conv2d(x as tf.Tensor4D, get(p, 'k') as tf.Tensor4D, 1, 'valid')), get(p, 'v')),
  },
  {
    name: 'conv2dTranspose',
    inputShape: [2, 3, 3, 2],
    parameters: (random) => ({ k: random.normal([3, 3, 3, 2], 0, 0.4), v: random.normal([6, 6, 3]) }),
    network: (x, p) => softplusReadout(tf.tanh(tf.conv2dTranspose(x as tf.Tensor4D, get(p, 'k') as tf.Tensor4D, [2, 6, 6, 3], 2, 'same')), get(p, 'v')),
  },
  {
    name: 'avgPool',
    inputShape: [2, 4, 4, 2],
    parameters: (random) => ({ k: random.normal([1, 1, 2, 3], 0, 0.5), v: random.normal([2, 2, 3]) }),
    network: (x, p) => softplusReadout(tf.avgPool(tf.tanh(tf.conv2d(x as tf.Tensor4D, get(p, 'k') as tf.Tensor4D, 1, 'same')), 2, 2, 'valid'), get(p, 'v')),
  },
  {
    name: 'D* with a softmax classifier head (L_creg, Eq. 6)',
    inputShape: [4, 2],
    parameters: (random) => ({ w1: random.normal([2, 8], 0, 0.8), b1: random.normal([8], 0, 0.2), w2: random.normal([8, 8], 0, 0.4), q: random.normal([8, 4], 0, 0.6) }),
    network: (x, p) => {
      const h1 = tf.leakyRelu(tf.add(tf.matMul(x, get(p, 'w1')), get(p, 'b1')), 0.2);
      const h2 = tf.leakyRelu(tf.matMul(h1, get(p, 'w2')), 0.2);
      const q = tf.softmax(tf.matMul(h2, get(p, 'q')));
      // The virtual label argmax onehot(Q(x)) carries no gradient.
      const virtualLabel = tf.oneHot(tf.argMax(q, -1), 4);
      return tf.sum(tf.mul(q, virtualLabel), -1);
    },
    epsilon: 1e-3,
  },
];

function penaltyOf(testCase: PenaltyCase, x: tf.Tensor, variables: Record<string, tf.Variable>): () => tf.Scalar {
  return () => {
    const inputGradient = tf.grad((input: tf.Tensor) => tf.sum(testCase.network(input, variables)))(x);
    const batch = x.shape[0] as number;
    return tf.div(tf.sum(tf.square(inputGradient)), batch) as tf.Scalar;
  };
}

function setUp(testCase: PenaltyCase, seed: number): { x: tf.Tensor; variables: Record<string, tf.Variable> } {
  const random = createRandom(seed);
  const x = tf.keep(random.normal(testCase.inputShape));
  const variables: Record<string, tf.Variable> = {};
  for (const [key, value] of Object.entries(testCase.parameters(random))) {
    variables[key] = tf.variable(value, true, `${testCase.name}/${key}/${seed}/${Math.random()}`);
    value.dispose();
  }
  return { x, variables };
}

function tearDown(x: tf.Tensor, variables: Record<string, tf.Variable>): void {
  x.dispose();
  Object.values(variables).forEach((variable) => variable.dispose());
}

describe.each(TESTED_BACKENDS)('second-order gradients on %s', (backend) => {
  beforeAll(async () => {
    await useBackend(backend);
    enableHigherOrderGradients();
  });

  // Float32 central differences, Richardson-extrapolated: the test passes when
  // |analytic − numeric| ≤ 2e-4·max(1, |P|) + 2e-3·max(|analytic|, |numeric|) for every
  // checked entry of every parameter. Without the fix the same table is off by 20-200%.
  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('d/dθ ||∇x f||² matches finite differences: %s', (_name, testCase) => {
    const { x, variables } = setUp(testCase, 7);
    try {
      const result = checkGradients(penaltyOf(testCase, x, variables), Object.values(variables), {
        ...(testCase.epsilon === undefined ? {} : { epsilon: testCase.epsilon }),
        entriesPerVariable: 4,
      });
      expect(result.missingGradients).toEqual([]);
      const worst = result.entries.filter((entry) => !entry.nonSmooth).reduce((a, b) => (b.errorRatio > a.errorRatio ? b : a));
      expect(result.worstErrorRatio, `worst entry ${JSON.stringify(worst)}`).toBeLessThanOrEqual(1);
      expect(result.nonSmoothEntries).toBeLessThanOrEqual(result.entries.length / 4);
      expect(result.ok).toBe(true);
      expect(result.value).toBeGreaterThan(0);
    } finally {
      tearDown(x, variables);
    }
  });

  it('still throws, naming the kernel, for ops with no double backward (max pooling)', () => {
    const x = tf.tensor4d([1, 5, 2, 4, 3, 0, 7, 6, 1, 2, 8, 3, 4, 4, 0, 9], [1, 4, 4, 1]);
    const k = tf.variable(tf.tensor4d([0.5], [1, 1, 1, 1]));
    const penalty = (): tf.Scalar =>
      tf.sum(tf.square(tf.grad((input: tf.Tensor) => tf.sum(tf.maxPool(tf.conv2d(input as tf.Tensor4D, k as tf.Tensor4D, 1, 'same'), 2, 2, 'valid')))(x)));
    expect(() => tf.variableGrads(penalty, [k])).toThrow(/gradient function not found for MaxPoolGrad/);
    x.dispose();
    k.dispose();
  });

  it('saves tensors for the backward pass without an Identity kernel, with the same numbers as copies', async () => {
    const testCase = CASES[0] as PenaltyCase;
    const { x, variables } = setUp(testCase, 5);
    const engine = tf.engine() as unknown as { clone: unknown };
    const run = async (): Promise<{ identities: number; values: number[] }> => {
      let values: number[] = [];
      const profile = await tf.profile(() => {
        tf.tidy(() => {
          const { value, grads } = tf.variableGrads(penaltyOf(testCase, x, variables), Object.values(variables));
          values = [value, ...Object.values(grads)].flatMap((tensor) => Array.from(tensor.dataSync()));
        });
      });
      return { identities: profile.kernels.filter((kernel) => kernel.name === 'Identity').length, values };
    };
    try {
      const shared = await run();
      // TF.js's own clone, on the engine's prototype, for comparison: it runs Identity per saved tensor.
      const patched = engine.clone;
      delete engine.clone;
      let copied: { identities: number; values: number[] };
      try {
        copied = await run();
      } finally {
        engine.clone = patched;
      }
      expect(copied.identities).toBeGreaterThan(10);
      expect(shared.identities).toBe(0);
      expect(shared.values).toEqual(copied.values);
      expect(shared.values.length).toBeGreaterThan(10);
    } finally {
      tearDown(x, variables);
    }
  });

  it('leaves no tensor behind', () => {
    const testCase = CASES[0] as PenaltyCase;
    const { x, variables } = setUp(testCase, 3);
    const before = tf.memory().numTensors;
    for (let step = 0; step < 5; step++) {
      tf.tidy(() => {
        const { value, grads } = tf.variableGrads(penaltyOf(testCase, x, variables), Object.values(variables));
        return [value, ...Object.values(grads)].map((tensor) => tensor.dataSync());
      });
    }
    expect(tf.memory().numTensors).toBe(before);
    tearDown(x, variables);
  });
});

describe('enableHigherOrderGradients', () => {
  beforeAll(async () => {
    await useBackend('cpu');
  });
  afterAll(() => enableHigherOrderGradients());

  it('fixes what TF.js 4.22 gets wrong, and disabling brings the bug back', () => {
    const tanhCase = CASES[0] as PenaltyCase;
    const leakyCase = CASES.find((testCase) => testCase.name.startsWith('leakyRelu')) as PenaltyCase;
    const { x, variables } = setUp(tanhCase, 11);
    const leaky = setUp(leakyCase, 11);
    try {
      disableHigherOrderGradients();
      expect(higherOrderGradientsEnabled()).toBe(false);
      const broken = checkGradients(penaltyOf(tanhCase, x, variables), Object.values(variables), { entriesPerVariable: 3 });
      // The bias gets no gradient at all and the weights' gradients are wrong (tfjs#3252).
      expect(broken.missingGradients.length).toBeGreaterThan(0);
      expect(broken.worstErrorRatio).toBeGreaterThan(10);
      expect(() => tf.variableGrads(penaltyOf(leakyCase, leaky.x, leaky.variables), Object.values(leaky.variables))).toThrow(
        /gradient function not found for Greater/,
      );

      enableHigherOrderGradients();
      enableHigherOrderGradients(); // idempotent
      expect(higherOrderGradientsEnabled()).toBe(true);
      const fixed = checkGradients(penaltyOf(tanhCase, x, variables), Object.values(variables), { entriesPerVariable: 3 });
      expect(fixed.ok).toBe(true);
    } finally {
      tearDown(x, variables);
      tearDown(leaky.x, leaky.variables);
    }
  });

  it.each(TESTED_BACKENDS)('leaves first-order gradients bit for bit unchanged (%s), leakyRelu’s among them', async (backend) => {
    await useBackend(backend);
    const random = createRandom(5);
    // Some pre-activations exactly 0, where leakyRelu's two gradient forms must agree too.
    const x = tf.concat([random.normal([6, 4]), tf.zeros([1, 4])]);
    const w = tf.variable(random.normal([4, 5]), true, 'first-order/w');
    const loss = (): tf.Scalar => tf.mean(tf.logSoftmax(tf.tanh(tf.leakyRelu(tf.matMul(x, w), 0.2)))) as tf.Scalar;
    disableHigherOrderGradients();
    const plain = tf.variableGrads(loss, [w]).grads['first-order/w']?.dataSync();
    const plainInput = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(input, 0.2), tf.reshape(tf.range(0, 28), [7, 4]))))(x).dataSync();
    enableHigherOrderGradients();
    const fixed = tf.variableGrads(loss, [w]).grads['first-order/w']?.dataSync();
    const fixedInput = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.leakyRelu(input, 0.2), tf.reshape(tf.range(0, 28), [7, 4]))))(x).dataSync();
    expect(Array.from(fixed ?? [])).toEqual(Array.from(plain ?? [0]));
    expect(plain?.length).toBe(20);
    expect(Array.from(fixedInput).map((value) => Object.is(value, -0) ? '-0' : value)).toEqual(Array.from(plainInput).map((value) => Object.is(value, -0) ? '-0' : value));
    x.dispose();
    w.dispose();
    await useBackend('cpu');
  });
});
