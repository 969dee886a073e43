import * as tf from '@tensorflow/tfjs-core';

interface TapeState {
  state: { gradientDepth: number; activeTape: { saved?: tf.Tensor[] }[] | null };
}

/**
 * `tf.variableGrads(f, variables)`, which also frees the gradient tape when `f` throws.
 * TF.js 4.22's engine (`gradients`) frees the tensors its kernels saved for the backward pass
 * only after a backward pass: an exception in the forward pass (a NaN guard, a shape error)
 * leaves them on the abandoned tape, several hundred tensors for one phase of a small VCAGAN,
 * every time it happens. Inside another gradient computation the tape is that computation's,
 * and it is left to it.
 */
export function variableGradsFreeingTape(f: () => tf.Scalar, variables?: tf.Variable[]): { value: tf.Scalar; grads: tf.NamedTensorMap } {
  try {
    return tf.variableGrads(f, variables);
  } catch (error) {
    const engine = tf.engine() as unknown as TapeState;
    const tape = engine.state.activeTape;
    if (engine.state.gradientDepth === 0 && tape !== null) {
      // Stryker disable next-line ArrayDeclaration: equivalent: TF.js 4.22 gives every tape node a saved array (runKernelFunc, customGrad); the fallback is for other versions.
      for (const node of tape) for (const tensor of node.saved ?? []) tensor.dispose();
      engine.state.activeTape = null;
    }
    throw error;
  }
}
