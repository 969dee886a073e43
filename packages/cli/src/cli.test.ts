import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs-core';
import { loadLatestCheckpoint } from '@gantry/trainer/node';
import { gantry } from './test-support/gantry.js';


// Small networks and few steps: these test the command line, not the paper's results.
const TINY = ['--backend', 'cpu', '--units', '8', '--layers', '2', '--log-every', '10', '--sample-every', '1000'];

describe('gantry', () => {
  let cwd = '';
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gantry-cli-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('train writes a complete run folder and prints the evaluation', async () => {
    const { code, out, err } = await gantry(cwd, 'train', ...TINY, '--sample-every', '15', '--steps', '30', '--lambda-creg', '0.1', '--out', 'runs/a');
    expect(err).toBe('');
    expect(code).toBe(0);
    expect(out).toContain('gantry train: vcagan on gaussian-mixture, backend cpu');
    expect(out).toMatch(/high-quality fraction \d\.\d{4} \(within 3σ of a center\)/);
    expect(out).toMatch(/clustering accuracy \d\.\d{4}, NMI \d\.\d{4}/);
    const files = (await readdir(join(cwd, 'runs/a'))).sort();
    expect(files).toEqual(['checkpoints', 'config.json', 'metrics.jsonl', 'models', 'pictures', 'prior.png', 'prior.svg', 'samples.png', 'samples.svg', 'summary.json']);
    const summary = JSON.parse(await readFile(join(cwd, 'runs/a/summary.json'), 'utf8'));
    expect(summary.format).toBe('gantry/run-summary');
    expect(summary.step).toBe(30);
    expect(summary.mixture.categories.length).toBeGreaterThan(0);
    const metrics = (await readFile(join(cwd, 'runs/a/metrics.jsonl'), 'utf8')).trim().split('\n').map((line) => JSON.parse(line));
    expect(metrics.map((line: { step: number }) => line.step)).toEqual([10, 20, 30]);
    expect(Object.keys(metrics[0].losses)).toEqual(['discriminator.adversarial', 'discriminator.cls', 'discriminator.creg', 'discriminator.r1', 'generator.adversarial']);
    expect((await readdir(join(cwd, 'runs/a/pictures'))).sort()).toEqual(['samples-step-00000015.svg', 'samples-step-00000030.svg']);
    const svg = await readFile(join(cwd, 'runs/a/samples.svg'), 'utf8');
    expect(svg.startsWith('<svg')).toBe(true);
    const png = await readFile(join(cwd, 'runs/a/samples.png'));
    expect([...png.subarray(1, 4)].map((byte) => String.fromCharCode(byte)).join('')).toBe('PNG');
  }, 120_000);

  it('--no-plan trains through the engine to the same weights, byte for byte, as the default kernel plans', async () => {
    const planned = await gantry(cwd, 'train', ...TINY, '--steps', '20', '--seed', '6', '--warmup-steps', '5', '--recentre', '--recentre-anneal-steps', '5', '--out', 'runs/planned');
    expect(planned.out).toMatch(/kernel plans: discriminator replayed \(\d+ kernels\); discriminator\/adam replayed/);
    const engine = await gantry(cwd, 'train', ...TINY, '--steps', '20', '--seed', '6', '--warmup-steps', '5', '--recentre', '--recentre-anneal-steps', '5', '--out', 'runs/engine', '--no-plan');
    expect(engine.code).toBe(0);
    expect(engine.out).not.toContain('kernel plans');
    for (const network of ['generator', 'discriminator']) {
      const a = await readFile(join(cwd, 'runs/planned/models', network, 'weights.bin'));
      const b = await readFile(join(cwd, 'runs/engine/models', network, 'weights.bin'));
      expect(Buffer.compare(a, b), network).toBe(0);
    }
  }, 120_000);

  it('resume is exact: 20 steps straight equal 10 steps, then --resume to 20 (weights byte for byte)', async () => {
    expect((await gantry(cwd, 'train', ...TINY, '--checkpoint-every', '10', '--steps', '20', '--seed', '4', '--out', 'runs/straight')).code).toBe(0);
    expect((await gantry(cwd, 'train', ...TINY, '--checkpoint-every', '10', '--steps', '10', '--seed', '4', '--out', 'runs/resumed')).code).toBe(0);
    const resumed = await gantry(cwd, 'train', '--resume', '--steps', '20', '--out', 'runs/resumed');
    expect(resumed.err).toBe('');
    expect(resumed.out).toContain('resumed from');
    for (const network of ['generator', 'discriminator']) {
      const a = await readFile(join(cwd, 'runs/straight/models', network, 'weights.bin'));
      const b = await readFile(join(cwd, 'runs/resumed/models', network, 'weights.bin'));
      expect(Buffer.compare(a, b), network).toBe(0);
    }
    const summary = (run: string): Promise<{ prior: number[] }> => readFile(join(cwd, run, 'summary.json'), 'utf8').then((text) => JSON.parse(text));
    expect((await summary('runs/resumed')).prior).toEqual((await summary('runs/straight')).prior);
    // Extended with --steps, the run's config.json now says 20 steps: a later --resume stops there too.
    expect(JSON.parse(await readFile(join(cwd, 'runs/resumed/config.json'), 'utf8')).steps).toBe(20);
  }, 120_000);

  it('with --generator-ema, models/generator holds the averaged weights that samples and evaluation use', async () => {
    const { code, err } = await gantry(cwd, 'train', ...TINY, '--steps', '10', '--checkpoint-every', '10', '--generator-ema', '0.5', '--seed', '6', '--out', 'runs/ema');
    expect(code, err).toBe(0);
    const latest = await loadLatestCheckpoint(join(cwd, 'runs/ema/checkpoints'));
    const tensors = latest?.snapshot.tensors ?? {};
    const [averaged, trained] = [tensors['ema/0'], tensors['network/generator/0']];
    if (averaged === undefined || trained === undefined) throw new Error('the checkpoint has no generator EMA');
    const saved = new Float32Array((await readFile(join(cwd, 'runs/ema/models/generator/weights.bin'))).buffer.slice(0, averaged.size * 4));
    expect(Array.from(saved)).toEqual(Array.from(averaged.dataSync()));
    expect(Array.from(saved)).not.toEqual(Array.from(trained.dataSync()));
    tf.dispose(Object.values(tensors));
  }, 120_000);

  it('resume after a kill is exact: 200 steps straight equal a run killed after its step-100 checkpoint and resumed to 200', async () => {
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const flags = [...TINY, '--checkpoint-every', '100', '--steps', '200', '--seed', '9'];
    expect((await gantry(cwd, 'train', ...flags, '--out', 'runs/unbroken')).code).toBe(0);
    const child = spawn(process.execPath, [bin, 'train', ...flags, '--out', 'runs/killed'], { cwd, stdio: 'ignore' });
    const latest = join(cwd, 'runs/killed/checkpoints/latest.json');
    await new Promise<void>((resolve, reject) => {
      const poll = setInterval(() => {
        readFile(latest, 'utf8')
          .then((text) => {
            if ((JSON.parse(text) as { step: number }).step >= 100) {
              clearInterval(poll);
              child.kill('SIGKILL');
            }
          })
          .catch(() => undefined);
      }, 5);
      child.on('exit', () => {
        clearInterval(poll);
        resolve();
      });
      child.on('error', reject);
    });
    const killedAt = JSON.parse(await readFile(latest, 'utf8')) as { step: number };
    expect(killedAt.step).toBe(100);
    const resumed = await gantry(cwd, 'train', '--resume', '--out', 'runs/killed');
    expect(resumed.err).toBe('');
    expect(resumed.out).toContain('(step 100)');
    for (const network of ['generator', 'discriminator']) {
      const a = await readFile(join(cwd, 'runs/unbroken/models', network, 'weights.bin'));
      const b = await readFile(join(cwd, 'runs/killed/models', network, 'weights.bin'));
      expect(Buffer.compare(a, b), network).toBe(0);
    }
  }, 120_000);

  it('trains on a folder of PNG images and writes the category grid', async () => {
    const folder = join(cwd, 'images');
    await mkdir(folder, { recursive: true });
    for (let i = 0; i < 12; i++) {
      const png = new PNG({ width: 8, height: 8, colorType: 0 });
      for (let p = 0; p < 64; p++) {
        const value = (p + i * 7) % 2 === 0 ? 255 : 0;
        png.data.set([value, value, value, 255], p * 4);
      }
      await writeFile(join(folder, `image-${String(i).padStart(2, '0')}.png`), PNG.sync.write(png, { colorType: 0 }));
    }
    const trained = await gantry(cwd, 'train', '--backend', 'cpu', '--data', 'images', '--steps', '3', '--sample-every', '2', '--batch-size', '4', '--categories', '3', '--latent-dim', '4', '--out', 'runs/images');
    expect(trained.err).toBe('');
    expect(trained.code).toBe(0);
    const grid = PNG.sync.read(await readFile(join(cwd, 'runs/images/samples.png')));
    // 8 rows of z; one column per category ≥ 1% (all 3 at the start): 8×8 images with 2-pixel gutters.
    expect([grid.width, grid.height]).toEqual([3 * 10 + 2, 8 * 10 + 2]);
    // --sample-every 2 over 3 steps: one periodic grid, at step 2.
    expect(await readdir(join(cwd, 'runs/images/pictures'))).toEqual(['samples-step-00000002.png']);
  }, 120_000);

  it('an MNIST run scores its generated digits with the reference classifier in summary.json', async () => {
    const { code, out } = await gantry(cwd, 'train', '--dataset', 'mnist', '--backend', 'wasm', '--steps', '2', '--log-every', '2', '--sample-every', '2', '--out', 'runs/mnist');
    expect(code).toBe(0);
    expect(out).toMatch(/generated images \(10000\), by the reference classifier: class consistency \d\.\d{4}; digits covered \d+\/10 \[[\d, ]+\]; Fréchet distance to the test images \d+\.\d{2}/);
    const summary = JSON.parse(await readFile(join(cwd, 'runs/mnist/summary.json'), 'utf8'));
    expect(summary.images.samples).toBe(10_000);
    expect(summary.images.categories.length).toBe(summary.significantCategories.length);
    expect(summary.images.frechetDistance).toBeGreaterThan(0);
    expect(summary.clustering.points).toBe(10_000);
    expect(summary.clustering.oneToOne).toBeGreaterThanOrEqual(0);
    // The grid under a header of each column's digit and P(c), drawn at twice the size: 8 rows
    // of 28 × 28 images with 2-pixel gutters, plus 22 pixels of header.
    const grid = PNG.sync.read(await readFile(join(cwd, 'runs/mnist/samples.png')));
    expect([grid.width, grid.height]).toEqual([2 * (summary.significantCategories.length * 30 + 2), 2 * (8 * 30 + 2 + 22)]);
  }, 300_000);

  it('eval and sample read a run back', async () => {
    const evaluated = await gantry(cwd, 'eval', '--run', 'runs/a');
    expect(evaluated.code).toBe(0);
    expect(evaluated.out).toContain('step 30: P(C) entropy');
    const labelled = join(cwd, 'labelled.csv');
    await writeFile(labelled, 'x,y,label\n-2,2,0\n2,1,1\n0,-2,2\n1,-1,3\n');
    const onFile = await gantry(cwd, 'eval', '--run', 'runs/a', '--data', labelled);
    expect(onFile.out).toContain('classifier on 4 labelled points');
    const sampled = await gantry(cwd, 'sample', '--run', 'runs/a', '--n', '500', '--out', 'out/s.svg');
    expect(sampled.code).toBe(0);
    expect((await readFile(join(cwd, 'out/s.svg'), 'utf8')).startsWith('<svg')).toBe(true);
    // A fresh process has no backend registered until the command selects one (in-process,
    // this test file's imports already registered cpu).
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const child = spawn(process.execPath, [bin, 'eval', '--run', 'runs/a'], { cwd });
    let childErr = '';
    child.stderr.on('data', (chunk: Buffer) => (childErr += chunk.toString()));
    const childCode = await new Promise<number | null>((resolve) => child.on('close', resolve));
    // Only TF.js's advice to install tfjs-node may appear, never an error.
    expect(childErr).not.toMatch(/Error|\n\s+at /);
    expect(childCode).toBe(0);
  }, 120_000);

  it('bad input: names the valid choices, the flag, the folder', async () => {
    const recipe = await gantry(cwd, 'train', '--recipe', 'vcgan');
    expect([recipe.code, recipe.err]).toEqual([2, 'gantry: --recipe must be one of vcagan, vanilla, infogan, acgan, cagan, got "vcgan".\n']);
    expect((await gantry(cwd, 'train', '--dataset', 'cifar')).err).toBe('gantry: --dataset must be one of gaussian-mixture, mnist, got "cifar".\n');
    expect((await gantry(cwd, 'train', '--lambda-creg', '-1')).err).toBe('gantry: --lambda-creg must be a number >= 0, got "-1".\n');
    expect((await gantry(cwd, 'train', '--steps', '2.5')).err).toBe('gantry: --steps must be an integer >= 1, got "2.5".\n');
    expect((await gantry(cwd, 'train', '--batch-size', 'x')).err).toBe('gantry: --batch-size must be an integer >= 1, got "x".\n');
    expect((await gantry(cwd, 'train', '--backend', 'cuda')).err).toBe('gantry: --backend must be one of auto, tensorflow, webgpu, webgl, wasm, cpu, got "cuda".\n');
    expect((await gantry(cwd, 'train', '--generator-ema', '1')).err).toBe('gantry: --generator-ema must be a number > 0 and < 1, got "1".\n');
    expect((await gantry(cwd, 'train', '--recentre')).err).toBe('gantry: --recentre re-centres the virtual labels during the prior warm-up: give --warmup-steps too.\n');
    expect((await gantry(cwd, 'train', '--warmup-steps', '10', '--recentre-anneal-steps', '5')).err).toBe(
      'gantry: --recentre-anneal-steps fades out the re-centring of --recentre: give --recentre (and --warmup-steps) too.\n',
    );
    const existing = await gantry(cwd, 'train', ...TINY, '--steps', '5', '--out', 'runs/a');
    expect(existing.code).toBe(2);
    expect(existing.err).toBe(`gantry: ${join(cwd, 'runs/a')} already holds a run (config.json); pass --force to replace it, or --resume to continue it.\n`);
    const noCheckpoint = join(cwd, 'runs/fresh');
    await gantry(cwd, 'train', ...TINY, '--steps', '5', '--checkpoint-every', '1000', '--out', 'runs/fresh');
    await rm(join(noCheckpoint, 'checkpoints'), { recursive: true, force: true });
    expect((await gantry(cwd, 'train', '--resume', '--out', 'runs/fresh')).err).toBe(
      `gantry: --resume: ${noCheckpoint} holds no checkpoint (checkpoints/latest.json is missing); start it again without --resume.\n`,
    );
    expect((await gantry(cwd, 'train', '--resume', '--out', 'runs/a', '--seed', '3')).err).toBe('gantry: --resume continues the run as its config.json says; only --steps, --threads and --no-plan may change (got --seed).\n');
    expect((await gantry(cwd, 'eval', '--run', 'nowhere')).err).toBe(`gantry: ${join(cwd, 'nowhere')} is not a Gantry run folder: it has no config.json.\n`);
    expect((await gantry(cwd, 'sample', '--run', 'runs/a', '--out', 's.gif')).err).toBe('gantry: --out must be a file ending in .svg or .png, got "s.gif".\n');
    await writeFile(join(cwd, 'unlabelled.csv'), 'x,y\n0,1\n1,0\n2,2\n');
    const supervised = await gantry(cwd, 'train', ...TINY, '--recipe', 'acgan', '--data', 'unlabelled.csv', '--out', 'runs/acgan');
    expect(supervised.err).toBe("gantry: acgan.build: data.classes must be the number of label classes (acgan trains on the dataset's labels), got unlabelled data.\n");
    await expect(readdir(join(cwd, 'runs/acgan'))).rejects.toThrow(/ENOENT/);
  }, 120_000);
});
