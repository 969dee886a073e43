import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { writeAtomically } from './files.js';

describe('writeAtomically', () => {
  it('two writes of one path in flight at once both land, and leave no temporary file', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'gantry-files-'));
    try {
      const path = join(folder, 'sweep.json');
      await Promise.all([writeAtomically(path, 'first\n'), writeAtomically(path, 'second\n')]);
      expect(['first\n', 'second\n']).toContain(await readFile(path, 'utf8'));
      expect(await readdir(folder)).toEqual(['sweep.json']);
    } finally {
      await rm(folder, { recursive: true, force: true });
    }
  });
});
