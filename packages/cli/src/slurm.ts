import { spawnSync, type spawn } from 'node:child_process';
import { accessSync, constants, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { basename, delimiter, join, relative, sep } from 'node:path';
import { Writable } from 'node:stream';
import { FlagError } from './config.js';
import { exists, writeAtomically } from './files.js';
import { cellState, loggedStep, readJson, runCellProcess, runSweep, withSweepLock, type SweepCell, type SweepGrid, type SweepRecord } from './sweep.js';

/*
 * `gantry sweep --engine slurm`: the grid goes to SLURM as one job array, one task per
 * unfinished cell, each task running `gantry sweep --run-cell K` (the same cell, run folder
 * and resume rules as the local engine). SLURM does the scheduling; Gantry writes the
 * script, submits it with sbatch, remembers the job ids in sweep.json, and asks scontrol
 * where each task stands.
 */

/** SLURM could not be used: no sbatch, or it refused the job (its message quoted). */
export class SlurmError extends Error {
  override readonly name = 'SlurmError';
}

/** One submitted job array, as `sweep.json` keeps it. */
export interface SlurmJob {
  /** The array job's id, as sbatch printed it. */
  readonly id: string;
  /** The array's task ids: each is the index of its cell in the grid's cell order. */
  readonly tasks: readonly number[];
  /** The script submitted, relative to the sweep folder. */
  readonly script: string;
  /** When it was submitted (ISO 8601). */
  readonly submitted: string;
}

/** `sweep.json`'s record of the jobs a SLURM sweep submitted, oldest first. */
export interface SlurmRecord {
  readonly jobs: readonly SlurmJob[];
}

/** What `--partition`, `--time`, `--cpus-per-task`, `--gres` and `--parallel` ask of SLURM. */
export interface SlurmSettings {
  readonly partition?: string;
  readonly time?: string;
  readonly cpusPerTask?: number;
  readonly gres?: string;
  /** Tasks at once (the array's `%N`); none: as many as SLURM gives. */
  readonly parallel?: number;
}

/** Where one array task stands, from scontrol; `unknown` once SLURM has forgotten the job. */
export type SlurmTaskState = 'PENDING' | 'RUNNING' | 'COMPLETED' | 'CANCELLED' | 'FAILED' | 'TIMEOUT' | 'OUT_OF_MEMORY' | 'NODE_FAIL' | 'PREEMPTED' | 'unknown' | (string & {});

/** The states in which a task will still run or is running: such a cell is not submitted again. */
export const QUEUED_STATES: ReadonlySet<string> = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'REQUEUED', 'RESIZING', 'SUSPENDED']);

/** The full path of `command` on the PATH, or undefined. */
export function findOnPath(command: string, path = process.env.PATH ?? ''): string | undefined {
  for (const folder of path.split(delimiter)) {
    if (folder === '') continue;
    const candidate = join(folder, command);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

/** Folders that are usually private to each machine of a cluster. */
const NODE_LOCAL = ['/tmp', '/var/tmp', '/dev/shm'];

/**
 * Refuses a sweep folder under /tmp, /var/tmp or /dev/shm: each node of a cluster has its
 * own, so a task would write its run folder where neither the other nodes nor the login
 * node can read it.
 */
export function checkSharedFolder(out: string): void {
  const local = NODE_LOCAL.find((folder) => out === folder || out.startsWith(`${folder}${sep}`));
  if (local !== undefined) {
    throw new FlagError(`--out ${out} is under ${local}, which each node of a cluster has for itself: the tasks' run folders would not be visible to each other or to this machine; give a folder on a filesystem the nodes share (your home or project space).`);
  }
}

function shellQuote(value: string): string {
  return /^[A-Za-z0-9_./:=@%+-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

/** The array specification: task ids, with consecutive runs as ranges, and `%parallel`. */
export function arraySpec(tasks: readonly number[], parallel?: number): string {
  const sorted = [...tasks].sort((a, b) => a - b);
  const parts: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    parts.push(i === j ? `${sorted[i]}` : `${sorted[i]}-${sorted[j]}`);
    i = j + 1;
  }
  return `${parts.join(',')}${parallel === undefined ? '' : `%${parallel}`}`;
}

/**
 * The job-array script: one task per cell index in `tasks`, each running
 * `node BIN sweep --grid GRID --out OUT --run-cell $SLURM_ARRAY_TASK_ID` from `cwd`, its
 * SLURM output in `OUT/logs/slurm-<job>_<task>.out` (the cell's own log is
 * `logs/<configuration>-seed<seed>.log`, as with the local engine).
 */
export function slurmScript(options: { readonly tasks: readonly number[]; readonly grid: string; readonly out: string; readonly cwd: string; readonly node: string; readonly bin: string; readonly settings: SlurmSettings; readonly name: string }): string {
  const { settings } = options;
  const directives = [
    `--job-name=${options.name}`,
    `--array=${arraySpec(options.tasks, settings.parallel)}`,
    `--output=${join(options.out, 'logs', 'slurm-%A_%a.out')}`,
    `--chdir=${options.cwd}`,
    ...(settings.cpusPerTask === undefined ? [] : [`--cpus-per-task=${settings.cpusPerTask}`]),
    ...(settings.partition === undefined ? [] : [`--partition=${settings.partition}`]),
    ...(settings.time === undefined ? [] : [`--time=${settings.time}`]),
    ...(settings.gres === undefined ? [] : [`--gres=${settings.gres}`]),
  ];
  return [
    '#!/bin/bash',
    ...directives.map((directive) => `#SBATCH ${directive}`),
    '# Written by gantry sweep --engine slurm: each task runs one cell of the grid (its index in',
    '# the grid\'s cell order), resuming it from its checkpoint when it has one.',
    `exec ${[options.node, options.bin, 'sweep', '--grid', options.grid, '--out', options.out, '--run-cell'].map(shellQuote).join(' ')} "$SLURM_ARRAY_TASK_ID"`,
    '',
  ].join('\n');
}

/** Submits a script with sbatch and returns the job id; sbatch's own message when it refuses. */
export function submitScript(sbatch: string, script: string): string {
  const run = spawnSync(sbatch, ['--parsable', script], { encoding: 'utf8' });
  if (run.error !== undefined) throw new SlurmError(`could not run ${sbatch}: ${run.error.message}`);
  if (run.status !== 0) {
    const message = (run.stderr || run.stdout).trim().split('\n').filter(Boolean);
    throw new SlurmError(`sbatch refused the job: ${message.map((line) => line.replace(/^sbatch: error: /, '')).join('; ') || `exit ${run.status}`}`);
  }
  // --parsable prints "id" or "id;cluster".
  const id = run.stdout.trim().split(';')[0] ?? '';
  if (!/^\d+$/.test(id)) throw new SlurmError(`sbatch printed no job id: ${JSON.stringify(run.stdout.trim())}`);
  return id;
}

/**
 * Each array task's state by `<job>_<task>`, from `scontrol show job -o` (which knows a
 * finished job for a few minutes, MinJobAge); tasks of jobs SLURM no longer knows are absent.
 * `problem` is scontrol's own message when it could not answer at all (no controller, no
 * configuration), as opposed to not knowing a job.
 */
export function taskStates(jobs: readonly SlurmJob[], scontrol = findOnPath('scontrol') ?? 'scontrol'): { readonly states: Map<string, SlurmTaskState>; readonly problem: string | null } {
  const states = new Map<string, SlurmTaskState>();
  let problem: string | null = null;
  for (const job of jobs) {
    const run = spawnSync(scontrol, ['show', 'job', '-o', job.id], { encoding: 'utf8' });
    if (run.error !== undefined) {
      problem ??= `could not run ${scontrol}: ${run.error.message}`;
      continue;
    }
    if (run.status !== 0) {
      const message = run.stderr.trim().split('\n').filter(Boolean).at(-1) ?? `exit ${run.status}`;
      if (!/Invalid job id/i.test(message)) problem ??= `scontrol: ${message.replace(/^scontrol: (error|fatal): /, '')}`;
      continue;
    }
    for (const line of run.stdout.split('\n')) {
      const field = (name: string): string | undefined => new RegExp(`(?:^|\\s)${name}=(\\S+)`).exec(line)?.[1];
      const state = field('JobState');
      const arrayJob = field('ArrayJobId');
      const taskField = field('ArrayTaskId');
      if (state === undefined || arrayJob === undefined || taskField === undefined) continue;
      // A pending remainder is listed once with a range: "3-5%2" or "3,5".
      for (const task of expandTasks(taskField)) states.set(`${arrayJob}_${task}`, state);
    }
  }
  return { states, problem };
}

function expandTasks(field: string): number[] {
  return field
    .replace(/%\d+$/, '')
    .split(',')
    .flatMap((part) => {
      const [first, last] = part.split('-').map(Number);
      if (first === undefined || !Number.isInteger(first)) return [];
      if (last === undefined) return [first];
      return Number.isInteger(last) ? Array.from({ length: last - first + 1 }, (_, i) => first + i) : [];
    });
}

/**
 * Where the latest job that ran cell `index` left it: the task's state from scontrol, or,
 * once SLURM has forgotten it, `CANCELLED` when the task's SLURM output says so, else
 * `unknown`. Undefined when no job ran the cell.
 */
export function cellTask(index: number, record: SlurmRecord | undefined, states: ReadonlyMap<string, SlurmTaskState>, out: string): { readonly job: string; readonly state: SlurmTaskState } | undefined {
  const job = [...(record?.jobs ?? [])].reverse().find((candidate) => candidate.tasks.includes(index));
  if (job === undefined) return undefined;
  const known = states.get(`${job.id}_${index}`);
  if (known !== undefined) return { job: `${job.id}_${index}`, state: known };
  let output = '';
  try {
    output = readFileSync(join(out, 'logs', `slurm-${job.id}_${index}.out`), 'utf8');
  } catch {
    // never started, or its output is elsewhere
  }
  return { job: `${job.id}_${index}`, state: /\bCANCELLED AT\b/.test(output) ? 'CANCELLED' : 'unknown' };
}

/** The script's file name for a submission, inside the sweep folder. */
export function scriptPath(out: string, when: Date): string {
  return join(out, 'slurm', `sweep-${when.toISOString().replace(/[:.]/g, '-')}.sh`);
}

/** What {@link submitSlurmSweep} and {@link sweepStatus} need of a sweep. */
export interface SlurmSweep {
  readonly grid: SweepGrid;
  readonly cells: readonly SweepCell[];
  /** The sweep folder, absolute. */
  readonly out: string;
  /** The folder the tasks start in (relative paths of the grid's flags are from there). */
  readonly cwd: string;
  /** The gantry executable the tasks run. */
  readonly bin: string;
  readonly err: NodeJS.WritableStream;
}

/** Where each cell stands: its run folder's state and its latest SLURM task; `problem` when SLURM could not be asked. */
async function standing(sweep: SlurmSweep, record: SweepRecord | undefined, scontrol: string | undefined) {
  const jobs = record?.slurm?.jobs ?? [];
  const { states, problem } = scontrol === undefined ? { states: new Map<string, SlurmTaskState>(), problem: jobs.length > 0 ? 'scontrol is not on the PATH' : null } : taskStates(jobs, scontrol);
  const cells = await Promise.all(sweep.cells.map(async (cell, index) => ({ cell, index, folder: await cellState(cell), task: problem === null ? cellTask(index, record?.slurm, states, sweep.out) : undefined })));
  return { cells, problem };
}

/**
 * `gantry sweep --engine slurm`: writes one job-array script for the cells that are neither
 * finished nor queued or running in an earlier job, and submits it with sbatch (with
 * `dryRun`, returns the script instead). A cancelled or failed cell is submitted again, and
 * resumes from its checkpoint. The job is recorded in sweep.json, which is rewritten from
 * the run folders. Returns the script and the job id (none for a dry run or nothing to do).
 */
export async function submitSlurmSweep(sweep: SlurmSweep, settings: SlurmSettings, options: { readonly dryRun?: boolean; readonly gridText: string }): Promise<{ readonly script: string | null; readonly job: string | null }> {
  const { out, err } = sweep;
  const sbatch = findOnPath('sbatch');
  if (sbatch === undefined && options.dryRun !== true) {
    throw new SlurmError('sbatch is not on the PATH: run gantry sweep --engine slurm on a machine that submits SLURM jobs (a login node), or use --engine local');
  }
  checkSharedFolder(out);
  const record = await readJson<SweepRecord>(join(out, 'sweep.json'));
  const { cells, problem } = await standing(sweep, record, findOnPath('scontrol'));
  // Without knowing which earlier tasks still run, a submission could run a cell twice.
  if (problem !== null && options.dryRun !== true) throw new SlurmError(`cannot tell which cells earlier jobs still run (${problem}); fix that, or wait for them to end`);
  const queued = cells.filter(({ folder, task }) => folder !== 'finished' && task !== undefined && QUEUED_STATES.has(task.state));
  const todo = cells.filter(({ folder, task }) => folder !== 'finished' && !(task !== undefined && QUEUED_STATES.has(task.state)));
  const finished = cells.length - queued.length - todo.length;
  for (const { cell, task } of todo) {
    if (task !== undefined) err.write(`  ${cell.configuration} seed ${cell.seed}: submitting again (${task.state === 'unknown' ? 'its task' : task.state.toLowerCase()} in job ${task.job} did not finish it)\n`);
  }
  if (todo.length === 0) {
    err.write(`sweep: nothing to submit: ${finished} finished, ${queued.length} queued or running${queued.length > 0 ? ` (${queued.map(({ task }) => task?.job).join(', ')})` : ''}\n`);
    if (options.dryRun !== true) await withSweepLock(out, () => runSweep({ grid: sweep.grid, cells: sweep.cells, out, err: sink(), reportOnly: true }));
    return { script: null, job: null };
  }
  // The tasks read the grid from the sweep folder, which the nodes share.
  const grid = join(out, 'slurm', 'grid.json');
  const script = slurmScript({ tasks: todo.map(({ index }) => index), grid, out, cwd: sweep.cwd, node: process.execPath, bin: sweep.bin, settings, name: `gantry-sweep-${basename(out)}` });
  if (options.dryRun === true) return { script, job: null };
  const created = !(await exists(out));
  await mkdir(join(out, 'slurm'), { recursive: true });
  await mkdir(join(out, 'logs'), { recursive: true });
  // Written before submitting: a task may start at once.
  await writeAtomically(grid, options.gridText);
  const when = new Date();
  const path = scriptPath(out, when);
  await writeAtomically(path, script);
  let id: string;
  try {
    id = submitScript(sbatch as string, path);
  } catch (error) {
    // A refused job leaves nothing behind: no folder it created, no script.
    if (created) await rm(out, { recursive: true, force: true });
    else await rm(path, { force: true });
    throw error;
  }
  const job: SlurmJob = { id, tasks: todo.map(({ index }) => index), script: relative(out, path), submitted: when.toISOString() };
  const slurm: SlurmRecord = { jobs: [...(record?.slurm?.jobs ?? []), job] };
  await withSweepLock(out, () => runSweep({ grid: sweep.grid, cells: sweep.cells, out, err: sink(), reportOnly: true, slurm }));
  err.write(
    `sweep: submitted job ${id}: ${todo.length} task${todo.length === 1 ? '' : 's'} (${todo.map(({ cell }) => `${cell.configuration} seed ${cell.seed}`).join(', ')})${settings.parallel === undefined ? '' : `, at most ${settings.parallel} at a time`}; ${finished} finished, ${queued.length} still queued from earlier jobs. gantry sweep --out ${out} --status shows where they stand.\n`,
  );
  return { script, job: id };
}

/** A stream that drops what it is given: a task's rewrite of the table prints nothing. */
function sink(): NodeJS.WritableStream {
  return new Writable({ write: (_chunk, _encoding, done) => done() });
}

/**
 * `gantry sweep --run-cell K`, what each array task runs: cell K as the local engine runs it
 * (resumed from its checkpoint when it has one), then sweep.json and sweep.md rewritten from
 * the run folders under the sweep's lock. SIGTERM (scancel) reaches the training process,
 * which saves its last step; this process waits for it. Returns its exit code.
 */
export async function runSlurmCell(sweep: SlurmSweep, index: number): Promise<number> {
  const cell = sweep.cells[index];
  if (cell === undefined) throw new FlagError(`--run-cell must be a cell index from 0 to ${sweep.cells.length - 1}, got ${index}.`);
  let child: ReturnType<typeof spawn> | undefined;
  const forward = (signal: NodeJS.Signals): void => {
    child?.kill(signal);
  };
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  try {
    const run = await runCellProcess(cell, sweep.out, sweep.bin, (spawned) => (child = spawned));
    await withSweepLock(sweep.out, () => runSweep({ grid: sweep.grid, cells: sweep.cells, out: sweep.out, err: sink(), reportOnly: true }));
    sweep.err.write(`${cell.configuration} seed ${cell.seed}: gantry train exited with ${run.code}; its output is in logs/${cell.configuration}-seed${cell.seed}.log\n`);
    return run.code;
  } finally {
    process.off('SIGTERM', forward);
    process.off('SIGINT', forward);
  }
}

/**
 * One line per cell of where it stands (`gantry sweep --status`), and the counts; also
 * rewrites sweep.json and sweep.md from the run folders, so the table is as current as the
 * lines.
 */
export async function sweepStatus(sweep: SlurmSweep): Promise<{ readonly lines: string[]; readonly counts: Readonly<Record<string, number>> }> {
  const record = await readJson<SweepRecord>(join(sweep.out, 'sweep.json'));
  const { cells, problem } = await standing(sweep, record, findOnPath('scontrol'));
  const counts: Record<string, number> = {};
  const lines = await Promise.all(
    cells.map(async ({ cell, folder, task }) => {
      const step = await loggedStep(cell.run);
      const at = step === undefined ? '' : `, step ${step}/${cell.config.steps}`;
      let what: string;
      if (folder === 'finished') what = 'finished';
      else if (problem !== null) what = `unknown (SLURM could not be asked: ${problem}${at})`;
      else if (task === undefined) what = folder === 'fresh' ? 'not submitted' : `not submitted (a checkpoint${at})`;
      else if (task.state === 'RUNNING' || task.state === 'COMPLETING') what = `running (job ${task.job}${at})`;
      else if (QUEUED_STATES.has(task.state)) what = `queued (job ${task.job}, ${task.state.toLowerCase()})`;
      else if (task.state === 'CANCELLED') what = `cancelled (job ${task.job}${at}); run the sweep again to resubmit it`;
      else if (task.state === 'unknown') what = `not finished (job ${task.job} is no longer known to SLURM${at}); run the sweep again to resubmit it`;
      else what = `${task.state.toLowerCase()} (job ${task.job}${at}, see logs/${cell.configuration}-seed${cell.seed}.log); run the sweep again to resubmit it`;
      return { line: `  ${cell.configuration} seed ${cell.seed}: ${what}`, kind: what.split(' ')[0] as string };
    }),
  );
  // In a fixed order: finished, running, queued, then the rest as they come.
  const order = ['finished', 'running', 'queued'];
  const kinds = [...new Set(lines.map(({ kind }) => kind))].sort((a, b) => (order.includes(a) ? order.indexOf(a) : order.length) - (order.includes(b) ? order.indexOf(b) : order.length));
  for (const kind of kinds) counts[kind] = lines.filter((entry) => entry.kind === kind).length;
  await withSweepLock(sweep.out, () => runSweep({ grid: sweep.grid, cells: sweep.cells, out: sweep.out, err: sink(), reportOnly: true }));
  return { lines: lines.map(({ line }) => line), counts };
}
