/**
 * Plugins' printf into the game log: libkiln turns fd 1 and 2 into pipes it reads after every plugin callback
 * (kiln_capture_output). Node writes to fd 1/2 too (console.log, process.stdout), and those lines are the
 * runner's own: they go to the dups of the original fds libkiln hands back, so they still reach the back end's
 * terminal and are never read back as untagged game output.
 */
import { writeSync } from 'node:fs';
import type { LibKiln } from './libkiln';

/** Until the terminal takes more: libuv may have made the original fd non-blocking (a pipe it opened). */
const sleeper = new Int32Array(new SharedArrayBuffer(4));
function writeAll(fd: number, bytes: Uint8Array): void {
  let offset = 0;
  let waits = 0;
  while (offset < bytes.length) {
    try {
      offset += writeSync(fd, bytes, offset);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN' || ++waits > 2000) return; // a gone terminal loses the line, not the game
      Atomics.wait(sleeper, 0, 0, 1);
    }
  }
}

type WriteCallback = (err?: Error | null) => void;

/** A Writable.write for one fd: synchronous, like Node's own stdout to files and pipes on Linux. */
function writerTo(fd: number) {
  return (chunk: string | Uint8Array, encoding?: BufferEncoding | WriteCallback, callback?: WriteCallback): boolean => {
    const done = typeof encoding === 'function' ? encoding : callback;
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, typeof encoding === 'string' ? encoding : 'utf8') : chunk;
    writeAll(fd, bytes);
    if (done) process.nextTick(done);
    return true;
  };
}

/**
 * Starts the capture and points process.stdout/stderr at the original fds. Returns why it could not (an older
 * libkiln, Windows): plugins' printf then goes to the terminal as before.
 */
export function captureOutput(lib: LibKiln): string | undefined {
  if (!lib.captureOutput) return 'this libkiln cannot capture what plugins print (rebuild it: npm run build:native)';
  // Touch both streams first: their handles are made on the original fds, never on libkiln's pipes.
  const streams = [process.stdout, process.stderr];
  const r = lib.captureOutput();
  if (r.code !== 0 || r.stdout < 0 || r.stderr < 0) return `kiln_capture_output failed with code ${r.code}: plugins' printf goes to the terminal`;
  (streams[0] as unknown as { write: unknown }).write = writerTo(r.stdout);
  (streams[1] as unknown as { write: unknown }).write = writerTo(r.stderr);
  return undefined;
}
