// PyTorch as a yardstick: finds a Python that imports torch and runs
// benchmarks/torch/vcagan_step.py, the same steps written plainly in PyTorch.
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';

// OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE are unset for PyTorch alone: set as on this
// machine's image, they make OpenBLAS pick slow kernels.
const torchEnv = { ...process.env };
delete torchEnv.OPENBLAS_CORETYPE;
delete torchEnv.OPENBLAS_L2_SIZE;
// From the temporary folder: here, `import torch` would find this folder's torch/.
const torchCwd = tmpdir();

/** The first Python that imports torch (Debian's python3-torch is for /usr/bin/python3, which may not be the python3 on PATH), or a reason. */
export function findTorchPython(preferred) {
  const candidates = [...new Set([preferred, 'python3', '/usr/bin/python3'])];
  const python = candidates.find((candidate) => spawnSync(candidate, ['-c', 'import torch.nn'], { env: torchEnv, cwd: torchCwd, stdio: 'ignore' }).status === 0);
  return python === undefined ? { missing: `no 'import torch' in ${candidates.join(' or ')}` } : { python };
}

/**
 * The PyTorch steps (vcagan_step.py) with `threads` threads, at least `steps` steps or
 * `maxSeconds` per case, the cases whose name contains `only`: one record per case
 * ({ case, ms, p10, p90, steps, threads, torch }), or a reason.
 */
export function torchSteps(python, { threads, steps, maxSeconds, only = '' }) {
  const script = fileURLToPath(new URL('torch/vcagan_step.py', import.meta.url));
  const args = [script, '--threads', String(threads), '--steps', String(steps), '--max-seconds', String(maxSeconds), ...(only === '' ? [] : ['--only', only])];
  const run = spawnSync(python, args, { env: torchEnv, cwd: torchCwd, encoding: 'utf8', maxBuffer: 1 << 24 });
  if (run.status !== 0) return { missing: `vcagan_step.py exited with ${run.status}: ${run.stderr.trim().split('\n').at(-1)}` };
  return { cases: run.stdout.trim().split('\n').filter(Boolean).map((line) => JSON.parse(line)) };
}
