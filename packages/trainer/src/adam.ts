import * as tf from '@tensorflow/tfjs-core';
import { AdamUpdate, describeValue, expectNumber, InvalidArgumentError, type AdamUpdateAttrs } from '@gantry/backend';

/** Options of {@link adam}; the defaults are the paper's (Section 4). */
export interface AdamOptions {
  /** Default 1e-3. */
  readonly learningRate?: number;
  /** Default 0. */
  readonly beta1?: number;
  /** Default 0.99. */
  readonly beta2?: number;
  /** Added to √v̂. Default 1e-7, Keras' and TF.js's value (the paper's code is Keras). */
  readonly epsilon?: number;
}

/** The state of one Adam optimizer: the step count and one pair of moments per variable, in the variables' order. */
export interface AdamState {
  readonly step: number;
  readonly firstMoments: readonly tf.Variable[];
  readonly secondMoments: readonly tf.Variable[];
}

/** An Adam optimizer for one network's variable list. */
export interface Adam {
  readonly options: Required<AdamOptions>;
  /** Zero moments for `variables`. */
  init(variables: readonly tf.Variable[]): AdamState;
  /**
   * One step: updates `variables` and the moments in place and returns the state with the
   * step count advanced. A variable whose gradient is missing (no term reached it) is left
   * as it is, moments included, as in PyTorch and TF.
   */
  apply(state: AdamState, variables: readonly tf.Variable[], gradients: Readonly<Record<string, tf.Tensor>>): AdamState;
}

/**
 * Adam (Kingma & Ba 2015) with the paper's defaults, lr 1e-3, β = (0, 0.99). It is our own
 * rather than `tf.train.adam`: the bias corrections are computed in float64 from the integer
 * step, so a run resumed from a checkpoint continues bit for bit (TF.js's Adam recomputes
 * β^t with `pow` on resume, which differs in the last bits from the running product), and
 * its state is plain tensors in a fixed order, easy to save. θ ← θ − lr·m̂/(√v̂ + ε), as in
 * Keras and TF.js.
 */
export function adam(options: AdamOptions = {}): Adam {
  const caller = 'adam';
  const learningRate = expectNumber(caller, 'options.learningRate', options.learningRate ?? 1e-3, { min: 0, exclusive: true });
  const beta = (argument: string, value: unknown): number => {
    if (typeof value !== 'number' || !(value >= 0 && value < 1)) throw new InvalidArgumentError(caller, argument, 'a number in [0, 1)', describeValue(value));
    return value;
  };
  const beta1 = beta('options.beta1', options.beta1 ?? 0);
  const beta2 = beta('options.beta2', options.beta2 ?? 0.99);
  const epsilon = expectNumber(caller, 'options.epsilon', options.epsilon ?? 1e-7, { min: 0, exclusive: true });
  const resolved = { learningRate, beta1, beta2, epsilon };
  return {
    options: resolved,
    init(variables) {
      // tidy disposes the zeros once the variables (which tidy never disposes) hold them.
      const zeros = (suffix: string): tf.Variable[] => tf.tidy(() => variables.map((variable) => tf.variable(tf.zerosLike(variable), false, `${variable.name}/adam_${suffix}`)));
      return { step: 0, firstMoments: zeros('m'), secondMoments: zeros('v') };
    },
    apply(state, variables, gradients) {
      if (state.firstMoments.length !== variables.length) {
        throw new InvalidArgumentError('Adam.apply', 'variables', `${state.firstMoments.length} variables (the list the state was made for)`, `${variables.length}`);
      }
      const step = state.step + 1;
      tf.tidy(() => {
        const { rate, epsilon: scaledEpsilon } = adamScalars(resolved, step);
        const updates = adamUpdates(resolved, state, variables, gradients, rate, scaledEpsilon);
        updates.forEach(({ index, variable, firstMoment, secondMoment }) => {
          (state.firstMoments[index] as tf.Variable).assign(firstMoment);
          (state.secondMoments[index] as tf.Variable).assign(secondMoment);
          (variables[index] as tf.Variable).assign(variable);
        });
      });
      return { step, firstMoments: state.firstMoments, secondMoments: state.secondMoments };
    },
  };
}

/**
 * The step-dependent scalars of Adam step `step` (from 1), as tensors:
 * m̂/(√v̂ + ε) = (√(1 − β2ᵗ)/(1 − β1ᵗ))·m/(√v + ε√(1 − β2ᵗ)), so `rate` = lr·√(1 − β2ᵗ)/(1 − β1ᵗ)
 * and `epsilon` = ε·√(1 − β2ᵗ), computed in float64 from the integer step.
 */
export function adamScalars(options: Required<AdamOptions>, step: number): { rate: tf.Scalar; epsilon: tf.Scalar } {
  const correction2 = Math.sqrt(1 - options.beta2 ** step);
  return { rate: tf.scalar((options.learningRate * correction2) / (1 - options.beta1 ** step)), epsilon: tf.scalar(options.epsilon * correction2) };
}

/**
 * One Adam step's new values, for each variable that has a gradient (by variable name),
 * without assigning them: what {@link Adam.apply} assigns. The step-dependent scalars come
 * as tensors ({@link adamScalars}), so the same kernels serve every step. Where the active
 * backend has `@gantry/backend`'s fused `AdamUpdate` kernel (wasm), one kernel call updates
 * every variable, with the same bits as the TF.js ops used everywhere else (9 kernels per
 * variable).
 */
export function adamUpdates(
  options: Required<AdamOptions>,
  state: AdamState,
  variables: readonly tf.Variable[],
  gradients: Readonly<Record<string, tf.Tensor>>,
  rate: tf.Scalar,
  epsilon: tf.Scalar,
): { index: number; variable: tf.Tensor; firstMoment: tf.Tensor; secondMoment: tf.Tensor }[] {
  const { beta1, beta2 } = options;
  const present = variables.flatMap((variable, index) => {
    const gradient = gradients[variable.name];
    return gradient === undefined ? [] : [{ index, variable, gradient, m: state.firstMoments[index] as tf.Variable, v: state.secondMoments[index] as tf.Variable }];
  });
  if (present.length > 0 && tf.getKernel(AdamUpdate, tf.getBackend()) !== undefined) {
    const inputs: tf.NamedTensorMap = { rate, epsilon };
    present.forEach(({ variable, gradient, m, v }, k) => {
      Object.assign(inputs, { [`variable${k}`]: variable, [`firstMoment${k}`]: m, [`secondMoment${k}`]: v, [`gradient${k}`]: gradient });
    });
    const attrs: AdamUpdateAttrs = { beta1, beta2, count: present.length };
    const outputs = tf.engine().runKernel(AdamUpdate, inputs, attrs as unknown as tf.NamedAttrMap) as tf.Tensor[];
    const width = beta1 === 0 ? 2 : 3;
    return present.map(({ index, gradient }, k) => ({
      index,
      variable: outputs[width * k] as tf.Tensor,
      firstMoment: beta1 === 0 ? gradient : (outputs[width * k + 1] as tf.Tensor),
      secondMoment: outputs[width * k + width - 1] as tf.Tensor,
    }));
  }
  return present.map(({ index, variable, gradient, m, v }) => {
    const nextM = beta1 === 0 ? gradient : tf.add(tf.mul(m, beta1), tf.mul(gradient, 1 - beta1));
    const nextV = tf.add(tf.mul(v, beta2), tf.mul(tf.square(gradient), 1 - beta2));
    return { index, variable: tf.sub(variable, tf.mul(tf.div(nextM, tf.add(tf.sqrt(nextV), epsilon)), rate)), firstMoment: nextM, secondMoment: nextV };
  });
}

/** Frees the moments of an Adam state. */
export function disposeAdamState(state: AdamState): void {
  tf.dispose([...state.firstMoments, ...state.secondMoments]);
}
