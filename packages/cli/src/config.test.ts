import { describe, expect, it } from 'vitest';
import { checkConfig, CorruptRunError, FlagError, PRESETS, presetFlags, threadsFlag, trainConfig } from './config.js';

const resolvePath = (path: string): string => `/abs/${path}`;

describe('trainConfig recipe options', () => {
  it('gives --penalty-interval to VCAGAN and refuses an option the recipe does not have (its build would ignore it)', () => {
    expect(trainConfig({ penaltyInterval: '4' }, resolvePath).recipeOptions.penaltyInterval).toBe(4);
    expect(trainConfig({}, resolvePath).recipeOptions.penaltyInterval).toBeUndefined();
    expect(() => trainConfig({ penaltyInterval: '0' }, resolvePath)).toThrow(/--penalty-interval.*got "?0/);
    expect(() => trainConfig({ recipe: 'infogan', warmupSteps: '5' }, resolvePath)).toThrow(new FlagError('--warmup-steps is not an option of --recipe infogan, which would ignore it.'));
    expect(() => trainConfig({ recipe: 'acgan', penaltyInterval: '2' }, resolvePath)).toThrow(new FlagError('--penalty-interval is not an option of --recipe acgan, which would ignore it.'));
    expect(() => trainConfig({ probabilities: '0.5,0.5' }, resolvePath)).toThrow(new FlagError('--probabilities is not an option of --recipe vcagan, which would ignore it.'));
    expect(trainConfig({ recipe: 'infogan', probabilities: '0.5,0.5' }, resolvePath).recipeOptions.probabilities).toEqual([0.5, 0.5]);
  });
});

describe('trainConfig presets', () => {
  it('sizes MLPs for points and CNNs for images, from the preset of the data’s kind', () => {
    const points = trainConfig({}, resolvePath);
    expect([points.steps, points.recipeOptions.units, points.recipeOptions.layers, points.recipeOptions.channels]).toEqual([10_000, 128, 4, undefined]);
    const mnist = trainConfig({ dataset: 'mnist' }, resolvePath);
    expect([mnist.steps, mnist.recipeOptions.channels, mnist.recipeOptions.units, mnist.recipeOptions.layers]).toEqual([6_000, [16, 32], undefined, undefined]);
    const paper = trainConfig({ dataset: 'mnist', preset: 'paper' }, resolvePath);
    expect([paper.steps, paper.recipeOptions.channels, paper.batchSize]).toEqual([200_000, [64, 128], 32]);
    const paperPoints = trainConfig({ preset: 'paper' }, resolvePath);
    expect([paperPoints.steps, paperPoints.recipeOptions.units]).toEqual([50_000, 512]);
    const folder = trainConfig({ data: 'digits' }, resolvePath, { imageFolder: true });
    expect([folder.data, folder.steps, folder.recipeOptions.channels]).toEqual(['/abs/digits', PRESETS.quick.images.steps, [16, 32]]);
    const file = trainConfig({ data: 'points.csv' }, resolvePath, { imageFolder: false });
    expect([file.steps, file.recipeOptions.units]).toEqual([PRESETS.quick.points.steps, 128]);
  });

  it('the quick image preset is a set of default flags: InfoGAN’s MNIST networks with normalization; a flag given wins; the paper preset and points have none', () => {
    const quick = trainConfig({ dataset: 'mnist' }, resolvePath);
    expect(quick.recipeOptions).toEqual({
      channels: [16, 32],
      initialization: 'dcgan',
      generatorHidden: [1024],
      discriminatorHidden: [1024],
      generatorActivation: 'relu',
      generatorNormalization: 'batch',
      discriminatorNormalization: 'layer',
    });
    expect([quick.learningRate, quick.generatorLearningRate, quick.beta1, quick.beta2]).toEqual([2e-4, 1e-3, 0.5, 0.99]);
    expect(trainConfig({ data: 'digits' }, resolvePath, { imageFolder: true }).recipeOptions).toEqual(quick.recipeOptions);
    const given = trainConfig({ dataset: 'mnist', preset: 'quick', discriminatorNormalization: 'none', discriminatorHidden: '', learningRate: '1e-3' }, resolvePath);
    expect([given.recipeOptions.discriminatorNormalization, given.recipeOptions.discriminatorHidden, given.recipeOptions.generatorHidden, given.learningRate, given.beta1]).toEqual(['none', [], [1024], 1e-3, 0.5]);
    const paper = trainConfig({ dataset: 'mnist', preset: 'paper' }, resolvePath);
    expect(paper.recipeOptions).toEqual({ channels: [64, 128] });
    expect([paper.learningRate, paper.generatorLearningRate, paper.beta1]).toEqual([1e-3, undefined, 0]);
    const points = trainConfig({}, resolvePath);
    expect(points.recipeOptions).toEqual({ units: 128, layers: 4 });
    expect([points.learningRate, points.generatorLearningRate, points.beta1]).toEqual([1e-3, undefined, 0]);
    expect(() => trainConfig({ dataset: 'mnist', generatorNormalization: 'layer' }, resolvePath)).toThrow(new FlagError('--generator-normalization must be one of none, batch, got "layer".'));
    expect(presetFlags(PRESETS.quick.images.flags)).toBe(
      '--initialization dcgan --generator-hidden 1024 --discriminator-hidden 1024 --generator-activation relu --generator-normalization batch --discriminator-normalization layer --learning-rate 2e-4 --generator-learning-rate 1e-3 --beta1 0.5',
    );
    expect(presetFlags(PRESETS.paper.images.flags)).toBe('');
  });

  it('takes --channels and --steps over the preset’s', () => {
    const config = trainConfig({ dataset: 'mnist', channels: '8, 24', steps: '300' }, resolvePath);
    expect([config.steps, config.recipeOptions.channels]).toEqual([300, [8, 24]]);
  });

  it('--weights: phase.term=weight overrides, an ablation; bad entries refused in one line', () => {
    expect(trainConfig({ weights: 'discriminator.creg=0, discriminator.r1=0.5,generator.adversarial=2' }, resolvePath).weights).toEqual({ discriminator: { creg: 0, r1: 0.5 }, generator: { adversarial: 2 } });
    expect(trainConfig({}, resolvePath).weights).toBeUndefined();
    for (const bad of ['creg=0', 'discriminator.creg=-1', 'discriminator.creg=x', 'discriminator.creg', '']) {
      expect(() => trainConfig({ weights: bad }, resolvePath)).toThrow(`--weights must be comma-separated phase.term=weight entries with weights >= 0 (e.g. discriminator.creg=0,discriminator.r1=0), got ${JSON.stringify(bad)}.`);
    }
  });

  it('--adversarial: a loss pair of @gantry/losses by name, recorded in recipeOptions; anything else refused in one line', () => {
    expect(trainConfig({ adversarial: 'hinge' }, resolvePath).recipeOptions.adversarial).toBe('hinge');
    expect(trainConfig({}, resolvePath).recipeOptions).not.toHaveProperty('adversarial');
    expect(() => trainConfig({ adversarial: 'Hinge' }, resolvePath)).toThrow('--adversarial must be one of logistic, minimax, hinge, wasserstein, least-squares, got "Hinge".');
  });

  it('--threads: 1 to 4, for wasm or auto only', () => {
    expect(threadsFlag(undefined, 'cpu')).toBeUndefined();
    expect(threadsFlag('2', 'auto')).toBe(2);
    expect(threadsFlag('4', 'wasm')).toBe(4);
    expect(() => threadsFlag('5', 'wasm')).toThrow('--threads must be an integer >= 1 and <= 4, got "5".');
    expect(() => threadsFlag('1', 'tensorflow')).toThrow("--threads sets the wasm backend's threads; this run's backend is tensorflow (got --threads 1).");
  });

  it('InfoGAN’s MNIST networks and optimizer by flags: recorded in recipeOptions and the config; misfits refused in one line', () => {
    const config = trainConfig(
      { dataset: 'mnist', initialization: 'dcgan', generatorHidden: '1024', discriminatorHidden: '1024, 512', generatorActivation: 'relu', learningRate: '2e-4', generatorLearningRate: '1e-3', beta1: '0.5', curveEvery: '250' },
      resolvePath,
    );
    expect(config.recipeOptions).toMatchObject({ initialization: 'dcgan', generatorHidden: [1024], discriminatorHidden: [1024, 512], generatorActivation: 'relu' });
    expect([config.learningRate, config.generatorLearningRate, config.beta1, config.beta2, config.curveEvery]).toEqual([2e-4, 1e-3, 0.5, 0.99, 250]);
    expect(trainConfig({ dataset: 'mnist', discriminatorHidden: '' }, resolvePath).recipeOptions.discriminatorHidden).toEqual([]);
    for (const kind of ['none', 'batch', 'layer']) expect(trainConfig({ dataset: 'mnist', discriminatorNormalization: kind }, resolvePath).recipeOptions.discriminatorNormalization).toBe(kind);
    expect(trainConfig({ dataset: 'mnist', preset: 'paper' }, resolvePath).recipeOptions.discriminatorNormalization).toBeUndefined();
    const plain = trainConfig({ dataset: 'mnist', preset: 'paper', steps: '300' }, resolvePath);
    expect([plain.generatorLearningRate, plain.beta1, plain.curveEvery, plain.recipeOptions.initialization]).toEqual([undefined, 0, 300, undefined]);
    expect(trainConfig({}, resolvePath).curveEvery).toBeUndefined();
    expect(trainConfig({ initialization: 'dcgan' }, resolvePath).recipeOptions.initialization).toBe('dcgan');
    const refusals: [Parameters<typeof trainConfig>[0], string][] = [
      [{ generatorHidden: '1024' }, '--generator-hidden shapes the CNNs of image data, but this run trains on points (MLPs: --units, --layers).'],
      [{ generatorActivation: 'relu' }, '--generator-activation shapes the CNNs of image data, but this run trains on points (MLPs: --units, --layers).'],
      [{ dataset: 'mnist', discriminatorHidden: '1024,x' }, '--discriminator-hidden must be comma-separated positive integers (units of fully connected layers, e.g. 1024), or "" for none, got "1024,x".'],
      [{ dataset: 'mnist', generatorActivation: 'tanh' }, '--generator-activation must be one of leaky, relu, got "tanh".'],
      [{ discriminatorNormalization: 'layer' }, '--discriminator-normalization shapes the CNNs of image data, but this run trains on points (MLPs: --units, --layers).'],
      [{ dataset: 'mnist', discriminatorNormalization: 'group' }, '--discriminator-normalization must be one of none, batch, layer, got "group".'],
      [{ dataset: 'mnist', generatorNormalization: 'layer' }, '--generator-normalization must be one of none, batch, got "layer".'],
      [{ initialization: 'he' }, '--initialization must be one of equalized, dcgan, got "he".'],
      [{ beta1: '1' }, '--beta1 must be a number >= 0 and < 1, got "1".'],
      [{ generatorLearningRate: '0' }, '--generator-learning-rate must be a number > 0, got "0".'],
      [{ curveEvery: '100' }, '--curve-every scores generated digits with the MNIST reference classifier: it goes with --dataset mnist.'],
      [{ dataset: 'mnist', curveEvery: '0' }, '--curve-every must be an integer >= 1, got "0".'],
    ];
    for (const [flags, message] of refusals) expect(() => trainConfig(flags, resolvePath), message).toThrow(new FlagError(message));
    expect(() => checkConfig({ ...config, generatorLearningRate: -1 }, 'c.json')).toThrow(CorruptRunError);
    expect(() => checkConfig({ ...config, curveEvery: 0.5 }, 'c.json')).toThrow('c.json: curveEvery must be an integer in [1, 9007199254740991], got 0.5');
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

describe('checkConfig: a config.json read back from a run folder', () => {
  const good = trainConfig({ dataset: 'mnist', steps: '200', seed: '3' }, resolvePath);
  const text = JSON.stringify(good);
  const message = (value: unknown): string => {
    try {
      checkConfig(value, '/run/config.json');
    } catch (error) {
      expect(error).toBeInstanceOf(CorruptRunError);
      return (error as Error).message;
    }
    return 'accepted';
  };

  it('accepts what trainConfig writes, and names a bad field with its file, the expected and the actual value', () => {
    expect(checkConfig(JSON.parse(text), '/run/config.json')).toEqual(good);
    expect(message({ ...good, steps: 'abc' })).toBe('/run/config.json: steps must be an integer in [1, 9007199254740991], got "abc"; fix it, or start the run again (--force).');
    expect(message({ ...good, recipe: 'gan' })).toBe('/run/config.json: recipe must be one of "vcagan", "vanilla", "infogan", "acgan", "cagan", got "gan"; fix it, or start the run again (--force).');
    expect(message({ ...good, generatorEma: 1 })).toBe('/run/config.json: generatorEma must be a number in (0, 1), got 1; fix it, or start the run again (--force).');
    expect(message({ ...good, recipeOptions: { lambdaCreg: null } })).toBe('/run/config.json: recipeOptions.lambdaCreg must be a finite number, a string, a boolean or a list of finite numbers, got null; fix it, or start the run again (--force).');
    expect(message([1])).toBe('/run/config.json: the file must be a Gantry run configuration object, got [1]; fix it, or start the run again (--force).');
  });

  // 40 seeded mutations of config.json's text (with the 200 of the data readers in
  // @gantry/datasets): each is refused with one clean error, or is a valid config.
  it('fuzzing: 40 seeded mutations of config.json give a valid config or one clean error', () => {
    let state = 0xc0f1;
    const random = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state / 4294967296;
    };
    const at = (n: number): number => Math.floor(random() * n);
    const replacements = ['0', '-1', '1.5', 'null', 'true', '"x"', '[]', '{}', '1e309', '""'];
    const counts = { accepted: 0, refused: 0 };
    for (let i = 0; i < 40; i++) {
      let mutated: string;
      const kind = at(3);
      if (kind === 0) {
        // A value replaced: the most likely hand edit.
        const values = [...text.matchAll(/:(-?[\d.e+-]+|"[^"]*"|true|false|null)/g)];
        const match = values[at(values.length)] as RegExpMatchArray;
        mutated = `${text.slice(0, (match.index as number) + 1)}${replacements[at(replacements.length)]}${text.slice((match.index as number) + match[0].length)}`;
      } else if (kind === 1) mutated = text.slice(0, at(text.length));
      else {
        const position = at(text.length);
        mutated = `${text.slice(0, position)}${String.fromCharCode(32 + at(90))}${text.slice(position + 1)}`;
      }
      let parsed: unknown;
      try {
        parsed = JSON.parse(mutated);
      } catch {
        // gantry reads this as a damaged run folder (readConfig): a CorruptRunError of its own.
        counts.refused += 1;
        continue;
      }
      const outcome = message(parsed);
      if (outcome === 'accepted') counts.accepted += 1;
      else {
        expect(outcome).toMatch(/^\/run\/config\.json: .+ must be .+, got .+; fix it, or start the run again \(--force\)\.$/);
        counts.refused += 1;
      }
    }
    expect(counts.accepted + counts.refused).toBe(40);
    expect(counts.refused).toBeGreaterThan(0);
    console.log(`fuzz config.json: ${counts.accepted} accepted, ${counts.refused} refused with a clean error`);
  });
});
