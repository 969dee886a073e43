import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';

/**
 * What made a run: results depend on float rounding (docs/results/gaussian.md), so two
 * runs are comparable only when these match. Saved in config.json (the code that started
 * the run) and summary.json (the code that evaluated it).
 */
export interface Provenance {
  /** Every `@gantry` package the CLI loads, by name, with its version. */
  readonly packages: Readonly<Record<string, string>>;
  /** The git commit of the checkout the CLI runs from, `+dirty` when tracked files differ from it; null outside a git checkout. */
  readonly commit: string | null;
  /** TF.js core's version. */
  readonly tfjs: string;
  /** The backend the run used, and TF.js's flags as set for it. */
  readonly backend: string;
  /** The wasm backend's threads (`--threads`); null for the other backends. */
  readonly threads: number | null;
  readonly flags: Readonly<Record<string, unknown>>;
  /** `process.version`. */
  readonly node: string;
  /** `platform arch`, and the CPU model. */
  readonly platform: string;
  readonly cpu: string;
}

const PACKAGES = ['@gantry/backend', '@gantry/baselines', '@gantry/cli', '@gantry/datasets', '@gantry/losses', '@gantry/metrics', '@gantry/models', '@gantry/priors', '@gantry/trainer', '@gantry/vcagan'];

/** The version of an installed package: its entry point resolved, then the nearest package.json of that name above it. */
async function versionOf(name: string): Promise<string | null> {
  let directory: string;
  try {
    directory = dirname(fileURLToPath(import.meta.resolve(name)));
  } catch {
    return null;
  }
  for (;;) {
    const manifest = await readFile(join(directory, 'package.json'), 'utf8').then(
      (text) => JSON.parse(text) as { name?: string; version?: string },
      () => null,
    );
    if (manifest?.name === name) return manifest.version ?? null;
    const parent = dirname(directory);
    if (parent === directory) return null;
    directory = parent;
  }
}

function git(args: readonly string[], cwd: string): Promise<string | null> {
  return new Promise((resolve) => {
    execFile('git', [...args], { cwd, timeout: 5000 }, (error, stdout) => resolve(error === null ? stdout.trim() : null));
  });
}

/**
 * The code this process runs: the @gantry versions and the commit, read once (two git calls,
 * ten package.json lookups) and shared by every run and evaluation of the process. Read at
 * the first call, so a checkout changed while a run trains does not rewrite what made it.
 */
let loadedCode: Promise<Pick<Provenance, 'packages' | 'commit'>> | undefined;

async function readCode(): Promise<Pick<Provenance, 'packages' | 'commit'>> {
  const here = dirname(fileURLToPath(import.meta.url));
  const versions = await Promise.all(PACKAGES.map(async (name) => [name, await versionOf(name)] as const));
  const packages: Record<string, string> = {};
  for (const [name, version] of versions) if (version !== null) packages[name] = version;
  packages['@gantry/cli'] ??= (await versionOf('@gantry/cli')) ?? 'unknown';
  const head = await git(['rev-parse', 'HEAD'], here);
  const changes = head === null ? null : await git(['status', '--porcelain', '--untracked-files=no'], here);
  return { packages, commit: head === null ? null : `${head}${changes === null || changes === '' ? '' : '+dirty'}` };
}

/** The provenance of a run on `backend` (with `threads` for wasm), as this process sees it. */
export async function provenance(backend: string, threads: number | null = null): Promise<Provenance> {
  loadedCode ??= readCode();
  const { packages, commit } = await loadedCode;
  return {
    packages,
    commit,
    tfjs: tf.version_core,
    backend,
    threads,
    flags: { ...tf.env().getFlags() },
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    cpu: cpus()[0]?.model ?? 'unknown',
  };
}
