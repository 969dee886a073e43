import * as tf from '@tensorflow/tfjs-core';
import { InvalidArgumentError } from '@gantry/backend';

/**
 * A recorded kernel plan: the kernels one call of a function ran, in order, with what each
 * was given, so that a later call on new inputs can run the same kernels directly on the
 * backend, without TF.js's engine (no tape, scopes or tensor bookkeeping), freeing each
 * intermediate after its last use. On the small networks of the 2-D experiment the engine
 * takes about half of a step (benchmarks/step-plan.mjs), which a plan saves.
 *
 * A plan is valid only while the function is a fixed graph of its inputs and of the
 * variables' current values: every other tensor it reads (a scalar it creates, a tensor
 * from a closure) is copied when the plan is recorded and stays frozen. {@link recordPlan}
 * refuses a function that reads a tensor's values while it runs (its JavaScript could branch
 * on them); the trainer also checks each plan once against a real call before using it.
 */
export interface KernelPlan {
  /** How many kernels a run calls. */
  readonly kernels: number;
  /**
   * Runs the recorded kernels on `inputs` (the same shapes and dtypes, in the same order as
   * when recorded) and the variables' current values. Returns new tensors that the caller
   * disposes.
   */
  run(inputs: readonly tf.Tensor[]): tf.Tensor[];
  /** Frees the constants the plan holds. */
  dispose(): void;
}

/** What {@link recordPlan} returns: the function's outputs from a real call, and its plan, or why there is none. */
export interface PlanRecording {
  readonly outputs: tf.Tensor[];
  readonly plan: KernelPlan | null;
  /** Why no plan was made, when `plan` is null. */
  readonly refused: string | null;
}

type DataId = object;
type Source = { readonly kind: 'input'; readonly index: number } | { readonly kind: 'variable'; readonly variable: tf.Variable } | { readonly kind: 'constant'; readonly info: tf.TensorInfo } | { readonly kind: 'value'; readonly index: number };
type KernelFunc = (args: { inputs: unknown; backend: tf.KernelBackend; attrs?: unknown }) => tf.TensorInfo | tf.TensorInfo[];

interface RecordedKernel {
  readonly kernelFunc: KernelFunc;
  /** Input names (or positions, for Concat, AddN, Pack) with their source, shape and dtype. */
  readonly inputs: readonly (readonly [string, Source | null, readonly number[], tf.DataType])[];
  readonly listed: boolean;
  readonly attrs: unknown;
  readonly outputs: readonly number[];
  readonly many: boolean;
  /**
   * A kernel written with TF.js ops (Gantry's wasm convolution gradients): it takes tensors
   * and returns one, so a replay hands it tensors and keeps what it returns.
   */
  readonly composite: boolean;
}

interface Recorder {
  record(kernelFunc: KernelFunc, args: { inputs: unknown; attrs?: unknown }, out: tf.TensorInfo | tf.TensorInfo[]): void;
}

let recorder: Recorder | null = null;
let depth = 0;
const wrappers = new WeakSet<object>();

/**
 * Wraps every kernel registered for the backend so that, while a recording is on, each
 * outermost call is recorded (a kernel that runs others through the engine is recorded once,
 * with them). Kernels registered since the last call are wrapped too.
 */
function wrapKernels(backendName: string): void {
  for (const config of tf.getKernelsForBackend(backendName)) {
    if (wrappers.has(config.kernelFunc)) continue;
    const original = config.kernelFunc as unknown as KernelFunc;
    const kernelFunc = (args: { inputs: unknown; backend: tf.KernelBackend; attrs?: unknown }): tf.TensorInfo | tf.TensorInfo[] => {
      if (recorder === null || depth > 0) return original(args);
      depth += 1;
      let out: tf.TensorInfo | tf.TensorInfo[];
      try {
        out = original(args);
      } finally {
        depth -= 1;
      }
      recorder.record(original, args, out);
      return out;
    };
    wrappers.add(kernelFunc);
    tf.unregisterKernel(config.kernelName, backendName);
    tf.registerKernel({ ...config, kernelFunc: kernelFunc as unknown as tf.KernelFunc });
  }
}

function entriesOf(inputs: unknown): [string, tf.TensorInfo | null | undefined][] {
  return Object.entries(inputs as Record<string, tf.TensorInfo | null | undefined>);
}

/**
 * Calls `fn(inputs)` for real and records the kernels it runs. `variables` are read at their
 * current values on every {@link KernelPlan.run}; the inputs are the run's arguments; any other
 * tensor the kernels read is copied now and frozen in the plan. `fn` must not dispose its
 * inputs. The plan is refused (null, with the reason) when `fn` reads a tensor's values,
 * returns a tensor no kernel made from these sources, or uses a string tensor.
 */
export function recordPlan(fn: (inputs: readonly tf.Tensor[]) => tf.Tensor[], inputs: readonly tf.Tensor[], variables: readonly tf.Variable[]): PlanRecording {
  const backend = tf.backend();
  const backendName = tf.getBackend();
  wrapKernels(backendName);
  const kernels: RecordedKernel[] = [];
  const produced = new Map<DataId, number>();
  const externals = new Map<DataId, Source>();
  // Stryker disable next-line ArrayDeclaration: equivalent: free() would dispose the dataId of the mutant's string, undefined, which no backend holds
  const constants: tf.TensorInfo[] = [];
  const inputIds = new Map<DataId, number>(inputs.map((tensor, index) => [tensor.dataId, index]));
  const variableIds = new Map<DataId, tf.Variable>(variables.map((variable) => [variable.dataId, variable]));
  let valueCount = 0;
  let refused: string | null = null;
  let copying = false;

  const free = (): void => {
    for (const constant of constants) backend.disposeData(constant.dataId);
    constants.length = 0;
  };
  /** Where data comes from, if known: a kernel of the recording, an input, a variable, a copied constant. */
  const knownSource = (dataId: DataId): Source | undefined => {
    const index = produced.get(dataId);
    if (index !== undefined) return { kind: 'value', index };
    const input = inputIds.get(dataId);
    if (input !== undefined) return { kind: 'input', index: input };
    const variable = variableIds.get(dataId);
    if (variable !== undefined) return { kind: 'variable', variable };
    return externals.get(dataId);
  };
  // A kernel input from nowhere known is copied now, as a constant of the plan.
  const sourceOf = (info: tf.TensorInfo): Source | null => {
    const known = knownSource(info.dataId);
    if (known !== undefined) return known;
    let source: Source;
    if (info.dtype === 'string' || info.dtype === 'complex64') {
      refused ??= `a kernel reads a ${info.dtype} tensor, which a plan cannot copy`;
      return null;
    } else {
      copying = true;
      const values = (backend.readSync(info.dataId) as tf.TypedArray).slice();
      copying = false;
      const constant: tf.TensorInfo = {
        dataId: backend.write(values, [...info.shape], info.dtype),
        // Stryker disable next-line ArrayDeclaration: equivalent: a constant's own shape is never read, a replay hands each reader its recorded shape
        shape: [...info.shape],
        dtype: info.dtype,
      };
      constants.push(constant);
      source = { kind: 'constant', info: constant };
    }
    externals.set(info.dataId, source);
    return source;
  };

  // A read while recording means JavaScript may decide on values a plan would freeze.
  const readSync = backend.readSync.bind(backend);
  const read = backend.read.bind(backend);
  const flagRead = (): void => {
    // A kernel may read its own inputs (wasm's Slice does); only reads outside kernels count.
    if (!copying && depth === 0) refused ??= 'the function reads tensor values while it runs (turn value checks off with setValueChecks(false))';
  };
  backend.readSync = (dataId: DataId) => {
    flagRead();
    return readSync(dataId);
  };
  backend.read = (dataId: DataId) => {
    flagRead();
    return read(dataId);
  };

  let outputs: tf.Tensor[];
  recorder = {
    record(kernelFunc, args, out) {
      const listed = Array.isArray(args.inputs);
      const recordedInputs = entriesOf(args.inputs).map(([key, info]) => [key, info == null ? null : sourceOf(info), info == null ? [] : [...info.shape], info == null ? 'float32' : info.dtype] as const);
      const infos = Array.isArray(out) ? out : [out];
      // A kernel that hands back its input's own data (Reshape; wasm's Identity and
      // same-dtype Cast) does nothing a replay needs: each reader gets the data with the
      // shape it was given when recorded. About 200 of the 4 × 128 step's 890 kernels.
      // A kernel with no outputs (Unpack of an empty axis) makes nothing either.
      const inputIds = new Set<DataId>();
      for (const [, info] of entriesOf(args.inputs)) if (info != null) inputIds.add(info.dataId);
      if (infos.every((info) => inputIds.has(info.dataId) && !(info instanceof tf.Tensor))) return;
      const indices = infos.map((info) => {
        const index = valueCount++;
        produced.set(info.dataId, index);
        return index;
      });
      const composite = infos.some((info) => info instanceof tf.Tensor);
      kernels.push({ kernelFunc, inputs: recordedInputs, listed, attrs: args.attrs, outputs: indices, many: Array.isArray(out), composite });
    },
  };
  try {
    outputs = fn(inputs);
  } catch (error) {
    free();
    throw error;
  } finally {
    recorder = null;
    depth = 0;
    backend.readSync = readSync;
    backend.read = read;
  }
  // An output may also be an input, a variable or a constant that no kernel touched.
  const outputSources = outputs.map((tensor) => knownSource(tensor.dataId));
  if (refused === null && outputSources.some((source) => source === undefined)) refused = 'an output was made by no kernel from the inputs, the variables or the constants';
  if (refused !== null) {
    free();
    return { outputs, plan: null, refused };
  }

  // Each produced value is freed after the last kernel that reads it, unless it is an output.
  const keep = new Set<number>();
  for (const source of outputSources as Source[]) if (source.kind === 'value') keep.add(source.index);
  const lastUse = new Map<number, number>();
  kernels.forEach((kernel, position) => {
    for (const [, source] of kernel.inputs) if (source?.kind === 'value') lastUse.set(source.index, position);
  });
  // What each kernel's replay does besides calling it, worked out once: which outputs stay
  // live, and which values it is the last reader of (each once, however often it reads one).
  const steps = kernels.map((kernel, position) => ({
    kernel,
    keepOutput: kernel.outputs.map((index) => lastUse.has(index) || keep.has(index)),
    frees: [...new Set(kernel.inputs.flatMap(([, source]) => (source?.kind === 'value' && lastUse.get(source.index) === position && !keep.has(source.index) ? [source.index] : [])))],
  }));
  const outputLayouts = outputs.map((tensor) => ({ shape: [...tensor.shape], dtype: tensor.dtype }));
  const shapes = inputs.map((tensor) => tensor.shape.join(','));
  const dtypes = inputs.map((tensor) => tensor.dtype);
  const engine = tf.engine();

  return {
    outputs,
    refused: null,
    plan: {
      kernels: kernels.length,
      run(runInputs) {
        if (tf.backend() !== backend) throw new InvalidArgumentError('KernelPlan.run', 'the active backend', `the backend the plan was recorded on (${backendName})`, tf.getBackend());
        if (runInputs.length !== shapes.length || runInputs.some((tensor, index) => tensor.shape.join(',') !== shapes[index] || tensor.dtype !== dtypes[index])) {
          const describe = (list: readonly string[], types: readonly string[]): string => `[${list.map((shape, index) => `${types[index]} [${shape}]`).join(', ')}]`;
          throw new InvalidArgumentError('KernelPlan.run', 'inputs', `the recorded shapes and dtypes ${describe(shapes, dtypes)}`, describe(runInputs.map((tensor) => tensor.shape.join(',')), runInputs.map((tensor) => tensor.dtype)));
        }
        // Stryker disable next-line ArrayDeclaration: equivalent: a JavaScript array grows as values are stored in it
        const live: (tf.TensorInfo | undefined)[] = new Array<tf.TensorInfo | undefined>(valueCount);
        const release = (info: tf.TensorInfo): void => {
          if (info instanceof tf.Tensor) info.dispose();
          else backend.disposeData(info.dataId);
        };
        const resolve = (source: Source): tf.TensorInfo => {
          switch (source.kind) {
            case 'input':
              return runInputs[source.index] as tf.Tensor;
            case 'variable':
              return source.variable;
            case 'constant':
              return source.info;
            case 'value':
              return live[source.index] as tf.TensorInfo;
          }
        };
        // Kernels that run others through the engine make tensors that tidy frees.
        tf.tidy(() => {
          for (const { kernel, keepOutput, frees } of steps) {
            // Stryker disable next-line ArrayDeclaration: equivalent: a listed kernel's recorded inputs set every index from 0, over the mutant's one element
            const args: Record<string, tf.TensorInfo | null> | (tf.TensorInfo | null)[] = kernel.listed ? [] : {};
            const lent: tf.Tensor[] = [];
            for (const [key, source, shape, dtype] of kernel.inputs) {
              // The recorded shape array itself: kernels read their inputs' shapes, never write them.
              let info: tf.TensorInfo | null = source === null ? null : { dataId: resolve(source).dataId, shape: shape as number[], dtype };
              if (info !== null && kernel.composite) {
                backend.incRef(info.dataId);
                const tensor = engine.makeTensorFromTensorInfo(info, backend);
                lent.push(tensor);
                info = tensor;
              }
              (args as Record<string, tf.TensorInfo | null>)[key] = info;
            }
            const out = kernel.kernelFunc({ inputs: args, attrs: kernel.attrs, backend });
            const infos = kernel.many ? (out as tf.TensorInfo[]) : [out as tf.TensorInfo];
            for (const tensor of lent) tensor.dispose();
            kernel.outputs.forEach((index, k) => {
              const info = infos[k] as tf.TensorInfo;
              // Stryker disable next-line ConditionalExpression: equivalent for its true mutant: tf.keep of a plain TensorInfo marks nothing the engine tracks
              if (info instanceof tf.Tensor) tf.keep(info);
              if (keepOutput[k] === true) live[index] = info;
              else release(info);
            });
            for (const index of frees) {
              release(live[index] as tf.TensorInfo);
              live[index] = undefined;
            }
          }
        });
        // Each output gets its own reference (one kernel output can be two outputs of the
        // function; an input, variable or constant keeps its own); then the plan lets go.
        const handed = (outputSources as Source[]).map((source, position) => {
          const info = resolve(source);
          backend.incRef(info.dataId);
          // The recorded output's own shape: a Reshape shares its input's data, so the kernel
          // that last wrote this data may have given it another shape.
          const { shape, dtype } = outputLayouts[position] as { shape: number[]; dtype: tf.DataType };
          return engine.makeTensorFromTensorInfo({ dataId: info.dataId, shape: [...shape], dtype }, backend);
        });
        for (const info of live) if (info !== undefined) release(info);
        return handed;
      },
      dispose: free,
    },
  };
}
