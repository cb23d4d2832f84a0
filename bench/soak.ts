/**
 * §5 Soak: many reloads in a row through the whole back end (save → tcc → runner → libkiln), and what the
 * runner process holds before and after: RSS, open fds, mapped plugin images, temp files in .kiln/tmp.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { KilnPaths } from '../electron/core/paths';
import type { RunnerMemory } from '../electron/core/runner-protocol';
import type { RunnerSupervisor } from '../electron/core/runner-supervisor';
import { single, withTarget, type Figure } from './figures';
import { BenchGame, sleep, type Fixture } from './game';
import type { Snapshot } from './native';

function count(dir: string): number {
  try {
    return readdirSync(dir).length;
  } catch {
    return -1;
  }
}

/** RSS and its parts: anonymous memory (what the process allocated) and file pages (code, mapped state and images). */
interface RssParts {
  rssKb: number;
  rssAnonKb: number;
  rssFileKb: number;
}

export function snapshotProcess(pid: number, workDir: string): Snapshot & RssParts & { buildFiles: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const field = (name: string) => Number(new RegExp(`${name}:\\s+(\\d+)`).exec(status)?.[1] ?? NaN);
  const rssKb = field('VmRSS');
  const tmp = path.join(workDir, 'tmp');
  const maps = readFileSync(`/proc/${pid}/maps`, 'utf8').split('\n');
  const images = new Set(maps.map((l) => l.slice(l.indexOf('/'))).filter((p) => p.startsWith(tmp)));
  return { rssKb, rssAnonKb: field('RssAnon'), rssFileKb: field('RssFile'), fds: count(`/proc/${pid}/fd`), mappedImages: images.size, tempFiles: count(tmp), buildFiles: count(path.join(workDir, 'build')) };
}

/** Seconds since process `pid` started: /proc/PID/stat's start time (clock ticks since boot, 100 a second) against /proc/uptime. */
function processAgeSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const startTicks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]); // field 22
  return Number(readFileSync('/proc/uptime', 'utf8').split(' ')[0]) - startTicks / 100;
}

/**
 * Whether the warm-up may end: at least `rounds` rounds of saves, and runner `pid` has run 10 s. A fresh runner's RSS
 * takes in ~3.6 MB of the node executable's code about 4 s after it starts, when V8 optimizes the frame loop
 * (TurboFan's code, paged in once), and another 0.3 MB at 8 s, when V8's memory reducer first collects; then it
 * stays (a runner left running 30 s with no reloads: 34.7 -> 38.3 MB at 4.5 s, 38.6 at 8.5 s, 38.6 at 30 s).
 * Shared, clean pages of a file, once per process: not growth per reload. The bench used to hide them by giving its
 * runners tsx's loader, which paged in as much at start. The warm-up goes on saving rather than idling, so the
 * back end is measured working, not after V8 shrank its heap in a pause.
 */
export function warmedUp(pid: number, round: number, rounds = 10): boolean {
  return round >= rounds && processAgeSeconds(pid) >= 10;
}

/** The runner's memory after full garbage collections, then its process snapshot: growth not yet collected is not growth. */
export async function settledSnapshot(supervisor: RunnerSupervisor, pid: number, workDir: string): Promise<Snapshot & RssParts & { buildFiles: number; heap: RunnerMemory | null }> {
  // V8 hands freed pages back to the system a little after a collection: collect, wait, collect again, then read.
  await supervisor.memory();
  await sleep(500);
  const reply = await supervisor.memory();
  return { ...snapshotProcess(pid, workDir), heap: reply.memory ?? null };
}

/** Where the runner's memory stands between reloads (after full collections), to tell a leak from a high-water mark. */
const SAMPLE_AT = [10, 50, 100, 300];

function describe(s: RssParts & { heap: RunnerMemory | null }): string {
  const mb = (kb: number | undefined) => (kb === undefined ? '?' : (kb / 1024).toFixed(1));
  const m = s.heap?.malloc;
  const heap = s.heap ? `V8 heap ${mb(s.heap.heapUsedKb)} used / ${mb(s.heap.heapCommittedKb)} committed, external ${mb(s.heap.externalKb)}` : 'no heap reply';
  const malloc = m ? `; malloc: arena ${mb(m.arenaKb)} (in use ${mb(m.inUseKb)}, free ${mb(m.freeKb)}, of which at the top ${mb(m.topFreeKb)}), own mmaps ${mb(m.mmapKb)}` : '';
  const peak = s.heap ? `; peaks so far: external ${mb(s.heap.peak.externalKb)}, arena ${mb(s.heap.peak.arenaKb)}` : '';
  return `RSS ${mb(s.rssKb)} MB (anonymous ${mb(s.rssAnonKb)}, file ${mb(s.rssFileKb)}); ${heap}${malloc}${peak}`;
}

export async function soak(paths: KilnPaths, f: Fixture, reloads: number, log: (s: string) => void) {
  const game = await BenchGame.open(f, 'tcc', paths);
  try {
    log(`  started: ${describe(await settledSnapshot(game.backend.supervisor, game.backend.supervisor.pid!, game.workDir))}`);
    for (let i = 0; !warmedUp(game.backend.supervisor.pid!, i); i++) await game.edit(); // warm-up: first reloads grow caches once
    await sleep(1000);
    const pid = game.backend.supervisor.pid!;
    const before = await settledSnapshot(game.backend.supervisor, pid, game.workDir);
    log(`  before: ${describe(before)}`);
    const samples: Array<{ reloads: number } & Awaited<ReturnType<typeof settledSnapshot>>> = [];
    const t0 = performance.now();
    let ok = 0;
    for (let i = 0; i < reloads; i++) {
      const before = game.reloads.length;
      await game.backend.save(f.source, game.base.replace(/\/\* soak \d+ \*\/\n|$/, `/* soak ${i} */\n`));
      await game.backend.idle();
      if (game.reloads.slice(before).some((e) => e.outcome === 'ok')) ok++;
      if (i % 200 === 199) log(`  ${i + 1} reloads`);
      if (SAMPLE_AT.includes(i + 1)) {
        const s = await settledSnapshot(game.backend.supervisor, pid, game.workDir);
        samples.push({ reloads: i + 1, ...s });
        log(`  after ${i + 1} reloads: ${describe(s)}`);
      }
    }
    const seconds = (performance.now() - t0) / 1000;
    const last = await game.edit(); // the game still answers with new code after the soak
    await sleep(1000);
    const samePid = game.backend.supervisor.pid === pid;
    const after = await settledSnapshot(game.backend.supervisor, pid, game.workDir);
    log(`  after: ${describe(after)}`);
    const n = ok;
    const heapGrowth = before.heap && after.heap ? after.heap.heapUsedKb - before.heap.heapUsedKb : NaN;
    const figures: Figure[] = [
      withTarget(single('soak.rssKb', 5, `runner RSS growth over ${n} reloads (${before.rssKb} → ${after.rssKb} kB)`, 'kB', after.rssKb - before.rssKb, n),
        '1,000 reloads: RSS +≤ 2 MB', [{ on: 'value', limit: 2048 }]),
      single('soak.rssAnonKb', 5, `  of which anonymous memory (${before.rssAnonKb} → ${after.rssAnonKb} kB; file pages ${before.rssFileKb} → ${after.rssFileKb} kB)`, 'kB', after.rssAnonKb - before.rssAnonKb, n,
        'file pages are code (node, libkiln) and mapped state: a fresh runner faults in more of them as it runs new paths'),
      single('soak.heapUsedKb', 5, `runner V8 live heap growth after full collections (${before.heap?.heapUsedKb} → ${after.heap?.heapUsedKb} kB)`, 'kB', heapGrowth, n),
      withTarget(single('soak.fds', 5, `runner open fds growth (${before.fds} → ${after.fds})`, 'count', after.fds - before.fds, n), '1,000 reloads: open fds +0', [{ on: 'value', limit: 0 }]),
      withTarget(single('soak.mappedImages', 5, `mapped plugin images growth (${before.mappedImages} → ${after.mappedImages})`, 'count', after.mappedImages - before.mappedImages, n),
        '1,000 reloads: mapped images +0', [{ on: 'value', limit: 0 }]),
      withTarget(single('soak.tempFiles', 5, `temp files in .kiln/tmp growth (${before.tempFiles} → ${after.tempFiles})`, 'count', after.tempFiles - before.tempFiles, n),
        '1,000 reloads: temp files +0', [{ on: 'value', limit: 0 }]),
    ];
    return {
      figures,
      details: { reloads, succeeded: ok, seconds: Math.round(seconds * 10) / 10, samePid, newCodeShownAfter: last !== null, before, samples, after },
    };
  } finally {
    await game.dispose();
  }
}
