import { access, rename, stat, writeFile } from 'node:fs/promises';

let writes = 0;

/**
 * Writes through a temporary file and a rename, so a reader never sees half a file. Each
 * call has its own temporary file: two writes of one path in flight at once (a sweep saving
 * sweep.json as two cells end together) must not rename each other's.
 */
export async function writeAtomically(path: string, data: string | Uint8Array): Promise<void> {
  writes += 1;
  const temporary = `${path}.${process.pid}.${writes}.tmp`;
  await writeFile(temporary, data);
  await rename(temporary, path);
}

/** Whether a file or folder is there. */
/** Whether `path` is a folder; false when it is a file or missing (the data loader names a missing path). */
export async function isFolder(path: string): Promise<boolean> {
  return stat(path).then(
    (entry) => entry.isDirectory(),
    () => false,
  );
}

export async function exists(path: string): Promise<boolean> {
  try {
    await access(path);
    return true;
  } catch {
    return false;
  }
}
