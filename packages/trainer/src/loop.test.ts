import { describe, expect, it } from 'vitest';
import { every, NonFiniteLossError, train, TrainingInterruptedError, type Callback, type StepReport, type Trainer } from './index.js';

/**
 * `train` reads only a trainer's `step` and calls its `trainStep`: a counting stand-in keeps
 * these tests to the loop's own rules (order, stops, errors, signals) and makes them fast.
 */
function countingTrainer(options: { readonly failAt?: number; readonly onStep?: (step: number) => void } = {}): Trainer {
  const trainer = {
    step: 0,
    trainStep(): StepReport {
      const next = trainer.step + 1;
      if (next === options.failAt) throw new NonFiniteLossError(next, 'discriminator', 'creg', Number.NaN);
      trainer.step = next;
      options.onStep?.(next);
      return { step: next, losses: {}, prior: [1], entropy: 0 };
    },
  };
  return trainer as unknown as Trainer;
}

/** A callback that writes what it sees into `events`. */
function recorder(events: string[], name = 'cb'): Callback {
  return {
    onStep: (report, trainer) => {
      events.push(`${name}.step ${report.step} (trainer at ${trainer.step})`);
    },
    onEnd: (trainer, error) => {
      events.push(`${name}.end at ${trainer.step}${error === undefined ? '' : `: ${(error as Error).name}`}`);
    },
  };
}

describe('train', () => {
  it('steps up to untilStep, calling each callback in order after every step, then onEnd once', async () => {
    const events: string[] = [];
    const trainer = countingTrainer();
    await train(trainer, { untilStep: 3, callbacks: [recorder(events, 'a'), recorder(events, 'b')] });
    expect(trainer.step).toBe(3);
    expect(events).toEqual([
      'a.step 1 (trainer at 1)',
      'b.step 1 (trainer at 1)',
      'a.step 2 (trainer at 2)',
      'b.step 2 (trainer at 2)',
      'a.step 3 (trainer at 3)',
      'b.step 3 (trainer at 3)',
      'a.end at 3',
      'b.end at 3',
    ]);
  });

  it('continues from the trainer’s step (a resumed run), and trains nothing when it is already there', async () => {
    const events: string[] = [];
    const trainer = countingTrainer();
    await train(trainer, { untilStep: 2 });
    await train(trainer, { untilStep: 4, callbacks: [recorder(events)] });
    expect(events).toEqual(['cb.step 3 (trainer at 3)', 'cb.step 4 (trainer at 4)', 'cb.end at 4']);
    events.length = 0;
    await train(trainer, { untilStep: 4, callbacks: [recorder(events)] });
    await train(trainer, { untilStep: 0, callbacks: [recorder(events)] });
    expect(events).toEqual(['cb.end at 4', 'cb.end at 4']);
    expect(trainer.step).toBe(4);
  });

  it('awaits each onStep before the next step (a checkpoint write finishes first)', async () => {
    const events: string[] = [];
    const trainer = countingTrainer({ onStep: (step) => events.push(`trained ${step}`) });
    const slow: Callback = {
      onStep: async (report) => {
        await new Promise((resolve) => setTimeout(resolve, 5));
        events.push(`written ${report.step}`);
      },
    };
    await train(trainer, { untilStep: 2, callbacks: [slow] });
    expect(events).toEqual(['trained 1', 'written 1', 'trained 2', 'written 2']);
  });

  it('on an error stops before the next step, gives every onEnd the error, then rethrows it', async () => {
    const events: string[] = [];
    const trainer = countingTrainer({ failAt: 3 });
    const failure = train(trainer, { untilStep: 10, callbacks: [recorder(events, 'a'), recorder(events, 'b')] });
    await expect(failure).rejects.toThrow('Loss term discriminator.creg is NaN at step 3; training stopped before applying it (the last checkpoint is intact).');
    await expect(failure).rejects.toBeInstanceOf(NonFiniteLossError);
    expect(trainer.step).toBe(2);
    expect(events.slice(-2)).toEqual(['a.end at 2: NonFiniteLossError', 'b.end at 2: NonFiniteLossError']);
    expect(events).toHaveLength(6);
  });

  it('an error thrown by a callback ends training the same way', async () => {
    const events: string[] = [];
    const trainer = countingTrainer();
    const failing: Callback = {
      onStep: (report) => {
        if (report.step === 2) throw new RangeError('disk full');
      },
    };
    await expect(train(trainer, { untilStep: 5, callbacks: [failing, recorder(events)] })).rejects.toThrow('disk full');
    expect(trainer.step).toBe(2);
    expect(events).toEqual(['cb.step 1 (trainer at 1)', 'cb.end at 2: RangeError']);
  });

  it('stops between two steps when its signal is aborted, with the last completed step and the reason', async () => {
    const events: string[] = [];
    const controller = new AbortController();
    // The abort comes from the event loop, as a SIGINT handler's would: the loop must yield to
    // it between steps.
    const trainer = countingTrainer({ onStep: (step) => (step === 3 ? setImmediate(() => controller.abort('SIGINT')) : undefined) });
    const failure = train(trainer, { untilStep: 1_000, callbacks: [recorder(events)], signal: controller.signal });
    const error = await failure.catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(TrainingInterruptedError);
    expect((error as TrainingInterruptedError).name).toBe('TrainingInterruptedError');
    expect((error as TrainingInterruptedError).step).toBe(3);
    expect((error as TrainingInterruptedError).reason).toBe('SIGINT');
    expect((error as Error).message).toBe('training was interrupted after step 3');
    expect(trainer.step).toBe(3);
    expect(events.at(-1)).toBe('cb.end at 3: TrainingInterruptedError');
  });

  it('an already aborted signal trains no step', async () => {
    const trainer = countingTrainer();
    await expect(train(trainer, { untilStep: 5, signal: AbortSignal.abort('stop') })).rejects.toThrow('training was interrupted after step 0');
    expect(trainer.step).toBe(0);
  });

  it('falls back to a zero timeout where setImmediate does not exist (browsers)', async () => {
    const original = globalThis.setImmediate;
    const controller = new AbortController();
    const trainer = countingTrainer({ onStep: (step) => (step === 2 ? setTimeout(() => controller.abort('stop'), 0) : undefined) });
    // @ts-expect-error: removing Node's setImmediate, as a browser has none
    globalThis.setImmediate = undefined;
    try {
      await expect(train(trainer, { untilStep: 1_000, signal: controller.signal })).rejects.toThrow('training was interrupted after step 2');
    } finally {
      globalThis.setImmediate = original;
    }
  });
});

describe('every', () => {
  it('calls onStep on multiples of the interval only, and onEnd as it is', async () => {
    const events: string[] = [];
    const inner = recorder(events);
    const periodic = every(3, inner);
    expect(periodic.onEnd).toBe(inner.onEnd);
    await train(countingTrainer(), { untilStep: 7, callbacks: [periodic] });
    expect(events).toEqual(['cb.step 3 (trainer at 3)', 'cb.step 6 (trainer at 6)', 'cb.end at 7']);
  });

  it('keeps an absent onStep or onEnd absent', () => {
    expect(Object.keys(every(2, { onEnd: () => undefined }))).toEqual(['onEnd']);
    expect(Object.keys(every(2, { onStep: () => undefined }))).toEqual(['onStep']);
    expect(Object.keys(every(2, {}))).toEqual([]);
  });
});
