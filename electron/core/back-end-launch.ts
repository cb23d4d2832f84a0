/**
 * How a process that hosts Kiln's back end is started (the web shell, the benchmark), beyond its script: glibc's
 * malloc settings and V8's flags. Set where those processes start (scripts/start.mjs, e2e/web-shell.ts,
 * bench/main.ts); a test keeps start.mjs's copy the same. docs/PLATFORM.md, "glibc and Linux" and "V8's young
 * generation in the back end", has the measurements.
 *
 * malloc: one arena. With glibc's default (up to 8 arenas a core) the back end's RSS outside V8's heap grew 8–10 MB
 * from save 300 to save 1,000 of bench §8 and stayed: V8's compiler and GC threads and libuv's pool each malloc and
 * free in an arena of their own, and what they free in the middle of one goes back to it, not to the system. One
 * arena: +0.6–2.7 MB in most runs. glibc reads it once, before the first malloc; the runners and compilers the back
 * end starts inherit it.
 *
 * V8: a young generation of 2 × 2 MB instead of up to 2 × 16, from the start (with only the cap V8 starts it at 2 × 1
 * and grows it under the first saves). V8 shrinks it while the process idles and grows it
 * back under the next saves, so the back end's RSS moved by up to 30 MB with the same live heap (bench §8 in a full
 * run: +14–15 MB of its +16 MB from save 300 to 1,000). The cost, measured on the web shell's back end over §9's 28
 * saves: 23 scavenges instead of 15, the same GC time (109–184 ms against 113), §9's figures unchanged. A V8 flag
 * cannot be set once the process runs (V8 sizes the young generation when it makes the heap), so it goes on the
 * back end's command line, and only there: the runners and the frame relay the back end forks get their own
 * (`childExecArgv`). Not in Electron: its main process takes V8 flags only from `--js-flags` on Electron's command
 * line, which its renderers (the editor's page) would get too.
 *
 * The Node runner gets the same young generation (`RUNNER_NODE_FLAGS`, since 2026-12-02): its frames no longer
 * allocate (one reused pixel buffer, deltas of a few hundred bytes), so the game loop scavenges a 2 MB semi-space
 * rarely, and with V8's default its RSS breathed by the same 7-12 MB between two snapshots of one runner (bench §5:
 * committed heap 23.5 -> 30.9 MB in one run, 23.8 -> 19.7 in the next, the live heap the same). Capped: 19.2 -> 19.2
 * and 19.2 -> 19.4 MB; frames over 2x the interval during 100 reloads 0 (§2).
 */
export const BACK_END_MALLOC_ENV: Readonly<Record<string, string>> = { MALLOC_ARENA_MAX: '1' };
export const BACK_END_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=2', '--min-semi-space-size=2'];

/** V8 flags of a Node runner the back end forks (node-runner-launcher.ts), added to `childExecArgv`. */
export const RUNNER_NODE_FLAGS: readonly string[] = BACK_END_NODE_FLAGS;

/**
 * V8 flags of the web shell's frame relay (electron/web/frame-relay.ts), a process that only passes frames on: no
 * memory reducer and no GC helper threads. With V8's defaults its heap of a few MB was collected by the memory
 * reducer three times in a row, 0.6 s apart, starting 8 s after it started (7-11 ms pauses on the 2-core VM, each
 * holding every frame), and each scavenge woke four helper threads that competed with the runner and the compiler
 * for two cores. With these flags, bench §2's 100 reloads saw no major collection in the relay (docs/BENCHMARK.md §2).
 */
export const RELAY_NODE_FLAGS: readonly string[] = ['--no-memory-reducer', '--single-threaded-gc'];

/** `env` with the back end's malloc settings where it does not name its own. */
export function withBackEndMalloc(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return { ...BACK_END_MALLOC_ENV, ...env };
}

/** Whether this process started as a back end should: with the malloc settings (or its own choice of each) and the V8 flags. */
export function startedAsBackEnd(env: NodeJS.ProcessEnv = process.env, execArgv: readonly string[] = process.execArgv): boolean {
  return Object.keys(BACK_END_MALLOC_ENV).every((k) => env[k] !== undefined) && BACK_END_NODE_FLAGS.every((f) => execArgv.includes(f));
}

/** Node flags for a Node child of the back end (a runner): the back end's own, less the V8 flags that are only its. */
export function childExecArgv(execArgv: readonly string[] = process.execArgv): string[] {
  return execArgv.filter((a) => !BACK_END_NODE_FLAGS.includes(a));
}

/** Flags that load code before the script: how a back end run from TypeScript (tests, the bench) gets tsx. */
const LOADER_FLAGS = ['--import', '--require', '-r', '--loader', '--experimental-loader'];

/**
 * `execArgv` for a child that runs a bundle (the runner, the frame relay): without the module loaders, which a bundle
 * does not need. Passed on, tsx's hooks ran in a thread of each runner and relay the bench and the tests started,
 * with a V8 heap and collections of its own (8-11 ms each, docs/BENCHMARK.md §2), that no user's processes have.
 */
export function bundleExecArgv(execArgv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < execArgv.length; i++) {
    const a = execArgv[i];
    if (LOADER_FLAGS.includes(a)) i += 1; // and its value
    else if (!LOADER_FLAGS.some((f) => a.startsWith(`${f}=`))) out.push(a);
  }
  return out;
}
