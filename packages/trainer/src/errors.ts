/** A loss term turned NaN or infinite: training stops before the bad gradient is applied. */
export class NonFiniteLossError extends Error {
  override readonly name = 'NonFiniteLossError';

  constructor(
    /** The step that produced it (1-based; the last completed step is one less). */
    readonly step: number,
    /** The phase, e.g. `discriminator`. */
    readonly phase: string,
    /** The term, e.g. `creg`. */
    readonly term: string,
    readonly value: number,
  ) {
    super(`Loss term ${phase}.${term} is ${value} at step ${step}; training stopped before applying it (the last checkpoint is intact).`);
  }
}
