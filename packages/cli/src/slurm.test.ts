import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arraySpec, slurmScript, type SweepRecord } from './index.js';
import { gantry } from './test-support/gantry.js';

/*
 * Against a real scheduler: scripts/slurm-cluster.sh installs Debian's slurm-wlm and munge
 * when they are missing (as root) and starts a single-node cluster for these tests; it is
 * stopped afterwards, by the pids the script wrote.
 */
const repository = fileURLToPath(new URL('../../..', import.meta.url));
const packageFolder = fileURLToPath(new URL('..', import.meta.url));
const clusterScript = join(repository, 'scripts', 'slurm-cluster.sh');

const tiny = { backend: 'cpu', units: 8, layers: 2, 'sample-every': 100000, 'log-every': 10 };

/** `value` without the named fields. */
function without<T extends object>(value: T, names: readonly string[]): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !names.includes(key))) as Partial<T>;
}

/** What a sweep's numbers are, without the fields that say when and how long. */
function numbers(record: SweepRecord): unknown {
  return { cells: record.cells.map((cell) => without(cell, ['seconds', 'started', 'ended'])), rows: record.rows.map((row) => without(row, ['meanSeconds'])) };
}

/** A run's summary.json without its provenance (which records the process, not the run). */
async function summary(run: string): Promise<Record<string, unknown>> {
  return without(JSON.parse(await readFile(join(run, 'summary.json'), 'utf8')) as Record<string, unknown>, ['provenance']);
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, seconds = 180): Promise<T> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((done) => setTimeout(done, 250));
  }
}

describe('gantry sweep --engine slurm: the script', () => {
  it('asks for one array task per cell index, ranges joined, at most --parallel at once', () => {
    expect(arraySpec([0, 1, 2, 5, 7, 8], 2)).toBe('0-2,5,7-8%2');
    expect(arraySpec([3])).toBe('3');
    const script = slurmScript({ tasks: [1, 3], grid: '/shared/s/slurm/grid.json', out: '/shared/s', cwd: '/shared/my project', node: '/usr/bin/node', bin: '/opt/gantry/bin.js', settings: { partition: 'gpu', time: '01:00:00', cpusPerTask: 4, gres: 'gpu:1', parallel: 1 }, name: 'gantry-sweep-s' });
    expect(script.split('\n').filter((line) => line.startsWith('#SBATCH'))).toEqual([
      '#SBATCH --job-name=gantry-sweep-s',
      '#SBATCH --array=1,3%1',
      '#SBATCH --output=/shared/s/logs/slurm-%A_%a.out',
      '#SBATCH --chdir=/shared/my project',
      '#SBATCH --cpus-per-task=4',
      '#SBATCH --partition=gpu',
      '#SBATCH --time=01:00:00',
      '#SBATCH --gres=gpu:1',
    ]);
    expect(script).toContain(`exec /usr/bin/node /opt/gantry/bin.js sweep --grid /shared/s/slurm/grid.json --out /shared/s --run-cell "$SLURM_ARRAY_TASK_ID"`);
  });
});

describe('gantry sweep --engine slurm on a single-node SLURM cluster', () => {
  let cluster = '';
  let cwd = '';
  const savedConf = process.env.SLURM_CONF;
  beforeAll(async () => {
    cluster = await mkdtemp(join(tmpdir(), 'gantry-slurm-cluster-'));
    process.env.SLURM_CONF = execFileSync(clusterScript, ['start', cluster], { encoding: 'utf8' }).trim();
    // Not under /tmp, which gantry refuses for SLURM sweeps (nodes do not share it).
    cwd = await mkdtemp(join(packageFolder, '.slurm-test-'));
    await writeFile(join(cwd, 'grid.json'), JSON.stringify({ base: { ...tiny, steps: 100, 'checkpoint-every': 50 }, configurations: { paper: { 'lambda-creg': 0.1 }, warm: { 'lambda-creg': 0.1, 'warmup-steps': 50, recentre: true } }, seeds: [1, 2] }));
    await writeFile(join(cwd, 'long.json'), JSON.stringify({ base: { ...tiny, steps: 1000, 'checkpoint-every': 100 }, configurations: { paper: { 'lambda-creg': 0.1 } }, seeds: [3] }));
  }, 300_000);
  afterAll(async () => {
    if (cluster !== '') execFileSync(clusterScript, ['stop', cluster]);
    if (savedConf === undefined) delete process.env.SLURM_CONF;
    else process.env.SLURM_CONF = savedConf;
    await rm(cluster, { recursive: true, force: true });
    if (cwd !== '') await rm(cwd, { recursive: true, force: true });
  });

  const status = async (out: string): Promise<string> => (await gantry(cwd, 'sweep', '--out', out, '--status')).out;

  it('runs a 2 × 2 grid as a job array into the same run folders and sweep.json numbers as --engine local', async () => {
    const local = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'local', '--parallel', '2');
    expect(local.code, local.err).toBe(0);
    const submitted = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'slurm', '--engine', 'slurm', '--parallel', '2');
    expect(submitted.code, submitted.err).toBe(0);
    expect(submitted.err).toMatch(/sweep: submitted job \d+: 4 tasks \(paper seed 1, paper seed 2, warm seed 1, warm seed 2\), at most 2 at a time/);
    await until('the SLURM sweep to finish', async () => ((await status('slurm')).includes('4 cells: 4 finished') ? true : undefined));
    const slurmRecord = JSON.parse(await readFile(join(cwd, 'slurm/sweep.json'), 'utf8')) as SweepRecord;
    const localRecord = JSON.parse(await readFile(join(cwd, 'local/sweep.json'), 'utf8')) as SweepRecord;
    expect(slurmRecord.slurm?.jobs).toHaveLength(1);
    expect(slurmRecord.slurm?.jobs[0]?.tasks).toEqual([0, 1, 2, 3]);
    expect(numbers(slurmRecord)).toEqual(numbers(localRecord));
    // Each cell's time, from its logged step rates (the tasks' processes are not the sweep's).
    expect(slurmRecord.cells.map((cell) => typeof cell.seconds === 'number' && cell.seconds >= 0)).toEqual([true, true, true, true]);
    for (const cell of localRecord.cells) expect(await summary(join(cwd, 'slurm', cell.run))).toEqual(await summary(join(cwd, 'local', cell.run)));
    expect(await readFile(join(cwd, 'slurm/sweep.md'), 'utf8')).toContain('| warm | `--lambda-creg 0.1 --warmup-steps 50 --recentre` | ');
    // Nothing left to do: a second submission submits nothing.
    const again = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'slurm', '--engine', 'slurm');
    expect(again.code, again.err).toBe(0);
    expect(again.err).toContain('sweep: nothing to submit: 4 finished, 0 queued or running');
  }, 300_000);

  it('a task cancelled with scancel midway shows as cancelled, and running the sweep again resubmits only it, which resumes and ends as an uninterrupted run', async () => {
    const submitted = await gantry(cwd, 'sweep', '--grid', 'long.json', '--out', 'cancel', '--engine', 'slurm');
    expect(submitted.code, submitted.err).toBe(0);
    const job = /submitted job (\d+)/.exec(submitted.err)?.[1] as string;
    const metrics = join(cwd, 'cancel/paper/seed3/metrics.jsonl');
    // Cancelled once it has logged step 100, well before it ends.
    await until('step 100 of the SLURM task', async () => ((await readFile(metrics, 'utf8').catch(() => '')).includes('"step":100,') ? true : undefined));
    execFileSync('scancel', [`${job}_0`]);
    const cancelled = await until('the cancellation', async () => {
      const text = await status('cancel');
      return /paper seed 3: cancelled \(job \d+_0, step \d+\/1000\); run the sweep again to resubmit it/.test(text) ? text : undefined;
    });
    expect(cancelled).toContain('1 cells: 1 cancelled');
    const resubmitted = await gantry(cwd, 'sweep', '--grid', 'long.json', '--out', 'cancel', '--engine', 'slurm');
    expect(resubmitted.code, resubmitted.err).toBe(0);
    expect(resubmitted.err).toContain(`paper seed 3: submitting again (cancelled in job ${job}_0 did not finish it)`);
    expect(resubmitted.err).toMatch(/submitted job \d+: 1 task \(paper seed 3\)/);
    await until('the resubmitted task', async () => ((await status('cancel')).includes('1 cells: 1 finished') ? true : undefined));
    const log = await readFile(join(cwd, 'cancel/logs/paper-seed3.log'), 'utf8');
    expect(log.match(/^\$ gantry train/gm)).toHaveLength(2);
    expect(log).toContain('resumed from');
    // The same cell run locally without interruption.
    const local = await gantry(cwd, 'sweep', '--grid', 'long.json', '--out', 'cancel-local');
    expect(local.code, local.err).toBe(0);
    expect(await summary(join(cwd, 'cancel/paper/seed3'))).toEqual(await summary(join(cwd, 'cancel-local/paper/seed3')));
    const record = JSON.parse(await readFile(join(cwd, 'cancel/sweep.json'), 'utf8')) as SweepRecord;
    expect(record.slurm?.jobs.map((entry) => entry.tasks)).toEqual([[0], [0]]);
  }, 300_000);

  it('says in one line what is wrong: a rejected job (sbatch quoted), a folder under /tmp, no sbatch, a SLURM flag without --engine slurm', async () => {
    const rejected = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'rejected', '--engine', 'slurm', '--partition', 'nope');
    expect(rejected.code).toBe(3);
    expect(rejected.err).toContain('gantry: sbatch refused the job: invalid partition specified: nope');
    expect(rejected.err.trim().split('\n')).toHaveLength(1);

    const shared = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', join(tmpdir(), 'gantry-sweep-nodes-cannot-see'), '--engine', 'slurm');
    expect(shared.code).toBe(2);
    expect(shared.err).toMatch(/^gantry: --out \/tmp\/gantry-sweep-nodes-cannot-see is under \/tmp, which each node of a cluster has for itself/);

    const path = process.env.PATH;
    const empty = await mkdtemp(join(tmpdir(), 'gantry-no-sbatch-'));
    process.env.PATH = empty;
    try {
      const missing = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'missing', '--engine', 'slurm');
      expect(missing.code).toBe(3);
      expect(missing.err).toBe('gantry: sbatch is not on the PATH: run gantry sweep --engine slurm on a machine that submits SLURM jobs (a login node), or use --engine local\n');
    } finally {
      process.env.PATH = path;
      await rm(empty, { recursive: true, force: true });
    }

    const local = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'local-flags', '--partition', 'debug');
    expect([local.code, local.err]).toEqual([2, 'gantry: --partition is for --engine slurm.\n']);
    const time = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'bad-time', '--engine', 'slurm', '--time', 'soon');
    expect([time.code, time.err]).toEqual([2, 'gantry: --time must be a SLURM time limit (minutes, HH:MM:SS or D-HH:MM:SS), got "soon".\n']);
    // None of these submitted anything or wrote a sweep folder.
    expect((await readdir(cwd)).sort()).toEqual(['cancel', 'cancel-local', 'grid.json', 'local', 'long.json', 'slurm']);
  }, 60_000);

  it('--dry-run prints the script and submits nothing', async () => {
    const dry = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'dry', '--engine', 'slurm', '--dry-run', '--parallel', '2', '--partition', 'debug', '--time', '00:05:00', '--cpus-per-task', '1');
    expect(dry.code, dry.err).toBe(0);
    expect(dry.out).toContain('#SBATCH --array=0-3%2\n');
    expect(dry.out).toContain('#SBATCH --partition=debug\n#SBATCH --time=00:05:00\n');
    expect(dry.out).toContain(`--out ${join(cwd, 'dry')} --run-cell "$SLURM_ARRAY_TASK_ID"`);
    expect((await readdir(cwd)).includes('dry')).toBe(false);
  });
});
