/**
 * glibc's own account of the runner's malloc heap (mallinfo2), for the benchmark's soak: it tells memory the runner
 * still holds (in use) from memory freed but kept by malloc (free in the arena, not handed back to the system).
 * Linux with glibc 2.33 or later only; elsewhere (Windows, macOS, musl) there is no such call and the answer is null.
 */
import koffi from 'koffi';
import type { MallocStats } from '../core/runner-protocol';

let mallinfo2: (() => Record<string, bigint | number>) | null | undefined;
let mallocTrim: ((pad: number) => number) | null = null;

function bind(): typeof mallinfo2 {
  if (mallinfo2 !== undefined) return mallinfo2;
  mallinfo2 = null;
  if (process.platform !== 'linux') return mallinfo2;
  try {
    const libc = koffi.load('libc.so.6');
    const fields = ['arena', 'ordblks', 'smblks', 'hblks', 'hblkhd', 'usmblks', 'fsmblks', 'uordblks', 'fordblks', 'keepcost'];
    const info = koffi.struct('kiln_mallinfo2', Object.fromEntries(fields.map((f) => [f, 'size_t'])));
    mallinfo2 = libc.func('mallinfo2', info, []) as () => Record<string, bigint | number>;
    mallocTrim = libc.func('int malloc_trim(size_t pad)') as (pad: number) => number;
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

/** Freed memory inside the arena (not at its top) above which trimMallocIfFragmented hands it back. */
const TRIM_ABOVE_KB = 2048;

/**
 * Hands freed pages inside malloc's arena back to the system when it holds more than TRIM_ABOVE_KB of them. Each
 * reload's dlopen and dlclose (ld.so's link maps, symbol tables), koffi's and Node's buffers free and allocate
 * around long-lived blocks, and glibc only gives back the top of its heap by itself: in a full benchmark run the
 * runner's arena went from 8.9 to 19 MB over 1,000 reloads with 0.7 MB more in use (docs/BENCHMARK.md §5).
 * malloc_trim(0) also releases whole free pages inside the heap (MADV_DONTNEED). Returns the kB it found free.
 */
export function trimMallocIfFragmented(): number {
  const stats = mallocStats();
  if (!stats || !mallocTrim) return 0;
  const inside = stats.freeKb - stats.topFreeKb;
  if (inside <= TRIM_ABOVE_KB) return 0;
  mallocTrim(0);
  return inside;
}
