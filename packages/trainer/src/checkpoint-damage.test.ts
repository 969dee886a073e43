import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { useBackend } from '@gantry/backend/testing';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, type Trainer } from './index.js';
import { CorruptCheckpointError, loadLatestCheckpoint, saveCheckpoint, type SkippedCheckpoint } from './node.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

// Every way a checkpoint folder can be damaged, each with the reason a resume reports, and
// the names a scan must ignore.

const sha256 = (data: string | Uint8Array): string => createHash('sha256').update(data).digest('hex');

/** A state.json with its own digest, as saveCheckpoint writes it. */
function sealed(body: Record<string, unknown>): string {
  return JSON.stringify({ ...body, sha256: sha256(JSON.stringify(body)) });
}

describe('checkpoints on damaged disks', () => {
  let root = '';
  let trainer: Trainer;
  beforeAll(async () => {
    await useBackend('cpu');
    root = await mkdtemp(join(tmpdir(), 'gantry-damage-'));
    trainer = createTrainer({ setup: tinyRecipe(3), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 3 });
    trainer.trainStep();
  });
  afterAll(async () => {
    trainer.dispose();
    for (const model of Object.values(trainer.setup.networks)) model.dispose();
    await rm(root, { recursive: true, force: true });
  });

  /** Loads `directory`, returning the step loaded (or the error's message) and every skip. */
  async function load(directory: string): Promise<{ step: number | string | null; skipped: SkippedCheckpoint[] }> {
    const skipped: SkippedCheckpoint[] = [];
    try {
      const loaded = await loadLatestCheckpoint(directory, { onSkip: (entry) => skipped.push(entry) });
      if (loaded !== null) tf.dispose(Object.values(loaded.snapshot.tensors));
      return { step: loaded?.step ?? null, skipped };
    } catch (error) {
      return { step: (error as Error).message, skipped };
    }
  }

  it('a fresh nested folder is created; saving the same step again replaces it', async () => {
    const directory = join(root, 'a', 'b', 'c');
    await saveCheckpoint(directory, trainer, { first: true });
    await saveCheckpoint(directory, trainer, { first: false });
    expect((await readdir(directory)).sort()).toEqual(['latest.json', 'step-00000001']);
    const loaded = await loadLatestCheckpoint(directory);
    expect(loaded?.config).toEqual({ first: false });
    tf.dispose(Object.values(loaded?.snapshot.tensors ?? {}));
  });

  it('keeps only step folders by their exact names, and prunes only those', async () => {
    const directory = join(root, 'names');
    await mkdir(join(directory, 'step-00000000.old'), { recursive: true });
    await mkdir(join(directory, 'xstep-00000000'), { recursive: true });
    await saveCheckpoint(directory, trainer, null, { keep: 1 });
    expect((await readdir(directory)).sort()).toEqual(['latest.json', 'step-00000000.old', 'step-00000001', 'xstep-00000000']);
    // Folders whose names only contain a step name are never loaded either.
    await writeFile(join(directory, 'latest.json'), JSON.stringify({ step: 0, path: 'step-00000000.old' }));
    const result = await load(directory);
    expect(result.step).toBe(1);
    expect(result.skipped).toEqual([{ path: join(directory, 'latest.json'), reason: 'expected {"step": n, "path": "step-NNNNNNNN"}, got "{\\"step\\":0,\\"path\\":\\"step-00000000.old\\"}"; scanning the step folders' }]);
    await writeFile(join(directory, 'latest.json'), JSON.stringify({ step: 0, path: 'xstep-00000000' }));
    expect((await load(directory)).skipped[0]?.reason).toMatch(/^expected \{"step": n, "path": "step-NNNNNNNN"\}, got /);
    await writeFile(join(directory, 'latest.json'), JSON.stringify({ step: 1, path: 1 }));
    expect((await load(directory)).skipped[0]?.reason).toMatch(/^expected \{"step": n, "path": "step-NNNNNNNN"\}, got /);
  });

  it('quotes at most 40 characters of a latest.json that is not JSON', async () => {
    const directory = join(root, 'long');
    await saveCheckpoint(directory, trainer, null);
    await writeFile(join(directory, 'latest.json'), 'x'.repeat(100));
    expect((await load(directory)).skipped).toEqual([{ path: join(directory, 'latest.json'), reason: `expected {"step": n, "path": "step-NNNNNNNN"}, got "${'x'.repeat(40)}"; scanning the step folders` }]);
  });

  it('a latest.json that cannot be read is skipped with its error code', async () => {
    const directory = join(root, 'unreadable-latest');
    await saveCheckpoint(directory, trainer, null);
    await rm(join(directory, 'latest.json'));
    await mkdir(join(directory, 'latest.json'));
    const result = await load(directory);
    expect(result.step).toBe(1);
    expect(result.skipped).toEqual([{ path: join(directory, 'latest.json'), reason: 'cannot be read (EISDIR); scanning the step folders' }]);
  });

  it('names each damaged file: state.json unreadable, not JSON, not a state; tensors.bin unreadable, of the wrong size, holding fewer tensors', async () => {
    const directory = join(root, 'damaged');
    const folder = (step: number): string => join(directory, `step-${String(step).padStart(8, '0')}`);
    for (let step = 1; step <= 6; step++) await mkdir(folder(step), { recursive: true });
    await mkdir(join(folder(1), 'state.json'));
    // Bytes, not characters: ó is two.
    await writeFile(join(folder(2), 'state.json'), 'not jsón');
    await writeFile(join(folder(3), 'state.json'), 'null');
    // Checkpoints from before integrity records (no sha256, no files) are still checked against their tensorSpecs.
    await writeFile(join(folder(4), 'state.json'), JSON.stringify({ step: 4, tensorSpecs: [{ name: 'a', shape: [2], dtype: 'float32' }] }));
    await writeFile(join(folder(5), 'state.json'), JSON.stringify({ step: 5, tensorSpecs: [{ name: 'a', shape: [3], dtype: 'bool' }] }));
    await writeFile(join(folder(5), 'tensors.bin'), new Uint8Array(12));
    const twice = [{ name: 'a', shape: [1], dtype: 'float32' }, { name: 'a', shape: [1], dtype: 'float32' }];
    await writeFile(join(folder(6), 'state.json'), sealed({ step: 6, tensorSpecs: twice, files: { 'tensors.bin': { bytes: 8, sha256: sha256(new Uint8Array(8)) } } }));
    await writeFile(join(folder(6), 'tensors.bin'), new Uint8Array(8));
    const result = await load(directory);
    const reasons = [
      [6, 'tensors.bin holds 1 tensors, state.json lists 2'],
      [5, "tensors.bin: expected 3 bytes (state.json's tensorSpecs), got 12"],
      [4, 'tensors.bin cannot be read (ENOENT)'],
      [3, 'state.json is not a Gantry checkpoint state (no tensorSpecs)'],
      [2, 'state.json is not JSON (9 bytes)'],
      [1, 'state.json cannot be read (EISDIR)'],
    ] as const;
    expect(result.skipped).toEqual(reasons.map(([step, reason]) => ({ path: folder(step), reason })));
    expect(result.step).toBe(`no intact checkpoint in ${directory}: ${reasons.map(([step, reason]) => `${folder(step)}: ${reason}`).join('; ')}`);
    const error = await loadLatestCheckpoint(directory).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(CorruptCheckpointError);
    expect((error as CorruptCheckpointError).name).toBe('CorruptCheckpointError');
    expect((error as CorruptCheckpointError).skipped).toHaveLength(6);
  });

  it('an old checkpoint without integrity records loads when its tensors fit its specs', async () => {
    const directory = join(root, 'old');
    await saveCheckpoint(directory, trainer, { note: 'old' });
    const path = join(directory, 'step-00000001', 'state.json');
    const { sha256: digest, files, ...body } = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
    void digest;
    void files;
    await writeFile(path, JSON.stringify(body));
    const loaded = await loadLatestCheckpoint(directory);
    expect(loaded?.step).toBe(1);
    expect(loaded?.config).toEqual({ note: 'old' });
    tf.dispose(Object.values(loaded?.snapshot.tensors ?? {}));
  });

  it('loads the folder latest.json names, even when a later step exists; a path that is not a string is skipped', async () => {
    const directory = join(root, 'named');
    const first = trainer.step;
    await saveCheckpoint(directory, trainer, null, { keep: 5 });
    trainer.trainStep();
    await saveCheckpoint(directory, trainer, null, { keep: 5 });
    const name = `step-${String(first).padStart(8, '0')}`;
    await writeFile(join(directory, 'latest.json'), JSON.stringify({ step: first, path: name }));
    expect(await load(directory)).toEqual({ step: first, skipped: [] });
    // A list holding the name is not a name: skipped, and the newest folder is loaded.
    const listed = JSON.stringify({ step: first, path: [name] });
    await writeFile(join(directory, 'latest.json'), listed);
    expect(await load(directory)).toEqual({
      step: trainer.step,
      skipped: [{ path: join(directory, 'latest.json'), reason: `expected {"step": n, "path": "step-NNNNNNNN"}, got ${JSON.stringify(listed.slice(0, 40))}; scanning the step folders` }],
    });
  });

  it('a scan ignores a copy of a checkpoint under another name (step-NNNNNNNN.old)', async () => {
    const directory = join(root, 'copies');
    // The copy is of an earlier step, so loading it would show.
    const saved = await saveCheckpoint(directory, trainer, null);
    await cp(saved, join(directory, 'step-99999999.old'), { recursive: true });
    trainer.trainStep();
    await saveCheckpoint(directory, trainer, null);
    await rm(join(directory, 'latest.json'));
    expect(await load(directory)).toEqual({ step: trainer.step, skipped: [] });
  });

  it('a folder that does not exist holds no checkpoint; a path that is a file is an error', async () => {
    expect(await loadLatestCheckpoint(join(root, 'nowhere'))).toBeNull();
    const file = join(root, 'a-file');
    await writeFile(file, 'x');
    await expect(loadLatestCheckpoint(file)).rejects.toMatchObject({ code: 'ENOTDIR' });
  });
});
