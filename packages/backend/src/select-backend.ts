import * as tf from '@tensorflow/tfjs-core';
import { describeError, ensureGradientsRegistered, platform, type BackendCandidate, type Platform, type WasmModule } from './platform.js';
import { registerWasmKernels } from './wasm-kernels.js';

/** The backends Gantry can train on. */
export type BackendName = 'tensorflow' | 'webgpu' | 'wasm' | 'webgl' | 'cpu';

/** What {@link selectBackend} accepts: a backend by name, or `'auto'`. */
export type BackendRequest = BackendName | 'auto';

/** Every backend name, in the order `'auto'` tries them (GPU, native CPU, wasm, cpu). */
export const BACKEND_NAMES: readonly BackendName[] = ['tensorflow', 'webgpu', 'webgl', 'wasm', 'cpu'];

/** A backend `'auto'` passed over, and why. */
export interface SkippedBackend {
  readonly backend: BackendName;
  readonly reason: string;
}

/** The outcome of {@link selectBackend}. */
export interface BackendSelection {
  /** Gantry's name of the backend now active. */
  readonly backend: BackendName;
  /** TF.js's name of it (`tf.getBackend()`). */
  readonly tfBackend: string;
  /** The package that provided it; null when it was registered before Gantry looked. */
  readonly packageName: string | null;
  /** Why this one: its kind (GPU, native CPU, ...) and how it was chosen. */
  readonly reason: string;
  /** With `'auto'`: each better backend that was passed over, and why. Empty otherwise. */
  readonly skipped: readonly SkippedBackend[];
  /** The wasm backend's XNNPACK threads; null for the other backends (they manage their own), or where Gantry cannot reach the wasm module (a browser app without `importModule`). */
  readonly threads: number | null;
}

/** Options of {@link selectBackend}. */
export interface SelectBackendOptions {
  /**
   * Loads a package by name. Defaults to the platform's dynamic `import` in Node. In a
   * bundled browser app, pass `(name) => import(...)` for the backends you ship, or import
   * the backend package yourself before calling: a registered backend is used as it is.
   */
  readonly importModule?: (specifier: string) => Promise<unknown>;
  /**
   * Threads for the wasm backend's products and convolutions (XNNPACK's pool); only with
   * `'wasm'` or `'auto'`, and only before the wasm backend first starts in this process.
   * Default: TF.js's choice, which is 1 in Node. In Node, more than 1 starts TF.js's threaded
   * SIMD build, which TF.js itself offers only in browsers. The numbers do not change: each
   * output element is computed by one thread, in the same order (a test compares training
   * bit for bit). Worth it where products are large (the 4 × 512 and MNIST steps); on small
   * ones waking the second thread costs more than it saves (docs/benchmarks.md).
   */
  readonly threads?: number;
}

/** Thrown when a backend asked for by name cannot be loaded or initialised here. */
export class BackendUnavailableError extends Error {
  override readonly name = 'BackendUnavailableError';
  constructor(
    /** The backend asked for. */
    readonly backend: BackendName,
    /** The packages that would provide it. */
    readonly packages: readonly string[],
    /** The command that installs them. */
    readonly installCommand: string,
    /** What went wrong, one line per package tried. */
    readonly reason: string,
  ) {
    super(
      `selectBackend('${backend}'): backend '${backend}' is not available. ${reason}` +
        (installCommand === '' ? '' : ` Install it with: ${installCommand}`),
    );
  }
}

const TFJS_RANGE = '~4.22.0';

/** The install command for one of several alternative packages. */
function installCommandFor(alternatives: readonly string[]): string {
  return alternatives.map((name) => `npm install ${name.startsWith('@tensorflow/') ? `${name}@${TFJS_RANGE}` : name}`).join(' or ');
}

interface NavigatorWithGpu {
  gpu?: { requestAdapter: () => Promise<unknown> };
}

async function browserWebGpuProbe(): Promise<string | null> {
  const gpu = (globalThis as { navigator?: NavigatorWithGpu }).navigator?.gpu;
  if (gpu === undefined) return 'navigator.gpu is undefined: this browser does not expose WebGPU';
  const adapter = await gpu.requestAdapter();
  return adapter === null ? 'navigator.gpu.requestAdapter() returned null: no WebGPU adapter' : null;
}

async function webglProbe(current: Platform): Promise<string | null> {
  if (current.name === 'node') return 'WebGL needs a browser; Node has no WebGL context';
  const scope = globalThis as { OffscreenCanvas?: new (w: number, h: number) => { getContext: (kind: string) => unknown }; document?: { createElement: (tag: string) => { getContext: (kind: string) => unknown } } };
  const canvas = scope.OffscreenCanvas !== undefined ? new scope.OffscreenCanvas(1, 1) : scope.document?.createElement('canvas');
  if (canvas === undefined) return 'neither OffscreenCanvas nor document is available';
  const context = canvas.getContext('webgl2') ?? canvas.getContext('webgl');
  return context == null ? 'no WebGL context could be created' : null;
}

const BASE_CANDIDATES: readonly BackendCandidate[] = [
  {
    name: 'webgpu',
    tfBackend: 'webgpu',
    tier: 'gpu',
    packages: ['@tensorflow/tfjs-backend-webgpu'],
    probe: browserWebGpuProbe,
    description: 'GPU through WebGPU',
  },
  {
    name: 'webgl',
    tfBackend: 'webgl',
    tier: 'gpu',
    packages: ['@tensorflow/tfjs-backend-webgl'],
    probe: webglProbe,
    description: 'GPU through WebGL',
  },
  {
    name: 'wasm',
    tfBackend: 'wasm',
    tier: 'wasm',
    packages: ['@tensorflow/tfjs-backend-wasm'],
    prepare: async () => registerWasmKernels(),
    description: 'WebAssembly (XNNPACK, SIMD where supported)',
  },
  {
    name: 'cpu',
    tfBackend: 'cpu',
    tier: 'cpu',
    packages: ['@tensorflow/tfjs-backend-cpu'],
    description: 'plain JavaScript, the slowest and most portable',
  },
];

const TIER_ORDER = ['gpu', 'native-cpu', 'wasm', 'cpu'] as const;

/** The candidates of this platform, in `'auto'` order; the platform's own win over the base ones of the same name. */
function candidates(current: Platform): BackendCandidate[] {
  const overridden = new Set(current.extraCandidates.map((candidate) => candidate.name));
  const all = [...current.extraCandidates, ...BASE_CANDIDATES.filter((candidate) => !overridden.has(candidate.name))];
  return TIER_ORDER.flatMap((tier) => all.filter((candidate) => candidate.tier === tier));
}

function isBackendName(value: string): value is BackendName {
  return (BACKEND_NAMES as readonly string[]).includes(value);
}

type Attempt =
  | { ok: true; packageName: string | null; threads: number | null }
  | { ok: false; reason: string; packages: readonly string[] };

async function tryCandidate(candidate: BackendCandidate, current: Platform, options: SelectBackendOptions): Promise<Attempt> {
  const importModule = options.importModule ?? current.importModule;
  const probeFailure = candidate.probe === undefined ? null : await candidate.probe(current, importModule);
  if (probeFailure !== null) return { ok: false, reason: probeFailure, packages: [] };

  const failures: string[] = [];
  let packageName: string | null = null;
  if (tf.findBackendFactory(candidate.tfBackend) == null) {
    if (importModule === undefined) {
      return {
        ok: false,
        // Stryker disable next-line StringLiteral: equivalent: every candidate names at least one package (BackendCandidate.packages).
        reason: `TF.js backend '${candidate.tfBackend}' is not registered and the ${current.name} build cannot load packages by name: import '${candidate.packages[0] ?? ''}' before calling selectBackend, or pass options.importModule.`,
        packages: candidate.packages,
      };
    }
    for (const name of candidate.packages) {
      try {
        await importModule(name);
        packageName = name;
        break;
      } catch (error) {
        failures.push(`${name} could not be loaded (${describeError(error)}).`);
      }
    }
    if (packageName === null) return { ok: false, reason: failures.join(' '), packages: candidate.packages };
    if (tf.findBackendFactory(candidate.tfBackend) == null) {
      return { ok: false, reason: `${packageName} loaded but registered no TF.js backend named '${candidate.tfBackend}'.`, packages: candidate.packages };
    }
  }
  try {
    await candidate.prepare?.();
  } catch (error) {
    return { ok: false, reason: `preparing it failed: ${describeError(error)}`, packages: [] };
  }
  const threads = candidate.name === 'wasm' ? options.threads : undefined;
  // The wasm module and the count asked for, exactly when options.threads applies.
  let threaded: { readonly wasm: WasmModule; readonly threads: number } | undefined;
  let release = (): void => {};
  if (threads !== undefined) {
    const wasm = await wasmModule(importModule, packageName);
    if (wasm === undefined) {
      return { ok: false, reason: "options.threads needs the '@tensorflow/tfjs-backend-wasm' module: pass options.importModule so that Gantry can reach it.", packages: [] };
    }
    threaded = { wasm, threads };
    // A started wasm backend keeps its count: the check after tf.setBackend below says so.
    if (!wasmStarted()) {
      try {
        release = current.prepareWasmThreads?.(wasm, threads) ?? (wasm.setThreadsCount(threads), release);
      } catch (error) {
        return { ok: false, reason: `preparing ${threads} threads failed: ${describeError(error)}`, packages: [] };
      }
    }
  }
  // TF.js makes a backend the active one by name before it starts it, and keeps the name when
  // starting fails: a refusal from here on puts the backend active before back (with none
  // active before, nothing has run yet, and there is nothing to put back).
  const previous = tf.engine().backendName as string | null | undefined;
  const refuse = async (reason: string): Promise<Attempt> => {
    if (previous != null) await tf.setBackend(previous);
    return { ok: false, reason, packages: [] };
  };
  let initialised: boolean;
  try {
    initialised = await tf.setBackend(candidate.tfBackend);
  } catch (error) {
    return await refuse(`initialising it failed: ${describeError(error)}`);
  } finally {
    release();
  }
  if (!initialised) return await refuse(`tf.setBackend('${candidate.tfBackend}') failed to initialise it.`);
  if (threaded !== undefined && threaded.wasm.getThreadsCount() !== threaded.threads) {
    return await refuse(threadsMismatch(threaded.wasm.getThreadsCount(), threaded.threads));
  }
  if (candidate.name !== 'wasm') return { ok: true, packageName, threads: null };
  const wasm = threaded?.wasm ?? (await wasmModule(importModule, packageName));
  return { ok: true, packageName, threads: wasm?.getThreadsCount() ?? null };
}

function threadsMismatch(actual: number, asked: number): string {
  return (
    `it runs ${actual} thread(s), not the ${asked} asked for in options.threads (a wasm backend started earlier in this process keeps its count; ` +
    'TF.js caps the count at 4, and in a browser needs a cross-origin-isolated page for more than 1).'
  );
}

/** Whether TF.js's wasm backend has already started in this process (its thread count is then fixed). */
function wasmStarted(): boolean {
  return (tf.engine().registry as Record<string, unknown>)['wasm'] !== undefined;
}

async function wasmModule(importModule: ((specifier: string) => Promise<unknown>) | undefined, packageName: string | null): Promise<WasmModule | undefined> {
  if (importModule === undefined) return undefined;
  const loaded = (await importModule(packageName ?? '@tensorflow/tfjs-backend-wasm')) as Partial<WasmModule>;
  return typeof loaded.setThreadsCount === 'function' && typeof loaded.getThreadsCount === 'function' ? (loaded as WasmModule) : undefined;
}

/**
 * Makes a TF.js backend the active one and says which and why.
 *
 * By name, it loads that backend (its package is an optional peer, imported only now) or
 * throws a {@link BackendUnavailableError} that names the missing package and the command
 * that installs it; it never falls back to another backend. With `'auto'` it tries, in
 * order, the GPU backends (`'tensorflow'` through tfjs-node-gpu, `'webgpu'`, `'webgl'`),
 * native CPU (`'tensorflow'` through tfjs-node), `'wasm'` and `'cpu'`, and reports each
 * better backend it skipped with the reason.
 *
 * `'tensorflow'` and Dawn-backed `'webgpu'` exist only in Node. Selecting `'wasm'` also
 * registers the kernels Gantry needs that TF.js's wasm backend lacks, and every selection
 * makes sure TF.js's gradient functions are registered (its Node build registers none).
 */
export async function selectBackend(request: BackendRequest = 'auto', options: SelectBackendOptions = {}): Promise<BackendSelection> {
  if (request !== 'auto' && !isBackendName(request)) {
    throw new TypeError(`selectBackend: request must be 'auto' or one of ${BACKEND_NAMES.map((name) => `'${name}'`).join(', ')}; got ${JSON.stringify(request)}.`);
  }
  if (options.threads !== undefined) {
    if (!Number.isInteger(options.threads) || options.threads < 1) {
      throw new TypeError(`selectBackend: options.threads must be a whole number of at least 1; got ${JSON.stringify(options.threads)}.`);
    }
    if (request !== 'auto' && request !== 'wasm') {
      throw new TypeError(`selectBackend: options.threads sets the wasm backend's threads; it does not apply to '${request}' (got threads ${options.threads}).`);
    }
  }
  const current = platform();
  // Training needs TF.js's gradient functions, which its Node build leaves unregistered.
  ensureGradientsRegistered();
  const all = candidates(current);
  if (request !== 'auto') {
    const named = all.filter((candidate) => candidate.name === request);
    if (named.length === 0) {
      throw new BackendUnavailableError(request, [], '', `It exists only in Node (this is the ${current.name} build).`);
    }
    const reasons: string[] = [];
    const packages: string[] = [];
    for (const candidate of named) {
      const attempt = await tryCandidate(candidate, current, options);
      if (attempt.ok) {
        return {
          backend: request,
          tfBackend: candidate.tfBackend,
          packageName: attempt.packageName,
          reason: `${candidate.description}; asked for by name`,
          skipped: [],
          threads: attempt.threads,
        };
      }
      reasons.push(attempt.reason);
      packages.push(...attempt.packages);
    }
    throw new BackendUnavailableError(request, packages, installCommandFor(packages), reasons.join(' '));
  }

  const skipped: SkippedBackend[] = [];
  for (const candidate of all) {
    const attempt = await tryCandidate(candidate, current, options);
    const backend = candidate.name as BackendName;
    if (attempt.ok) {
      return {
        backend,
        tfBackend: candidate.tfBackend,
        packageName: attempt.packageName,
        reason: `${candidate.description}; the best available here`,
        skipped,
        threads: attempt.threads,
      };
    }
    skipped.push({ backend, reason: attempt.reason });
  }
  throw new Error(
    `selectBackend('auto'): no backend could be started. ${skipped.map((entry) => `${entry.backend}: ${entry.reason}`).join(' ')} ` +
      `Install one, for example: ${installCommandFor(['@tensorflow/tfjs-backend-cpu'])}`,
  );
}
