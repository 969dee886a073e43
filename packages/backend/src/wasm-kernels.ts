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
 * Wraps wasm's BatchMatMul so that a product with a transpose flag transposes explicitly
 * and then multiplies without flags. wasm sends flagged products to a slow path that is not
 * XNNPACK: 32×512 by 512×512 takes about 15-20 ms with a flag and about 1-2 ms without,
 * and every matMul gradient (first and second order) uses the flags. The result differs
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
      const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
        const perm = x.shape.map((_, axis) => axis);
        [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2] as number, perm[perm.length - 1] as number];
        return transposeFunc({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
      };
      const left = transposeA ? swapLast(a) : a;
      const right = transposeB ? swapLast(b) : b;
      try {
        return originalFunc({ inputs: { a: left, b: right }, attrs: { ...attrs, transposeA: false, transposeB: false }, backend });
      } finally {
        const data = backend as unknown as { disposeData: (dataId: object) => void };
        if (left !== a) data.disposeData(left.dataId);
        if (right !== b) data.disposeData(right.dataId);
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
