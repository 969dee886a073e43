import { describe, expect, it } from 'vitest';
import { vcaganVariantLine } from './commands.js';

describe('vcaganVariantLine', () => {
  it("names the paper's text, or every option beyond it", () => {
    expect(vcaganVariantLine({ recipeOptions: { lambdaCreg: 0.1, units: 128 }, generatorEma: null })).toBe("VCAGAN as the paper's text (Algorithm 1)");
    expect(
      vcaganVariantLine({ recipeOptions: { lambdaCreg: 0.1, warmupSteps: 2000, recentre: true, recentreAnnealSteps: 2000, categories: 16 }, generatorEma: 0.999 }),
    ).toBe(
      "VCAGAN with a 2,000-step prior warm-up with re-centred virtual labels faded out over 2,000 steps (Gantry's), d_c = 16, samples from an EMA (0.999) of the generator's weights: not the paper's text (docs/results/gaussian.md says where each option comes from and compares them)",
    );
  });
});
