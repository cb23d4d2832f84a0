/**
 * A plugin of several C files builds per translation unit: each .c compiles to its own object under
 * .kiln/build/obj/, cached by its inputs (the source and every header its last compile read, by content
 * hash, plus the compiler and the flags), so a save recompiles only the units it changed; independent
 * units compile in parallel up to the core count, then one link makes the image. compiler.ts calls it
 * with its own process runner (limits, process groups, cancel), so this module imports no runtime code
 * from there.
 */
import { createHash } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildStop, CompileRequest, CompileResult, RawDiagnostic } from './compiler';

/** One translation unit of a build: compiled now, or its cached object reused. */
export interface UnitRecord {
  /** Absolute path of the .c file. */
  source: string;
  object: string;
  /** false: the cached object matched every input and was linked as it was. */
  compiled: boolean;
  ok: boolean;
  ms: number;
}

/** What a per-unit build adds to a CompileResult (the build record the tests and the log read). */
export interface UnitBuild {
  units: UnitRecord[];
  /** Most compilers that ran at the same time in this build. */
  parallelPeak: number;
  linkMs: number;
}

/** What compiler.ts lends this module: its runner and its parsers, so both paths behave the same. */
export interface UnitTools {
  run(exe: string, args: string[], req: Pick<CompileRequest, 'cwd' | 'limits' | 'signal'>): Promise<{ code: number; stdout: string; stderr: string; stopped?: 'time-limit' | 'cancelled'; memoryLimited: boolean; signal: NodeJS.Signals | null }>;
  readDepFile(file: string, cwd: string): Promise<string[]>;
  diagnose(stderr: string, output: string, source: string, code: number): RawDiagnostic[];
  outOfMemory(ran: { memoryLimited: boolean; signal: NodeJS.Signals | null }, output: string): boolean;
  stopped(req: CompileRequest, why: BuildStop, r: { ms: number; flags: string[]; output: string; dependencies: string[]; diagnostics?: RawDiagnostic[] }): CompileResult;
}

/** Inputs a cached object was built from: every file's content hash, and the command's identity. */
interface Manifest {
  key: string;
  inputs: Array<[file: string, sha1: string]>;
}

/** file -> its hash, valid while stat says the file is the same one (saves are atomic renames: a new inode). */
const hashes = new Map<string, { ino: number; size: number; mtimeMs: number; ctimeMs: number; sha1: string }>();

async function hashOf(file: string): Promise<string | null> {
  let st;
  try {
    st = await fs.stat(file);
  } catch {
    return null;
  }
  const hit = hashes.get(file);
  if (hit && hit.ino === st.ino && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs) return hit.sha1;
  let data: Buffer;
  try {
    data = await fs.readFile(file);
  } catch {
    return null;
  }
  const sha1 = createHash('sha1').update(data).digest('hex');
  hashes.set(file, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha1 });
  return sha1;
}

/** Manifests read this session, so a save does not re-read fifty JSON files (the disk copy survives restarts). */
const manifests = new Map<string, Manifest>();

async function readManifest(file: string): Promise<Manifest | null> {
  const hit = manifests.get(file);
  if (hit) return hit;
  try {
    const m = JSON.parse(await fs.readFile(file, 'utf8')) as Manifest;
    if (typeof m.key !== 'string' || !Array.isArray(m.inputs)) return null;
    manifests.set(file, m);
    return m;
  } catch {
    return null;
  }
}

/** Whether every input recorded for an object still has the hash it was built from. */
async function upToDate(m: Manifest | null, key: string): Promise<boolean> {
  if (!m || m.key !== key) return false;
  const now = await Promise.all(m.inputs.map(([f]) => hashOf(f)));
  return m.inputs.every(([, h], i) => now[i] === h);
}

/** Flags for one unit: the image flags without -shared, plus -c. */
export function objectFlags(imageFlags: string[]): string[] {
  return ['-c', ...imageFlags.filter((f) => f !== '-shared')];
}

let tmpSerial = 0;

/** Compiler slots shared by every build of this process: two plugins building at once still use the cores once. */
const pool = { cores: Math.max(1, os.availableParallelism()), running: 0, waiting: [] as Array<() => void> };

async function acquire(): Promise<void> {
  // A released slot is handed over directly (running stays counted), so no newcomer can overtake a waiter.
  if (pool.running >= pool.cores) return new Promise<void>((r) => pool.waiting.push(r));
  pool.running += 1;
}

function release(): void {
  const next = pool.waiting.shift();
  if (next) next();
  else pool.running -= 1;
}

export async function compileUnits(req: CompileRequest, imageFlags: string[], tools: UnitTools): Promise<CompileResult & UnitBuild> {
  const started = performance.now();
  const [exe, ...pre] = req.compiler.command;
  const flags = objectFlags(imageFlags);
  const includes = req.includeDirs.flatMap((d) => ['-I', d]);
  const objDir = req.objectDir ?? path.join(path.dirname(req.output), 'obj');
  await fs.mkdir(objDir, { recursive: true });
  // Identity of the command: the compiler and its version, the flags, the include folders (in order).
  const key = createHash('sha1').update(JSON.stringify([req.compiler.command, req.compiler.version, flags, req.includeDirs])).digest('hex');

  // A stop of one unit (limit, cancel) stops them all; the caller's cancel reaches every compiler.
  const stopAll = new AbortController();
  const onAbort = () => stopAll.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) stopAll.abort();
  // The time limit holds per compiler, as for a one-file build: it is there to stop one that never ends, and
  // the cold build of fifty files on a busy machine may rightly take longer than one file's limit.
  const limits = req.limits;
  let stop: BuildStop | undefined;
  /** The unit whose compiler a limit stopped: the error is shown on it. */
  let stopSource = req.sources[0];

  let peak = 0;
  const slot = async () => {
    await acquire();
    peak = Math.max(peak, pool.running);
  };

  const outputs: string[] = [];
  const diagnostics: RawDiagnostic[] = [];
  const deps = new Set<string>();

  const unit = async (source: string): Promise<UnitRecord> => {
    const id = createHash('sha1').update(`${source}\0${key}`).digest('hex').slice(0, 16);
    const object = path.join(objDir, `${path.basename(source, path.extname(source))}-${id}.o`);
    const manifestFile = `${object}.json`;
    const manifest = await readManifest(manifestFile);
    if ((await upToDate(manifest, key)) && (await exists(object))) {
      for (const [f] of manifest!.inputs) deps.add(f);
      return { source, object, compiled: false, ok: true, ms: 0 };
    }
    await slot();
    const t0 = performance.now();
    try {
      if (stopAll.signal.aborted) return { source, object, compiled: false, ok: false, ms: 0 };
      const tmp = `${object}.${process.pid}-${++tmpSerial}.tmp`;
      const depFile = `${tmp}.d`;
      const ran = await tools.run(exe, [...pre, ...flags, '-MD', '-MF', depFile, ...includes, '-o', tmp, source], { cwd: req.cwd, limits, signal: stopAll.signal });
      const ms = performance.now() - t0;
      const output = `${ran.stdout}${ran.stderr}`;
      if (output) outputs.push(output);
      const read = await tools.readDepFile(depFile, req.cwd);
      if (ran.stopped) {
        // The first stop names the reason; the units it then cancelled are not the cause.
        if (!stop || stop === 'cancelled') {
          stop = ran.stopped;
          stopSource = source;
        }
        stopAll.abort();
        await fs.rm(tmp, { force: true });
        return { source, object, compiled: true, ok: false, ms };
      }
      const found = tools.diagnose(ran.stderr, output, source, ran.code);
      diagnostics.push(...found);
      if (ran.code !== 0) {
        await fs.rm(tmp, { force: true });
        if (tools.outOfMemory(ran, output)) {
          stop = 'memory-limit';
          stopSource = source;
          stopAll.abort();
        }
        // What the unit read last time still tells the loop which headers belong to this plugin.
        for (const f of manifest?.inputs ?? []) deps.add(f[0]);
        for (const f of read) deps.add(f);
        return { source, object, compiled: true, ok: false, ms };
      }
      const inputs = read.length ? read : [source];
      const hashed = await Promise.all(inputs.map(async (f) => [f, await hashOf(f)] as [string, string | null]));
      await fs.rename(tmp, object);
      for (const f of inputs) deps.add(f);
      // An input that vanished mid-build cannot be vouched for: no manifest, so the next build recompiles.
      if (hashed.every(([, h]) => h !== null)) {
        const m: Manifest = { key, inputs: hashed as Array<[string, string]> };
        manifests.set(manifestFile, m);
        await fs.writeFile(manifestFile, JSON.stringify(m));
      } else {
        manifests.delete(manifestFile);
        await fs.rm(manifestFile, { force: true });
      }
      return { source, object, compiled: true, ok: true, ms };
    } finally {
      release();
    }
  };

  let units: UnitRecord[];
  try {
    units = await Promise.all(req.sources.map(unit));
  } finally {
    req.signal?.removeEventListener('abort', onAbort);
  }
  if (!stop && req.signal?.aborted) stop = 'cancelled';
  const dependencies = [...deps];
  const compileOutput = outputs.join('');
  if (stop) {
    const r = tools.stopped({ ...req, sources: [stopSource] }, stop, { ms: performance.now() - started, flags: imageFlags, output: compileOutput, dependencies, diagnostics });
    return { ...r, units, parallelPeak: peak, linkMs: 0 };
  }
  if (!units.every((u) => u.ok)) {
    return { ok: false, ms: performance.now() - started, flags: imageFlags, diagnostics, output: compileOutput, dependencies, units, parallelPeak: peak, linkMs: 0 };
  }

  // The link: the same driver and flags (-shared among them), every object in the order of kiln.json.
  // The linker takes a compiler slot too: it is a process on a core like any other.
  await acquire();
  const l0 = performance.now();
  let ran;
  try {
    ran = await tools.run(exe, [...pre, ...imageFlags, '-o', req.output, ...units.map((u) => u.object)], { cwd: req.cwd, limits, signal: req.signal });
  } finally {
    release();
  }
  const linkMs = performance.now() - l0;
  const ms = performance.now() - started;
  const linkOutput = `${ran.stdout}${ran.stderr}`;
  const output = compileOutput + linkOutput;
  if (ran.stopped) return { ...tools.stopped(req, ran.stopped, { ms, flags: imageFlags, output, dependencies, diagnostics }), units, parallelPeak: peak, linkMs };
  if (ran.code !== 0) {
    // A link error (an undefined or duplicate symbol) belongs to no one line: the first source carries it.
    const linkDiagnostics = tools.diagnose(ran.stderr, linkOutput, req.sources[0], ran.code);
    if (tools.outOfMemory(ran, linkOutput)) {
      return { ...tools.stopped(req, 'memory-limit', { ms, flags: imageFlags, output, dependencies, diagnostics: [...diagnostics, ...linkDiagnostics] }), units, parallelPeak: peak, linkMs };
    }
    return { ok: false, ms, flags: imageFlags, diagnostics: [...diagnostics, ...linkDiagnostics], output, dependencies, units, parallelPeak: peak, linkMs };
  }
  return { ok: true, ms, flags: imageFlags, diagnostics, output, dependencies, units, parallelPeak: peak, linkMs };
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
