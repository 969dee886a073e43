import { appendFile, readFile } from 'node:fs/promises';
import type * as tf from '@tensorflow/tfjs-core';
import { categoryDigits, featureMoments, frechetDistanceFromMoments, type ReferenceClassifier } from '@gantry/metrics';
import type { Callback, Trainer } from '@gantry/trainer';
import { CorruptRunError } from './config.js';
import { generatedReadings, referenceFeatures } from './evaluate.js';

/** One point of a run's quality curve (a line of `curves.jsonl`). */
export interface CurvePoint {
  readonly step: number;
  /** Seconds of training up to this step, curve evaluations excluded, summed over the run's sessions (resumes). */
  readonly trainingSeconds: number;
  /** Seconds this point's evaluation took. */
  readonly evaluationSeconds: number;
  /** Generated images scored. */
  readonly samples: number;
  /** Fréchet distance of their reference features to the test images' (a smaller sample than the summary's 10,000: biased upward against it). */
  readonly frechetDistance: number;
  /** P(C)-weighted share of each category's majority digit ({@link categoryDigits}). */
  readonly consistency: number;
  readonly digitsCovered: number;
}

/**
 * A callback that scores the generator every `every` steps and at `lastStep` on a fixed
 * draw of `samples` images (the same z and categories each time, the generator EMA when
 * the run keeps one) with the reference classifier, and appends a {@link CurvePoint} to
 * `path`: quality over training wall time. `startSeconds` continues a resumed run's clock.
 *
 * @example
 * ```ts
 * const reference = await loadReferenceClassifier(); // @gantry/metrics/node
 * const curve = qualityCurve({ path: 'run/curves.jsonl', every: 500, lastStep: 6000, reference, real: testImages });
 * await train(trainer, { untilStep: 6000, callbacks: [curve] });
 * ```
 */
export function qualityCurve(options: {
  readonly path: string;
  readonly every: number;
  readonly lastStep: number;
  readonly reference: ReferenceClassifier;
  /** The real images compared against (the test set). */
  readonly real: tf.Tensor;
  readonly samples?: number;
  readonly startSeconds?: number;
}): Callback {
  const samples = options.samples ?? 2000;
  const realMoments = featureMoments(referenceFeatures(options.reference, options.real));
  let trainingSeconds = options.startSeconds ?? 0;
  let since = performance.now();
  return {
    async onStep(report, trainer: Trainer) {
      if (report.step % options.every !== 0 && report.step !== options.lastStep) return;
      const started = performance.now();
      trainingSeconds += (started - since) / 1000;
      const readings = generatedReadings(trainer, options.reference, samples, 0xc0ffee);
      const digits = categoryDigits(readings.categories, readings.digits, trainer.prior.probabilities());
      const point: CurvePoint = {
        step: report.step,
        trainingSeconds: Number(trainingSeconds.toFixed(3)),
        evaluationSeconds: Number(((performance.now() - started) / 1000).toFixed(3)),
        samples,
        frechetDistance: frechetDistanceFromMoments(featureMoments(readings.features), realMoments),
        consistency: digits.consistency,
        digitsCovered: digits.digitsCovered.length,
      };
      await appendFile(options.path, `${JSON.stringify(point)}\n`);
      since = performance.now();
    },
  };
}

/**
 * The points of a `curves.jsonl`, one per step (a line repeated by a resume that went back
 * to an earlier checkpoint: the later line wins), in step order. A line that is not a curve
 * point is a {@link CorruptRunError} naming the file and line.
 *
 * @example
 * ```ts
 * const last = (await readCurve('runs/mnist/curves.jsonl')).at(-1);
 * console.log(last?.step, last?.frechetDistance, last?.consistency);
 * ```
 */
export async function readCurve(path: string): Promise<CurvePoint[]> {
  const text = await readFile(path, 'utf8');
  const byStep = new Map<number, CurvePoint>();
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    let point: Partial<CurvePoint>;
    try {
      point = JSON.parse(line) as Partial<CurvePoint>;
    } catch {
      throw new CorruptRunError(`${path} line ${index + 1} is not JSON: the curve is damaged.`);
    }
    const fields = ['step', 'trainingSeconds', 'frechetDistance', 'consistency'] as const;
    if (fields.some((field) => typeof point[field] !== 'number' || !Number.isFinite(point[field]))) {
      throw new CorruptRunError(`${path} line ${index + 1} must hold the numbers ${fields.join(', ')}, got ${line.slice(0, 120)}.`);
    }
    byStep.set(point.step as number, point as CurvePoint);
  });
  return [...byStep.values()].sort((a, b) => a.step - b.step);
}
