import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTrainer, mixtureSource, train } from './index.js';
import { checkpoints, metricsLog, progressBar, stepRate } from './node.js';
import { tinyRecipe } from './test-support/tiny-recipe.js';

describe('Node callbacks', () => {
  let directory = '';
  beforeAll(async () => {
    await useBackend('cpu');
    directory = await mkdtemp(join(tmpdir(), 'gantry-callbacks-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('log metrics every N steps and at the end, checkpoint every N, and keep a quiet progress bar off a terminal', async () => {
    const trainer = createTrainer({ setup: tinyRecipe(6), data: mixtureSource(gaussianMixture(PAPER_GAUSSIAN_MIXTURE)), batchSize: 8, seed: 6 });
    let written = '';
    const notATerminal = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    const meter = stepRate();
    await train(trainer, {
      untilStep: 25,
      callbacks: [
        meter,
        metricsLog(join(directory, 'run', 'metrics.jsonl'), { every: 10, lastStep: 25, rate: meter.rate }),
        checkpoints(join(directory, 'run', 'checkpoints'), { note: 'test' }, { every: 10, lastStep: 25, keep: 5 }),
        progressBar({ total: 25, stream: notATerminal }),
      ],
    });
    const lines = (await readFile(join(directory, 'run', 'metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line) as { step: number; stepsPerSecond: number; entropy: number });
    expect(lines.map((line) => line.step)).toEqual([10, 20, 25]);
    expect(lines[2]?.stepsPerSecond).toBeGreaterThan(0);
    expect((await readdir(join(directory, 'run', 'checkpoints'))).sort()).toEqual(['latest.json', 'step-00000010', 'step-00000020', 'step-00000025']);
    expect(written).toBe('');
    trainer.dispose();
    Object.values(trainer.setup.networks).forEach((model) => model.dispose());
  });
});
