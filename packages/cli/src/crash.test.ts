import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gantry } from './test-support/gantry.js';

const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
const STEPS = 300;
// Kill moments: once the latest checkpoint has reached each target, a further 0-19 ms (from
// a fixed list), so that kills fall at different points among steps and checkpoint writes.
const TARGETS = Array.from({ length: 20 }, (_, i) => 9 + 14 * i);
const DELAYS = Array.from({ length: 20 }, (_, i) => (i * 7919 + 13) % 20);

/** Starts `gantry train` as a child and SIGKILLs it once latest.json reaches `target`, then `delay` ms later. */
function runAndKill(cwd: string, args: readonly string[], latest: string, target: number, delay: number): Promise<{ killed: boolean; code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    let killed = false;
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const poll = setInterval(() => {
      readFile(latest, 'utf8')
        .then((text) => {
          if (!killed && (JSON.parse(text) as { step: number }).step >= target) {
            killed = true;
            clearInterval(poll);
            setTimeout(() => child.kill('SIGKILL'), delay);
          }
        })
        .catch(() => undefined);
    }, 2);
    child.on('exit', (code) => {
      clearInterval(poll);
      resolve({ killed, code, stderr });
    });
    child.on('error', reject);
  });
}

describe('crash trials: 20 SIGKILLs over one run, each followed by --resume', () => {
  let cwd = '';
  beforeAll(async () => {
    cwd = await mkdtemp(join(tmpdir(), 'gantry-crash-'));
  });
  afterAll(async () => {
    await rm(cwd, { recursive: true, force: true });
  });

  it.each(['cpu', 'wasm'])('on %s: every resume succeeds, and the final weights and summary equal the uninterrupted run’s, bit for bit', async (backend) => {
    const flags = ['--backend', backend, '--units', '8', '--layers', '2', '--log-every', '10', '--sample-every', '100000', '--checkpoint-every', '3', '--steps', String(STEPS), '--seed', '4'];
    const straight = await gantry(cwd, 'train', ...flags, '--out', `${backend}/straight`);
    expect(straight.code).toBe(0);
    const run = join(cwd, backend, 'killed');
    const latest = join(run, 'checkpoints', 'latest.json');
    let kills = 0;
    for (let i = 0; i < TARGETS.length; i++) {
      const args = i === 0 ? ['train', ...flags, '--out', run] : ['train', '--resume', '--out', run];
      const result = await runAndKill(cwd, args, latest, TARGETS[i] as number, DELAYS[i] as number);
      // Killed, or (rarely) finished before the kill landed; never failed on its own.
      expect(result.code === 0 || result.killed, result.stderr).toBe(true);
      expect(result.stderr, `resume ${i}`).not.toMatch(/gantry: (?!.*TensorFlow)|Error/);
      if (result.killed && result.code !== 0) kills += 1;
    }
    expect(kills).toBeGreaterThanOrEqual(18);
    const finished = await gantry(cwd, 'train', '--resume', '--out', run);
    expect([finished.code, finished.err]).toEqual([0, '']);
    for (const network of ['generator', 'discriminator']) {
      const a = await readFile(join(cwd, backend, 'straight', 'models', network, 'weights.bin'));
      const b = await readFile(join(run, 'models', network, 'weights.bin'));
      expect(Buffer.compare(a, b), network).toBe(0);
    }
    // Everything but the provenance, which records the checkout at evaluation time.
    const summary = async (folder: string): Promise<unknown> => ({ ...JSON.parse(await readFile(join(folder, 'summary.json'), 'utf8')), provenance: undefined });
    expect(await summary(run)).toEqual(await summary(join(cwd, backend, 'straight')));
    console.log(`crash trials on ${backend}: ${kills} kills at checkpoint steps ≥ ${TARGETS.join(', ')} plus ${DELAYS.join(', ')} ms; final weights and summary equal`);
  }, 300_000);
});
