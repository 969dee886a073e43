import { BackendUnavailableError, InvalidArgumentError } from '@gantry/backend';
import { NonFiniteLossError } from '@gantry/trainer';
import { CorruptCheckpointError } from '@gantry/trainer/node';
import { CorruptRunError, FlagError, RunInterruptedError } from './config.js';
import { SlurmError } from './slurm.js';

/**
 * `gantry`'s exit codes. Every expected failure prints one `gantry: …` line on stderr and
 * exits with one of these; a stack trace appears only with `--debug`, or for a bug
 * (`internal`).
 */
export const EXIT_CODES = {
  /** Done. */
  ok: 0,
  /** A sweep finished with failed cells (running it again retries them), or a bug in Gantry (with its stack trace). */
  failed: 1,
  /** Usage and input: a bad flag, a missing or unreadable file, bad data. */
  usage: 2,
  /** The environment: a backend that is not installed, a full disk, a read-only folder. */
  environment: 3,
  /** A run folder whose files are damaged: config.json, checkpoints. */
  corruptRun: 4,
  /** Training stopped on a non-finite loss term (the run folder keeps its last good checkpoint). */
  nonFinite: 5,
  /** Interrupted by SIGINT (Ctrl-C): 128 + 2, the shell's convention; the last step is saved. SIGTERM gives 143. */
  interrupted: 130,
} as const;

const SYSTEM: Readonly<Record<string, { readonly code: number; readonly what: string; readonly todo: string }>> = {
  ENOENT: { code: EXIT_CODES.usage, what: 'no such file or folder', todo: 'check the path' },
  ENOTDIR: { code: EXIT_CODES.usage, what: 'a part of the path is not a folder', todo: 'check the path' },
  EISDIR: { code: EXIT_CODES.usage, what: 'a folder where a file was expected', todo: 'give a file' },
  EACCES: { code: EXIT_CODES.usage, what: 'permission denied', todo: 'check its permissions' },
  EPERM: { code: EXIT_CODES.usage, what: 'operation not permitted', todo: 'check its permissions' },
  ENOSPC: { code: EXIT_CODES.environment, what: 'no space left on the device', todo: 'free some space, then continue with --resume (the last checkpoint is intact)' },
  EDQUOT: { code: EXIT_CODES.environment, what: 'disk quota exceeded', todo: 'free some space, then continue with --resume (the last checkpoint is intact)' },
  EROFS: { code: EXIT_CODES.environment, what: 'read-only file system', todo: 'write the run folder somewhere writable (--out)' },
  EMFILE: { code: EXIT_CODES.environment, what: 'too many open files', todo: 'raise the limit (ulimit -n) and run again' },
  EIO: { code: EXIT_CODES.environment, what: 'input/output error', todo: 'check the disk' },
};

/**
 * What `gantry` says for an error: its exit code and one line (without the `gantry: `
 * prefix), or null for an error no user can cause: a bug, reported with its stack.
 */
export function describeError(error: unknown): { readonly code: number; readonly line: string } | null {
  if (error instanceof FlagError || error instanceof InvalidArgumentError) return { code: EXIT_CODES.usage, line: error.message };
  if (error instanceof SlurmError) return { code: EXIT_CODES.environment, line: error.message };
  if (error instanceof BackendUnavailableError) return { code: EXIT_CODES.environment, line: error.message.replace(/\s*\n\s*/g, ' ') };
  if (error instanceof CorruptCheckpointError) return { code: EXIT_CODES.corruptRun, line: `${error.message}; start the run again (--force), or restore its checkpoints folder` };
  if (error instanceof CorruptRunError) return { code: EXIT_CODES.corruptRun, line: error.message };
  if (error instanceof NonFiniteLossError) return { code: EXIT_CODES.nonFinite, line: error.message };
  if (error instanceof RunInterruptedError) return { code: error.signal === 'SIGTERM' ? 143 : EXIT_CODES.interrupted, line: error.message };
  const system = error as NodeJS.ErrnoException;
  if (error instanceof Error && typeof system.code === 'string' && SYSTEM[system.code] !== undefined) {
    const known = SYSTEM[system.code] as (typeof SYSTEM)[string];
    const where = system.path === undefined ? '' : `: ${system.path}`;
    return { code: known.code, line: `${known.what} (${system.code}${system.syscall === undefined ? '' : `, ${system.syscall}`})${where}; ${known.todo}.` };
  }
  return null;
}
