import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { createRandom, selectBackend, setValueChecks, valueChecksEnabled } from '@gantry/backend';
import { gaussianMixture, type GaussianMixtureOptions } from '@gantry/datasets';
import { readCsvPoints, readJsonPoints } from '@gantry/datasets/node';
import type { ReferenceClassifier } from '@gantry/metrics';
import { loadReferenceClassifier } from '@gantry/metrics/node';
import { trainableVariables } from '@gantry/models';
import type { JsonValue } from '@gantry/priors';
import { every, train, TrainingInterruptedError, type Callback, type Trainer } from '@gantry/trainer';
import { checkpoints, loadLatestCheckpoint, metricsLog, progressBar, saveCheckpoint, stepRate, type LoadedCheckpoint } from '@gantry/trainer/node';
import { checkConfig, CorruptRunError, FlagError, flagName, PRESETS, presetFlags, RunInterruptedError, threadsFlag, trainConfig, type RunConfig, type TrainFlags } from './config.js';
import { qualityCurve, readCurve, type CurvePoint } from './curves.js';
import { describeSummary, evaluateRun, type ImageSummary, type RunSummary } from './evaluate.js';
import { curvesSvg, imageGridPng, labelledGridSvg, priorHistorySvg, scatterSvg, svgToPng } from './pictures.js';
import { provenance } from './provenance.js';
import { exists, isFolder, writeAtomically } from './files.js';
import { buildTrainer, loadData, type RunData } from './session.js';
import { runSlurmCell, submitSlurmSweep, sweepStatus, type SlurmSettings } from './slurm.js';
import { parseGrid, runSweep, sweepCells, SweepFailedError, type SweepRecord, type TrainOptionTable } from './sweep.js';

/** Where a command writes: stdout for results, stderr for progress; `isTTY` turns the progress bar on. */
export interface Console {
  readonly out: (line: string) => void;
  readonly err: NodeJS.WritableStream & { readonly isTTY?: boolean };
  readonly cwd: string;
}

/** One line saying which VCAGAN this is: the paper's text, or which options beyond it are on. */
export function vcaganVariantLine(config: Pick<RunConfig, 'recipeOptions' | 'generatorEma'>): string {
  const options = config.recipeOptions;
  const departures = [
    typeof options.warmupSteps === 'number' && options.warmupSteps > 0 ? `a ${options.warmupSteps.toLocaleString('en-US')}-step prior warm-up${options.recentre === true ? ' with re-centred virtual labels' : ''}${typeof options.recentreAnnealSteps === 'number' && options.recentreAnnealSteps > 0 ? ` faded out over ${options.recentreAnnealSteps.toLocaleString('en-US')} steps (Gantry's)` : ''}` : '',
    typeof options.penaltyInterval === 'number' && options.penaltyInterval > 1 ? `lazy penalties (every ${options.penaltyInterval} steps, weighed ×${options.penaltyInterval})` : '',
    typeof options.lambdaR2 === 'number' && options.lambdaR2 > 0 ? `R2 on generated data (${options.lambdaR2})` : '',
    typeof options.lambdaCregFake === 'number' && options.lambdaCregFake > 0 ? `the classifier penalty on generated data (${options.lambdaCregFake})` : '',
    options.classifier === 'separate' ? 'a separate classifier' : '',
    typeof options.adversarial === 'string' && options.adversarial !== 'logistic' ? `the ${options.adversarial} adversarial loss` : '',
    typeof options.categories === 'number' ? `d_c = ${options.categories}` : '',
    config.generatorEma === null ? '' : `samples from an EMA (${config.generatorEma}) of the generator's weights`,
  ].filter(Boolean);
  if (departures.length === 0) return "VCAGAN as the paper's text (Algorithm 1)";
  return `VCAGAN with ${departures.join(', ')}: not the paper's text (docs/results/gaussian.md says where each option comes from and compares them)`;
}


/** The JSON content of a flag's file; an unreadable or non-JSON file is a {@link FlagError} naming the flag. */
async function readJsonFlag(flag: string, path: string, hint = ''): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new FlagError(`--${flag} ${path} cannot be read${hint}.`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new FlagError(`--${flag} ${path} is not JSON (${(error as Error).message}).`);
  }
}

/** `--mixture FILE`: a JSON `{ centers, probabilities, std }`, checked by gaussianMixture. */
async function readMixture(path: string): Promise<GaussianMixtureOptions> {
  const value = await readJsonFlag('mixture', path, ': give a JSON file { "centers": [[x, y], ...], "probabilities": [...], "std": s }');
  const mixture = gaussianMixture(value as GaussianMixtureOptions).toJSON();
  return { centers: mixture.centers.map((center) => [...center]), probabilities: [...mixture.probabilities], std: mixture.std };
}

async function readConfig(run: string): Promise<RunConfig> {
  let text: string;
  try {
    text = await readFile(join(run, 'config.json'), 'utf8');
  } catch {
    throw new FlagError(`${run} is not a Gantry run folder: it has no config.json.`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new CorruptRunError(`${join(run, 'config.json')} is not JSON (${text.length} bytes): the run folder is damaged; start the run again (--force).`);
  }
  return checkConfig(value, join(run, 'config.json'));
}

/** The flags `gantry train` accepts besides {@link TrainFlags}. */
export interface TrainCommandFlags extends TrainFlags {
  readonly out?: string;
  readonly resume?: boolean;
  readonly force?: boolean;
  /** False (`--no-plan`): every step through TF.js's engine. How a step runs, not what it computes: not in config.json. */
  readonly plan?: boolean;
  /** `--threads`: the wasm backend's threads. How fast a step runs, not what it computes: not in config.json. */
  readonly threads?: string;
}

/** Trains from a fresh or resumed run folder; returns the summary it wrote. */
export async function trainCommand(flags: TrainCommandFlags, io: Console): Promise<RunSummary> {
  const started = performance.now();
  let config: RunConfig;
  let run: string;
  if (flags.resume === true) {
    if (flags.out === undefined) throw new FlagError('--resume needs --out, the run folder to continue.');
    run = resolve(io.cwd, flags.out);
    const given = Object.entries(flags).filter(([key, value]) => value !== undefined && !['out', 'resume', 'steps', 'force', 'plan', 'threads'].includes(key));
    if (given.length > 0) throw new FlagError(`--resume continues the run as its config.json says; only --steps, --threads and --no-plan may change (got --${given.map(([key]) => flagName(key)).join(', --')}).`);
    const saved = await readConfig(run);
    config = flags.steps === undefined ? saved : { ...saved, steps: trainConfig({ ...flags, recipe: saved.recipe, steps: flags.steps }, (p) => p).steps };
    // Only whether it is there: the checkpoint is read once the backend is selected.
    if (!(await exists(join(run, 'checkpoints', 'latest.json')))) throw new FlagError(`--resume: ${run} holds no checkpoint (checkpoints/latest.json is missing); start it again without --resume.`);
  } else {
    const imageFolder = flags.data !== undefined && (await isFolder(resolve(io.cwd, flags.data)));
    config = trainConfig(flags, (path) => resolve(io.cwd, path), { imageFolder, ...(flags.mixture === undefined ? {} : { mixture: await readMixture(resolve(io.cwd, flags.mixture)) }) });
    run = resolve(io.cwd, flags.out ?? join('runs', `${config.recipe}-${config.dataset ?? basename(config.data ?? 'data')}-seed${config.seed}`));
    if (await exists(run)) {
      const entries = await readdir(run);
      if (entries.length > 0 && flags.force !== true) {
        const what = entries.includes('config.json') ? 'already holds a run (config.json)' : 'exists and is not empty';
        throw new FlagError(`${run} ${what}; pass --force to replace it, or --resume to continue it.`);
      }
    }
  }

  const threads = threadsFlag(flags.threads, config.backend);
  const selection = await selectBackend(config.backend, threads === undefined ? {} : { threads });
  // The trainer reads every loss term each step and stops on a non-finite one, so the
  // losses' own value checks (one device read per loss call) add time and nothing else.
  const valueChecks = valueChecksEnabled();
  setValueChecks(false);
  const threadsNote = selection.threads !== null && selection.threads > 1 ? `, ${selection.threads} threads` : '';
  io.out(`gantry train: ${config.recipe} on ${config.dataset ?? config.data}, backend ${selection.backend}${threadsNote} (${selection.reason})`);
  if (config.preset !== null) {
    const channels = config.recipeOptions.channels;
    const images = Array.isArray(channels);
    const networks = images ? `CNNs ${channels.join(',')}` : `MLPs ${String(config.recipeOptions.layers)} × ${String(config.recipeOptions.units)}`;
    const paper = images ? `${PRESETS.paper.images.steps} steps of CNNs ${PRESETS.paper.images.channels.join(',')}` : `${PRESETS.paper.points.steps} steps of ${PRESETS.paper.points.layers} × ${PRESETS.paper.points.units}`;
    const own = images ? presetFlags(PRESETS[config.preset].images.flags) : '';
    io.out(`  preset ${config.preset}: ${config.steps} steps, batch ${config.batchSize}, ${networks}${own === '' ? '' : `, with ${own} where not given`}${config.preset === 'quick' ? ` (the paper preset is ${paper}: --preset paper)` : ''}`);
  }
  if (config.recipe === 'vcagan') io.out(`  ${vcaganVariantLine(config)}`);
  if (config.weights !== undefined) io.out(`  term weights overridden (an ablation): ${Object.entries(config.weights).flatMap(([phase, terms]) => Object.entries(terms).map(([term, weight]) => `${phase}.${term} = ${weight}`)).join(', ')}`);
  const data = await loadData(config);
  // Built before the run folder is touched: a recipe that refuses the data leaves no trace.
  const trainer = buildTrainer(config, data, { plan: flags.plan !== false });
  if (flags.resume !== true) {
    await rm(run, { recursive: true, force: true });
    await mkdir(run, { recursive: true });
    config = { ...config, provenance: await provenance(selection.backend, selection.threads) };
    await writeAtomically(join(run, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  } else if (flags.steps !== undefined) {
    // The run now goes to the new step count: a later --resume, eval or sweep reads it from here.
    await writeAtomically(join(run, 'config.json'), `${JSON.stringify(config, null, 2)}\n`);
  }
  const resumeFrom = flags.resume === true ? await loadCheckpoint(run, io) : null;
  const reference = config.curveEvery !== undefined && data.evaluation !== undefined ? await loadReferenceClassifier() : undefined;
  if (resumeFrom !== null) {
    trainer.restore(resumeFrom.snapshot);
    tf.dispose(resumeFrom.snapshot.tensors);
    io.out(`  resumed from ${resumeFrom.path} (step ${resumeFrom.step})`);
  }
  try {
    // Ctrl-C (or SIGTERM) stops between two steps and saves that step, so --resume continues
    // exactly; a second signal ends the process at once (the default), and the atomic writes
    // still leave the run folder whole.
    const interrupt = new AbortController();
    const onSignal = (signal: NodeJS.Signals): void => interrupt.abort(signal);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    try {
      await train(trainer, { untilStep: config.steps, callbacks: await trainingCallbacks(config, run, data, trainer, io, reference), signal: interrupt.signal });
    } catch (error) {
      if (error instanceof TrainingInterruptedError && error.step > 0) await saveCheckpoint(join(run, 'checkpoints'), trainer, config as unknown as JsonValue);
      throw error instanceof TrainingInterruptedError ? new RunInterruptedError(run, error.step, error.reason) : error;
    } finally {
      process.removeListener('SIGINT', onSignal);
      process.removeListener('SIGTERM', onSignal);
    }
    if (flags.plan !== false) io.out(`  kernel plans: ${Object.entries(trainer.plans()).map(([name, status]) => `${name} ${status}`).join('; ')}`);
    // The curves' reference classifier, already loaded, serves the final evaluation too.
    const summary = await finishRun(config, run, data, trainer, selection.backend, selection.threads, reference);
    for (const line of describeSummary(summary)) io.out(line);
    io.out(`  wrote ${run}: config.json, metrics.jsonl, summary.json, checkpoints/, models/, pictures (${((performance.now() - started) / 1000).toFixed(1)} s)`);
    return summary;
  } finally {
    reference?.dispose();
    disposeRun(trainer, data);
    setValueChecks(valueChecks);
  }
}

function disposeRun(trainer: Trainer, data: RunData): void {
  trainer.dispose();
  for (const model of Object.values(trainer.setup.networks)) model.dispose();
  data.evaluation?.x.dispose();
}

async function trainingCallbacks(config: RunConfig, run: string, data: RunData, trainer: Trainer, io: Console, reference: ReferenceClassifier | undefined): Promise<Callback[]> {
  const meter = stepRate();
  const callbacks: Callback[] = [
    meter,
    metricsLog(join(run, 'metrics.jsonl'), { every: config.logEvery, lastStep: config.steps, rate: meter.rate }),
  ];
  if (config.curveEvery !== undefined && reference !== undefined && data.evaluation !== undefined) {
    // A resumed run's clock goes on from its last curve point at or before the checkpoint.
    const path = join(run, 'curves.jsonl');
    const earlier = (await exists(path)) ? (await readCurve(path)).filter((point) => point.step <= trainer.step) : [];
    const startSeconds = earlier.at(-1)?.trainingSeconds ?? 0;
    callbacks.push(qualityCurve({ path, every: config.curveEvery, lastStep: config.steps, reference, real: data.evaluation.x, startSeconds }));
  }
  // After the curve point of the same step, so that a resume from this checkpoint finds it.
  callbacks.push(checkpoints(join(run, 'checkpoints'), config as unknown as JsonValue, { every: config.checkpointEvery, lastStep: config.steps }));
  const picture = (step: number, extension: string): string => join(run, 'pictures', `samples-step-${String(step).padStart(8, '0')}.${extension}`);
  if (data.mixture !== undefined) {
    callbacks.push(every(config.sampleEvery, { onStep: async (report, current) => writeScatter(picture(report.step, 'svg'), current, data, `step ${report.step}`, false) }));
  } else if (data.source.sampleShape.length === 3) {
    callbacks.push(every(config.sampleEvery, { onStep: async (report, current) => writeGrid(picture(report.step, 'png'), current) }));
  }
  callbacks.push(progressBar({ total: config.steps, stream: io.err, rate: meter.rate }));
  return callbacks;
}

async function writeScatter(path: string, trainer: Trainer, data: RunData, title: string, png: boolean): Promise<void> {
  const generated = trainer.sample(2000, { seed: 7 });
  const real = data.mixture?.sample(2000, createRandom(11));
  const svg = await scatterSvg({
    title,
    real: real === undefined ? [] : real.points.dataSync(),
    generated: generated.x.dataSync(),
    categories: generated.categories,
    prior: trainer.prior.probabilities(),
  });
  tf.dispose([generated.x, real?.points, real?.components]);
  await mkdir(join(path, '..'), { recursive: true });
  await writeAtomically(path, svg);
  if (png) await writeAtomically(path.replace(/\.svg$/, '.png'), await svgToPng(svg));
}

/**
 * Samples of every category ≥ 1% as an image grid (Figs. 5-7): one row per z, one column per
 * category. Given the reference classifier's reading (`images` of the summary), the columns
 * are ordered by their majority digit, then by P(c), under a header with each one's digit
 * and P(c).
 */
export async function writeGrid(path: string, trainer: Trainer, images: ImageSummary | null = null, rowsOfZ = 8): Promise<void> {
  const prior = trainer.prior.probabilities();
  const digitOf = new Map((images?.categories ?? []).map((report) => [report.category, report.digit]));
  const shown = prior.flatMap((p, k) => (p >= 0.01 ? [k] : []));
  if (images !== null) shown.sort((a, b) => (digitOf.get(a) ?? 10) - (digitOf.get(b) ?? 10) || (prior[b] as number) - (prior[a] as number));
  // One row per z, one column per category (Figs. 5-7): the same z repeated across a row.
  const categories = Array.from({ length: rowsOfZ }, () => shown).flat();
  const sampleShape = trainer.data.sampleShape;
  // A fixed stream: the same rows of z in every grid of a run, repeated across each row.
  // Trainer.sample encodes c as training does and uses the generator EMA when the run keeps
  // one: the network the summary's figures come from.
  const latent = tf.tidy(() => {
    const z = trainer.setup.continuous.sample(rowsOfZ, createRandom(123));
    return tf.reshape(tf.tile(tf.expandDims(z, 1), [1, shown.length, 1]), [rowsOfZ * shown.length, -1]) as tf.Tensor2D;
  });
  const generated = trainer.sample(categories.length, { categories, latent }).x;
  latent.dispose();
  const [height, width] = [sampleShape[0] as number, sampleShape[1] as number];
  const png = imageGridPng(generated.dataSync(), { rows: rowsOfZ, columns: shown.length, height, width, channels: sampleShape[2] as number });
  generated.dispose();
  await mkdir(join(path, '..'), { recursive: true });
  if (images === null) {
    await writeAtomically(path, png);
    return;
  }
  const labels = shown.map((category) => [`${digitOf.get(category) ?? '-'}`, (prior[category] as number).toFixed(2)]);
  const svg = labelledGridSvg(png, { width: shown.length * (width + 2) + 2, height: rowsOfZ * (height + 2) + 2, cell: width + 2, labels });
  await writeAtomically(path, await svgToPng(svg));
}

/**
 * Saves a network; the generator with its averaged weights when the run keeps a generator
 * EMA, since those are what sampling and evaluation use. Nothing trains meanwhile.
 */
async function saveModel(trainer: Trainer, name: string, model: tfl.LayersModel, url: string): Promise<void> {
  const ema = trainer.generatorEma;
  if (ema === undefined || name !== trainer.setup.generator) {
    await model.save(url);
    return;
  }
  const variables = trainableVariables(model);
  const trained = variables.map((variable) => tf.keep(variable.clone()));
  variables.forEach((variable, index) => variable.assign(ema.shadows[index] as tf.Variable));
  try {
    await model.save(url);
  } finally {
    variables.forEach((variable, index) => variable.assign(trained[index] as tf.Tensor));
    tf.dispose(trained);
  }
}

/** evaluateRun, with the reference MNIST classifier of @gantry/metrics for MNIST runs: the one given (the caller disposes it), or one loaded for this evaluation. */
async function evaluateWithReference(config: RunConfig, trainer: Trainer, data: RunData, backend: string, threads: number | null = null, loaded?: ReferenceClassifier): Promise<RunSummary> {
  const own = config.dataset === 'mnist' && loaded === undefined ? await loadReferenceClassifier() : undefined;
  const reference = config.dataset === 'mnist' ? (loaded ?? own) : undefined;
  try {
    return { ...evaluateRun(trainer, data, { recipe: config.recipe, seed: config.seed, backend }, 10_000, reference), provenance: await provenance(backend, threads) };
  } finally {
    own?.dispose();
  }
}

async function finishRun(config: RunConfig, run: string, data: RunData, trainer: Trainer, backend: string, threads: number | null, reference?: ReferenceClassifier): Promise<RunSummary> {
  for (const [name, model] of Object.entries(trainer.setup.networks)) await saveModel(trainer, name, model, `file://${join(run, 'models', name)}`);
  const summary = await evaluateWithReference(config, trainer, data, backend, threads, reference);
  await writeAtomically(join(run, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
  if (data.mixture !== undefined) await writeScatter(join(run, 'samples.svg'), trainer, data, `${config.recipe}, step ${trainer.step}`, true);
  if (trainer.data.sampleShape.length === 3) await writeGrid(join(run, 'samples.png'), trainer, summary.images);
  const history = (await readFile(join(run, 'metrics.jsonl'), 'utf8'))
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as { step: number; prior: number[] });
  const priorSvg = await priorHistorySvg(`P(C) over training: ${config.recipe}`, history);
  await writeAtomically(join(run, 'prior.svg'), priorSvg);
  await writeAtomically(join(run, 'prior.png'), await svgToPng(priorSvg));
  return summary;
}

/**
 * The run's newest intact checkpoint (`loadLatestCheckpoint`), verified before loading;
 * stderr names each damaged one passed over, and the one used instead.
 */
async function loadCheckpoint(run: string, io: Console): Promise<LoadedCheckpoint | null> {
  let skipped = 0;
  const loaded = await loadLatestCheckpoint(join(run, 'checkpoints'), {
    onSkip: (entry) => {
      skipped += 1;
      io.err.write(`gantry: passing over ${entry.path}: ${entry.reason}\n`);
    },
  });
  if (loaded !== null && skipped > 0) io.err.write(`gantry: using ${loaded.path} (step ${loaded.step}), the newest intact checkpoint\n`);
  return loaded;
}

async function openRun(runFlag: string | undefined, io: Console): Promise<{ run: string; config: RunConfig; data: RunData; trainer: Trainer; backend: string }> {
  if (runFlag === undefined) throw new FlagError('--run is required: the run folder written by gantry train.');
  const run = resolve(io.cwd, runFlag);
  const config = await readConfig(run);
  // Before the checkpoint: decoding its weights makes tensors, which need a backend.
  const selection = await selectBackend(config.backend);
  const latest = await loadCheckpoint(run, io);
  if (latest === null) throw new FlagError(`${run} holds no checkpoint (checkpoints/latest.json is missing).`);
  const data = await loadData(config);
  const trainer = buildTrainer(config, data);
  trainer.restore(latest.snapshot);
  tf.dispose(latest.snapshot.tensors);
  return { run, config, data, trainer, backend: selection.backend };
}

/** `gantry eval`: re-evaluates a run's latest checkpoint, optionally on other labelled points. */
export async function evalCommand(flags: { readonly run?: string; readonly data?: string; readonly labelColumn?: string }, io: Console): Promise<RunSummary> {
  const { run, config, data, trainer, backend } = await openRun(flags.run, io);
  try {
    let evaluation = data;
    if (flags.data !== undefined) {
      const path = resolve(io.cwd, flags.data);
      const dataset = path.toLowerCase().endsWith('.json') ? await readJsonPoints(path) : await readCsvPoints(path, { labelColumn: flags.labelColumn ?? 'label' });
      if (dataset.labels === undefined) throw new FlagError(`--data ${path} has no labels: evaluation needs a label column.`);
      data.evaluation?.x.dispose();
      const values = Float32Array.from(dataset.values, (v) => v * dataset.scale + dataset.offset);
      evaluation = { ...data, evaluation: { x: tf.tensor(values, [dataset.size, ...dataset.sampleShape]), labels: dataset.labels } };
    }
    const summary = await evaluateWithReference(config, trainer, evaluation, backend);
    await writeAtomically(join(run, 'summary.json'), `${JSON.stringify(summary, null, 2)}\n`);
    for (const line of describeSummary(summary)) io.out(line);
    evaluation.evaluation?.x.dispose();
    return summary;
  } finally {
    trainer.dispose();
    for (const model of Object.values(trainer.setup.networks)) model.dispose();
  }
}

/** `gantry sample`: draws samples from a run's latest checkpoint into an SVG or PNG. */
export async function sampleCommand(flags: { readonly run?: string; readonly n?: string; readonly out?: string; readonly seed?: string }, io: Console): Promise<string> {
  const count = flags.n === undefined ? 2000 : Number(flags.n);
  if (!Number.isInteger(count) || count < 1 || count > 1_000_000) throw new FlagError(`--n must be an integer in [1, 1000000], got ${JSON.stringify(flags.n)}.`);
  if (flags.out === undefined || !/\.(svg|png)$/i.test(flags.out)) throw new FlagError(`--out must be a file ending in .svg or .png, got ${JSON.stringify(flags.out)}.`);
  const { config, data, trainer } = await openRun(flags.run, io);
  const out = resolve(io.cwd, flags.out);
  try {
    await mkdir(join(out, '..'), { recursive: true });
    if (trainer.data.sampleShape.length === 3) {
      if (!out.toLowerCase().endsWith('.png')) throw new FlagError('--out must be a .png for image data.');
      await writeGrid(out, trainer);
    } else {
      const generated = trainer.sample(count, { seed: Number(flags.seed ?? 7) });
      const real = data.mixture?.sample(count, createRandom(11));
      const svg = await scatterSvg({ title: `${config.recipe}, step ${trainer.step}`, real: real?.points.dataSync() ?? [], generated: generated.x.dataSync(), categories: generated.categories, prior: trainer.prior.probabilities() });
      tf.dispose([generated.x, real?.points, real?.components]);
      await writeAtomically(out, out.toLowerCase().endsWith('.png') ? await svgToPng(svg) : svg);
    }
    io.out(`wrote ${out}`);
    return out;
  } finally {
    disposeRun(trainer, data);
  }
}

/**
 * `gantry curves`: each run's quality curve (`curves.jsonl`) as a table on stdout, and with
 * `--out` as one picture (.svg or .png) of every run side by side.
 *
 * @example
 * ```ts
 * await curvesCommand({ run: ['runs/a', 'runs/b'], out: 'curves.png' }, { out: console.log, err: process.stderr, cwd: process.cwd() });
 * ```
 */
export async function curvesCommand(flags: { readonly run?: readonly string[]; readonly out?: string }, io: Console): Promise<void> {
  const runs = flags.run ?? [];
  if (runs.length === 0) throw new FlagError('--run is required: one or more run folders of MNIST runs (each with curves.jsonl).');
  if (flags.out !== undefined && !/\.(svg|png)$/i.test(flags.out)) throw new FlagError(`--out must be a file ending in .svg or .png, got ${JSON.stringify(flags.out)}.`);
  const series: { name: string; points: CurvePoint[] }[] = [];
  for (const runFlag of runs) {
    const run = resolve(io.cwd, runFlag);
    const path = join(run, 'curves.jsonl');
    if (!(await exists(path))) throw new FlagError(`${run} has no curves.jsonl: quality curves are recorded by MNIST runs (gantry train --dataset mnist, --curve-every).`);
    const points = await readCurve(path);
    series.push({ name: runFlag, points });
    io.out(`${runFlag}:`);
    io.out('  step     minutes  Fréchet  consistency  digits');
    for (const point of points) {
      io.out(`  ${String(point.step).padStart(7)}  ${(point.trainingSeconds / 60).toFixed(1).padStart(7)}  ${point.frechetDistance.toFixed(1).padStart(7)}  ${point.consistency.toFixed(3).padStart(11)}  ${String(point.digitsCovered).padStart(6)}`);
    }
  }
  if (flags.out !== undefined) {
    const out = resolve(io.cwd, flags.out);
    const svg = await curvesSvg('Quality over training time', series);
    await mkdir(join(out, '..'), { recursive: true });
    await writeAtomically(out, out.toLowerCase().endsWith('.png') ? await svgToPng(svg) : svg);
    io.out(`wrote ${out}`);
  }
}

/** The flags of `gantry sweep`. */
export interface SweepCommandFlags {
  readonly grid?: string;
  readonly out?: string;
  readonly parallel?: string;
  readonly reportOnly?: boolean;
  /** `local` (the default): cells as processes here; `slurm`: one SLURM job array. */
  readonly engine?: string;
  readonly partition?: string;
  readonly time?: string;
  readonly cpusPerTask?: string;
  readonly gres?: string;
  readonly dryRun?: boolean;
  readonly status?: boolean;
  /** Internal: what each SLURM array task runs, the index of its cell. */
  readonly runCell?: string;
}

const SLURM_ONLY = ['partition', 'time', 'cpusPerTask', 'gres', 'dryRun'] as const;
const FLAG_NAMES: Readonly<Record<string, string>> = { partition: '--partition', time: '--time', cpusPerTask: '--cpus-per-task', gres: '--gres', dryRun: '--dry-run' };

function slurmSettings(flags: SweepCommandFlags, parallel: number | undefined): SlurmSettings {
  // These go into #SBATCH lines: no spaces or shell characters.
  const word = (name: string, value: string | undefined): string | undefined => {
    if (value === undefined) return undefined;
    if (!/^[A-Za-z0-9_.,:=/+-]+$/.test(value)) throw new FlagError(`${name} must be one word of letters, digits and _.,:=/+-, got ${JSON.stringify(value)}.`);
    return value;
  };
  const time = word('--time', flags.time);
  if (time !== undefined && !/^(\d+|\d+:\d{1,2}|\d+:\d{1,2}:\d{1,2}|\d+-\d+|\d+-\d+:\d{1,2}|\d+-\d+:\d{1,2}:\d{1,2})$/.test(time)) {
    throw new FlagError(`--time must be a SLURM time limit (minutes, HH:MM:SS or D-HH:MM:SS), got ${JSON.stringify(time)}.`);
  }
  const cpus = flags.cpusPerTask === undefined ? undefined : Number(flags.cpusPerTask);
  if (cpus !== undefined && !(Number.isInteger(cpus) && cpus >= 1)) throw new FlagError(`--cpus-per-task must be an integer >= 1, got ${JSON.stringify(flags.cpusPerTask)}.`);
  const partition = word('--partition', flags.partition);
  const gres = word('--gres', flags.gres);
  return { ...(partition === undefined ? {} : { partition }), ...(time === undefined ? {} : { time }), ...(cpus === undefined ? {} : { cpusPerTask: cpus }), ...(gres === undefined ? {} : { gres }), ...(parallel === undefined ? {} : { parallel }) };
}

/**
 * `gantry sweep`: runs a grid of configurations × seeds (see {@link SweepGrid}), each cell a
 * `gantry train` process and an ordinary run folder, and writes `sweep.json` and `sweep.md`;
 * with `--engine slurm`, submits the unfinished cells as one SLURM job array instead, and
 * `--status` shows where each cell stands. `options` are `gantry train`'s, to check the
 * grid's flags against.
 */
export async function sweepCommand(flags: SweepCommandFlags, io: Console, options: TrainOptionTable, bin?: string): Promise<SweepRecord | null> {
  if (flags.out === undefined) throw new FlagError('--out is required: the sweep folder (one run folder per configuration and seed inside it).');
  const out = resolve(io.cwd, flags.out);
  const gantryBin = bin ?? fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  if (flags.status === true) {
    const record = await readJsonFlag('out', join(out, 'sweep.json')).catch(() => {
      throw new FlagError(`--status: ${join(out, 'sweep.json')} does not exist or is not JSON; is --out a sweep folder?`);
    });
    const grid = parseGrid((record as { grid?: unknown }).grid, join(out, 'sweep.json'), options);
    const cells = await sweepCells(grid, out, io.cwd, join(out, 'sweep.json'), readMixture);
    const { lines, counts } = await sweepStatus({ grid, cells, out, cwd: io.cwd, bin: gantryBin, err: io.err });
    for (const line of lines) io.out(line);
    io.out(`${cells.length} cells: ${Object.entries(counts).map(([kind, count]) => `${count} ${kind}`).join(', ')}`);
    return null;
  }
  if (flags.grid === undefined) throw new FlagError('--grid is required: a JSON file { "base": {...}, "configurations": { "name": {...} }, "seeds": "1-10" }.');
  const engine = flags.engine ?? 'local';
  if (engine !== 'local' && engine !== 'slurm') throw new FlagError(`--engine must be local or slurm, got ${JSON.stringify(engine)}.`);
  const parallel = flags.parallel === undefined ? undefined : Number(flags.parallel);
  if (parallel !== undefined && !(Number.isInteger(parallel) && parallel >= 1)) throw new FlagError(`--parallel must be an integer >= 1, got ${JSON.stringify(flags.parallel)}.`);
  const slurmFlag = SLURM_ONLY.find((name) => flags[name] !== undefined);
  if (engine === 'local' && slurmFlag !== undefined) throw new FlagError(`${FLAG_NAMES[slurmFlag]} is for --engine slurm.`);
  const gridPath = resolve(io.cwd, flags.grid);
  const gridValue = await readJsonFlag('grid', gridPath);
  const grid = parseGrid(gridValue, flags.grid, options);
  const cells = await sweepCells(grid, out, io.cwd, flags.grid, readMixture);
  const sweep = { grid, cells, out, cwd: io.cwd, bin: gantryBin, err: io.err };
  if (flags.runCell !== undefined) {
    const index = Number(flags.runCell);
    if (!Number.isInteger(index)) throw new FlagError(`--run-cell must be a cell index, got ${JSON.stringify(flags.runCell)}.`);
    const code = await runSlurmCell(sweep, index);
    if (code !== 0) throw new SweepFailedError(`the cell's gantry train exited with ${code}`);
    return null;
  }
  if (engine === 'slurm' && flags.reportOnly !== true) {
    const submitted = await submitSlurmSweep(sweep, slurmSettings(flags, parallel), { dryRun: flags.dryRun === true, gridText: `${JSON.stringify(gridValue, null, 2)}\n` });
    if (flags.dryRun === true && submitted.script !== null) io.out(submitted.script.trimEnd());
    return null;
  }
  const record = await runSweep({ grid, cells, out, err: io.err, reportOnly: flags.reportOnly === true, ...(parallel === undefined ? {} : { parallel }), bin: gantryBin });
  const failed = record.cells.filter((cell) => cell.state === 'failed');
  for (const row of record.rows) io.out(`${row.configuration}: recovered ${row.recovered}/${row.finished}${row.notRecovered.length > 0 ? ` (not: seeds ${row.notRecovered.join(', ')})` : ''}, mean TV ${row.meanTotalVariation?.toFixed(4) ?? '-'}, worst TV ${row.worstTotalVariation?.toFixed(4) ?? '-'}`);
  if (failed.length > 0) {
    throw new SweepFailedError(`sweep: ${failed.length} of ${record.cells.length} cells failed (${failed.map((cell) => `${cell.configuration} seed ${cell.seed}`).join(', ')}); their logs are in ${join(out, 'logs')}; run the same command again to retry them.`);
  }
  return record;
}
