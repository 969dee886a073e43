import { describe, expect, it } from 'vitest';
import { FlagError, PRESETS, trainConfig } from './config.js';

const resolvePath = (path: string): string => `/abs/${path}`;

describe('trainConfig presets', () => {
  it('sizes MLPs for points and CNNs for images, from the preset of the data’s kind', () => {
    const points = trainConfig({}, resolvePath);
    expect([points.steps, points.recipeOptions.units, points.recipeOptions.layers, points.recipeOptions.channels]).toEqual([10_000, 128, 4, undefined]);
    const mnist = trainConfig({ dataset: 'mnist' }, resolvePath);
    expect([mnist.steps, mnist.recipeOptions.channels, mnist.recipeOptions.units, mnist.recipeOptions.layers]).toEqual([15_000, [16, 32], undefined, undefined]);
    const paper = trainConfig({ dataset: 'mnist', preset: 'paper' }, resolvePath);
    expect([paper.steps, paper.recipeOptions.channels, paper.batchSize]).toEqual([200_000, [64, 128], 32]);
    const paperPoints = trainConfig({ preset: 'paper' }, resolvePath);
    expect([paperPoints.steps, paperPoints.recipeOptions.units]).toEqual([50_000, 512]);
    const folder = trainConfig({ data: 'digits' }, resolvePath, { imageFolder: true });
    expect([folder.data, folder.steps, folder.recipeOptions.channels]).toEqual(['/abs/digits', PRESETS.quick.images.steps, [16, 32]]);
    const file = trainConfig({ data: 'points.csv' }, resolvePath, { imageFolder: false });
    expect([file.steps, file.recipeOptions.units]).toEqual([PRESETS.quick.points.steps, 128]);
  });

  it('takes --channels and --steps over the preset’s', () => {
    const config = trainConfig({ dataset: 'mnist', channels: '8, 24', steps: '300' }, resolvePath);
    expect([config.steps, config.recipeOptions.channels]).toEqual([300, [8, 24]]);
  });

  it('refuses a network flag that does not fit the data, and bad channels, in one line', () => {
    const message = (flags: Parameters<typeof trainConfig>[0]): string => {
      try {
        trainConfig(flags, resolvePath);
      } catch (error) {
        expect(error).toBeInstanceOf(FlagError);
        return (error as Error).message;
      }
      return 'no error';
    };
    expect(message({ dataset: 'mnist', units: '64' })).toBe('--units sizes the MLPs of point data, but this run trains on images (CNNs: --channels).');
    expect(message({ dataset: 'mnist', layers: '2' })).toBe('--layers sizes the MLPs of point data, but this run trains on images (CNNs: --channels).');
    expect(message({ channels: '8,16' })).toBe('--channels sizes the CNNs of image data, but this run trains on points (MLPs: --units, --layers).');
    for (const bad of ['8,x', '', '8,0', '8,1.5', '-8']) {
      expect(message({ dataset: 'mnist', channels: bad })).toBe(`--channels must be comma-separated positive integers (D's filters from the input up, e.g. 32,64), got ${JSON.stringify(bad)}.`);
    }
  });
});
