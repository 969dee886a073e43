// How many training steps per second this machine gives when `gantry sweep` runs one,
// two, ... processes at once: the quick preset's VCAGAN step, each process its own seed.
// `node benchmarks/parallel-throughput.mjs [--processes 1,2] [--steps 1500]`. Rates come
// from each run's metrics.jsonl (the time between its first and last logged steps), so
// start-up is not counted. A benchmark: it prints figures and asserts nothing.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: {
    processes: { type: 'string', default: '1,2' },
    steps: { type: 'string', default: '1500' },
  },
});
const bin = fileURLToPath(new URL('../packages/cli/dist/bin.js', import.meta.url));
const steps = Number(values.steps);

async function rate(run) {
  const lines = (await readFile(join(run, 'metrics.jsonl'), 'utf8')).split('\n').filter(Boolean).map((line) => JSON.parse(line));
  const [first, last] = [lines[0], lines.at(-1)];
  return (last.step - first.step) / ((Date.parse(last.time) - Date.parse(first.time)) / 1000);
}

const folder = await mkdtemp(join(tmpdir(), 'gantry-throughput-'));
try {
  for (const count of values.processes.split(',').map(Number)) {
    const runs = Array.from({ length: count }, (_, i) => join(folder, `${count}-${i + 1}`));
    await Promise.all(
      runs.map(
        (run, i) =>
          new Promise((resolve, reject) => {
            const args = [bin, 'train', '--preset', 'quick', '--lambda-creg', '0.1', '--steps', String(steps), '--seed', String(i + 1), '--log-every', '50', '--out', run, '--force'];
            const child = spawn(process.execPath, args, { stdio: 'ignore' });
            child.on('error', reject);
            child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`gantry train exited with ${code}`))));
          }),
      ),
    );
    const rates = await Promise.all(runs.map(rate));
    const total = rates.reduce((a, b) => a + b, 0);
    console.log(`${count} process${count === 1 ? '' : 'es'}: ${rates.map((r) => r.toFixed(1)).join(' + ')} = ${total.toFixed(1)} steps/s`);
  }
} finally {
  await rm(folder, { recursive: true, force: true });
}
