import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gantry } from './test-support/gantry.js';
import { parseGrid, program, sweepRows, sweepTable, trainOptionTable, type Console, type SweepCellRecord, type SweepGrid, type SweepRecord } from './index.js';

const io: Console = { out: () => undefined, err: new Writable({ write: (_chunk, _encoding, done) => done() }), cwd: '/' };
const OPTIONS = trainOptionTable(program(io).commands.find((command) => command.name() === 'train')?.options ?? []);

function gridError(value: unknown): string {
  try {
    parseGrid(value, 'grid.json', OPTIONS);
  } catch (error) {
    return (error as Error).message;
  }
  return 'no error';
}


describe('gantry sweep: the grid', () => {
  it('reads base flags, named configurations and seeds as a list or a range', () => {
    const grid = parseGrid({ base: { preset: 'quick', 'lambda-creg': 0.1 }, configurations: { paper: {}, warm: { 'warmup-steps': 2000, recentre: true } }, seeds: '3-5' }, 'grid.json', OPTIONS);
    expect(grid).toEqual({ base: { preset: 'quick', 'lambda-creg': 0.1 }, configurations: { paper: {}, warm: { 'warmup-steps': 2000, recentre: true } }, seeds: [3, 4, 5] });
    expect(parseGrid({ configurations: { a: {} }, seeds: [7, 1] }, 'grid.json', OPTIONS).seeds).toEqual([7, 1]);
  });

  it('names the bad entry of a bad grid', () => {
    expect(gridError([])).toBe('grid.json must hold a JSON object { "base": {...}, "configurations": { "name": {...} }, "seeds": [...] }.');
    expect(gridError({ configurations: { a: {} }, seeds: [1], extra: 1 })).toBe('grid.json: unknown key "extra" (a grid has base, configurations and seeds).');
    expect(gridError({ configurations: {}, seeds: [1] })).toBe('grid.json: configurations must be an object with at least one named configuration, got {}.');
    expect(gridError({ configurations: { 'a/b': {} }, seeds: [1] })).toBe(`grid.json: configuration name "a/b" must be letters, digits, '.', '_' or '-' (it names a folder).`);
    expect(gridError({ configurations: { warm: { 'warmup-step': 10 } }, seeds: [1] })).toBe('grid.json: configurations.warm["warmup-step"] is not a gantry train flag (see gantry train --help).');
    expect(gridError({ configurations: { warm: { recentre: 'yes' } }, seeds: [1] })).toBe('grid.json: configurations.warm["recentre"] must be true or false (a switch), got "yes".');
    expect(gridError({ configurations: { warm: { 'warmup-steps': [1] } }, seeds: [1] })).toBe('grid.json: configurations.warm["warmup-steps"] must be a number or a string, got [1].');
    expect(gridError({ base: { seed: 3 }, configurations: { a: {} }, seeds: [1] })).toBe('grid.json: base["seed"]: the sweep sets --seed itself (seeds come from "seeds", run folders from --out).');
    expect(gridError({ configurations: { a: {} }, seeds: '10-1' })).toBe('grid.json: seeds must be a list of integers >= 0 or a range "first-last", got "10-1".');
    expect(gridError({ configurations: { a: {} }, seeds: [1, 1.5] })).toBe('grid.json: seeds must be a list of integers >= 0 or a range "first-last", got [1,1.5].');
    expect(gridError({ configurations: { a: {} }, seeds: [2, 2] })).toBe('grid.json: seeds lists a seed twice: [2,2].');
  });

  it('checks every cell as gantry train would, before running anything', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gantry-sweep-bad-'));
    await writeFile(join(cwd, 'grid.json'), JSON.stringify({ configurations: { ok: {}, bad: { 'lambda-creg': -1 } }, seeds: [1] }));
    const { code, err } = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'sweep');
    expect(code).toBe(2);
    expect(err).toBe('gantry: grid.json: configuration bad: --lambda-creg must be a number >= 0, got "-1".\n');
    await expect(stat(join(cwd, 'sweep'))).rejects.toThrow();
    await rm(cwd, { recursive: true, force: true });
  });
});

describe('gantry sweep: the table', () => {
  const grid: SweepGrid = { base: { preset: 'quick' }, configurations: { paper: {}, warm: { 'warmup-steps': 2000, recentre: true } }, seeds: [1, 2] };
  const cell = (configuration: string, seed: number, recovered: boolean, totalVariation: number, highQualityFraction: number, seconds: number): SweepCellRecord => ({
    configuration,
    seed,
    run: `${configuration}/seed${seed}`,
    state: 'finished',
    seconds,
    exitCode: null,
    started: null,
    ended: null,
    categories: recovered ? 4 : 3,
    recovered,
    failures: recovered ? [] : ['3 categories ≥ 1% for 4 components'],
    totalVariation,
    highQualityFraction,
    prior: recovered ? [0.4, 0.3, 0.2, 0.1, 0.002] : [0.5, 0.4, 0.1],
  });

  it('gives per configuration the recovered seeds, mean and worst TV, high-quality fraction and time', () => {
    const cells = [cell('paper', 1, false, 0.2, 0.96, 150), cell('paper', 2, true, 0.01, 0.98, 170), cell('warm', 1, true, 0.004, 0.97, 160), { ...cell('warm', 2, false, 0, 0, 0), state: 'failed' as const, exitCode: 3, recovered: null, totalVariation: null, highQualityFraction: null, seconds: 4, categories: null, prior: null, failures: [] }];
    const rows = sweepRows(grid, cells);
    expect(rows[0]).toEqual({ configuration: 'paper', flags: '', seeds: 2, finished: 2, recovered: 1, notRecovered: [1], meanTotalVariation: (0.2 + 0.01) / 2, worstTotalVariation: 0.2, meanHighQuality: (0.96 + 0.98) / 2, worstHighQuality: 0.96, meanSeconds: 160 });
    expect(rows[1]).toMatchObject({ configuration: 'warm', flags: '--warmup-steps 2000 --recentre', finished: 1, recovered: 1, notRecovered: [], worstTotalVariation: 0.004 });
    const table = sweepTable({ format: 'gantry/sweep', version: 1, grid, cells, rows } satisfies SweepRecord);
    expect(table).toContain('| paper | `(base)` | 1/2 | 1 | 0.1050 | 0.2000 | 0.9700 | 0.9600 | 160 |');
    expect(table).toContain('| warm | `--warmup-steps 2000 --recentre` | 1/1 (1 not finished) | - | 0.0040 | 0.0040 | 0.9700 | 0.9700 | 160 |');
    expect(table).toContain('| paper | 1 | finished | 3 | no | 0.2000 | 0.9600 | [0.500, 0.400, 0.100] | 3 categories ≥ 1% for 4 components |');
    expect(table).toContain('| warm | 2 | failed (exit 3) | - | - | - | - | - | - |');
  });
});

describe('gantry sweep: runs', () => {
  let cwd = '';
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gantry-sweep-'));
    const tiny = { backend: 'cpu', units: 8, layers: 2, steps: 30, 'checkpoint-every': 10, 'sample-every': 1000, 'log-every': 10 };
    await writeFile(join(cwd, 'grid.json'), JSON.stringify({ base: tiny, configurations: { paper: { 'lambda-creg': 0.1 }, warm: { 'lambda-creg': 0.1, 'warmup-steps': 10, recentre: true } }, seeds: [1, 2] }));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('runs every cell as its own process, two at a time, into ordinary run folders, and writes sweep.json and sweep.md', async () => {
    const { code, err } = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'sweep', '--parallel', '2');
    expect(code, err).toBe(0);
    const record = JSON.parse(await readFile(join(cwd, 'sweep/sweep.json'), 'utf8')) as SweepRecord;
    expect(record.cells.map((cell) => [cell.configuration, cell.seed, cell.state, cell.run])).toEqual([
      ['paper', 1, 'finished', 'paper/seed1'],
      ['paper', 2, 'finished', 'paper/seed2'],
      ['warm', 1, 'finished', 'warm/seed1'],
      ['warm', 2, 'finished', 'warm/seed2'],
    ]);
    // At most two at once, and two did run at once.
    const events = record.cells.flatMap((cell) => [
      [cell.started as number, 1],
      [cell.ended as number, -1],
    ]);
    events.sort((a, b) => (a[0] as number) - (b[0] as number) || (a[1] as number) - (b[1] as number));
    let now = 0;
    let most = 0;
    for (const [, change] of events) most = Math.max(most, (now += change as number));
    expect(most).toBe(2);
    const config = JSON.parse(await readFile(join(cwd, 'sweep/warm/seed2/config.json'), 'utf8'));
    expect([config.seed, config.steps, config.recipeOptions.warmupSteps, config.recipeOptions.recentre]).toEqual([2, 30, 10, true]);
    expect(await readFile(join(cwd, 'sweep/sweep.md'), 'utf8')).toContain('| warm | `--lambda-creg 0.1 --warmup-steps 10 --recentre` | ');
    expect(err).toContain('sweep: 4/4 finished, 0 running, 0 failed');
  }, 180_000);

  it('run again, it skips finished cells and resumes a half-finished one from its checkpoint, exactly', async () => {
    const cell = join(cwd, 'sweep/warm/seed1');
    const original = JSON.parse(await readFile(join(cell, 'summary.json'), 'utf8'));
    // Interrupted after step 10: its latest checkpoint is step 10, and it has no summary.
    await writeFile(join(cell, 'checkpoints/latest.json'), JSON.stringify({ step: 10, path: 'step-00000010' }));
    await rm(join(cell, 'summary.json'));
    const untouched = (await stat(join(cwd, 'sweep/paper/seed1/summary.json'))).mtimeMs;
    const { code, err } = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'sweep', '--parallel', '2');
    expect(code, err).toBe(0);
    expect(err).toContain('3 already finished');
    expect((await stat(join(cwd, 'sweep/paper/seed1/summary.json'))).mtimeMs).toBe(untouched);
    const log = await readFile(join(cwd, 'sweep/logs/warm-seed1.log'), 'utf8');
    expect(log).toContain(`$ gantry train --out ${cell} --resume`);
    expect(log).toContain('resumed from');
    const resumed = JSON.parse(await readFile(join(cell, 'summary.json'), 'utf8'));
    expect(resumed.prior).toEqual(original.prior);
    expect(resumed.mixture).toEqual(original.mixture);
    // The other logs hold one command each: their cells were not run again.
    expect((await readFile(join(cwd, 'sweep/logs/paper-seed1.log'), 'utf8')).match(/^\$ gantry/gm)).toHaveLength(1);
  }, 180_000);

  it('--report-only runs nothing: unfinished cells stay pending in the table', async () => {
    const grid = JSON.parse(await readFile(join(cwd, 'grid.json'), 'utf8'));
    await writeFile(join(cwd, 'grid3.json'), JSON.stringify({ ...grid, seeds: [1, 2, 3] }));
    const { code, err } = await gantry(cwd, 'sweep', '--grid', 'grid3.json', '--out', 'sweep', '--report-only');
    expect(code, err).toBe(0);
    const record = JSON.parse(await readFile(join(cwd, 'sweep/sweep.json'), 'utf8')) as SweepRecord;
    expect(record.cells.map((cell) => `${cell.configuration}/${cell.seed}:${cell.state}`)).toEqual(['paper/1:finished', 'paper/2:finished', 'paper/3:pending', 'warm/1:finished', 'warm/2:finished', 'warm/3:pending']);
    await expect(stat(join(cwd, 'sweep/paper/seed3'))).rejects.toThrow();
    expect(await readFile(join(cwd, 'sweep/sweep.md'), 'utf8')).toContain('(1 not finished)');
  });

  it('with more steps in the grid, it extends finished cells exactly; with fewer, it refuses', async () => {
    const grid = JSON.parse(await readFile(join(cwd, 'grid.json'), 'utf8'));
    await writeFile(join(cwd, 'longer.json'), JSON.stringify({ ...grid, base: { ...grid.base, steps: 40 }, configurations: { paper: grid.configurations.paper }, seeds: [1] }));
    const { code, err } = await gantry(cwd, 'sweep', '--grid', 'longer.json', '--out', 'sweep');
    expect(code, err).toBe(0);
    const cell = join(cwd, 'sweep/paper/seed1');
    expect(await readFile(join(cwd, 'sweep/logs/paper-seed1.log'), 'utf8')).toContain(`$ gantry train --out ${cell} --resume --steps 40`);
    const extended = JSON.parse(await readFile(join(cell, 'summary.json'), 'utf8'));
    expect(extended.step).toBe(40);
    // The same 40 steps in one run.
    const straight = await gantry(cwd, 'train', '--backend', 'cpu', '--units', '8', '--layers', '2', '--steps', '40', '--checkpoint-every', '10', '--sample-every', '1000', '--log-every', '10', '--lambda-creg', '0.1', '--seed', '1', '--out', 'straight40');
    expect(straight.code, straight.err).toBe(0);
    expect(extended.prior).toEqual(JSON.parse(await readFile(join(cwd, 'straight40/summary.json'), 'utf8')).prior);
    const shorter = await gantry(cwd, 'sweep', '--grid', 'grid.json', '--out', 'sweep', '--report-only');
    expect(shorter.code).toBe(2);
    expect(shorter.err).toContain(`${cell} holds a longer run (40 steps) than configuration paper asks for (30)`);
  }, 180_000);

  it('refuses a run folder that holds another configuration', async () => {
    await writeFile(join(cwd, 'other.json'), JSON.stringify({ base: { backend: 'cpu', steps: 20 }, configurations: { paper: {} }, seeds: [1] }));
    const { code, err } = await gantry(cwd, 'sweep', '--grid', 'other.json', '--out', 'sweep');
    expect(code).toBe(2);
    expect(err).toMatch(/^gantry: .*sweep\/paper\/seed1 holds a run of another configuration \(recipeOptions differs from configuration paper\); remove it or give the sweep another --out\.\n$/);
  });
});
