import { appendFile, mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import cliProgress from 'cli-progress';
import { expectNumber } from '@gantry/backend';
import type { JsonValue } from '@gantry/priors';
import { saveCheckpoint } from './checkpoint.js';
import type { Callback } from './loop.js';

/** Measures steps per second over a sliding window; read `rate()` from other callbacks. */
export function stepRate(): Callback & { rate(): number } {
  let start = performance.now();
  let firstStep: number | undefined;
  let rate = 0;
  return {
    onStep(report) {
      firstStep ??= report.step - 1;
      const now = performance.now();
      if (report.step - firstStep >= 20 || now - start > 2000) {
        rate = ((report.step - firstStep) * 1000) / (now - start);
        [start, firstStep] = [now, report.step];
      }
    },
    rate: () => rate,
  };
}

/**
 * Appends one JSON object per logging step to `path` (`metrics.jsonl`): `step`, `time`,
 * `stepsPerSecond`, `losses` (by `phase.term`), `prior`, `entropy`. Also logs the last step.
 */
export function metricsLog(path: string, options: { readonly every: number; readonly lastStep?: number; readonly rate?: () => number }): Callback {
  const every = expectNumber('metricsLog', 'options.every', options.every, { min: 1, integer: true });
  let ready: Promise<unknown> | undefined;
  return {
    async onStep(report) {
      if (report.step % every !== 0 && report.step !== options.lastStep) return;
      ready ??= mkdir(dirname(path), { recursive: true });
      await ready;
      const line = { step: report.step, time: new Date().toISOString(), stepsPerSecond: Number((options.rate?.() ?? 0).toFixed(3)), losses: report.losses, prior: report.prior, entropy: report.entropy };
      await appendFile(path, `${JSON.stringify(line)}\n`);
    },
  };
}

/** Saves an atomic checkpoint (`saveCheckpoint`) every `every` steps and at `lastStep`. */
export function checkpoints(directory: string, config: JsonValue, options: { readonly every: number; readonly lastStep?: number; readonly keep?: number }): Callback {
  const every = expectNumber('checkpoints', 'options.every', options.every, { min: 1, integer: true });
  // Stryker disable next-line ConditionalExpression: equivalent: saveCheckpoint reads keep ?? 3, so { keep: undefined } and {} agree (its `!==` sibling is killed)
  const saveOptions = options.keep === undefined ? {} : { keep: options.keep };
  return {
    async onStep(report, trainer) {
      if (report.step % every === 0 || report.step === options.lastStep) await saveCheckpoint(directory, trainer, config, saveOptions);
    },
  };
}

/**
 * A terminal progress bar: steps/s, ETA, the current losses and the entropy of P(C). Draws
 * only when `stream` is a terminal; elsewhere (CI logs, pipes) it stays quiet.
 */
export function progressBar(options: { readonly total: number; readonly stream?: NodeJS.WritableStream & { readonly isTTY?: boolean }; readonly rate?: () => number }): Callback {
  const stream = options.stream ?? process.stderr;
  if (stream.isTTY !== true) return {};
  const bar = new cliProgress.SingleBar(
    { format: 'train {bar} {value}/{total} | {rate} steps/s | ETA {eta_formatted} | {losses} | H(C) {entropy}', hideCursor: true, etaBuffer: 50, stream },
    cliProgress.Presets.shades_classic,
  );
  let started = false;
  return {
    onStep(report) {
      if (!started) {
        bar.start(options.total, report.step - 1, { rate: '-', losses: '', entropy: '-' });
        started = true;
      }
      if (report.step % 5 !== 0 && report.step !== options.total) return;
      const losses = Object.entries(report.losses)
        .map(([name, value]) => `${name.replace('discriminator.', 'D.').replace('generator.', 'G.')} ${value.toFixed(3)}`)
        .join(' ');
      bar.update(report.step, { rate: (options.rate?.() ?? 0).toFixed(1), losses, entropy: report.entropy.toFixed(3) });
    },
    onEnd() {
      // Stryker disable next-line ConditionalExpression: equivalent: cli-progress's stop() returns at once on a bar that never started
      if (started) bar.stop();
    },
  };
}
