import { Command, CommanderError, Option } from 'commander';
import { DATASETS, PRESETS, presetFlags, RECIPES } from './config.js';
import { curvesCommand, evalCommand, sampleCommand, sweepCommand, trainCommand, type Console } from './commands.js';
import { describeError, EXIT_CODES } from './errors.js';
import { SweepFailedError, trainOptionTable } from './sweep.js';

/** Builds the `gantry` program (commander): `train`, `eval`, `sample`, `sweep`. */
export function program(io: Console): Command {
  const gantry = new Command('gantry')
    .description('Train, evaluate and sample VCAGAN and its baselines (Gantry, TensorFlow.js).')
    .exitOverride()
    .configureOutput({ writeOut: (text) => io.out(text.trimEnd()), writeErr: (text) => io.err.write(text) });
  gantry
    .command('train')
    .description('train a recipe on a dataset into a run folder')
    .option('--recipe <name>', `${Object.entries(RECIPES).map(([name, recipe]) => `${name} (${recipe.description})`).join('; ')}`, undefined)
    .option('--dataset <name>', `a built-in dataset: ${DATASETS.join(', ')} (default gaussian-mixture)`)
    .option('--data <path>', 'your own data instead: a CSV or JSON file of points, or a folder of PNG images')
    .option('--mixture <file.json>', 'with --dataset gaussian-mixture: another mixture, { "centers": [[x, y], ...], "probabilities": [...], "std": s } (default the paper’s, Fig. 1)')
    .option('--label-column <name>', 'the CSV column holding labels (evaluation and supervised recipes only)')
    .option(
      '--preset <name>',
      `${Object.keys(PRESETS).join(' or ')} (default quick: points ${PRESETS.quick.points.steps} steps of ${PRESETS.quick.points.layers} × ${PRESETS.quick.points.units} MLPs, images ${PRESETS.quick.images.steps} steps of CNNs ${PRESETS.quick.images.channels.join(',')} with ${presetFlags(PRESETS.quick.images.flags)}; paper: points ${PRESETS.paper.points.steps} steps of ${PRESETS.paper.points.layers} × ${PRESETS.paper.points.units}, images ${PRESETS.paper.images.steps} steps of CNNs ${PRESETS.paper.images.channels.join(',')})`,
    )
    .option('--steps <n>', 'training steps (the preset’s by default)')
    .option('--batch-size <n>', 'batch size (default 32)')
    .option('--seed <n>', 'seed of every draw (default 1)')
    .option('--backend <name>', 'auto, tensorflow, webgpu, wasm, webgl or cpu (default auto)')
    .option('--lambda-creg <x>', 'λ_creg, the classifier gradient penalty weight (Eq. 7; VCAGAN default 1)')
    .option('--lambda-cls <x>', 'λ_cls (default 1)')
    .option('--lambda-r1 <x>', 'λ_r1 (default 1)')
    .option('--lambda-r2 <x>', 'weight of R2 on generated data, E‖∇D(G(z,c))·c‖² (the author’s CGPGAN code; default 0)')
    .option('--lambda-creg-fake <x>', 'weight of the classifier penalty on generated data, E‖∇(1 − Q(x′)·c)²‖² (CGPGAN code; default 0)')
    .option('--penalty-interval <k>', 'VCAGAN: lazy regularization (StyleGAN2): R1 and the classifier penalties every k-th step, weighed ×k (default 1, the paper)')
    .option('--warmup-steps <n>', 'VCAGAN: keep P(C) frozen for the first n steps (CGPGAN code; default 0, the paper)')
    .option('--recentre', 'VCAGAN: during the warm-up, take virtual labels from batch-re-centred Q(x) (CGPGAN code)')
    .option('--recentre-anneal-steps <n>', 'VCAGAN with --recentre: fade the re-centring out over n steps after the warm-up instead of at once (Gantry; default 0)')
    .option('--classifier <kind>', 'VCAGAN: integrated (the paper’s D*, default) or separate (its own network and optimizer, CGPGAN code)')
    .option('--adversarial <loss>', 'the adversarial loss pair f_d, f_g of @gantry/losses: logistic (non-saturating, the default), minimax, hinge, wasserstein or least-squares')
    .option('--latent-dim <n>', 'd_z (default 16 for points, 128 for images)')
    .option('--categories <n>', 'd_c (default 8 for points, 16 for images)')
    .option('--probabilities <list>', 'a fixed P(C) for the baselines, e.g. 0.1,0.2,0.3,0.4 (InfoGAN’s optimal prior, Fig. 3 left)')
    .option('--units <n>', 'units per MLP hidden layer (the preset’s by default)')
    .option('--layers <n>', 'MLP hidden layers (the preset’s by default)')
    .option('--weights <list>', 'term weight overrides for an ablation, phase.term=weight, comma-separated: discriminator.creg=0,discriminator.r1=0 (the names are the recipe’s: see metrics.jsonl’s losses)')
    .option('--channels <list>', 'images: filters of D’s stride-2 convolutions from the input up, e.g. 32,64; G uses them in reverse (the preset’s by default)')
    .option('--learning-rate <x>', 'Adam learning rate (default 1e-3; β = (0, 0.99)); of D (and Q) only when --generator-learning-rate is given')
    .option('--generator-learning-rate <x>', 'the generator’s own Adam learning rate (InfoGAN’s MNIST setup: 1e-3 for G, 2e-4 for D; default --learning-rate)')
    .option('--beta1 <x>', 'Adam β1 for every network (default 0, the paper; DCGAN and InfoGAN use 0.5)')
    .option('--initialization <kind>', 'equalized (equalized learning rate, the paper; default) or dcgan (plain layers, N(0, 0.02²) weights, as DCGAN and InfoGAN)')
    .option('--generator-hidden <list>', 'images: fully connected hidden layers of G before its projection, e.g. 1024 (InfoGAN’s MNIST G; default none)')
    .option('--discriminator-hidden <list>', 'images: fully connected hidden layers of D after its convolutions, e.g. 1024 (InfoGAN’s MNIST D; default none)')
    .option('--generator-activation <kind>', 'images: G’s hidden activation, leaky (default) or relu (DCGAN’s and InfoGAN’s G)')
    .option('--generator-normalization <kind>', 'images: none (default) or batch (batch normalization of G’s hidden layers by batch statistics, as DCGAN’s and InfoGAN’s G)')
    .option('--discriminator-normalization <kind>', 'images: none (default), batch (batch statistics after every convolution but the first and every hidden layer of D, as DCGAN’s and InfoGAN’s D; couples a batch’s samples) or layer (per-sample layer normalization, safe under R1 and Eq. 6)')
    .option('--curve-every <n>', 'MNIST: steps between points of the quality curve curves.jsonl (Fréchet distance and class consistency of 2,000 fixed draws, with the training seconds; default 1000)')
    .option('--generator-ema <decay>', 'keep an EMA of the generator’s weights for sampling and evaluation')
    .option('--threads <n>', 'wasm backend: threads for its convolutions, 1 to 4 (default 1; 2 speeds up the image steps; the points steps run their products on one thread either way; the same numbers bit for bit; not in config.json)')
    .option('--no-plan', 'run every step through TF.js’s engine instead of replaying recorded kernel plans (the same numbers, bit for bit; slower)')
    .option('--log-every <n>', 'steps between metrics.jsonl lines')
    .option('--checkpoint-every <n>', 'steps between checkpoints')
    .option('--sample-every <n>', 'steps between sample pictures')
    .option('--out <folder>', 'the run folder (default runs/<recipe>-<dataset>-seed<seed>)')
    .option('--resume', 'continue the run in --out from its latest checkpoint')
    .option('--force', 'replace a run folder that already holds a run')
    .action(async (flags) => {
      await trainCommand(flags, io);
    });
  const train = gantry.commands.find((command) => command.name() === 'train');
  gantry
    .command('sweep')
    .description('run a grid of configurations × seeds, each cell a gantry train run folder; again to resume')
    .option('--grid <file.json>', '{ "base": { "preset": "quick" }, "configurations": { "paper": {}, "warm": { "warmup-steps": 2000, "recentre": true } }, "seeds": "1-10" }: gantry train flags by name')
    .option('--out <folder>', 'the sweep folder: <configuration>/seed<n>/ run folders, logs/, sweep.json, sweep.md')
    .option('--parallel <n>', 'cells at once (default: the number of cores)')
    .option('--report-only', 'run nothing: write sweep.json and sweep.md from the run folders as they are')
    .option('--engine <local|slurm>', 'local (default): cells as processes on this machine; slurm: one SLURM job array (sbatch), one task per unfinished cell')
    .option('--partition <name>', 'slurm: the partition')
    .option('--time <limit>', 'slurm: each task\'s time limit (minutes, HH:MM:SS or D-HH:MM:SS)')
    .option('--cpus-per-task <n>', 'slurm: CPUs per task')
    .option('--gres <spec>', 'slurm: generic resources per task, e.g. gpu:1')
    .option('--dry-run', 'slurm: print the job script, submit nothing')
    .option('--status', 'where each cell of the sweep in --out stands: finished, queued, running (with its step), cancelled')
    .addOption(new Option('--run-cell <index>', 'internal: run one cell (what each SLURM task runs)').hideHelp())
    .action(async (flags) => {
      await sweepCommand(flags, io, trainOptionTable(train?.options ?? []));
    });
  gantry
    .command('eval')
    .description('evaluate a run’s latest checkpoint and rewrite its summary.json')
    .option('--run <folder>', 'the run folder')
    .option('--data <file>', 'labelled points (CSV or JSON) to evaluate the classifier on instead')
    .option('--label-column <name>', 'the CSV label column (default label)')
    .action(async (flags) => {
      await evalCommand(flags, io);
    });
  gantry
    .command('curves')
    .description('print the quality curves (curves.jsonl) of MNIST runs, and plot them side by side')
    .option('--run <folder...>', 'one or more run folders')
    .option('--out <file>', 'curves.svg or curves.png')
    .action(async (flags) => {
      await curvesCommand(flags, io);
    });
  gantry
    .command('sample')
    .description('draw samples from a run’s latest checkpoint into an SVG or PNG')
    .option('--run <folder>', 'the run folder')
    .option('--n <count>', 'how many samples (points; default 2000)')
    .option('--out <file>', 'samples.svg or samples.png')
    .option('--seed <n>', 'seed of the draws (default 7)')
    .action(async (flags) => {
      await sampleCommand(flags, io);
    });
  return gantry;
}

/**
 * Runs `gantry` with `argv` (without node and script); returns the exit code
 * ({@link EXIT_CODES}). `--debug` anywhere adds the stack trace to an expected failure's line.
 */
export async function main(argv: readonly string[], io: Console): Promise<number> {
  const debug = argv.includes('--debug');
  try {
    await program(io).parseAsync(argv.filter((arg) => arg !== '--debug'), { from: 'user' });
    return EXIT_CODES.ok;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode;
    if (error instanceof SweepFailedError) {
      io.err.write(`gantry: ${error.message}\n`);
      return EXIT_CODES.failed;
    }
    const known = describeError(error);
    if (known !== null) {
      io.err.write(`gantry: ${known.line}\n`);
      if (debug && error instanceof Error) io.err.write(`${error.stack ?? ''}\n`);
      return known.code;
    }
    io.err.write(`gantry: internal error, a bug in Gantry (please report it with this trace):\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return EXIT_CODES.failed;
  }
}
