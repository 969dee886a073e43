import { spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeError, EXIT_CODES } from './errors.js';
import { gantry } from './test-support/gantry.js';

const TINY = ['--backend', 'cpu', '--units', '8', '--layers', '2', '--log-every', '10', '--sample-every', '1000'];
const STACK = /\n\s+at /;

describe('gantry’s expected failures: one line on stderr, a documented exit code, no stack trace', () => {
  let cwd = '';
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gantry-errors-'));
    // A finished run with three checkpoints, for the damaged-folder cases.
    const made = await gantry(cwd, 'train', ...TINY, '--steps', '30', '--checkpoint-every', '10', '--out', 'runs/base');
    expect(made.code).toBe(0);
  }, 120_000);
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  /** A copy of the finished run, to damage. */
  async function copyOfRun(name: string): Promise<string> {
    const { cp } = await import('node:fs/promises');
    await cp(join(cwd, 'runs/base'), join(cwd, 'runs', name), { recursive: true });
    return join(cwd, 'runs', name);
  }

  it('a missing input file: usage (2)', async () => {
    const result = await gantry(cwd, 'train', ...TINY, '--data', '/nonexistent.csv', '--out', 'runs/x');
    expect([result.code, result.err]).toEqual([EXIT_CODES.usage, 'gantry: no such file or folder (ENOENT, stat): /nonexistent.csv; check the path.\n']);
  });

  it('bad data: usage (2), naming the file, the line and the column', async () => {
    await writeFile(join(cwd, 'bad.csv'), 'x,y\n0,1\n2,oops\n');
    const result = await gantry(cwd, 'train', ...TINY, '--data', 'bad.csv', '--out', 'runs/x');
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.err).toMatch(new RegExp(`^gantry: readCsvPoints: ${join(cwd, 'bad.csv')}[^\\n]*line 3[^\\n]*\\n$`));
  });

  it('--weights: an ablation trains without the zeroed terms; an unknown term is refused before the folder is made', async () => {
    const ablated = await gantry(cwd, 'train', ...TINY, '--steps', '3', '--log-every', '1', '--weights', 'discriminator.creg=0,discriminator.r1=0', '--out', 'runs/ablated');
    expect(ablated.code).toBe(0);
    expect(ablated.out).toContain('term weights overridden (an ablation): discriminator.creg = 0, discriminator.r1 = 0');
    const first = JSON.parse((await readFile(join(cwd, 'runs/ablated/metrics.jsonl'), 'utf8')).split('\n')[0] as string);
    expect(Object.keys(first.losses).sort()).toEqual(['discriminator.adversarial', 'discriminator.cls', 'generator.adversarial']);
    const unknown = await gantry(cwd, 'train', ...TINY, '--steps', '3', '--weights', 'discriminator.crag=0', '--out', 'runs/unknown-term');
    expect([unknown.code, unknown.err]).toEqual([EXIT_CODES.usage, 'gantry: createTrainer: options.weights.discriminator.crag must be a term of phase discriminator (adversarial, cls, creg, cregFake, r1, r2), got an unknown term.\n']);
    await expect(readdir(join(cwd, 'runs/unknown-term'))).rejects.toThrow(/ENOENT/);
  });

  it('a folder given as a file: usage (2)', async () => {
    const result = await gantry(cwd, 'train', ...TINY, '--mixture', cwd, '--out', 'runs/x');
    expect([result.code, result.err]).toEqual([EXIT_CODES.usage, `gantry: --mixture ${cwd} cannot be read: give a JSON file { "centers": [[x, y], ...], "probabilities": [...], "std": s }.\n`]);
  });

  it.each(['tensorflow', 'webgpu', 'webgl'])('an unavailable backend (%s): environment (3)', async (backend) => {
    const result = await gantry(cwd, 'train', '--backend', backend, '--steps', '2', '--out', 'runs/x');
    expect(result.code).toBe(EXIT_CODES.environment);
    expect(result.err).toMatch(new RegExp(`^gantry: selectBackend\\('${backend}'\\): backend '${backend}' is not available\\. [^\\n]+\\n$`));
  });

  it('every checkpoint damaged: a corrupt run folder (4), each one named with expected against actual', async () => {
    const run = await copyOfRun('all-damaged');
    for (const step of ['00000010', '00000020', '00000030']) {
      const file = join(run, 'checkpoints', `step-${step}`, 'tensors.bin');
      await writeFile(file, (await readFile(file)).subarray(0, 250));
    }
    const result = await gantry(cwd, 'train', '--resume', '--out', `runs/all-damaged`, '--steps', '40');
    expect(result.code).toBe(EXIT_CODES.corruptRun);
    expect(result.err).not.toMatch(STACK);
    const lines = result.err.trim().split('\n');
    expect(lines.slice(0, 3)).toEqual(['00000030', '00000020', '00000010'].map((step) => `gantry: passing over ${join(run, 'checkpoints', `step-${step}`)}: tensors.bin: expected ${lines[0]?.match(/expected (\d+) bytes/)?.[1]} bytes, got 250`));
    expect(lines[3]).toMatch(/^gantry: no intact checkpoint in .*; start the run again \(--force\), or restore its checkpoints folder$/);
    expect(lines.length).toBe(4);
  });

  it('the newest checkpoint damaged: resumes from the newest intact one and says which', async () => {
    const run = await copyOfRun('one-damaged');
    const file = join(run, 'checkpoints', 'step-00000030', 'tensors.bin');
    const bytes = Buffer.from(await readFile(file));
    bytes[40] = (bytes[40] as number) ^ 1;
    await writeFile(file, bytes);
    const result = await gantry(cwd, 'train', '--resume', '--out', 'runs/one-damaged', '--steps', '40');
    expect(result.code).toBe(0);
    const lines = result.err.trim().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^gantry: passing over ${join(run, 'checkpoints', 'step-00000030')}: tensors.bin: expected SHA-256 [0-9a-f]{64}, got [0-9a-f]{64}$`));
    expect(lines[1]).toBe(`gantry: using ${join(run, 'checkpoints', 'step-00000020')} (step 20), the newest intact checkpoint`);
    expect(result.out).toContain(`resumed from ${join(run, 'checkpoints', 'step-00000020')} (step 20)`);
  });

  it('a latest.json that is not JSON: the step folders are scanned', async () => {
    const run = await copyOfRun('bad-latest');
    await writeFile(join(run, 'checkpoints', 'latest.json'), 'not json');
    const result = await gantry(cwd, 'eval', '--run', 'runs/bad-latest');
    expect(result.code).toBe(0);
    expect(result.err).toBe(
      `gantry: passing over ${join(run, 'checkpoints', 'latest.json')}: expected {"step": n, "path": "step-NNNNNNNN"}, got "not json"; scanning the step folders\ngantry: using ${join(run, 'checkpoints', 'step-00000030')} (step 30), the newest intact checkpoint\n`,
    );
  });

  it('a config.json that is not JSON: a corrupt run folder (4), for eval and sample alike', async () => {
    const run = await copyOfRun('bad-config');
    await writeFile(join(run, 'config.json'), '{"format": "gantry/run-con');
    for (const command of [['eval', '--run', 'runs/bad-config'], ['sample', '--run', 'runs/bad-config', '--out', 's.svg']]) {
      const result = await gantry(cwd, ...command);
      expect([result.code, result.err]).toEqual([EXIT_CODES.corruptRun, `gantry: ${join(run, 'config.json')} is not JSON (26 bytes): the run folder is damaged; start the run again (--force).\n`]);
    }
    expect(await readdir(run)).not.toContain('s.svg');
  });

  it('Ctrl-C (SIGINT): stops between two steps, saves that step, says how to continue, exits 130; --resume then finishes', async () => {
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    const run = join(cwd, 'runs', 'interrupted');
    const child = spawn(process.execPath, [bin, 'train', ...TINY, '--steps', '100000', '--checkpoint-every', '50', '--out', run], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const code = await new Promise<number | null>((resolve) => {
      const poll = setInterval(() => {
        readFile(join(run, 'checkpoints', 'latest.json'), 'utf8')
          .then(() => {
            clearInterval(poll);
            child.kill('SIGINT');
          })
          .catch(() => undefined);
      }, 20);
      child.on('exit', (exitCode) => {
        clearInterval(poll);
        resolve(exitCode);
      });
    });
    expect(code).toBe(EXIT_CODES.interrupted);
    const match = stderr.match(/gantry: interrupted \(SIGINT\) after step (\d+), saved as a checkpoint; continue with: gantry train --resume --out (.+)\n$/);
    expect(match, stderr).not.toBeNull();
    expect(match?.[2]).toBe(run);
    const step = Number(match?.[1]);
    expect(JSON.parse(await readFile(join(run, 'checkpoints', 'latest.json'), 'utf8'))).toEqual({ step, path: `step-${String(step).padStart(8, '0')}` });
    const resumed = await gantry(cwd, 'train', '--resume', '--out', 'runs/interrupted', '--steps', String(step + 5));
    expect([resumed.code, resumed.err]).toEqual([0, '']);
    expect(resumed.out).toContain(`resumed from ${join(run, 'checkpoints', `step-${String(step).padStart(8, '0')}`)} (step ${step})`);
  }, 120_000);

  it('--debug adds the stack trace to the line', async () => {
    const result = await gantry(cwd, 'train', ...TINY, '--data', '/nonexistent.csv', '--out', 'runs/x', '--debug');
    expect(result.code).toBe(EXIT_CODES.usage);
    expect(result.err.startsWith('gantry: no such file or folder (ENOENT, stat): /nonexistent.csv; check the path.\n')).toBe(true);
    expect(result.err).toMatch(STACK);
  });

  it('a full disk and a read-only folder: environment (3), with what to do', () => {
    const full = Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC', syscall: 'write', path: '/runs/a/checkpoints/.step-00000020.1.tmp/tensors.bin' });
    expect(describeError(full)).toEqual({
      code: EXIT_CODES.environment,
      line: 'no space left on the device (ENOSPC, write): /runs/a/checkpoints/.step-00000020.1.tmp/tensors.bin; free some space, then continue with --resume (the last checkpoint is intact).',
    });
    const readOnly = Object.assign(new Error('EROFS'), { code: 'EROFS', syscall: 'open', path: '/ro/run' });
    expect(describeError(readOnly)).toEqual({ code: EXIT_CODES.environment, line: 'read-only file system (EROFS, open): /ro/run; write the run folder somewhere writable (--out).' });
    // Anything else is a bug: no line of its own, so main prints its stack.
    expect(describeError(new TypeError('x is undefined'))).toBeNull();
  });
});
