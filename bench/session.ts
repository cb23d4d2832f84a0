/**
 * §8 A scripted editing session (issue 7, "Load"): saves across two plugins with compile errors and crashing
 * versions mixed in, paced like a fast typist with autosave (bursts that fold into one build, pauses that
 * do not). It must end with the last good source running (checked by pixels), the reload log complete and
 * in order (in memory and on disk), and the back end's and the runner's memory and fds flat.
 * The approach of electron/core/load.test.ts (the small version), at the benchmark's scale.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import v8 from 'node:v8';
import { KilnBackend } from '../electron/core/backend';
import { sessionSource, type SessionKind } from '../electron/core/test-support';
import { nodeRunnerLauncher } from '../electron/core/node-runner-launcher';
import type { KilnPaths } from '../electron/core/paths';
import type { ReloadEvent } from '../electron/shared/contract';
import { single, withTarget, type Figure } from './figures';
import { benchDataDir, sleep } from './game';
import { settledSnapshot, warmedUp } from './soak';
import { collectFully } from '../electron/core/full-gc';
import type { MallocStats } from '../electron/core/runner-protocol';
import { mallocStats } from '../electron/runner/malloc-stats';

type Kind = SessionKind;
const SIZE = 16;

interface BackEndMemory {
  rssKb: number;
  heapKb: number;
  fds: number;
  /** What V8 holds for its heap (used or not: a young generation grown under allocation stays committed). */
  heapCommittedKb: number;
  /** Of that, the young generation (new_space) and code. */
  newSpaceKb: number;
  codeSpaceKb: number;
  /** Memory of buffers and other objects outside V8's heap that V8 knows of. */
  externalKb: number;
  /** glibc's malloc heap: what is in use, and what is freed but kept (null without mallinfo2). */
  malloc: MallocStats | null;
}

function backEnd(): BackEndMemory {
  collectFully();
  const m = process.memoryUsage();
  const kb = (n: number) => Math.round(n / 1024);
  const space = (name: string) => kb(v8.getHeapSpaceStatistics().find((x) => x.space_name === name)?.physical_space_size ?? 0);
  return {
    rssKb: kb(m.rss),
    heapKb: kb(m.heapUsed),
    fds: readdirSync('/proc/self/fd').length,
    heapCommittedKb: kb(v8.getHeapStatistics().total_physical_size),
    newSpaceKb: space('new_space'),
    codeSpaceKb: space('code_space'),
    externalKb: kb(m.external),
    malloc: mallocStats(),
  };
}

const mallocLine = (m: BackEndMemory) => (m.malloc ? `${m.malloc.inUseKb} / ${m.malloc.freeKb} / ${m.malloc.mmapKb}` : 'no mallinfo2');

/**
 * Deterministic gaps (xorshift32), so a run is the same session every time: 30 % are bursts (0–5 ms, a save
 * while the previous build of that plugin still runs: folded), the rest spread evenly to keep the mean.
 */
function gaps(seed: number, mean: number): () => number {
  let x = seed >>> 0 || 1;
  const next = () => {
    x ^= x << 13; x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5; x >>>= 0;
    return x / 2 ** 32;
  };
  const long = (mean - 0.3 * 2.5) / 0.7;
  return () => (next() < 0.3 ? next() * 5 : next() * 2 * long);
}


/** The part of a reload event §8's checks read. */
type LoggedSave = Pick<ReloadEvent, 'id' | 'plugin' | 'trigger' | 'outcome' | 'savesFolded'>;
export async function scriptedSession(paths: KilnPaths, saves: number, seconds: number, log: (s: string) => void) {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-session-'));
  const plugins = ['a', 'b'] as const;
  const rowOf = { a: 0, b: 1 };
  writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'session', width: SIZE, height: SIZE, build: { compiler: 'tcc', flags: [], profile: 'fast' }, plugins: plugins.map((p) => ({ name: p, sources: [`${p}.c`] })) }));
  for (const p of plugins) writeFileSync(path.join(dir, `${p}.c`), sessionSource(p, rowOf[p], 1, 'good'));
  const backend = await KilnBackend.open({ projectDir: dir, paths, launcher: nodeRunnerLauncher(paths.runnerScript), dataDir: benchDataDir, trustProject: true });
  // Only what the checks read: this process is the back end measured, and whole events (~1.5 KB each, diagnostics
  // and timings included) kept by the bench read as +1.5 MB of the back end's heap over 1,000 saves.
  const events: LoggedSave[] = [];
  backend.on('reload', (e) => events.push({ id: e.id, plugin: e.plugin, trigger: e.trigger, outcome: e.outcome, savesFolded: e.savesFolded }));
  const workDir = path.join(dir, '.kiln');
  let colour = 2;
  try {
    await backend.start();
    await backend.idle();
    // Warm-up: good builds of each, so the first snapshot is not taken before caches exist (soak.ts, warmedUp).
    for (let i = 0; !warmedUp(backend.supervisor.pid!, i); i++) {
      for (const p of plugins) await backend.save(`${p}.c`, sessionSource(p, rowOf[p], colour++, 'good'));
      await backend.idle();
    }
    await sleep(1000);
    const runnerPid = backend.supervisor.pid!;
    const firstEvent = events.length;
    const beBefore = backEnd();
    const runBefore = await settledSnapshot(backend.supervisor, runnerPid, workDir);

    const lastGood: Record<string, number> = {};
    const count: Record<string, number> = { a: 0, b: 0 };
    const kinds: Record<Kind, number> = { good: 0, 'compile-error': 0, crash: 0 };
    const gap = gaps(0x5eed, (seconds * 1000) / saves);
    const t0 = performance.now();
    let due = t0;
    // Issue 16: back-end memory after warm-up, from save 300 of 1,000 (30 % of the saves in --quick) to the end.
    const warmAt = Math.floor(saves * 0.3);
    let beWarm = beBefore;
    for (let i = 0; i < saves; i++) {
      if (i === warmAt) beWarm = backEnd();
      // Four saves of one plugin, then four of the other; the last two saves are good ones of each plugin:
      // the session ends as a user fixing their last mistake would.
      const last = i >= saves - 2;
      const p = last ? plugins[saves - 1 - i] : plugins[(i >> 2) & 1];
      const kind: Kind = last ? 'good' : i % 10 === 3 ? 'compile-error' : i % 10 === 7 ? 'crash' : 'good';
      const c = colour++;
      if (kind === 'good') lastGood[p] = c; // a crashing version is rolled back at its first frame: never "good"
      count[p]++;
      kinds[kind]++;
      await backend.save(`${p}.c`, sessionSource(p, rowOf[p], c, kind));
      // Paced against the clock from the session's start, so slow saves do not stretch the session.
      due += gap();
      const wait = due - performance.now();
      if (wait > 0) await sleep(wait);
      if (i % 200 === 199) log(`  ${i + 1} saves`);
    }
    await backend.idle();
    await sleep(500); // crash reports of the last frames, the reload log's writes
    const elapsed = (performance.now() - t0) / 1000;

    // The last good source runs in both plugins: read the rows' colours off a fresh frame.
    const frame = await new Promise<Uint8Array | null>((resolve) => {
      const timer = setTimeout(() => resolve(null), 3000);
      backend.once('frame', (f) => (clearTimeout(timer), resolve(f.pixels)));
    });
    const rowColour = (row: number) => (frame ? (frame[row * SIZE * 4] << 16) | (frame[row * SIZE * 4 + 1] << 8) | frame[row * SIZE * 4 + 2] : -1);
    const finalWrong = plugins.filter((p) => rowColour(rowOf[p]) !== lastGood[p]);

    const beAfter = backEnd();
    const runAfter = await settledSnapshot(backend.supervisor, runnerPid, workDir);
    const samePid = backend.supervisor.pid === runnerPid;

    // The log: every save built or folded into a newer build, ids in order, the file on disk the same events.
    const mine = events.slice(firstEvent);
    const builds = mine.filter((e) => e.trigger === 'save');
    const folded = builds.reduce((n, e) => n + (e.savesFolded ?? 0), 0);
    const unaccounted = plugins.reduce((n, p) => {
      const b = builds.filter((e) => e.plugin === p);
      return n + Math.abs(count[p] - b.length - b.reduce((k, e) => k + (e.savesFolded ?? 0), 0));
    }, 0);
    const ids = events.map((e) => e.id);
    const outOfOrder = ids.filter((id, k) => k > 0 && id <= ids[k - 1]).length;
    await backend.stop();
    const onDisk = readFileSync(path.join(workDir, 'reload-log.jsonl'), 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as ReloadEvent).id);
    const tail = onDisk.slice(-ids.length);
    const diskMismatch = ids.filter((id, k) => tail[k] !== id).length + (new Set(onDisk).size !== onDisk.length ? 1 : 0);
    const logProblems = unaccounted + outOfOrder + diskMismatch;
    const compileErrors = mine.filter((e) => e.outcome === 'compile-error').length;
    const crashes = mine.filter((e) => e.outcome === 'crash-rolled-back').length;
    const lastOutcomes = plugins.map((p) => builds.filter((e) => e.plugin === p).at(-1)?.outcome);

    log(`  ${saves} saves in ${elapsed.toFixed(1)} s: ${builds.length} builds, ${folded} folded, ${compileErrors} compile errors, ${crashes} crashes rolled back; final source ${finalWrong.length ? 'WRONG' : 'running'}, log ${logProblems ? 'BROKEN' : 'complete and in order'}`);
    const figures: Figure[] = [
      single('session.saves', 8, `saves (${kinds.good} good, ${kinds['compile-error']} compile errors, ${kinds.crash} crashing; 2 plugins) in ${elapsed.toFixed(0)} s`, 'count', saves, saves),
      single('session.builds', 8, '  builds (reload log entries triggered by a save)', 'count', builds.length, builds.length),
      single('session.folded', 8, '  saves folded into a newer build of the same plugin', 'count', folded, builds.length),
      single('session.compileErrors', 8, '  builds that failed to compile (old version kept)', 'count', compileErrors, builds.length),
      single('session.crashes', 8, '  crashing versions rolled back to the previous one', 'count', crashes, builds.length),
      withTarget(single('session.finalWrong', 8, `plugins not showing their last good source at the end (pixels; last builds: ${lastOutcomes.join(', ')})`, 'count', finalWrong.length, plugins.length),
        'issue 7: the session ends with the last good source running', [{ on: 'value', limit: 0 }]),
      withTarget(single('session.logProblems', 8, `reload log: saves unaccounted ${unaccounted}, ids out of order ${outOfOrder}, disk mismatches ${diskMismatch}`, 'count', logProblems, ids.length),
        'issue 7: the log complete and in order', [{ on: 'value', limit: 0 }]),
      withTarget(single('session.backend.rssKb', 8, `back end (bench process) RSS after GC (${beBefore.rssKb} → ${beAfter.rssKb} kB; heap ${beBefore.heapKb} → ${beAfter.heapKb} kB)`, 'kB', beAfter.rssKb - beBefore.rssKb, saves),
        'issue 7: back end memory flat (RSS +≤ 2 MB)', [{ on: 'value', limit: 2048 }]),
      withTarget(single('session.backend.rssKbAfterWarmup', 8, `  back end RSS from save ${warmAt} to save ${saves} (${beWarm.rssKb} → ${beAfter.rssKb} kB)`, 'kB', beAfter.rssKb - beWarm.rssKb, saves - warmAt),
        'issue 16: back-end RSS flat after warm-up (save 300 → 1,000: +≤ 5 MB)', [{ on: 'value', limit: 5120 }]),
      // Where that went: V8 sizes its young generation by the allocation rate of the moment (1–16 MB semi-spaces,
      // shrunk when allocation slows), so RSS moves by tens of MB between two samples with the same live heap.
      single('session.backend.youngGenKbAfterWarmup', 8, `    of which V8's young generation (new space, committed: ${beWarm.newSpaceKb} → ${beAfter.newSpaceKb} kB)`, 'kB', beAfter.newSpaceKb - beWarm.newSpaceKb, saves - warmAt),
      single('session.backend.outsideHeapKbAfterWarmup', 8, `    of which outside V8's heap (RSS − V8's committed heap: ${beWarm.rssKb - beWarm.heapCommittedKb} → ${beAfter.rssKb - beAfter.heapCommittedKb} kB)`, 'kB',
        beAfter.rssKb - beAfter.heapCommittedKb - (beWarm.rssKb - beWarm.heapCommittedKb), saves - warmAt),
      single('session.backend.mallocInUseKb', 8, `back end's malloc heap in use, start → end (${mallocLine(beBefore)} → ${mallocLine(beAfter)})`, 'kB',
        (beAfter.malloc?.inUseKb ?? NaN) - (beBefore.malloc?.inUseKb ?? NaN), saves, 'glibc\'s mallinfo2: in use / freed and kept / own mmaps, kB'),
      withTarget(single('session.backend.fds', 8, `back end open fds (${beBefore.fds} → ${beAfter.fds})`, 'count', beAfter.fds - beBefore.fds, saves),
        'issue 7: back end fds flat (+0)', [{ on: 'value', limit: 0 }]),
      withTarget(single('session.runner.rssKb', 8, `runner RSS (${runBefore.rssKb} → ${runAfter.rssKb} kB${samePid ? '' : '; the runner was restarted'})`, 'kB', runAfter.rssKb - runBefore.rssKb, saves),
        'issue 7: runner memory flat (RSS +≤ 2 MB)', [{ on: 'value', limit: 2048 }]),
      withTarget(single('session.runner.fds', 8, `runner open fds (${runBefore.fds} → ${runAfter.fds})`, 'count', runAfter.fds - runBefore.fds, saves),
        'issue 7: runner fds flat (+0)', [{ on: 'value', limit: 0 }]),
    ];
    return {
      figures,
      details: {
        saves, plannedSeconds: seconds, seconds: Math.round(elapsed * 10) / 10, savesPerPlugin: count, kinds,
        builds: builds.length, folded, compileErrors, crashesRolledBack: crashes, lastBuildOutcomes: lastOutcomes,
        finalRowColours: Object.fromEntries(plugins.map((p) => [p, rowColour(rowOf[p])])), lastGood,
        log: { events: ids.length, unaccounted, outOfOrder, diskMismatch, onDiskLines: onDisk.length },
        backend: { before: beBefore, warm: beWarm, after: beAfter }, runner: { before: runBefore, after: runAfter, samePid },
      },
    };
  } finally {
    await backend.stop().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  }
}
