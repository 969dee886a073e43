// The training worker: selects a backend, runs the session in time slices so pause, save
// and reset are answered between slices, and streams progress to the page.
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, selectBackend, setValueChecks } from '@gantry/backend';
import { loadGenerator } from './cli-model.js';
import { AUTO_ORDER, type BackendChoice, type Request, type Response, type StepRecord } from './protocol.js';
import { createSession, loadRun, saveRun, type Session } from './session.js';
import { readRun, writeRun } from './storage.js';

// Vite turns these into URLs of the emitted .wasm files: the wasm backend fetches them at init.
import wasmPlain from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import wasmSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import wasmThreadedSimd from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';

/** Each backend's package, loaded only when tried, so a page that never needs wasm never fetches it. */
const BACKEND_MODULES: Readonly<Record<string, () => Promise<unknown>>> = {
  '@tensorflow/tfjs-backend-webgpu': () => import('@tensorflow/tfjs-backend-webgpu'),
  '@tensorflow/tfjs-backend-webgl': () => import('@tensorflow/tfjs-backend-webgl'),
  '@tensorflow/tfjs-backend-cpu': () => import('@tensorflow/tfjs-backend-cpu'),
  '@tensorflow/tfjs-backend-wasm': async () => {
    const wasm = await import('@tensorflow/tfjs-backend-wasm');
    wasm.setWasmPaths({ 'tfjs-backend-wasm.wasm': wasmPlain, 'tfjs-backend-wasm-simd.wasm': wasmSimd, 'tfjs-backend-wasm-threaded-simd.wasm': wasmThreadedSimd });
    return wasm;
  },
};

// The trainer reads every loss term each step and stops on a non-finite one before any
// update, so the losses' own value checks would only add device reads: on WebGPU each
// synchronous read goes through canvases and stalls the queue.
setValueChecks(false);

async function importModule(name: string): Promise<unknown> {
  const load = BACKEND_MODULES[name];
  if (load === undefined) throw new Error(`the playground does not bundle ${name}`);
  return load();
}

const SAMPLE_POINTS = 512;
/** Steps are run in slices of about this long, then messages are answered. */
const SLICE_MS = 100;
/** Progress (with fresh samples) is posted at most this often. */
const PROGRESS_MS = 250;

let session: Session | undefined;
let running = false;
let loopActive = false;
let pending: StepRecord[] = [];
/** Every step of this run, saved with it so the page's charts continue after a restore. */
let history: StepRecord[] = [];
let lastProgress = 0;
/** A progress message is on its way or being drawn; more steps accumulate in `pending` meanwhile. */
let awaitingAck = false;
let rate = { steps: 0, since: 0, value: 0 };

function post(message: Response, transfer: Transferable[] = []): void {
  (self as unknown as Worker).postMessage(message, transfer);
}

async function chooseBackend(choice: BackendChoice): Promise<void> {
  const order = choice === 'auto' ? AUTO_ORDER : [choice];
  const skipped: { backend: string; reason: string }[] = [];
  for (const name of order) {
    try {
      const selection = await selectBackend(name, { importModule });
      const reason = choice === 'auto' ? `${selection.reason.replace(/; asked for by name$/, '')}; the first of ${AUTO_ORDER.join(', ')} that started` : selection.reason;
      post({ type: 'backend', backend: selection.backend, reason, skipped });
      return;
    } catch (error) {
      if (!(error instanceof BackendUnavailableError) && choice !== 'auto') throw error;
      skipped.push({ backend: name, reason: error instanceof Error ? error.message : String(error) });
    }
  }
  throw new Error(`no backend could start in this worker: ${skipped.map((entry) => `${entry.backend}: ${entry.reason}`).join(' | ')}`);
}

function progress(): void {
  if (session === undefined) return;
  const now = performance.now();
  const elapsed = (now - rate.since) / 1000;
  if (elapsed > 0.5) rate = { steps: 0, since: now, value: rate.steps / elapsed };
  const { points, categories } = session.sample(SAMPLE_POINTS, 7);
  post(
    {
      type: 'progress',
      running,
      step: session.trainer.step,
      records: pending,
      prior: session.trainer.prior.probabilities(),
      points,
      categories,
      stepsPerSecond: rate.value,
    },
    [points.buffer, categories.buffer],
  );
  pending = [];
  lastProgress = now;
  awaitingAck = true;
}

async function loop(): Promise<void> {
  if (loopActive) return;
  loopActive = true;
  try {
    while (running && session !== undefined) {
      const sliceStart = performance.now();
      do {
        const [report] = session.steps(1);
        if (report !== undefined) {
          const record = { step: report.step, losses: report.losses, entropy: report.entropy };
          pending.push(record);
          history.push(record);
        }
        rate.steps += 1;
      } while (performance.now() - sliceStart < SLICE_MS);
      if (!awaitingAck && performance.now() - lastProgress >= PROGRESS_MS) progress();
      // Yield so queued messages (pause, save, reset) are handled between slices.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } catch (error) {
    running = false;
    post({ type: 'error', request: 'train', message: error instanceof Error ? error.message : String(error) });
  } finally {
    loopActive = false;
  }
  progress();
}

/** Stops training and waits for the current slice to end, so the session can be replaced. */
async function stopLoop(): Promise<void> {
  running = false;
  while (loopActive) await new Promise((resolve) => setTimeout(resolve, 5));
}

function replaceSession(next: Session | undefined, past: readonly StepRecord[] = []): void {
  session?.dispose();
  session = next;
  pending = [];
  history = [...past];
  rate = { steps: 0, since: performance.now(), value: 0 };
}

async function exportFiles(current: Session): Promise<Response> {
  const generator = current.trainer.setup.networks[current.trainer.setup.generator];
  if (generator === undefined) throw new Error('the recipe has no generator network');
  let artifacts: tf.io.ModelArtifacts | undefined;
  await generator.save(tf.io.withSaveHandler(async (saved) => {
    artifacts = saved;
    return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
  }));
  if (artifacts?.weightData === undefined) throw new Error('the generator saved no weights');
  const weights = tf.io.CompositeArrayBuffer.join(artifacts.weightData);
  const modelJson = JSON.stringify({
    modelTopology: artifacts.modelTopology,
    format: artifacts.format,
    generatedBy: artifacts.generatedBy,
    convertedBy: artifacts.convertedBy,
    weightsManifest: [{ paths: ['./weights.bin'], weights: artifacts.weightSpecs }],
  });
  const run = await saveRun(current, history);
  const summary = JSON.stringify({ format: 'gantry/run-summary', version: 1, recipe: current.config.recipe, step: current.trainer.step, seed: current.config.seed, backend: tf.getBackend(), prior: current.trainer.prior.probabilities() });
  return {
    type: 'exported',
    files: [
      { name: 'model.json', data: modelJson },
      { name: 'weights.bin', data: weights },
      { name: 'summary.json', data: summary },
      { name: 'playground-run.json', data: JSON.stringify({ ...run, weights: undefined }) },
      { name: 'playground-run.bin', data: run.weights },
    ],
  };
}

async function handle(request: Request): Promise<void> {
  switch (request.type) {
    case 'init':
      await chooseBackend(request.backend);
      return;
    case 'start':
    case 'reset':
      await stopLoop();
      replaceSession(createSession(request.config));
      post({ type: 'started', config: request.config, running: request.type === 'start' });
      if (request.type === 'start') {
        running = true;
        void loop();
      } else {
        progress();
      }
      return;
    case 'pause':
      running = false;
      return;
    case 'ack':
      awaitingAck = false;
      return;
    case 'resume':
      if (session === undefined) throw new Error('nothing to resume: start a run first');
      running = true;
      rate = { steps: 0, since: performance.now(), value: rate.value };
      void loop();
      return;
    case 'save': {
      if (session === undefined) throw new Error('nothing to save: start a run first');
      const run = await saveRun(session, history);
      await writeRun(run);
      post({ type: 'saved', step: run.state.step, bytes: run.weights.byteLength });
      return;
    }
    case 'restore':
    case 'load-run': {
      const saved = request.type === 'load-run' ? request.run : await readRun();
      if (saved === undefined) throw new Error('no saved run in this browser (IndexedDB database gantry-playground is empty)');
      await stopLoop();
      replaceSession(loadRun(saved), saved.history);
      post({ type: 'restored', config: saved.config, step: saved.state.step, from: request.type === 'load-run' ? 'files' : 'indexeddb', history });
      progress();
      return;
    }
    case 'export':
      if (session === undefined) throw new Error('nothing to download: start a run first');
      post(await exportFiles(session));
      return;
    case 'import-cli': {
      await stopLoop();
      replaceSession(undefined);
      const loaded = await loadGenerator(request.files);
      try {
        const { points, categories } = loaded.sample(SAMPLE_POINTS * 2, 7);
        post({ type: 'imported', description: loaded.description, prior: loaded.prior, points, categories }, [points.buffer, categories.buffer]);
      } finally {
        loaded.dispose();
      }
      return;
    }
  }
}

// Requests are handled one at a time, in order.
let queue: Promise<void> = Promise.resolve();
self.addEventListener('message', (event: MessageEvent<Request>) => {
  const request = event.data;
  queue = queue.then(() =>
    handle(request).catch((error: unknown) => {
      post({ type: 'error', request: request.type, message: error instanceof Error ? error.message : String(error) });
    }),
  );
});

