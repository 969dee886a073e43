import * as tf from '@tensorflow/tfjs-core';
import { AdamUpdate, adamUpdateWasm } from './adam-kernel.js';
import { registerElementwiseKernels } from './elementwise-kernels.js';
import { gemmBatchMatMul } from './gemm-kernel.js';

/*
 * TF.js's wasm backend has no Conv2DBackpropFilter kernel (tfjs#8474), so the gradient of
 * every convolution's weights, and with it conv training and R1 through a CNN, throws
 * there. We register one built from kernels wasm does have, XNNPACK's convolution among
 * them (see conv2dFilterGradient).
 */

function pair(value: number | [number, number]): [number, number] {
  return typeof value === 'number' ? [value, value] : value;
}

/**
 * The weight gradient of a 2-D convolution (NHWC, dilation 1): dW[i, j, c, o] =
 * Σ_{b, h, w} x̃[b, h·s + i, w·s + j, c]·dy[b, h, w, o], x̃ the padded input. That sum is
 * itself a convolution, of x̃ with its batch and channel axes swapped ([c, H, W, b]) by dy
 * read as a filter ([h, w, b, o]) dilated by the stride, so XNNPACK computes it. On the
 * MNIST discriminator's second layer (32×14×14×64 → 4×4×64×128) this takes 28 ms, against
 * 319 ms for the im2col product it replaced (strided slices are slow on wasm).
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
  const [batch] = x.shape;
  const [filterHeight, filterWidth, , outChannels] = filterShape;
  if (dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `Conv2DBackpropFilter (wasm): dy must have shape [${batch}, ${info.outHeight}, ${info.outWidth}, ${outChannels}], got [${dy.shape.join(', ')}].`,
    );
  }
  const [, , inChannels] = filterShape;
  if (filterHeight * filterWidth * inChannels <= outChannels) {
    // Few patch entries (MNIST's first layer: 16): the correlation below would run on a
    // batch of inChannels with a 4×4 output, which XNNPACK cannot spread (6.6 ms for a
    // 64×28×28×1 input); patches and one product take 1.1 ms.
    return tf.tidy(() => {
      const patches = tf.reshape(tf.conv2d(x, oneHotTaps(filterHeight, filterWidth, inChannels), strides, pad, 'NHWC', 1, dimRoundingMode), [-1, filterHeight * filterWidth * inChannels]);
      return tf.reshape(tf.matMul(patches, tf.reshape(dy, [-1, outChannels]), true, false), filterShape);
    });
  }
  return tf.tidy(() => {
    const { top, bottom, left, right } = info.padInfo;
    // The convolution pads (XNNPACK reads zeros for rows outside the input), so the transpose
    // moves only the unpadded input: a PadV2 before it cost as much again on MNIST's layers.
    const explicit: tf.Conv2DBackpropFilterAttrs['pad'] = [[0, 0], [top, bottom], [left, right], [0, 0]];
    const correlation = tf.conv2d(tf.transpose(x, [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, explicit, 'NHWC', pair(strides));
    // Rows or columns of the input that no output reads (a 'valid' convolution whose stride
    // does not divide the input) make the correlation larger than the filter.
    const [, height, width] = correlation.shape;
    const cropped = height === filterHeight && width === filterWidth ? correlation : tf.slice(correlation, [0, 0, 0, 0], [-1, filterHeight, filterWidth, -1]);
    return tf.transpose(cropped, [1, 2, 0, 3]);
  });
}

/**
 * The filter [kh, kw, c, kh·kw·c] with a 1 at [i, j, c', (i·kw + j)·c + c'] and 0 elsewhere:
 * convolving with it lays out each output position's patch (im2col), and its transposed
 * convolution adds patches back into place (col2im).
 */
function oneHotTaps(filterHeight: number, filterWidth: number, inChannels: number): tf.Tensor4D {
  const size = filterHeight * filterWidth * inChannels;
  const values = new Float32Array(size * size);
  for (let k = 0; k < size; k++) values[k * size + k] = 1;
  return tf.tensor4d(values, [filterHeight, filterWidth, inChannels, size]);
}

/** One phase along one axis: its taps of the filter, last first, and the padding of dy. */
interface AxisPhase {
  /** Filter rows (or columns) in the order the phase's convolution reads them. */
  readonly taps: number[];
  /** Zero rows above dy (negative: rows of dy dropped). */
  readonly before: number;
  /** Zero rows below dy (negative: rows of dy dropped). */
  readonly after: number;
}

/**
 * Output position y (unpadded) with y mod s = r reads dy[h] through filter tap u exactly
 * when h·s + u = y + pad: the taps u ≡ r + pad (mod s). Writing y = s·q + r, phase r's
 * output q is a stride-1 correlation of dy with those taps, flipped, once dy is padded so
 * that its rows line up with q = 0, 1, ..., outputs − 1.
 */
function axisPhases(size: number, filterSize: number, stride: number, pad: number, dyLength: number): AxisPhase[] {
  const outputs = Math.ceil(size / stride);
  return Array.from({ length: stride }, (_, phase) => {
    const first = (phase + pad) % stride;
    const count = Math.max(0, Math.ceil((filterSize - first) / stride));
    // out[q] = Σ_m dy[q + shift − m]·W[first + s·m], shift = (phase + pad − first)/s.
    const shift = (phase + pad - first) / stride;
    const before = count - 1 - shift;
    return {
      taps: Array.from({ length: count }, (_, a) => first + stride * (count - 1 - a)),
      before,
      after: outputs + count - 1 - before - dyLength,
    };
  });
}

/**
 * The input gradient of a 2-D convolution (NHWC, dilation 1), which is also the transposed
 * convolution: dx[b, y, x, c] = Σ dy[b, h, w, o]·W[i, j, c, o] over h·s + i = y + top,
 * w·s' + j = x + left. Split by the phase (y mod s, x mod s'), each phase is a stride-1
 * convolution of dy with that phase's filter taps, flipped, so XNNPACK computes every one
 * and no multiplication by an inserted zero is done; the phases are then interleaved. The
 * phase filters are gathered on the host (wasm's slice, gather and reverse kernels are
 * slow). wasm's own kernel is a plain loop: on the MNIST generator's 7×7×128 → 14×14×64
 * layer it takes 188 ms, this 20-22 ms. With one input channel wasm's own is faster (see
 * PHASED_INPUT_GRADIENT_MIN_CHANNELS), and registerWasmKernels keeps it for that case.
 */
export function conv2dInputGradient(
  dy: tf.Tensor4D,
  filter: tf.Tensor4D,
  inputShape: [number, number, number, number],
  strides: number | [number, number],
  pad: tf.Conv2DBackpropInputAttrs['pad'],
  dimRoundingMode?: 'floor' | 'round' | 'ceil',
): tf.Tensor4D {
  const info = tf.backend_util.computeConv2DInfo(inputShape, filter.shape, strides, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [batch, height, width, inChannels] = inputShape;
  const [filterHeight, filterWidth, filterIn, outChannels] = filter.shape;
  if (filterIn !== inChannels || dy.shape[0] !== batch || dy.shape[1] !== info.outHeight || dy.shape[2] !== info.outWidth || dy.shape[3] !== outChannels) {
    throw new Error(
      `Conv2DBackpropInput (wasm): dy must have shape [${batch}, ${info.outHeight}, ${info.outWidth}, ${outChannels}] and the filter ${inChannels} input channels, got dy [${dy.shape.join(', ')}] and filter [${filter.shape.join(', ')}].`,
    );
  }
  const { strideHeight, strideWidth } = info;
  const rowPhases = axisPhases(height, filterHeight, strideHeight, info.padInfo.top, info.outHeight);
  const columnPhases = axisPhases(width, filterWidth, strideWidth, info.padInfo.left, info.outWidth);
  const rows = Math.ceil(height / strideHeight);
  const columns = Math.ceil(width / strideWidth);
  const weights = filter.dataSync() as Float32Array;
  return tf.tidy(() => {
    const phase = (rowPhase: AxisPhase, columnPhase: AxisPhase): tf.Tensor4D | undefined => {
      const tapsHigh = rowPhase.taps.length;
      const tapsWide = columnPhase.taps.length;
      if (tapsHigh === 0 || tapsWide === 0) return undefined;
      // [tapsHigh, tapsWide, out, in]: the taps, flipped, with the channel axes swapped.
      const taps = new Float32Array(tapsHigh * tapsWide * outChannels * inChannels);
      let index = 0;
      for (const i of rowPhase.taps) {
        for (const j of columnPhase.taps) {
          const base = (i * filterWidth + j) * inChannels * outChannels;
          for (let o = 0; o < outChannels; o++) {
            for (let c = 0; c < inChannels; c++) taps[index++] = weights[base + c * outChannels + o] as number;
          }
        }
      }
      const kernel = tf.tensor4d(taps, [tapsHigh, tapsWide, outChannels, inChannels]);
      const [top, bottom, left, right] = [rowPhase.before, rowPhase.after, columnPhase.before, columnPhase.after];
      // Rows of dy that no output of this phase reads (rare: large padding or a 'valid' tail).
      const cropped =
        top < 0 || bottom < 0 || left < 0 || right < 0
          ? tf.slice(dy, [0, Math.max(-top, 0), Math.max(-left, 0), 0], [batch, dy.shape[1] - Math.max(-top, 0) - Math.max(-bottom, 0), dy.shape[2] - Math.max(-left, 0) - Math.max(-right, 0), outChannels])
          : dy;
      // Padding by the convolution itself rather than a PadV2 of dy: 20 pads of 0.2 ms each
      // in an MNIST step.
      const explicit: tf.Conv2DBackpropInputAttrs['pad'] = [[0, 0], [Math.max(top, 0), Math.max(bottom, 0)], [Math.max(left, 0), Math.max(right, 0)], [0, 0]];
      return tf.conv2d(cropped, kernel, 1, explicit);
    };
    const interleavedRows: tf.Tensor4D[] = rowPhases.map((rowPhase) => {
      const phases = columnPhases.map((columnPhase) => phase(rowPhase, columnPhase) ?? tf.zeros([batch, rows, columns, inChannels]));
      // [b, rows, columns, phase, c] read row-major is [b, rows, columns·s', c], interleaved.
      return strideWidth === 1 ? (phases[0] as tf.Tensor4D) : tf.reshape(tf.stack(phases, 3), [batch, rows, columns * strideWidth, inChannels]);
    });
    const full = strideHeight === 1 ? (interleavedRows[0] as tf.Tensor4D) : tf.reshape(tf.stack(interleavedRows, 2), [batch, rows * strideHeight, columns * strideWidth, inChannels]);
    // Sizes that the stride does not divide leave a partial last phase row to drop.
    return full.shape[1] === height && full.shape[2] === width ? full : tf.slice(full, [0, 0, 0, 0], [batch, height, width, inChannels]);
  }) as tf.Tensor4D;
}

/**
 * Input channels from which conv2dInputGradient beats wasm's own Conv2DBackpropInput.
 * Measured for 32×14×14×64 → 32×28×28×c (stride 2, 4×4): 1 channel, 4-6 ms wasm against
 * 13 ms by phases; 2 channels, 8.5 against 5.3 ms; 4 channels, 16-22 against 5-12 ms. For
 * 7×7×128 → 14×14×64: 188 ms against 20-22 ms.
 */
const PHASED_INPUT_GRADIENT_MIN_CHANNELS = 2;

function registerPhasedInputGradient(): void {
  const original = tf.getKernel(tf.Conv2DBackpropInput, 'wasm');
  if (original === undefined) return;
  const originalFunc = original.kernelFunc;
  tf.unregisterKernel(tf.Conv2DBackpropInput, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { dy, filter } = args.inputs as unknown as { dy: tf.Tensor4D; filter: tf.Tensor4D };
      const { strides, pad, dataFormat, dimRoundingMode, inputShape } = args.attrs as unknown as tf.Conv2DBackpropInputAttrs;
      const channels = inputShape[3] as number;
      if (dataFormat !== 'NHWC') return originalFunc(args);
      if (channels < PHASED_INPUT_GRADIENT_MIN_CHANNELS) {
        const [filterHeight, filterWidth, , outChannels] = filter.shape;
        const taps = filterHeight * filterWidth * channels;
        if (taps >= outChannels) return originalFunc(args);
        // wasm's own kernel is a loop whose time grows with dy's channels: one product brings
        // them down to the patch size first (MNIST's generator output, 64 → 16: 4.0 → 1.3 ms),
        // and its col2im comes back here with taps = outChannels, so to wasm's own kernel.
        return tf.tidy(() => {
          const columns = tf.matMul(tf.reshape(dy, [-1, outChannels]), tf.reshape(filter, [taps, outChannels]), false, true);
          const [batch, outHeight, outWidth] = dy.shape;
          return tf.conv2dTranspose(tf.reshape(columns, [batch, outHeight, outWidth, taps]) as tf.Tensor4D, oneHotTaps(filterHeight, filterWidth, channels), inputShape as [number, number, number, number], strides, pad, dimRoundingMode);
        });
      }
      return conv2dInputGradient(dy, filter, inputShape as [number, number, number, number], strides, pad, dimRoundingMode);
    },
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
      const { a, b } = inputs as unknown as { a: tf.TensorInfo; b: tf.TensorInfo };
      const swapped = (x: tf.TensorInfo): tf.TensorInfo => {
        const perm = x.shape.map((_, axis) => axis);
        [perm[perm.length - 1], perm[perm.length - 2]] = [perm[perm.length - 2] as number, perm[perm.length - 1] as number];
        return transposeFunc({ inputs: { x }, attrs: { perm }, backend }) as tf.TensorInfo;
      };
      const product = gemmBatchMatMul(a, b, transposeA, transposeB, backend, swapped);
      if (product !== null) return product;
      if (!transposeA && !transposeB) return originalFunc(args);
      const data = backend as unknown as { disposeData: (dataId: object) => void };
      const temporaries: tf.TensorInfo[] = [];
      const swapLast = (x: tf.TensorInfo): tf.TensorInfo => {
        const result = swapped(x);
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
        return swapped(product);
      } finally {
        for (const temporary of temporaries) data.disposeData(temporary.dataId);
      }
    },
  });
}

/**
 * wasm's Identity, and its Cast to the dtype a tensor already has, copy the data into a
 * new buffer. TF.js tensors are immutable, and cpu and webgl share the data by reference
 * count instead; so do these. Every Multiply gradient casts both inputs to float32, and
 * every `where` clones its operands through broadcastTo: about 300 copies (and as many
 * allocations) in one VCAGAN step at 4 × 128. Strings keep wasm's own kernels. Casting
 * numbers to bool is also fixed: wasm's kernel stores each value in a byte (−2 became 254,
 * 0.5 became 0); cpu's x ≠ 0 is what every other backend gives.
 */
/** The parts of wasm's backend object that kernels use to write their outputs. */
interface WasmHeap {
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  typedArrayFromHeap(info: tf.TensorInfo): Float32Array | Int32Array | Uint8Array;
}

function registerSharingIdentityAndCast(): void {
  const identity = tf.getKernel(tf.Identity, 'wasm');
  const cast = tf.getKernel(tf.Cast, 'wasm');
  if (identity === undefined || cast === undefined) return;
  const share = (x: tf.TensorInfo, backend: unknown): tf.TensorInfo => {
    (backend as { incRef: (dataId: object) => void }).incRef(x.dataId);
    return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
  };
  tf.unregisterKernel(tf.Identity, 'wasm');
  tf.registerKernel({
    ...identity,
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      return x.dtype === 'string' ? identity.kernelFunc(args) : share(x, args.backend);
    },
  });
  tf.unregisterKernel(tf.Cast, 'wasm');
  tf.registerKernel({
    ...cast,
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      const { dtype } = args.attrs as unknown as tf.CastAttrs;
      if (x.dtype === dtype && dtype !== 'string') return share(x, args.backend);
      if (dtype === 'bool' && x.dtype !== 'string') {
        const backend = args.backend as unknown as WasmHeap;
        const out = backend.makeOutput(x.shape, 'bool');
        const values = backend.typedArrayFromHeap(x);
        const flags = backend.typedArrayFromHeap(out);
        for (let i = 0; i < values.length; i++) flags[i] = values[i] !== 0 ? 1 : 0;
        return out;
      }
      return cast.kernelFunc(args);
    },
  });
}

/**
 * wasm's LeakyRelu is a plain loop (2.5 ms on a 32 × 14 × 14 × 64 activation); x · step(x, α)
 * computes its bits (x·1 or x·α in float32, NaN and ±0 included) from wasm's Step and
 * Multiply kernels in 0.16-0.24 ms.
 */
function registerFastLeakyRelu(): void {
  const original = tf.getKernel(tf.LeakyRelu, 'wasm');
  const step = tf.getKernel(tf.Step, 'wasm');
  const multiply = tf.getKernel(tf.Multiply, 'wasm');
  if (original === undefined || step === undefined || multiply === undefined) return;
  tf.unregisterKernel(tf.LeakyRelu, 'wasm');
  tf.registerKernel({
    ...original,
    kernelFunc: (args) => {
      const { x } = args.inputs as unknown as { x: tf.TensorInfo };
      if (x.dtype !== 'float32') return original.kernelFunc(args);
      const { alpha } = args.attrs as unknown as tf.LeakyReluAttrs;
      const slope = step.kernelFunc({ inputs: { x }, attrs: { alpha }, backend: args.backend }) as tf.TensorInfo;
      try {
        return multiply.kernelFunc({ inputs: { a: x, b: slope }, attrs: {}, backend: args.backend });
      } finally {
        (args.backend as tf.KernelBackend).disposeData(slope.dataId);
      }
    },
  });
}

/**
 * Registers on the wasm backend the kernels Gantry's training steps need and TF.js lacks
 * there (Conv2DBackpropFilter), and faster ones that give the same bits as wasm's own: a
 * BatchMatMul on Gantry's product (no XNNPACK operator built per new right-hand tensor, no
 * slow transposed path, batches that broadcast on both sides right), Add, Sub, Multiply,
 * RealDiv and a Sum over leading axes without XNNPACK's per-call set-up, a Conv2DBackpropInput
 * (also the transposed convolution) on XNNPACK for two or more input channels, an Identity and
 * same-dtype Cast that share data rather than copy it, a LeakyRelu from Step and Multiply, and
 * Gantry's fused Adam update ({@link AdamUpdate}). Idempotent; registered by
 * `selectBackend('wasm')`.
 */
export function registerWasmKernels(): void {
  if (registered) return;
  registered = true;
  registerFastTransposedMatMul();
  registerSharingIdentityAndCast();
  registerPhasedInputGradient();
  registerElementwiseKernels();
  registerFastLeakyRelu();
  if (tf.getKernel(AdamUpdate, 'wasm') === undefined) tf.registerKernel({ kernelName: AdamUpdate, backendName: 'wasm', kernelFunc: adamUpdateWasm as unknown as tf.KernelFunc });
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
