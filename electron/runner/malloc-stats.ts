/**
 * glibc's own account of the runner's malloc heap (mallinfo2), for the benchmark's soak: it tells memory the runner
 * still holds (in use) from memory freed but kept by malloc (free in the arena, not handed back to the system).
 * Linux with glibc 2.33 or later only; elsewhere (Windows, macOS, musl) there is no such call and the answer is null.
 */
import koffi from 'koffi';
import type { MallocStats } from '../core/runner-protocol';

let mallinfo2: (() => Record<string, bigint | number>) | null | undefined;

function bind(): typeof mallinfo2 {
  if (mallinfo2 !== undefined) return mallinfo2;
  mallinfo2 = null;
  if (process.platform !== 'linux') return mallinfo2;
  try {
    const libc = koffi.load('libc.so.6');
    const fields = ['arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost'];
    const info = koffi.struct('kiln_mallinfo2', Object.fromEntries(fields.map((f) => [f, 'size_t'])));
    mallinfo2 = libc.func('mallinfo2', info, []) as () => Record<string, bigint | number>;
  } catch {
    mallinfo2 = null; // not glibc, or a glibc older than 2.33
  }
  return mallinfo2;
}

export function mallocStats(): MallocStats | null {
  const f = bind();
  if (!f) return null;
  const m = f();
  const kb = (k: string) => Math.round(Number(m[k]) / 1024);
  return { arenaKb: kb('arena'), mmapKb: kb('hblkhd'), inUseKb: kb('uordblks'), freeKb: kb('fordblks'), topFreeKb: kb('keepcost') };
}
