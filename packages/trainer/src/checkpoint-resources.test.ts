import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, weightsEma, type Trainer } from './index.js';
import { checkpoints, saveCheckpoint } from './node.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

// What a save leaves behind besides its folder: no tensor, no stranger pruned, the newest `keep`;
// and the generator EMA's shadows, which checkpoints hold.

describe('checkpoint saves, their resources and what they keep', () => {
  let root = '';
  let trainer: Trainer;
  beforeAll(async () => {
    await useBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'gantry-resources-'));
    trainer = createTrainer({ setup: tinyRecipe(5), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 5 });
    trainer.trainStep();
  });
  afterAll(async () => {
    trainer.dispose();
    for (const model of Object.values(trainer.setup.networks)) model.dispose();
    await rm(root, { recursive: true, force: true });
  });

  it('leaves no tensor behind, save after save', async () => {
    const directory = join(root, 'resources');
    await saveCheckpoint(directory, trainer, null);
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 3; i++) {
      trainer.trainStep();
      await saveCheckpoint(directory, trainer, null);
    }
    expect(tf.memory().numTensors).toBe(tensors);
  });

  it.runIf(existsSync('/proc/self/fd'))('closes every file it opens', async () => {
    const directory = join(root, 'handles');
    const open = async (): Promise<number> => (await readdir('/proc/self/fd')).length;
    await saveCheckpoint(directory, trainer, null);
    const before = await open();
    for (let i = 0; i < 3; i++) {
      trainer.trainStep();
      await saveCheckpoint(directory, trainer, null);
    }
    expect(await open()).toBe(before);
  });

  it.runIf(existsSync('/dev/full'))('a write that fails (a full disk) names its file, leaves no temporary folder, and the last checkpoint stays the latest', async () => {
    const directory = join(root, 'full');
    const saved = await saveCheckpoint(directory, trainer, null);
    const latest = await readFile(join(directory, 'latest.json'), 'utf8');
    trainer.trainStep();
    // The next save's temporary folder, with tensors.bin pointing at /dev/full (every write: ENOSPC).
    const name = `step-${String(trainer.step).padStart(8, '0')}`;
    const temporary = join(directory, `.${name}.${process.pid}.tmp`);
    await mkdir(temporary, { recursive: true });
    await symlink('/dev/full', join(temporary, 'tensors.bin'));
    const failure = await saveCheckpoint(directory, trainer, null).then(
      () => null,
      (error: unknown) => error as NodeJS.ErrnoException,
    );
    expect(failure?.code).toBe('ENOSPC');
    expect(failure?.path).toBe(join(temporary, 'tensors.bin'));
    expect((await readdir(directory)).sort()).toEqual(['latest.json', basename(saved)]);
    expect(await readFile(join(directory, 'latest.json'), 'utf8')).toBe(latest);
  });

  it('an error before anything is written reaches the caller as it is (there is no temporary folder to remove)', async () => {
    // A snapshot holding a disposed tensor: encoding fails before the temporary folder exists.
    const gone = tf.tensor1d([1, 2]);
    gone.dispose();
    const broken = { snapshot: () => ({ json: { step: 9 }, tensors: { w: gone } }) } as unknown as Trainer;
    const directory = join(root, 'early');
    await mkdir(directory, { recursive: true });
    await expect(saveCheckpoint(directory, broken, null)).rejects.toThrow('Tensor is disposed.');
    expect(await readdir(directory)).toEqual([]);
  });

  it('prunes only folders named exactly step-NNNNNNNN, whatever sorts before them', async () => {
    const directory = join(root, 'strangers');
    // 'a…' and '0…' sort before 'step-…'; a prefix or suffix makes a name not a step folder.
    for (const name of ['astep-00000000', '0step-00000000', 'step-0000000', 'step-00000000.old']) await mkdir(join(directory, name), { recursive: true });
    await saveCheckpoint(directory, trainer, null, { keep: 1 });
    expect((await readdir(directory)).sort()).toEqual(['0step-00000000', 'astep-00000000', 'latest.json', 'step-0000000', 'step-00000000.old', `step-${String(trainer.step).padStart(8, '0')}`].sort());
  });

  it('keeps the newest `keep` checkpoints it was given, and the default 3 without one', async () => {
    for (const [folder, keep, expected] of [['one', 1, 1], ['default', undefined, 3]] as const) {
      const directory = join(root, folder);
      const callback = checkpoints(directory, null, { every: 1, ...(keep === undefined ? {} : { keep }) });
      for (let i = 0; i < 4; i++) await callback.onStep?.(trainer.trainStep(), trainer);
      expect([folder, (await readdir(directory)).filter((name) => name.startsWith('step-')).length]).toEqual([folder, expected]);
    }
  });

  it('keeps shadows that no optimiser trains, named after their variables', () => {
    const variables = [tf.variable(tf.ones([2]), true, 'net/w'), tf.variable(tf.zeros([3]), true, 'net/b')];
    const ema = weightsEma(variables, { decay: 0.5 });
    expect(ema.shadows.map((shadow) => [shadow.name, shadow.trainable])).toEqual([
      ['net/w/ema', false],
      ['net/b/ema', false],
    ]);
    ema.dispose();
    tf.dispose(variables);
  });
});
