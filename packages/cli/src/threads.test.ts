import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EXIT_CODES } from './errors.js';
import { gantry } from './test-support/gantry.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
// 4 × 256 MLPs: products large enough that XNNPACK splits them between the two threads.
const FLAGS = ['train', '--backend', 'wasm', '--units', '256', '--layers', '4', '--steps', '40', '--log-every', '10', '--checkpoint-every', '20', '--sample-every', '1000', '--seed', '3'];

/** `gantry train` in its own process: the wasm backend's thread count is fixed once it starts. */
function train(cwd: string, args: readonly string[]): Promise<{ code: number | null; out: string; err: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (err += chunk.toString()));
    child.on('exit', (code) => resolve({ code, out, err }));
    child.on('error', reject);
  });
}

async function json(path: string): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
}

describe('gantry train --threads', () => {
  let cwd = '';
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gantry-threads-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it('trains on 2 wasm threads to the same bits as on 1, records the count in the provenance only, and resumes with another count', async () => {
    const one = await train(cwd, [...FLAGS, '--out', 'one']);
    expect(one.code, one.err).toBe(0);
    const two = await train(cwd, [...FLAGS, '--threads', '2', '--out', 'two']);
    expect(two.code, two.err).toBe(0);
    expect(two.out).toMatch(/backend wasm, 2 threads \(/);
    expect(one.out).toMatch(/backend wasm \(/);
    // Each checkpoint's state.json records its tensors' SHA-256.
    for (const step of ['00000020', '00000040']) {
      const [a, b] = await Promise.all(['one', 'two'].map(async (run) => ((await json(join(cwd, run, 'checkpoints', `step-${step}`, 'state.json')))['files'] as Record<string, { sha256: string }>)['tensors.bin']?.sha256));
      expect(a).toMatch(/^[0-9a-f]{64}$/);
      expect(b).toBe(a);
    }
    const config = await json(join(cwd, 'two', 'config.json'));
    expect(Object.keys(config)).not.toContain('threads');
    expect((config['provenance'] as { threads: unknown }).threads).toBe(2);
    expect(((await json(join(cwd, 'two', 'summary.json')))['provenance'] as { threads: unknown }).threads).toBe(2);
    expect(((await json(join(cwd, 'one', 'summary.json')))['provenance'] as { threads: unknown }).threads).toBe(1);

    const resumed = await train(cwd, ['train', '--resume', '--out', 'one', '--steps', '60', '--threads', '2']);
    expect(resumed.code, resumed.err).toBe(0);
    expect(resumed.out).toMatch(/2 threads/);
  }, 300_000);

  it('refuses a count outside 1-4 and a backend other than wasm, before the run folder is made', async () => {
    for (const [value, backend, message] of [
      ['0', 'wasm', '--threads must be an integer >= 1 and <= 4, got "0".'],
      ['two', 'wasm', '--threads must be an integer >= 1 and <= 4, got "two".'],
      ['2', 'cpu', "--threads sets the wasm backend's threads; this run's backend is cpu (got --threads 2)."],
    ] as const) {
      const result = await gantry(cwd, 'train', '--backend', backend, '--threads', value, '--steps', '2', '--out', 'refused');
      expect([result.code, result.err]).toEqual([EXIT_CODES.usage, `gantry: ${message}\n`]);
    }
    await expect(readFile(join(cwd, 'refused', 'config.json'))).rejects.toThrow(/ENOENT/);
  });
});
