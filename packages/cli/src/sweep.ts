import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Option } from 'commander';
import type { GaussianMixtureOptions } from '@gantry/datasets';
import { exists, isFolder, writeAtomically } from './files.js';
import { FlagError, trainConfig, type RunConfig, type TrainFlags } from './config.js';
import type { RunSummary } from './evaluate.js';
import type { SlurmRecord } from './slurm.js';

/** Some cells of a sweep failed: the sweep finished the others, and running it again retries these. */
export class SweepFailedError extends Error {
  override readonly name = 'SweepFailedError';
}

/** A configuration's `gantry train` flags by their long names without dashes: `{ "lambda-creg": 0.1, "recentre": true }`. */
export type SweepFlags = Readonly<Record<string, string | number | boolean>>;

/**
 * What `gantry sweep --grid FILE` reads: flags shared by every cell, named configurations
 * (flags that override `base`), and the seeds every configuration runs. Each cell
 * (configuration × seed) is an ordinary run folder, `<out>/<configuration>/seed<seed>`.
 */
export interface SweepGrid {
  readonly base: SweepFlags;
  readonly configurations: Readonly<Record<string, SweepFlags>>;
  /** Seeds as given: a list of integers, or a range such as `"1-10"`. */
  readonly seeds: readonly number[];
}

/** One configuration × seed of a sweep. */
export interface SweepCell {
  readonly configuration: string;
  readonly seed: number;
  /** The run folder, absolute. */
  readonly run: string;
  /** `gantry train` arguments, without `--out`, `--force` and `--resume`. */
  readonly args: readonly string[];
  /** The run configuration these arguments give: what a finished run folder must hold. */
  readonly config: RunConfig;
}

/** A cell's result, as `sweep.json` keeps it. */
export interface SweepCellRecord {
  readonly configuration: string;
  readonly seed: number;
  /** The run folder, relative to the sweep folder. */
  readonly run: string;
  readonly state: 'finished' | 'failed' | 'pending';
  /**
   * Wall-clock seconds of the process that finished it; for a run finished earlier or by a
   * SLURM task, its training time from the step rates in metrics.jsonl (a resumed run's
   * restarts excluded).
   */
  readonly seconds: number | null;
  /** The exit code of a failed cell. */
  readonly exitCode: number | null;
  /** When this sweep's process for the cell started and ended (ms since 1970), or null when an earlier sweep ran it. */
  readonly started: number | null;
  readonly ended: number | null;
  readonly categories: number | null;
  /** With mixture data: `mixtureRecovery`'s verdict, its failures, TV and high-quality fraction. */
  readonly recovered: boolean | null;
  readonly failures: readonly string[];
  readonly totalVariation: number | null;
  readonly highQualityFraction: number | null;
  readonly prior: readonly number[] | null;
}

/** One line of the sweep's table: a configuration over its seeds. */
export interface SweepRow {
  readonly configuration: string;
  readonly flags: string;
  readonly seeds: number;
  readonly finished: number;
  readonly recovered: number;
  readonly notRecovered: readonly number[];
  readonly meanTotalVariation: number | null;
  readonly worstTotalVariation: number | null;
  readonly meanHighQuality: number | null;
  readonly worstHighQuality: number | null;
  readonly meanSeconds: number | null;
}

/** `sweep.json`. */
export interface SweepRecord {
  readonly format: 'gantry/sweep';
  readonly version: 1;
  readonly grid: SweepGrid;
  readonly cells: readonly SweepCellRecord[];
  readonly rows: readonly SweepRow[];
  /** The job arrays `--engine slurm` submitted for this sweep folder. */
  readonly slurm?: SlurmRecord;
}

const RESERVED = new Set(['out', 'force', 'resume', 'seed']);
const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/** The `gantry train` options by long name (without dashes), and whether each takes a value. */
export type TrainOptionTable = ReadonlyMap<string, { readonly takesValue: boolean }>;

/** Reads the table from commander's options of `gantry train`. */
export function trainOptionTable(options: readonly Option[]): TrainOptionTable {
  return new Map(options.flatMap((option) => (option.long === undefined ? [] : [[option.long.replace(/^--/, ''), { takesValue: option.required || option.optional }] as const])));
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseSeeds(value: unknown, source: string): number[] {
  const bad = (): never => {
    throw new FlagError(`${source}: seeds must be a list of integers >= 0 or a range "first-last", got ${JSON.stringify(value)}.`);
  };
  let seeds: unknown[];
  if (typeof value === 'string') {
    const match = /^(\d+)-(\d+)$/.exec(value.trim());
    if (match === null) return bad();
    const [first, last] = [Number(match[1]), Number(match[2])];
    if (last < first) return bad();
    seeds = Array.from({ length: last - first + 1 }, (_, i) => first + i);
  } else if (Array.isArray(value) && value.length > 0) {
    seeds = value;
  } else {
    return bad();
  }
  if (!seeds.every((seed) => typeof seed === 'number' && Number.isInteger(seed) && seed >= 0 && seed <= 2 ** 32 - 1)) return bad();
  if (new Set(seeds).size !== seeds.length) throw new FlagError(`${source}: seeds lists a seed twice: ${JSON.stringify(value)}.`);
  return seeds as number[];
}

function parseFlags(value: unknown, where: string, options: TrainOptionTable): SweepFlags {
  if (!isRecord(value)) throw new FlagError(`${where} must be an object of gantry train flags, e.g. { "lambda-creg": 0.1 }, got ${JSON.stringify(value)}.`);
  for (const [key, flag] of Object.entries(value)) {
    const option = options.get(key);
    if (RESERVED.has(key)) throw new FlagError(`${where}["${key}"]: the sweep sets --${key} itself (seeds come from "seeds", run folders from --out).`);
    if (option === undefined) throw new FlagError(`${where}["${key}"] is not a gantry train flag (see gantry train --help).`);
    if (option.takesValue ? !(typeof flag === 'string' || (typeof flag === 'number' && Number.isFinite(flag))) : typeof flag !== 'boolean') {
      throw new FlagError(`${where}["${key}"] must be ${option.takesValue ? 'a number or a string' : 'true or false (a switch)'}, got ${JSON.stringify(flag)}.`);
    }
  }
  return value as SweepFlags;
}

/** Checks a grid file's content and names the first bad entry: `grid.json: configurations.fast["warmup-steps"] ...`. */
export function parseGrid(value: unknown, source: string, options: TrainOptionTable): SweepGrid {
  if (!isRecord(value)) throw new FlagError(`${source} must hold a JSON object { "base": {...}, "configurations": { "name": {...} }, "seeds": [...] }.`);
  const unknown = Object.keys(value).filter((key) => !['base', 'configurations', 'seeds'].includes(key));
  if (unknown.length > 0) throw new FlagError(`${source}: unknown key "${unknown[0]}" (a grid has base, configurations and seeds).`);
  const base = value.base === undefined ? {} : parseFlags(value.base, `${source}: base`, options);
  if (!isRecord(value.configurations) || Object.keys(value.configurations).length === 0) {
    throw new FlagError(`${source}: configurations must be an object with at least one named configuration, got ${JSON.stringify(value.configurations)}.`);
  }
  const configurations: Record<string, SweepFlags> = {};
  for (const [name, flags] of Object.entries(value.configurations)) {
    if (!NAME.test(name)) throw new FlagError(`${source}: configuration name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-' (it names a folder).`);
    configurations[name] = parseFlags(flags, `${source}: configurations.${name}`, options);
  }
  return { base, configurations, seeds: parseSeeds(value.seeds, source) };
}

function argumentsOf(flags: SweepFlags): string[] {
  return Object.entries(flags).flatMap(([key, value]) => (typeof value === 'boolean' ? (value ? [`--${key}`] : []) : [`--${key}`, String(value)]));
}

function camel(key: string): string {
  return key.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

/**
 * Every cell of a grid with its arguments and the run configuration they give, checked by
 * the same code as `gantry train` before anything runs: a bad value fails here, naming
 * the configuration. `readMixture` reads a `mixture` flag's file.
 */
export async function sweepCells(grid: SweepGrid, out: string, cwd: string, source: string, readMixture: (path: string) => Promise<GaussianMixtureOptions>): Promise<SweepCell[]> {
  const cells: SweepCell[] = [];
  for (const [name, overrides] of Object.entries(grid.configurations)) {
    const flags: SweepFlags = { ...grid.base, ...overrides };
    const args = argumentsOf(flags);
    const trainFlags = Object.fromEntries(Object.entries(flags).flatMap(([key, value]) => (value === false ? [] : [[camel(key), value === true ? true : String(value)]]))) as TrainFlags;
    const mixture = trainFlags.mixture === undefined ? undefined : await readMixture(resolve(cwd, trainFlags.mixture));
    const imageFolder = trainFlags.data !== undefined && (await isFolder(resolve(cwd, trainFlags.data)));
    for (const seed of grid.seeds) {
      let config: RunConfig;
      try {
        config = trainConfig({ ...trainFlags, seed: String(seed) }, (path) => resolve(cwd, path), { imageFolder, ...(mixture === undefined ? {} : { mixture }) });
      } catch (error) {
        if (error instanceof FlagError) throw new FlagError(`${source}: configuration ${name}: ${error.message}`);
        throw error;
      }
      cells.push({ configuration: name, seed, run: join(out, name, `seed${seed}`), args: [...args, '--seed', String(seed)], config });
    }
  }
  return cells;
}

/** A JSON file's content, or undefined when it is missing or not JSON. */
export async function readJson<T>(path: string): Promise<T | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as T;
  } catch {
    return undefined;
  }
}

/** The last step a run folder's metrics.jsonl logged, or undefined. */
export async function loggedStep(run: string): Promise<number | undefined> {
  const text = await readFile(join(run, 'metrics.jsonl'), 'utf8').catch(() => '');
  const last = text.trimEnd().split('\n').pop();
  if (last === undefined || last === '') return undefined;
  try {
    const step = (JSON.parse(last) as { step?: unknown }).step;
    return typeof step === 'number' ? step : undefined;
  } catch {
    return undefined;
  }
}

/** JSON with object keys sorted, so that two configs compare by content, not by key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${canonical((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * A config as saved, with the fields older versions did not write filled in, and without
 * the logging and checkpoint cadence: exact resume makes them irrelevant to the numbers,
 * and a run extended with `--resume --steps` keeps the cadence it started with.
 */
// How often to log and save, and what code made it: neither changes which run a cell is.
const CADENCE = ['logEvery', 'checkpointEvery', 'sampleEvery', 'provenance'];

function comparable(config: RunConfig): string {
  return canonical(Object.fromEntries(Object.entries({ ...config, mixture: config.mixture ?? null }).filter(([key]) => !CADENCE.includes(key))));
}

/**
 * Where a cell stands: finished (summary at the last step), resumable (a checkpoint),
 * extendable (a shorter run of the same configuration: the grid asks for more steps, and
 * exact resume continues it as if it had been run to them), or to start.
 */
export async function cellState(cell: SweepCell): Promise<'finished' | 'resumable' | 'extendable' | 'fresh'> {
  const saved = await readJson<RunConfig>(join(cell.run, 'config.json'));
  if (saved === undefined) return 'fresh';
  if (comparable({ ...saved, steps: cell.config.steps }) === comparable(cell.config) && saved.steps !== cell.config.steps) {
    if (saved.steps > cell.config.steps) {
      throw new FlagError(`${cell.run} holds a longer run (${saved.steps} steps) than configuration ${cell.configuration} asks for (${cell.config.steps}); remove it or give the sweep another --out.`);
    }
    if (await exists(join(cell.run, 'checkpoints', 'latest.json'))) return 'extendable';
  }
  if (comparable(saved) !== comparable(cell.config)) {
    const differing = Object.keys({ ...saved, ...cell.config }).find((key) => !CADENCE.includes(key) && canonical((saved as unknown as Record<string, unknown>)[key] ?? null) !== canonical((cell.config as unknown as Record<string, unknown>)[key] ?? null));
    throw new FlagError(`${cell.run} holds a run of another configuration (${differing ?? 'config.json'} differs from configuration ${cell.configuration}); remove it or give the sweep another --out.`);
  }
  const summary = await readJson<RunSummary>(join(cell.run, 'summary.json'));
  if (summary !== undefined && summary.step === cell.config.steps) return 'finished';
  return (await exists(join(cell.run, 'checkpoints', 'latest.json'))) ? 'resumable' : 'fresh';
}

/** Training seconds from metrics.jsonl: each logged interval's steps over the step rate logged with it. */
async function trainingSeconds(run: string): Promise<number | null> {
  const text = await readFile(join(run, 'metrics.jsonl'), 'utf8').catch(() => '');
  const entries: { step: number; stepsPerSecond: number }[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const { step, stepsPerSecond } = JSON.parse(line) as { step: number; stepsPerSecond: number };
    if (!(stepsPerSecond >= 0) || step <= (entries.at(-1)?.step ?? 0)) return null;
    entries.push({ step, stepsPerSecond });
  }
  let previous = 0;
  let total = 0;
  for (const [index, { step, stepsPerSecond }] of entries.entries()) {
    // A process's first line has no rate yet (0): its interval runs at the next line's rate.
    const rate = stepsPerSecond > 0 ? stepsPerSecond : entries.slice(index + 1).find((entry) => entry.stepsPerSecond > 0)?.stepsPerSecond;
    if (rate === undefined) return null;
    total += (step - previous) / rate;
    previous = step;
  }
  return previous === 0 ? null : Math.round(total);
}

async function recordOf(
  cell: SweepCell,
  out: string,
  state: SweepCellRecord['state'],
  exitCode: number | null,
  times?: { readonly started: number | null; readonly ended: number | null; readonly seconds?: number | null },
): Promise<SweepCellRecord> {
  const seconds = times === undefined ? null : (times.seconds ?? (times.started === null || times.ended === null ? null : Math.round((times.ended - times.started) / 100) / 10));
  const summary = state === 'finished' ? await readJson<RunSummary>(join(cell.run, 'summary.json')) : undefined;
  const elapsed = seconds ?? (summary === undefined ? null : await trainingSeconds(cell.run));
  return {
    configuration: cell.configuration,
    seed: cell.seed,
    run: relative(out, cell.run),
    state,
    seconds: elapsed,
    exitCode,
    started: times?.started ?? null,
    ended: times?.ended ?? null,
    categories: summary?.significantCategories.length ?? null,
    recovered: summary?.recovery?.recovered ?? null,
    failures: summary?.recovery?.failures ?? [],
    totalVariation: summary?.mixture?.totalVariation ?? null,
    highQualityFraction: summary?.mixture?.highQualityFraction ?? null,
    prior: summary?.prior ?? null,
  };
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

/** The table's rows: per configuration, the seeds that recover the data and the spread of TV, high-quality fraction and time. */
export function sweepRows(grid: SweepGrid, cells: readonly SweepCellRecord[]): SweepRow[] {
  return Object.entries(grid.configurations).map(([configuration, flags]) => {
    const mine = cells.filter((cell) => cell.configuration === configuration);
    const finished = mine.filter((cell) => cell.state === 'finished');
    const tv = finished.flatMap((cell) => (cell.totalVariation === null ? [] : [cell.totalVariation]));
    const quality = finished.flatMap((cell) => (cell.highQualityFraction === null ? [] : [cell.highQualityFraction]));
    const seconds = finished.flatMap((cell) => (cell.seconds === null ? [] : [cell.seconds]));
    return {
      configuration,
      flags: argumentsOf(flags).join(' '),
      seeds: mine.length,
      finished: finished.length,
      recovered: finished.filter((cell) => cell.recovered === true).length,
      notRecovered: finished.filter((cell) => cell.recovered !== true).map((cell) => cell.seed),
      meanTotalVariation: mean(tv),
      worstTotalVariation: tv.length === 0 ? null : Math.max(...tv),
      meanHighQuality: mean(quality),
      worstHighQuality: quality.length === 0 ? null : Math.min(...quality),
      meanSeconds: mean(seconds),
    };
  });
}

function cellText(value: number | null, digits: number): string {
  return value === null ? '-' : value.toFixed(digits);
}

/** `sweep.md`: the per-configuration table, then one line per run. */
export function sweepTable(record: SweepRecord): string {
  const base = argumentsOf(record.grid.base).join(' ');
  const lines = [
    `# Sweep: ${Object.keys(record.grid.configurations).length} configurations × seeds ${record.grid.seeds.join(', ')}`,
    '',
    `Every cell: \`gantry train ${base}${base === '' ? '' : ' '}<configuration's flags> --seed <seed>\`. A run recovers the mixture when it has as many categories ≥ 1% as components, each on its own component with purity ≥ 0.9, total variation ≤ 0.05 and a high-quality fraction ≥ 0.95.`,
    '',
    '| configuration | flags | recovered | seeds not recovered | mean TV | worst TV | mean high-quality | worst high-quality | time per run (s) |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...record.rows.map(
      (row) =>
        `| ${row.configuration} | \`${row.flags === '' ? '(base)' : row.flags}\` | ${row.recovered}/${row.finished}${row.finished < row.seeds ? ` (${row.seeds - row.finished} not finished)` : ''} | ${row.notRecovered.length === 0 ? '-' : row.notRecovered.join(', ')} | ${cellText(row.meanTotalVariation, 4)} | ${cellText(row.worstTotalVariation, 4)} | ${cellText(row.meanHighQuality, 4)} | ${cellText(row.worstHighQuality, 4)} | ${cellText(row.meanSeconds, 0)} |`,
    ),
    '',
    '| configuration | seed | state | categories ≥ 1% | recovered | TV | high-quality | P(C) ≥ 1% | why not recovered |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...record.cells.map(
      (cell) =>
        `| ${cell.configuration} | ${cell.seed} | ${cell.state}${cell.exitCode === null ? '' : ` (exit ${cell.exitCode})`} | ${cell.categories ?? '-'} | ${cell.recovered === null ? '-' : cell.recovered ? 'yes' : 'no'} | ${cellText(cell.totalVariation, 4)} | ${cellText(cell.highQualityFraction, 4)} | ${cell.prior === null ? '-' : `[${cell.prior.filter((p) => p >= 0.01).sort((a, b) => b - a).map((p) => p.toFixed(3)).join(', ')}]`} | ${cell.failures.length === 0 ? '-' : `${cell.failures.slice(0, 3).join('; ')}${cell.failures.length > 3 ? `; and ${cell.failures.length - 3} more` : ''}`} |`,
    ),
    '',
  ];
  return lines.join('\n');
}

/** Options of {@link runSweep}. */
export interface SweepOptions {
  readonly grid: SweepGrid;
  readonly cells: readonly SweepCell[];
  /** The sweep folder, absolute. */
  readonly out: string;
  /** Cells run at once. Default: the number of cores. */
  readonly parallel?: number;
  /** Progress lines; with `isTTY` one line redrawn in place. */
  readonly err: NodeJS.WritableStream & { readonly isTTY?: boolean };
  /** The gantry executable the cells run. Default: this package's `dist/bin.js`. */
  readonly bin?: string;
  /** Run nothing: only write `sweep.json` and `sweep.md` from the run folders as they are (unfinished cells stay pending). */
  readonly reportOnly?: boolean;
  /** The SLURM jobs to record (default: those `sweep.json` already records). */
  readonly slurm?: SlurmRecord;
}

/** What {@link runCellProcess} did: the exit code, the state the cell was in, and when it ran. */
export interface CellRun {
  readonly code: number;
  readonly state: Awaited<ReturnType<typeof cellState>>;
  readonly begin: number;
  readonly end: number;
}

/**
 * Runs one cell as a `gantry train` process: `--resume` from its checkpoint, `--resume
 * --steps N` to extend a shorter finished run, or a fresh run (`--force`); its output goes
 * to `logs/<configuration>-seed<seed>.log`. Both engines run cells through this.
 */
export async function runCellProcess(cell: SweepCell, out: string, bin: string, onSpawn?: (child: ReturnType<typeof spawn>) => void): Promise<CellRun> {
  const state = await cellState(cell);
  // --threads is not in config.json (the numbers do not depend on it): a resumed cell is given it again.
  const at = cell.args.indexOf('--threads');
  const threads = at < 0 ? [] : cell.args.slice(at, at + 2);
  const args =
    state === 'resumable'
      ? ['train', '--out', cell.run, '--resume', ...threads]
      : state === 'extendable'
        ? ['train', '--out', cell.run, '--resume', '--steps', String(cell.config.steps), ...threads]
        : ['train', ...cell.args, '--out', cell.run, '--force'];
  await mkdir(join(out, 'logs'), { recursive: true });
  const log = createWriteStream(join(out, 'logs', `${cell.configuration}-seed${cell.seed}.log`), { flags: 'a' });
  log.write(`$ gantry ${args.join(' ')}\n`);
  const begin = Date.now();
  const code = await new Promise<number>((done) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    onSpawn?.(child);
    child.stdout.pipe(log, { end: false });
    child.stderr.pipe(log, { end: false });
    child.on('error', () => done(127));
    child.on('close', (exit, signal) => done(exit ?? (signal === null ? 1 : 128 + (signal === 'SIGTERM' ? 15 : signal === 'SIGINT' ? 2 : 9))));
  });
  await new Promise<void>((done) => log.end(done));
  return { code, state, begin, end: Date.now() };
}


/**
 * Runs `fn` while holding the sweep folder's lock (a `.lock` folder): SLURM tasks that end
 * at the same time each rewrite sweep.json from the run folders, one after another, so the
 * last one written has every finished cell. A report takes seconds, so a lock older than two
 * minutes is a dead holder's.
 */
export async function withSweepLock<T>(out: string, fn: () => Promise<T>): Promise<T> {
  const lock = join(out, '.lock');
  for (let attempt = 0; ; attempt++) {
    try {
      await mkdir(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const age = Date.now() - (await stat(lock).then((info) => info.mtimeMs).catch(() => Date.now()));
      if (age > 120_000) await rm(lock, { recursive: true, force: true });
      else if (attempt > 3000) throw new FlagError(`${lock} has been held for over 5 minutes; remove it if no gantry sweep is running`, { cause: error });
      else await new Promise((done) => setTimeout(done, 100));
    }
  }
  try {
    return await fn();
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Runs every unfinished cell as its own `gantry train` process, `parallel` at a time: a
 * cell with a checkpoint resumes (`--resume`), a finished one is skipped, so running the
 * same sweep again continues it; a cell that finished fewer steps than the grid now asks
 * for is extended (`--resume --steps N`). Writes `sweep.json` after every cell and `sweep.md` at
 * the end; each cell's output goes to `logs/<configuration>-seed<seed>.log`.
 */
export async function runSweep(options: SweepOptions): Promise<SweepRecord> {
  const { grid, cells, out, err } = options;
  const parallel = options.parallel ?? availableParallelism();
  const bin = options.bin ?? fileURLToPath(new URL('../dist/bin.js', import.meta.url));
  await mkdir(join(out, 'logs'), { recursive: true });
  const states = await Promise.all(cells.map((cell) => cellState(cell)));
  // A finished cell keeps the time an earlier sweep measured for it.
  const previousRecord = await readJson<SweepRecord>(join(out, 'sweep.json'));
  const previous = previousRecord?.cells ?? [];
  const slurm = options.slurm ?? previousRecord?.slurm;
  const earlier = (cell: SweepCell): SweepCellRecord | undefined => previous.find((record) => record.configuration === cell.configuration && record.seed === cell.seed && record.state === 'finished' && record.started !== null);
  const records: SweepCellRecord[] = await Promise.all(cells.map((cell, i) => (states[i] === 'finished' ? recordOf(cell, out, 'finished', null, earlier(cell)) : recordOf(cell, out, 'pending', null))));
  const started = Date.now();
  const running = new Map<number, string>();
  let failed = 0;
  const total = cells.length;
  const finished = (): number => records.filter((record) => record.state === 'finished').length;
  const status = (): string => {
    const minutes = Math.floor((Date.now() - started) / 60_000);
    const seconds = Math.floor(((Date.now() - started) % 60_000) / 1000);
    const where = [...running].map(([index, name]) => {
      const step = progress.get(index);
      return step === undefined ? name : `${name} at step ${step}/${(cells[index] as SweepCell).config.steps}`;
    });
    return `sweep: ${finished()}/${total} finished, ${running.size} running${running.size > 0 ? ` (${where.join(', ')})` : ''}, ${failed} failed, ${minutes}m${String(seconds).padStart(2, '0')}s`;
  };
  // The step each running cell has logged, from the last line of its metrics.jsonl.
  const progress = new Map<number, number>();
  const poll = async (): Promise<void> => {
    await Promise.all(
      [...running.keys()].map(async (index) => {
        const step = await loggedStep((cells[index] as SweepCell).run);
        if (step !== undefined) progress.set(index, step);
      }),
    ).catch(() => undefined);
  };
  const tty = err.isTTY === true;
  const draw = (): void => {
    if (tty) err.write(`\r\x1b[2K${status()}`);
  };
  // Saves run one after another, in the order asked, so the newest record is the one left.
  let saving = Promise.resolve();
  const save = async (): Promise<SweepRecord> => {
    const record: SweepRecord = { format: 'gantry/sweep', version: 1, grid, cells: records, rows: sweepRows(grid, records), ...(slurm === undefined ? {} : { slurm }) };
    const text = `${JSON.stringify(record, null, 2)}\n`;
    saving = saving.then(() => writeAtomically(join(out, 'sweep.json'), text));
    await saving;
    return record;
  };
  const skipped = states.filter((state) => state === 'finished').length;
  err.write(`sweep: ${total} cells (${Object.keys(grid.configurations).length} configurations × ${grid.seeds.length} seeds), ${skipped} already finished, ${options.reportOnly === true ? 'reporting only' : `${parallel} at a time`}, into ${out}\n`);
  await save();
  const ticker = tty ? setInterval(() => void poll().then(draw), 1000) : undefined;
  const queue = options.reportOnly === true ? [] : cells.map((_, i) => i).filter((i) => states[i] !== 'finished');
  const runCell = async (index: number): Promise<void> => {
    const cell = cells[index] as SweepCell;
    running.set(index, `${cell.configuration} seed ${cell.seed}`);
    draw();
    const { code, state, begin } = await runCellProcess(cell, out, bin);
    running.delete(index);
    progress.delete(index);
    const ok = code === 0 && (await cellState(cell)) === 'finished';
    if (!ok) failed += 1;
    // A resumed or extended cell ran only its last part in this process: its time is the whole run's, from its logged step rates.
    const wholeRun = ok && state !== 'fresh' ? await trainingSeconds(cell.run) : null;
    records[index] = await recordOf(cell, out, ok ? 'finished' : 'failed', ok ? null : code, { started: begin, ended: Date.now(), ...(wholeRun === null ? {} : { seconds: Math.round(wholeRun * 10) / 10 }) });
    await save();
    const record = records[index] as SweepCellRecord;
    const verdict = ok ? (record.recovered === null ? 'finished' : record.recovered ? 'recovered' : 'not recovered') : `FAILED (exit ${code}, see logs/${cell.configuration}-seed${cell.seed}.log)`;
    if (tty) err.write('\r\x1b[2K');
    err.write(`  ${cell.configuration} seed ${cell.seed}: ${verdict}${ok && record.categories !== null ? `, ${record.categories} categories ≥ 1%` : ''} (${record.seconds ?? '-'} s)\n`);
    draw();
  };
  try {
    await Promise.all(
      Array.from({ length: Math.min(parallel, queue.length) }, async () => {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) await runCell(next);
      }),
    );
  } finally {
    if (ticker !== undefined) clearInterval(ticker);
    if (tty) err.write('\r\x1b[2K');
  }
  const record = await save();
  await writeAtomically(join(out, 'sweep.md'), sweepTable(record));
  err.write(`${status()}; wrote ${join(out, 'sweep.json')} and sweep.md\n`);
  return record;
}
