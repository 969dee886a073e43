import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import workerThreads from 'node:worker_threads';
import * as tf from '@tensorflow/tfjs-core';
import type { WasmModule } from './platform.js';

const require = createRequire(import.meta.url);

/*
 * TF.js 4.22's wasm backend runs its threaded build only in browsers. Three things stop it
 * in Node, and each is worked around for the duration of the backend's start only:
 *
 * 1. `WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false in Node (tfjs#3830).
 * 2. It hands Emscripten's pthread workers their script as a `blob:` URL, which
 *    `worker_threads` refuses (ERR_WORKER_PATH), and the main script as a Blob, which the
 *    worker's Node branch cannot import. The Worker class below runs the same worker source
 *    (the package's `wasm-out/*.worker.js`) with `eval`, and points it at the package's
 *    threaded factory file instead of the Blob.
 * 3. Its C++ side sizes XNNPACK's pool at half the logical cores (it assumes two hardware
 *    threads per core), so a 2-core machine gets one thread whatever `setThreadsCount`
 *    says. `os.cpus()` reports 2 × threads entries while the module starts.
 */

interface ThreadedFiles {
  readonly workerSource: string;
  readonly factoryScript: string;
}

function threadedFiles(): ThreadedFiles {
  const packageDir = path.dirname(path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm')));
  const worker = require(path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js')) as { wasmWorkerContents?: unknown };
  if (typeof worker.wasmWorkerContents !== 'string') {
    throw new Error(`@tensorflow/tfjs-backend-wasm at ${packageDir} has no wasmWorkerContents in wasm-out/tfjs-backend-wasm-threaded-simd.worker.js; threads need TF.js 4.22.x.`);
  }
  return {
    // The source is a template literal whose "\n" escapes became real newlines inside string
    // literals; TF.js escapes them the same way before making its Blob.
    workerSource: worker.wasmWorkerContents.replace(/\n/g, '\\n'),
    factoryScript: path.join(packageDir, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.js'),
  };
}

/** The worker source is a classic script; a parent started with `--input-type=module` would make it a module. */
function scriptArgv(argv: readonly string[]): string[] {
  return argv.filter((argument, index) => !argument.startsWith('--input-type') && argv[index - 1] !== '--input-type');
}

function pthreadWorkerClass(files: ThreadedFiles): typeof workerThreads.Worker {
  return class PthreadWorker extends workerThreads.Worker {
    constructor(filename: string | URL, options?: workerThreads.WorkerOptions) {
      if (typeof filename === 'string' && filename.startsWith('blob:')) super(files.workerSource, { ...options, eval: true, execArgv: scriptArgv(options?.execArgv ?? process.execArgv) });
      else super(filename, options);
      this.unref();
    }

    // Emscripten refs a worker while its thread runs. XNNPACK's pool threads run for the
    // life of the backend, so the process would never exit; and they only ever compute while
    // the main thread waits for them, so nothing is lost when they do not hold it open.
    override ref(): void {}

    override postMessage(message: unknown, transferList?: readonly workerThreads.TransferListItem[]): void {
      const load = message as { cmd?: unknown; urlOrBlob?: unknown } | null;
      const fixed = load !== null && typeof load === 'object' && load.cmd === 'load' && typeof load.urlOrBlob !== 'string' ? { ...load, urlOrBlob: files.factoryScript } : message;
      super.postMessage(fixed, transferList);
    }
  };
}

/**
 * Makes the next `tf.setBackend('wasm')` start TF.js's threaded SIMD build with `threads`
 * XNNPACK threads in Node (the plain SIMD build for 1); returns the function that undoes the temporary patches once the
 * backend has started.
 */
export function prepareNodeWasmThreads(wasm: WasmModule, threads: number): () => void {
  wasm.setThreadsCount(threads);
  // One thread: the plain SIMD build, as TF.js starts it in Node by default.
  if (threads === 1) return () => {};
  const files = threadedFiles();
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  const patchable = workerThreads as { Worker: unknown };
  const originalWorker = patchable.Worker;
  const originalCpus = os.cpus;
  // Emscripten copies worker_threads.Worker into globalThis.Worker when the module starts
  // and uses that global for every pthread worker afterwards.
  patchable.Worker = pthreadWorkerClass(files);
  os.cpus = () => {
    const cpus = originalCpus();
    return Array.from({ length: 2 * threads }, (_, index) => cpus[index % cpus.length] as os.CpuInfo);
  };
  return () => {
    patchable.Worker = originalWorker;
    os.cpus = originalCpus;
  };
}
