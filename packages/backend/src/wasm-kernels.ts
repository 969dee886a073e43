import * as tf from '@tensorflow/tfjs-core';

/*
 * TF.js's wasm backend has no Conv2DBackpropFilter kernel (tfjs#8474), so the gradient of
 * every convolution's weights, and with it conv training and R1 through a CNN, throws
 * there. We register one built from kernels wasm does have: pad, strided slices gathered
 * into an im2col matrix, and one plain matMul (wasm's transposed matMul is ~10x slower
 * than an explicit transpose followed by a plain one).
 */

function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/**
 * The weight gradient of a 2-D convolution (NHWC, dilation 1), computed from ops: the
 * im2col matrix of the padded input, transposed, times the output gradient.
 */
export function conv2dFilterGradient(
  x: tf.Tensor4D,
  dy: tf.Tensor4D,
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: tf.Conv2DBackpropFilterAttrs['pad'],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(x.shape, filterShape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [strideHeight, strideWidth] = pair(strides);
  const [batch, , , inChannels] = x.shape;
  const [filterHeight, filterWidth, , outChannels] = filterShape;
  if (dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy must have shape [${batch}, ${info.outHeight}, ${info.outWidth}, ${outChannels}], got [${dy.shape.join(', ')}].`,
    );
  }
  return tf.tidy(() => {
    const { top, bottom, left, right } = info.padInfo;
    const padded = top + bottom + left + right === 0 ? x : tf.pad(x, [[0, 0], [top, bottom], [left, right], [0, 0]]);
    const rows = batch * info.outHeight * info.outWidth;
    const columns: tf.Tensor2D[] = [];
    for (let row = 0; row < filterHeight; row++) {
      for (let column = 0; column < filterWidth; column++) {
        const window = tf.stridedSlice(
          padded,
          [0, row, column, 0],
          [batch, row + (info.outHeight - 1) * strideHeight + 1, column + (info.outWidth - 1) * strideWidth + 1, inChannels],
          [1, strideHeight, strideWidth, 1],
        );
        columns.push(tf.reshape(window, [rows, inChannels]));
      }
    }
    const patches = columns.length === 1 ? (columns[0] as tf.Tensor2D) : tf.concat2d(columns, 1);
    const gradient = tf.matMul(tf.transpose(patches), tf.reshape(dy, [rows, outChannels]));
    return tf.reshape(gradient, filterShape);
  });
}

let registered = false;

/**
 * Elements an explicit transpose would move to compute op(a)·op(b) with one plain product,
 * for the two ways of doing so: (direct) transpose the flagged operands; (swapped) use
 * op(a)·op(b) = (op(b)ᵀ·op(a)ᵀ)ᵀ, which transposes the unflagged operands and the result.
 * Transposes cost far more than their size suggests on wasm (512×512 takes about 1.8 ms,
 * as long as the product it feeds), and a flagged operand is usually a weight matrix, so the
 * swapped form, which moves only the small activations, is often several times faster.
 */
export function transposeCosts(
  aShape: readonly number[],
  bShape: readonly number[],
  transposeA: boolean,
  transposeB: boolean,
): { direct: number; swapped: number } {
  const size = (shape: readonly number[]): number => shape.reduce((total, extent) => total * extent, 1);
  const rows = aShape[aShape.length - (transposeA ? 1 : 2)] as number;
  const columns = bShape[bShape.length - (transposeB ? 2 : 1)] as number;
  const batch = Math.max(size(aShape.slice(0, -2)), size(bShape.slice(0, -2)));
  return {
    direct: (transposeA ? size(aShape) : 0) + (transposeB ? size(bShape) : 0),
    swapped: (transposeA ? 0 : size(aShape)) + (transposeB ? 0 : size(bShape)) + batch * rows * columns,
  };
}

/**
 * Wraps wasm's BatchMatMul so that a product with a transpose flag becomes plain products
 * and explicit transposes. wasm sends flagged products to a slow path that is not XNNPACK:
 * 32×512 by 512×512 takes about 15-20 ms with a flag and about 0.5 ms without, and every
 * matMul gradient (first and second order) uses the flags. Of the two plain forms (see
 * {@link transposeCosts}) the one that moves fewer elements is used. The result differs
 * from the flagged path only in float32 summation order (tested against the cpu backend).
 */
function registerFastTransposedMatMul(): void {
  const original = tf.getKernel(tf.BatchMatMul, 'wasm');
  const transpose = tf.getKernel(tf.Transpose, 'wasm');
  if (original === undefined || transpose === undefined) return;
  const originalFunc = original.kernelFunc;
  const transposeFunc = transpose.kernelFunc;
  tf.unregisterKernel(tf.BatchMatMul, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { inputs, attrs, backend } = args;
      const { transposeA, transposeB } = attrs as unknown as tf.BatchMatMulAttrs;
      if (!transposeA && !transposeB) return originalFunc(args);
      const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const data = backend as unknown as { disposeData: (dataId: object) => void };
      const temporaries: tf.TensorInfo[] = [];
      const transposed = (x: tf.TensorInfo): tf.TensorInfo => {
        const perm = x.shape.map((_, axis) => axis);
        [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2] as number, perm[perm.length - 1] as number];
        return transposeFunc({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
      };
      const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
        const result = transposed(x);
        temporaries.push(result);
        return result;
      };
      const plain = { ...attrs, transposeA: false, transposeB: false };
      try {
        const costs = transposeCosts(a.shape, b.shape, transposeA, transposeB);
        if (costs.direct <= costs.swapped) {
          const left = transposeA ? swapLast(a) : a;
          const right = transposeB ? swapLast(b) : b;
          return originalFunc({ inputs: { a: left, b: right }, attrs: plain, backend });
        }
        const left = transposeB ? b : swapLast(b);
        const right = transposeA ? a : swapLast(a);
        const product = originalFunc({ inputs: { a: left, b: right }, attrs: plain, backend }) as tf.TensorInfo;
        temporaries.push(product);
        return transposed(product);
      } finally {
        for (const temporary of temporaries) data.disposeData(temporary.dataId);
      }
    },
  });
}

/**
 * Registers on the wasm backend the kernels Gantry's training steps need and TF.js lacks
 * there (Conv2DBackpropFilter), and a BatchMatMul that avoids wasm's slow transposed path.
 * Idempotent; registered by `selectBackend('wasm')`.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  registerFastTransposedMatMul();
  if (tf.getKernel(tf.Conv2DBackpropFilter, 'wasm') === undefined) {
    tf.registerKernel({
      kernelName: tf.Conv2DBackpropFilter,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs }) => {
        const { x, dy } = inputs as unknown as { x: tf.Tensor4D; dy: tf.Tensor4D };
        const { strides, pad, dataFormat, dimRoundingMode, filterShape } = attrs as unknown as tf.Conv2DBackpropFilterAttrs;
        if (dataFormat !== 'NHWC') {
          throw new Error(`Conv2DBackpropFilter (wasm): dataFormat must be 'NHWC', got '${dataFormat}'.`);
        }
        return conv2dFilterGradient(x, dy, filterShape, strides, pad, dimRoundingMode);
      },
    });
  }
}
