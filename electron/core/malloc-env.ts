/**
 * glibc's malloc settings for a process that hosts Kiln's back end (the web shell, the desktop app's main process,
 * the benchmark) and for the runners and compilers it starts, which inherit them: one arena.
 *
 * With glibc's default (up to 8 arenas a core) the back end's RSS outside V8's heap grew 8–10 MB from save 300 to
 * save 1,000 of bench §8 and stayed: V8's compiler and GC threads and libuv's pool each malloc and free in an arena of
 * their own, and what they free in the middle of one goes back to it, not to the system. One arena: +0.6–2.7 MB in
 * most runs (docs/PLATFORM.md, "glibc and Linux"; BENCHMARK.md §8). Set where those processes start
 * (scripts/start.mjs, e2e/web-shell.ts, bench/main.ts): glibc reads it once, before the first malloc.
 */
export const BACK_END_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };

/** `env` with the back end's malloc settings where it does not name its own. */
export function withBackEndMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...BACK_END_MALLOC_ENV, ...env };
}

/** Whether this process started with them (or with its own choice of each). */
export function hasBackEndMalloc(env: NodeJS.ProcessEnv = process.env): boolean {
  return Object.keys(BACK_END_MALLOC_ENV).every((k) => env[k] !== undefined);
}
