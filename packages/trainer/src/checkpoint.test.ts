import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { trainableVariables } from '@gantry/models';
import { useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, type Trainer } from './index.js';
import { CorruptCheckpointError, loadLatestCheckpoint, saveCheckpoint, type SkippedCheckpoint } from './node.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

const writer = fileURLToPath(new URL('../test-fixtures/checkpoint-writer.mjs', import.meta.url));

function tinyTrainer(): Trainer {
  return createTrainer({ setup: tinyRecipe(4), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 4, generatorEma: 0.9 });
}

describe('checkpoints on disk', () => {
  let root = '';
  beforeAll(async () => {
    await useBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'gantry-checkpoints-'));
  });
  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('save, load and resume: the restored trainer continues exactly; only the newest `keep` are kept', async () => {
    const directory = join(root, 'roundtrip');
    expect(await loadLatestCheckpoint(directory)).toBeNull();
    const trainer = tinyTrainer();
    for (let step = 1; step <= 4; step++) {
      trainer.trainStep();
      await saveCheckpoint(directory, trainer, { lambdaCreg: 0.5 }, { keep: 2 });
    }
    expect((await readdir(directory)).sort()).toEqual(['latest.json', 'step-00000003', 'step-00000004']);
    const loaded = await loadLatestCheckpoint(directory);
    expect(loaded?.step).toBe(4);
    expect(loaded?.config).toEqual({ lambdaCreg: 0.5 });
    const resumed = tinyTrainer();
    resumed.restore(loaded?.snapshot as NonNullable<typeof loaded>['snapshot']);
    tf.dispose(loaded?.snapshot.tensors);
    for (let i = 0; i < 3; i++) {
      trainer.trainStep();
      resumed.trainStep();
    }
    const weights = (t: Trainer) => Object.values(t.setup.networks).flatMap((m) => trainableVariables(m).map((v) => Array.from(v.dataSync())));
    expect(weights(resumed)).toEqual(weights(trainer));
    for (const t of [trainer, resumed]) {
      t.dispose();
      Object.values(t.setup.networks).forEach((m) => m.dispose());
    }
  });

  it('ignores a half-written checkpoint folder left by a crash', async () => {
    const directory = join(root, 'crash');
    const trainer = tinyTrainer();
    trainer.trainStep();
    await saveCheckpoint(directory, trainer, null);
    // What a kill between writing tensors.bin and the rename leaves behind.
    await mkdir(join(directory, '.step-00000002.999.tmp'));
    await writeFile(join(directory, '.step-00000002.999.tmp', 'tensors.bin'), new Uint8Array(10));
    const loaded = await loadLatestCheckpoint(directory);
    expect(loaded?.step).toBe(1);
    tf.dispose(loaded?.snapshot.tensors);
    trainer.dispose();
    Object.values(trainer.setup.networks).forEach((m) => m.dispose());
  });

  it('checks each checkpoint against the sizes and SHA-256 its state.json records, names a corrupt one, and uses the newest intact one', async () => {
    const directory = join(root, 'integrity');
    const trainer = tinyTrainer();
    for (let step = 1; step <= 3; step++) {
      trainer.trainStep();
      await saveCheckpoint(directory, trainer, { step }, { keep: 3 });
    }
    const state = JSON.parse(await readFile(join(directory, 'step-00000003', 'state.json'), 'utf8')) as { files: Record<string, { bytes: number; sha256: string }> };
    const tensorsBin = await readFile(join(directory, 'step-00000003', 'tensors.bin'));
    expect(state.files['tensors.bin']).toEqual({ bytes: tensorsBin.byteLength, sha256: createHash('sha256').update(tensorsBin).digest('hex') });
    const load = async (): Promise<{ step: number | undefined; skipped: SkippedCheckpoint[] }> => {
      const skipped: SkippedCheckpoint[] = [];
      const loaded = await loadLatestCheckpoint(directory, { onSkip: (entry) => skipped.push(entry) });
      tf.dispose(loaded?.snapshot.tensors);
      return { step: loaded?.step, skipped };
    };
    // Truncated: the size tells.
    await writeFile(join(directory, 'step-00000003', 'tensors.bin'), tensorsBin.subarray(0, 250));
    expect(await load()).toEqual({ step: 2, skipped: [{ path: join(directory, 'step-00000003'), reason: `tensors.bin: expected ${tensorsBin.byteLength} bytes, got 250` }] });
    // One flipped byte, same size: the digest tells.
    const flipped = Buffer.from(await readFile(join(directory, 'step-00000002', 'tensors.bin')));
    const digest = createHash('sha256').update(flipped).digest('hex');
    flipped[100] = (flipped[100] as number) ^ 0xff;
    await writeFile(join(directory, 'step-00000002', 'tensors.bin'), flipped);
    const second = await load();
    expect(second.step).toBe(1);
    expect(second.skipped[1]).toEqual({ path: join(directory, 'step-00000002'), reason: `tensors.bin: expected SHA-256 ${digest}, got ${createHash('sha256').update(flipped).digest('hex')}` });
    // An edited state.json: its own digest tells.
    const stateText = await readFile(join(directory, 'step-00000001', 'state.json'), 'utf8');
    await writeFile(join(directory, 'step-00000001', 'state.json'), stateText.replace('"step":1', '"step":7'));
    await expect(loadLatestCheckpoint(directory)).rejects.toThrow(CorruptCheckpointError);
    await expect(loadLatestCheckpoint(directory)).rejects.toThrow(/step-00000001: state\.json: expected SHA-256 [0-9a-f]{64}, got [0-9a-f]{64}/);
    trainer.dispose();
    Object.values(trainer.setup.networks).forEach((m) => m.dispose());
  });

  it('a latest.json that is not JSON falls back to the step folders, and says so', async () => {
    const directory = join(root, 'bad-latest');
    const trainer = tinyTrainer();
    for (let step = 1; step <= 2; step++) {
      trainer.trainStep();
      await saveCheckpoint(directory, trainer, null);
    }
    await writeFile(join(directory, 'latest.json'), '{"step": 2, "pa');
    const skipped: SkippedCheckpoint[] = [];
    const loaded = await loadLatestCheckpoint(directory, { onSkip: (entry) => skipped.push(entry) });
    expect(loaded?.step).toBe(2);
    expect(skipped).toEqual([{ path: join(directory, 'latest.json'), reason: 'expected {"step": n, "path": "step-NNNNNNNN"}, got "{\\"step\\": 2, \\"pa"; scanning the step folders' }]);
    tf.dispose(loaded?.snapshot.tensors);
    trainer.dispose();
    Object.values(trainer.setup.networks).forEach((m) => m.dispose());
  });

  it('a failed write (an injected one: tensors.bin cannot be written) throws and leaves the previous checkpoint intact and in use', async () => {
    const directory = join(root, 'failed-write');
    const trainer = tinyTrainer();
    trainer.trainStep();
    await saveCheckpoint(directory, trainer, null);
    const latestBefore = await readFile(join(directory, 'latest.json'), 'utf8');
    trainer.trainStep();
    // The next save's tensors.bin is a folder already: its write fails (EISDIR), as a full disk's would (ENOSPC).
    await mkdir(join(directory, `.step-00000002.${process.pid}.tmp`, 'tensors.bin'), { recursive: true });
    await expect(saveCheckpoint(directory, trainer, null)).rejects.toMatchObject({ code: 'EISDIR', path: join(directory, `.step-00000002.${process.pid}.tmp`, 'tensors.bin') });
    expect(await readFile(join(directory, 'latest.json'), 'utf8')).toBe(latestBefore);
    // Nothing half-written is left behind.
    expect((await readdir(directory)).sort()).toEqual(['latest.json', 'step-00000001']);
    const loaded = await loadLatestCheckpoint(directory, { onSkip: (entry) => expect.fail(`skipped ${entry.path}: ${entry.reason}`) });
    expect(loaded?.step).toBe(1);
    tf.dispose(loaded?.snapshot.tensors);
    trainer.dispose();
    Object.values(trainer.setup.networks).forEach((m) => m.dispose());
  });

  it('a writer killed with SIGKILL at random moments always leaves a complete latest checkpoint, and resumes from it', async () => {
    const directory = join(root, 'killed');
    let lastStep = 0;
    for (let round = 0; round < 4; round++) {
      const child = spawn(process.execPath, [writer, directory], { stdio: ['ignore', 'pipe', 'pipe'] });
      let saved = 0;
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => {
        stderr += chunk.toString();
      });
      await new Promise<void>((resolve, reject) => {
        const target = 2 + round;
        child.stdout.on('data', (chunk: Buffer) => {
          saved += chunk.toString().split('\n').filter((line) => line.startsWith('saved')).length;
          // Kill a few ms into the next write, at a different point each round.
          if (saved >= target) setTimeout(() => child.kill('SIGKILL'), 3 * round);
        });
        child.on('exit', () => resolve());
        child.on('error', reject);
        setTimeout(() => reject(new Error(`checkpoint writer made no progress: ${stderr}`)), 60_000);
      });
      const loaded = await loadLatestCheckpoint(directory);
      expect(loaded, stderr).not.toBeNull();
      // The step never goes back: each round resumed from the last complete checkpoint.
      expect(loaded?.step).toBeGreaterThan(lastStep);
      lastStep = loaded?.step ?? 0;
      // Every tensor the state lists came back whole (decodeWeights checks the byte count).
      // D*: 4 hidden + 2 heads, G: 4 hidden + 1 output, a kernel and a bias each: 12 + 10
      // weights, and Adam's two moments of each.
      expect(Object.keys(loaded?.snapshot.tensors ?? {}).length).toBe((12 + 10) * 3);
      tf.dispose(loaded?.snapshot.tensors);
    }
  }, 120_000);
});
