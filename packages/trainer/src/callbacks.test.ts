import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { gaussianMixture, PAPER_GAUSSIAN_MIXTURE } from '@gantry/datasets';
import { useBackend } from '@gantry/backend/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTrainer, mixtureSource, train, type StepReport, type Trainer } from './index.js';
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

/** A report for step `step`, with the losses and entropy the callbacks show. */
function report(step: number, losses: Record<string, number> = { 'discriminator.adversarial': 0.5, 'generator.adversarial': 1.25 }, entropy = Math.log(3)): StepReport {
  return { step, losses, prior: [0.25, 0.25, 0.5], entropy };
}

const noTrainer = {} as Trainer;

describe('stepRate', () => {
  it('measures steps per second over windows of 20 steps or 2 s, whichever ends first', () => {
    let clock = 1_000;
    const now = vi.spyOn(performance, 'now').mockImplementation(() => clock);
    try {
      const meter = stepRate();
      // Resumed at step 100: the first window counts from step 100, not from 0.
      for (let step = 101; step < 120; step++) {
        clock += 50;
        void meter.onStep?.(report(step), noTrainer);
      }
      expect(meter.rate()).toBe(0);
      clock += 50;
      void meter.onStep?.(report(120), noTrainer);
      expect(meter.rate()).toBe(20);
      // A slow window: 3 steps in 2.5 s.
      for (const step of [121, 122, 123]) {
        clock += step === 123 ? 2_300 : 100;
        void meter.onStep?.(report(step), noTrainer);
      }
      expect(meter.rate()).toBeCloseTo(3 / 2.5, 12);
      // 2 s exactly is not yet over 2 s.
      clock += 2_000;
      void meter.onStep?.(report(124), noTrainer);
      expect(meter.rate()).toBeCloseTo(3 / 2.5, 12);
    } finally {
      now.mockRestore();
    }
  });
});

describe('metricsLog', () => {
  let directory = '';
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'gantry-metrics-log-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('appends one JSON line per logging step and at the last step, in a folder it creates', async () => {
    const path = join(directory, 'new', 'folder', 'metrics.jsonl');
    const log = metricsLog(path, { every: 4, lastStep: 10, rate: () => 12.34567 });
    for (let step = 1; step <= 10; step++) await log.onStep?.(report(step, { 'discriminator.creg': step / 8 }), noTrainer);
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.at(-1)).toBe('');
    const parsed = lines.slice(0, -1).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(parsed.map((line) => Object.keys(line))).toEqual(Array(3).fill(['step', 'time', 'stepsPerSecond', 'losses', 'prior', 'entropy']));
    expect(parsed.map((line) => ({ ...line, time: undefined }))).toEqual([4, 8, 10].map((step) => ({ step, time: undefined, stepsPerSecond: 12.346, losses: { 'discriminator.creg': step / 8 }, prior: [0.25, 0.25, 0.5], entropy: Math.log(3) })));
    for (const { time } of parsed) expect(new Date(time as string).toISOString()).toBe(time);
  });

  it('logs a rate of 0 without a meter', async () => {
    const path = join(directory, 'no-rate.jsonl');
    await metricsLog(path, { every: 1 }).onStep?.(report(1), noTrainer);
    expect((JSON.parse(await readFile(path, 'utf8')) as { stepsPerSecond: number }).stepsPerSecond).toBe(0);
  });
});

describe('progressBar', () => {
  /** A stream that says it is a terminal and keeps what is written to it. */
  function terminal(): NodeJS.WritableStream & { readonly isTTY: true; text(): string } {
    let written = '';
    const stream = new Writable({
      write(chunk: Buffer, _encoding, done) {
        written += chunk.toString();
        done();
      },
    });
    return Object.assign(stream, { isTTY: true as const, columns: 200, text: () => written });
  }

  it('on a terminal shows the step, the rate, the losses (D. and G. for the phases) and H(C), updated every 5 steps and at the total', () => {
    const stream = terminal();
    const bar = progressBar({ total: 12, stream, rate: () => 3.14159 });
    void bar.onStep?.(report(1), noTrainer);
    expect(stream.text()).toContain('train ');
    expect(stream.text()).toContain(' 0/12 | - steps/s');
    // No losses and no entropy yet; the cursor is hidden while the bar runs, and shown again at the end.
    expect(stream.text()).toContain(' |  | H(C) -');
    expect(stream.text()).toContain('\u001b[?25l');
    expect(stream.text()).not.toContain('\u001b[?25h');
    for (let step = 2; step <= 7; step++) void bar.onStep?.(report(step, step === 5 ? undefined : { 'discriminator.adversarial': 9, 'generator.adversarial': 9 }, step === 5 ? Math.log(3) : 0), noTrainer);
    void bar.onEnd?.(noTrainer);
    // The last drawing (on stop) shows step 5's values: steps 6 and 7 are not multiples of 5.
    expect(stream.text()).toContain('\u001b[?25h');
    const last = stream.text().split('\r').filter((line) => line.includes('train')).at(-1) ?? '';
    expect(last).toContain(' 5/12 | 3.1 steps/s | ETA ');
    expect(last).toContain('| D.adversarial 0.500 G.adversarial 1.250 | H(C) 1.099');
  });

  it('updates at the total even when it is not a multiple of 5', () => {
    const stream = terminal();
    const bar = progressBar({ total: 7, stream });
    for (let step = 1; step <= 7; step++) void bar.onStep?.(report(step, { 'discriminator.cls': step }), noTrainer);
    void bar.onEnd?.(noTrainer);
    const last = stream.text().split('\r').filter((line) => line.includes('train')).at(-1) ?? '';
    expect(last).toContain(' 7/7 | 0.0 steps/s');
    expect(last).toContain('| D.cls 7.000 |');
  });

  it('stays quiet off a terminal, and an end without a step draws nothing', () => {
    expect(progressBar({ total: 5, stream: Object.assign(new Writable(), { isTTY: false }) })).toEqual({});
    const stream = terminal();
    void progressBar({ total: 5, stream }).onEnd?.(noTrainer);
    expect(stream.text()).toBe('');
  });
});
