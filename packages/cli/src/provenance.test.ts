import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import { describe, expect, it } from 'vitest';
import { gantry } from './test-support/gantry.js';

describe('provenance', () => {
  it('config.json and summary.json record the packages, commit, TF.js, backend and flags, Node and platform', async () => {
    const cwd = await mkdtemp(join(tmpdir(), 'gantry-provenance-'));
    try {
      const result = await gantry(cwd, 'train', '--backend', 'cpu', '--units', '8', '--layers', '2', '--steps', '3', '--out', 'run');
      expect(result.code).toBe(0);
      const version = async (name: string): Promise<string> => (JSON.parse(await readFile(fileURLToPath(new URL(`../../${name}/package.json`, import.meta.url)), 'utf8')) as { version: string }).version;
      for (const file of ['config.json', 'summary.json']) {
        const { provenance } = JSON.parse(await readFile(join(cwd, 'run', file), 'utf8'));
        expect(Object.keys(provenance.packages).sort()).toEqual(['backend', 'baselines', 'cli', 'datasets', 'losses', 'metrics', 'models', 'priors', 'trainer', 'vcagan'].map((name) => `@gantry/${name}`));
        expect(provenance.packages['@gantry/trainer']).toBe(await version('trainer'));
        expect(provenance.packages['@gantry/cli']).toBe(await version('cli'));
        // This checkout is a git clone (CI clones it): the commit, marked when tracked files differ.
        expect(provenance.commit).toMatch(/^[0-9a-f]{40}(\+dirty)?$/);
        expect([provenance.tfjs, provenance.backend, provenance.node, provenance.platform]).toEqual([tf.version_core, 'cpu', process.version, `${process.platform} ${process.arch}`]);
        expect(provenance.flags.IS_NODE).toBe(true);
        expect(typeof provenance.cpu).toBe('string');
      }
    } finally {
      await rm(cwd, { recursive: true, force: true });
    }
  }, 120_000);
});
