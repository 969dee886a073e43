import * as tf from '@tensorflow/tfjs-core';

/**
 * What differs between Node and the browser, supplied by the package's environment entry
 * (`index.node.ts` or `index.browser.ts`, picked by the `node` export condition), so the
 * rest of the package stays free of Node built-ins.
 */
export interface Platform {
  /** 'node' or 'browser'; used in messages only. */
  readonly name: 'node' | 'browser';
  /** Loads a module by its package name; undefined where packages cannot be loaded by name. */
  readonly importModule: ((specifier: string) => Promise<unknown>) | undefined;
  /** Registers TF.js's gradient functions if nothing has yet. */
  readonly registerGradients: () => void;
  /** Backends only this platform can offer (tfjs-node, Dawn), keyed by backend name. */
  readonly extraCandidates: readonly BackendCandidate[];
  /**
   * Readies the wasm package to start with `threads` XNNPACK threads where TF.js does not do
   * it itself (Node); returns what undoes the preparation once the backend has started.
   * Undefined: `setThreadsCount` is enough (browsers, where TF.js starts its own workers).
   */
  readonly prepareWasmThreads: ((wasm: WasmModule, threads: number) => () => void) | undefined;
}

/** The parts of `@tensorflow/tfjs-backend-wasm` that thread counts need. */
export interface WasmModule {
  readonly setThreadsCount: (threads: number) => void;
  readonly getThreadsCount: () => number;
}

/** How one backend is made available. */
export interface BackendCandidate {
  /** Gantry's name for it. */
  readonly name: string;
  /** The TF.js backend name it registers. */
  readonly tfBackend: string;
  /** Where it sits in `'auto'`: GPU first, then native CPU, then wasm, then cpu. */
  readonly tier: 'gpu' | 'native-cpu' | 'wasm' | 'cpu';
  /** Packages to try in order, at least one; the first that loads wins. */
  readonly packages: readonly string[];
  /**
   * Runs before the package is imported; returns why the backend cannot run here, or null.
   * `importModule` is the loader {@link selectBackend} uses: the caller's, else the platform's.
   */
  readonly probe?: (platform: Platform, importModule: ((specifier: string) => Promise<unknown>) | undefined) => Promise<string | null>;
  /** Runs once the backend is registered (by its package, or by the app) and before `tf.setBackend`. */
  readonly prepare?: () => Promise<void>;
  /** What this backend is, for {@link BackendSelection.reason}: `'GPU through WebGL'`. */
  readonly description: string;
}

/** The first line of an error's message, for one-line reasons in reports. */
export function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.split('\n')[0] ?? message;
}

let current: Platform | null = null;

/** Called once by the environment entry point. */
export function installPlatform(platform: Platform): void {
  current = platform;
}

export function platform(): Platform {
  if (current === null) {
    throw new Error(
      "@gantry/backend was loaded without its environment entry point: import '@gantry/backend' " +
        '(it resolves to the Node or the browser build), not a file inside the package.',
    );
  }
  return current;
}

/** Makes sure TF.js's gradient functions are registered (TF.js's Node build registers none). */
export function ensureGradientsRegistered(): void {
  if (tf.getGradient(tf.Abs) != null) return;
  platform().registerGradients();
  if (tf.getGradient(tf.Abs) == null) {
    throw new Error(
      `TF.js gradient functions are not registered on the ${platform().name} platform; ` +
        'install @tensorflow/tfjs (4.22.x) beside @tensorflow/tfjs-core.',
    );
  }
}
