import { Writable } from 'node:stream';
import { main, type Console } from '../index.js';

/** Runs gantry in-process, as the tests do; returns the exit code and what it printed. */
export async function gantry(cwd: string, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const stderr = new Writable({
    write(chunk: Buffer, _encoding, done) {
      err += chunk.toString();
      done();
    },
  });
  const io: Console = { out: (line) => (out += `${line}\n`), err: stderr, cwd };
  const code = await main(argv, io);
  return { code, out, err };
}
