// Guide "Choose a backend" (docs/guides/backends.md): what 'auto' picks here and why, the
// error a backend asked for by name gives when it cannot run, and what a seed guarantees.
// node choose-backend.mjs
import * as tf from '@tensorflow/tfjs-core';
import { BackendUnavailableError, createRandom, selectBackend } from '@gantry/backend';

// #region auto
// threads: 2 applies if wasm is the pick (its products and convolutions on two threads).
const selection = await selectBackend('auto', { threads: 2 });
console.log(`auto picked ${selection.backend}${selection.threads === null ? '' : ` on ${selection.threads} thread(s)`}: ${selection.reason}`);
for (const { backend, reason } of selection.skipped) console.log(`  skipped ${backend}: ${reason}`);
// #endregion auto

// #region by-name
try {
  await selectBackend('tensorflow');
} catch (error) {
  if (!(error instanceof BackendUnavailableError)) throw error;
  console.log(`tensorflow: ${error.message}`);
  console.log(`  packages: ${error.packages.join(', ')}; install: ${error.installCommand}`);
}
// #endregion by-name

// #region seeding
// The same seed draws the same numbers on every backend: createRandom fills tensors in JavaScript.
const draws = {};
for (const backend of ['cpu', 'wasm']) {
  await selectBackend(backend);
  draws[backend] = Array.from(createRandom(7).normal([4]).dataSync());
}
console.log(`createRandom(7).normal([4]) on cpu ${JSON.stringify(draws.cpu)}, on wasm the same: ${JSON.stringify(draws.cpu) === JSON.stringify(draws.wasm)}`);
// #endregion seeding
console.log(`active backend: ${tf.getBackend()}`);
