import { expectNumber } from '@gantry/backend';
import type { StepReport, Trainer } from './trainer.js';

/** Something that watches training: logs, progress, pictures, checkpoints. */
export interface Callback {
  /** After every step. Awaited: a checkpoint write finishes before the next step. */
  readonly onStep?: (report: StepReport, trainer: Trainer) => void | Promise<void>;
  /** After the last step, or when training stops on an error (then with the error). */
  readonly onEnd?: (trainer: Trainer, error?: unknown) => void | Promise<void>;
}

/** Runs `callback.onStep` every `interval` steps (and `onEnd` as it is). */
export function every(interval: number, callback: Callback): Callback {
  const period = expectNumber('every', 'interval', interval, { min: 1, integer: true });
  return {
    // Stryker disable next-line OptionalChaining: equivalent: this branch exists only where onStep is defined
    ...(callback.onStep === undefined ? {} : { onStep: (report, trainer) => (report.step % period === 0 ? callback.onStep?.(report, trainer) : undefined) }),
    ...(callback.onEnd === undefined ? {} : { onEnd: callback.onEnd }),
  };
}

/** One turn of the event loop (Node's setImmediate; a zero timeout in browsers). */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => {
    // Stryker disable next-line ConditionalExpression,StringLiteral: equivalent in Node: setTimeout(resolve, 0) also yields one turn, only later (1 ms)
    if (typeof globalThis.setImmediate === 'function') globalThis.setImmediate(resolve);
    else setTimeout(resolve, 0);
  });
}

/** Training stopped between two steps because its `signal` was aborted (Ctrl-C in `gantry train`). */
export class TrainingInterruptedError extends Error {
  override readonly name = 'TrainingInterruptedError';

  constructor(
    /** The last completed step: the trainer's state is whole there. */
    readonly step: number,
    readonly reason: unknown,
  ) {
    super(`training was interrupted after step ${step}`);
  }
}

/**
 * Trains until `trainer.step` reaches `untilStep`, calling the callbacks after each step.
 * A {@link NonFiniteLossError} (or any error) stops training before the bad step is applied;
 * `onEnd` still runs with the error, then it is rethrown. An aborted `signal` stops training
 * between two steps the same way, with a {@link TrainingInterruptedError}; with a signal,
 * each step yields to the event loop once, so that a signal handler can run.
 */
export async function train(trainer: Trainer, options: { readonly untilStep: number; readonly callbacks?: readonly Callback[]; readonly signal?: AbortSignal }): Promise<void> {
  const untilStep = expectNumber('train', 'options.untilStep', options.untilStep, { min: 0, integer: true });
  // Stryker disable next-line ArrayDeclaration: equivalent: a string has neither onStep nor onEnd, so the mutant's list calls nothing
  const callbacks = options.callbacks ?? [];
  const { signal } = options;
  try {
    while (trainer.step < untilStep) {
      if (signal !== undefined) {
        await yieldToEventLoop();
        if (signal.aborted) throw new TrainingInterruptedError(trainer.step, signal.reason);
      }
      const report = trainer.trainStep();
      for (const callback of callbacks) await callback.onStep?.(report, trainer);
    }
  } catch (error) {
    for (const callback of callbacks) await callback.onEnd?.(trainer, error);
    throw error;
  }
  for (const callback of callbacks) await callback.onEnd?.(trainer);
}
