/**
 * A plugin of several C files builds per translation unit: each .c compiles to its own object under
 * .kiln/build/obj/, cached by its inputs (the source and every header its last compile read, by content
 * hash, plus the compiler and the flags), so a save recompiles only the units it changed; independent
 * units compile in parallel up to the core count, then one link makes the image. compiler.ts calls it
 * with its own process runner (limits, process groups, cancel), so this module imports no runtime code
 * from there.
 *
 * Split builds (Linux): the link reads every object (~85 KB of tcc output per 1,000 lines; ~70 ms for a
 * 50-file game), so a save of one file would still pay for the whole game. When a save recompiled exactly one
 * unit, that unit alone is linked into the image, naming as a needed library a link of the other units (made
 * once in the background after the first such save, cached by their objects). The dynamic loader binds each
 * side's references to the other, as for any two libraries, and each reload loads both afresh: every load gets
 * its own copy of the others' library, because the loader reuses a library it already has by name, and the one
 * already loaded is bound to the previous image.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, promises as fs, readFileSync, renameSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { BuildStop, CompileRequest, CompileResult, CompilerFamily, RawDiagnostic } from './compiler';
import { definedSymbols } from './elf-symbols';

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
  /** Set when the link took the one compiled unit alone, against `othersCopy` (a copy of the others' link). */
  split?: { unit: string; othersCopy: string; copyMs: number };
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

/**
 * Synchronous on purpose: a save of a 50-file game checks ~200 inputs, and each stat through the thread pool
 * waited behind the others (10-30 ms before the compiler started); statSync is a few microseconds, and only a
 * changed file is read.
 */
function hashOf(file: string): string | null {
  const st = statSync(file, { throwIfNoEntry: false });
  if (!st) return null;
  const hit = hashes.get(file);
  if (hit && hit.ino === st.ino && hit.size === st.size && hit.mtimeMs === st.mtimeMs && hit.ctimeMs === st.ctimeMs) return hit.sha1;
  let data: Buffer;
  try {
    data = readFileSync(file);
  } catch {
    return null;
  }
  const sha1 = createHash('sha1').update(data).digest('hex');
  hashes.set(file, { ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, sha1 });
  return sha1;
}

/** Manifests read this session, so a save does not re-read fifty JSON files (the disk copy survives restarts). */
const manifests = new Map<string, Manifest>();

/**
 * SHA-1 hex digests of names this process has hashed before (a unit's object name, the command's key, an others'
 * library's identity), by their text. Each createHash costs 20-60 µs on the 2-core VM: a 50-file save hashed 51
 * names (2-9 ms of the event loop before its compile started) that are the same from one save to the next.
 */
const nameDigests = new Map<string, string>();
const REMEMBERED_MAX = 4096;

/** `map`'s value for `key`, made once; a map that reaches REMEMBERED_MAX starts over (names of projects long closed). */
function remembered(map: Map<string, string>, key: string, make: () => string): string {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    if (map.size >= REMEMBERED_MAX) map.clear();
    map.set(key, value);
  }
  return value;
}

function nameDigest(text: string): string {
  return remembered(nameDigests, text, () => createHash('sha1').update(text).digest('hex'));
}

function readManifest(file: string): Manifest | null {
  const hit = manifests.get(file);
  if (hit) return hit;
  try {
    const m = JSON.parse(readFileSync(file, 'utf8')) as Manifest;
    if (typeof m.key !== 'string' || !Array.isArray(m.inputs)) return null;
    manifests.set(file, m);
    return m;
  } catch {
    return null;
  }
}

/** Whether every input recorded for an object still has the hash it was built from. */
function upToDate(m: Manifest | null, key: string, seen: Map<string, string | null>): boolean {
  const hash = (f: string) => {
    // Fifty units share their headers: one stat each per build.
    if (!seen.has(f)) seen.set(f, hashOf(f));
    return seen.get(f);
  };
  return !!m && m.key === key && m.inputs.every(([f, h]) => hash(f) === h);
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
  /** Manifests being written while the link runs: the build's result waits for them. */
  const writes: Array<Promise<unknown>> = [];
  try {
    return await buildUnits(req, imageFlags, tools, writes);
  } finally {
    await Promise.allSettled(writes);
  }
}

/** What a build knows of one unit before compiling anything: where its object lives and whether it is current. */
interface UnitPlan {
  source: string;
  object: string;
  manifestFile: string;
  manifest: Manifest | null;
  current: boolean;
}

/**
 * Objects to compile after a split build's one call, by file. A build that needs one first stops it: it is
 * stale by then if the file was saved again, and a build that needs it compiles it itself.
 */
const refreshing = new Map<string, { cancel(): void }>();
/** How long after a one-call build its object is compiled: not on top of the new image's first frames. */
const REFRESH_AFTER_MS = 500;

/** Where each unit's object lives and whether it is current: synchronous, a few microseconds per input. */
function planUnits(req: CompileRequest, imageFlags: string[], tools: UnitTools): { job: ObjectJob; objDir: string; plans: Map<string, UnitPlan> } {
  const [exe, ...pre] = req.compiler.command;
  const flags = objectFlags(imageFlags);
  const includes = req.includeDirs.flatMap((d) => ['-I', d]);
  const objDir = req.objectDir ?? path.join(path.dirname(req.output), 'obj');
  mkdirSync(objDir, { recursive: true });
  // Identity of the command: the compiler and its version, the flags, the include folders (in order).
  const key = nameDigest(JSON.stringify([req.compiler.command, req.compiler.version, flags, req.includeDirs]));
  const plans = new Map<string, UnitPlan>();
  const seen = new Map<string, string | null>();
  for (const source of req.sources) {
    const id = nameDigest(`${source}\0${key}`).slice(0, 16);
    const object = path.join(objDir, `${path.basename(source, path.extname(source))}-${id}.o`);
    const manifestFile = `${object}.json`;
    const manifest = readManifest(manifestFile);
    plans.set(source, { source, object, manifestFile, manifest, current: upToDate(manifest, key, seen) && existsSync(object) });
  }
  return { job: { req, exe, pre, flags, includes, key, tools }, objDir, plans };
}

async function buildUnits(req: CompileRequest, imageFlags: string[], tools: UnitTools, writes: Array<Promise<unknown>>): Promise<CompileResult & UnitBuild> {
  const started = performance.now();
  const { job, objDir, plans } = planUnits(req, imageFlags, tools);
  const { exe, pre, key } = job;
  for (const p of plans.values()) refreshing.get(p.object)?.cancel();

  // A save that changed one unit, when the other units' library is ready: one call compiles it into the image.
  const stale = [...plans.values()].filter((p) => !p.current);
  if (req.split && stale.length === 1 && canSplit(req)) {
    const hot = stale[0];
    const others = [...plans.values()].filter((p) => p !== hot);
    const othersLib = othersLibFor(objDir, hot, others, key, imageFlags);
    const one = await compileAgainstOthers(job, imageFlags, hot, othersLib, req.split.othersCopy);
    if (one) {
      const units: UnitRecord[] = req.sources.map((s) => ({ source: s, object: plans.get(s)!.object, compiled: s === hot.source, ok: s === hot.source ? one.ok : true, ms: s === hot.source ? one.ms : 0 }));
      const dependencies = [...new Set([...others.flatMap((o) => o.manifest!.inputs.map(([f]) => f)), ...one.dependencies])];
      const base = { ms: performance.now() - started, flags: imageFlags, dependencies, output: one.output, units, parallelPeak: 1, linkMs: one.ms };
      if (one.stopped) return { ...tools.stopped({ ...req, sources: [hot.source] }, one.stopped, { ...base, diagnostics: one.diagnostics }), units, parallelPeak: 1, linkMs: one.ms };
      if (!one.ok) return { ...base, ok: false, diagnostics: one.diagnostics };
      // The cache follows: the unit's object is compiled now, off the save's path, for the next link of every object.
      refreshObject(job, hot);
      return { ...base, ok: true, diagnostics: one.diagnostics, split: { unit: hot.source, othersCopy: req.split.othersCopy, copyMs: one.copyMs } };
    }
  }

  // A stop of one unit (limit, cancel) stops them all; the caller's cancel reaches every compiler.
  const stopAll = new AbortController();
  const onAbort = () => stopAll.abort();
  req.signal?.addEventListener('abort', onAbort, { once: true });
  if (req.signal?.aborted) stopAll.abort();
  let stop: BuildStop | undefined;
  /** The unit whose compiler a limit stopped: the error is shown on it. */
  let stopSource = req.sources[0];

  let peak = 0;
  const outputs: string[] = [];
  const diagnostics: RawDiagnostic[] = [];
  const deps = new Set<string>();

  const unit = async (source: string): Promise<UnitRecord> => {
    const plan = plans.get(source)!;
    const { object, manifest } = plan;
    if (plan.current) {
      for (const [f] of manifest!.inputs) deps.add(f);
      return { source, object, compiled: false, ok: true, ms: 0 };
    }
    await acquire();
    peak = Math.max(peak, pool.running);
    try {
      if (stopAll.signal.aborted) return { source, object, compiled: false, ok: false, ms: 0 };
      const c = await compileObject(job, plan, stopAll.signal);
      if (c.output) outputs.push(c.output);
      if (c.stopped) {
        // The first stop names the reason; the units it then cancelled are not the cause.
        if (!stop || stop === 'cancelled') {
          stop = c.stopped;
          stopSource = source;
        }
        stopAll.abort();
        return { source, object, compiled: true, ok: false, ms: c.ms };
      }
      diagnostics.push(...c.diagnostics);
      if (!c.ok) {
        if (c.outOfMemory) {
          stop = 'memory-limit';
          stopSource = source;
          stopAll.abort();
        }
        // What the unit read last time still tells the loop which headers belong to this plugin.
        for (const f of manifest?.inputs ?? []) deps.add(f[0]);
        for (const f of c.read) deps.add(f);
        return { source, object, compiled: true, ok: false, ms: c.ms };
      }
      for (const f of c.read.length ? c.read : [source]) deps.add(f);
      writes.push(c.written);
      return { source, object, compiled: true, ok: true, ms: c.ms };
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
    ran = await tools.run(exe, [...pre, ...imageFlags, '-o', req.output, ...units.map((u) => u.object)], { cwd: req.cwd, limits: req.limits, signal: req.signal });
  } finally {
    release();
  }
  const linkMs = performance.now() - l0;
  const ms = performance.now() - started;
  // The link's words name objects by their sources: the user knows b.c, not obj/b-3f2a….o.
  const bySource = (text: string) => units.reduce((t, u) => t.replaceAll(u.object, path.relative(req.cwd, u.source)), text);
  const linkErrors = bySource(ran.stderr);
  const linkOutput = bySource(ran.stdout) + linkErrors;
  const output = compileOutput + linkOutput;
  if (ran.stopped) return { ...tools.stopped(req, ran.stopped, { ms, flags: imageFlags, output, dependencies, diagnostics }), units, parallelPeak: peak, linkMs };
  // tcc 0.9.27 says "b.c: error: 'f' defined twice" of a name two units define, yet exits 0 with an image.
  const code = ran.code === 0 && req.compiler.family === 'tcc' && /: error: /.test(linkOutput) ? 1 : ran.code;
  if (code !== 0) {
    // A link error (an undefined or duplicate symbol) belongs to no one line: the unit it names first carries it.
    const named = units.find((u) => linkOutput.includes(`${path.relative(req.cwd, u.source)}:`))?.source ?? req.sources[0];
    const linkDiagnostics = tools.diagnose(linkErrors, linkOutput, named, code);
    if (tools.outOfMemory(ran, linkOutput)) {
      return { ...tools.stopped(req, 'memory-limit', { ms, flags: imageFlags, output, dependencies, diagnostics: [...diagnostics, ...linkDiagnostics] }), units, parallelPeak: peak, linkMs };
    }
    return { ok: false, ms, flags: imageFlags, diagnostics: [...diagnostics, ...linkDiagnostics], output, dependencies, units, parallelPeak: peak, linkMs };
  }
  // A save that compiled one unit: link the others for its next save, in the background.
  const fresh = units.filter((u) => u.compiled);
  if (req.split && fresh.length === 1 && canSplit(req)) {
    const hot = plans.get(fresh[0].source)!;
    const others = [...plans.values()].filter((p) => p !== hot).map((p) => ({ ...p, manifest: readManifest(p.manifestFile) }));
    if (others.every((o) => o.manifest)) prepareOthers(req, imageFlags, tools, others, othersLibFor(objDir, hot, others, key, imageFlags));
  }
  return { ok: true, ms, flags: imageFlags, diagnostics, output, dependencies, units, parallelPeak: peak, linkMs };
}

/**
 * The command a unit's object is compiled with, and what runs it. The time limit (req.limits) holds per compiler,
 * as for a one-file build: it is there to stop one that never ends, and the cold build of fifty files on a busy
 * machine may rightly take longer than one file's limit.
 */
interface ObjectJob {
  req: CompileRequest;
  exe: string;
  pre: string[];
  flags: string[];
  includes: string[];
  key: string;
  tools: UnitTools;
}

interface ObjectCompile {
  ok: boolean;
  ms: number;
  output: string;
  read: string[];
  diagnostics: RawDiagnostic[];
  stopped?: BuildStop;
  outOfMemory: boolean;
  /** The manifest's disk copy being written (the in-memory one is set already). */
  written: Promise<unknown>;
}

/**
 * Compiles one unit to its object (a temp name renamed into place) and records what it was built from. The
 * source is hashed before and after: a save landing during the compile leaves no manifest, so the next build
 * compiles it again rather than trusting an object of the older text.
 */
async function compileObject(job: ObjectJob, plan: UnitPlan, signal: AbortSignal | undefined): Promise<ObjectCompile> {
  const { req, exe, pre, flags, includes, key, tools } = job;
  const { source, object, manifestFile } = plan;
  const before = hashOf(source);
  const tmp = `${object}.${process.pid}-${++tmpSerial}.tmp`;
  const depFile = `${tmp}.d`;
  const t0 = performance.now();
  const ran = await tools.run(exe, [...pre, ...flags, '-MD', '-MF', depFile, ...includes, '-o', tmp, source], { cwd: req.cwd, limits: req.limits, signal });
  const ms = performance.now() - t0;
  const output = `${ran.stdout}${ran.stderr}`;
  const read = await tools.readDepFile(depFile, req.cwd);
  const failed = (r: Partial<ObjectCompile>): ObjectCompile => {
    void fs.rm(tmp, { force: true }).catch(() => undefined);
    return { ok: false, ms, output, read, diagnostics: [], outOfMemory: false, written: Promise.resolve(), ...r };
  };
  if (ran.stopped) return failed({ stopped: ran.stopped });
  const diagnostics = tools.diagnose(ran.stderr, output, source, ran.code);
  if (ran.code !== 0) return failed({ diagnostics, outOfMemory: tools.outOfMemory(ran, output) });
  const inputs = read.length ? read : [source];
  const hashed = inputs.map((f) => [f, hashOf(f)] as [string, string | null]);
  renameSync(tmp, object);
  // An input that vanished mid-build, or a source saved again during it, cannot be vouched for: no manifest.
  // The disk copy is written while the link runs (this process reads the map); a manifest never outlives its object.
  let written: Promise<unknown>;
  if (before !== null && hashed.every(([f, h]) => h !== null && (f !== source || h === before))) {
    const m: Manifest = { key, inputs: hashed as Array<[string, string]> };
    manifests.set(manifestFile, m);
    written = fs.writeFile(manifestFile, JSON.stringify(m));
  } else {
    manifests.delete(manifestFile);
    written = fs.rm(manifestFile, { force: true });
  }
  return { ok: true, ms, output, read, diagnostics, outOfMemory: false, written };
}

// --- split builds ----------------------------------------------------------------------------------------------

/** Drivers whose -shared links leave a symbol for a needed library to define and name that library (ELF). */
const SPLIT_FAMILIES = new Set<CompilerFamily>(['tcc', 'gcc', 'clang']);

/** Whether a build of `req` may be split: several C files, a driver that links ELF libraries, not Windows. */
export function canSplit(req: Pick<CompileRequest, 'sources' | 'compiler'>): boolean {
  return req.sources.length > 1 && req.sources.every((s) => !s.endsWith('.zig')) && SPLIT_FAMILIES.has(req.compiler.family) && process.platform !== 'win32';
}
const SPLIT_PREFIX = 'split-';
/** Others' libraries kept in an object folder (each is about the size of the game's image). */
const KEEP_OTHERS = 4;

/** Others' libraries being linked in the background, by file: a save that needs one waits for it. */
const pendingOthers = new Map<string, Promise<void>>();
/** The names each others' library defines (its .dynsym), by file; null: not an ELF file this module reads. */
const othersNames = new Map<string, Set<string> | null>();

/** The others' library for `hot`: named by the unit left out and by every input of the others' objects. */
function othersLibFor(objDir: string, hot: UnitPlan, others: UnitPlan[], key: string, imageFlags: string[]): string {
  // The identity hashes every input of every other object (~100 KB of JSON for 50 files): worked out once per set
  // of manifests (a rebuilt object gets a new manifest object), not on every save.
  const memo = JSON.stringify([key, imageFlags, others.map((o) => [o.object, o.manifest ? manifestSerial(o.manifest) : 0])]);
  const identity = remembered(othersIdentities, memo, () =>
    createHash('sha1').update(JSON.stringify([key, imageFlags, others.map((o) => [o.object, o.manifest?.inputs ?? null])])).digest('hex'),
  );
  return path.join(objDir, `${SPLIT_PREFIX}${path.basename(hot.object, '.o')}-${identity.slice(0, 16)}.so`);
}

/** Others' libraries' identities, by their others' objects and the serials of those objects' manifests. */
const othersIdentities = new Map<string, string>();
const serials = new WeakMap<Manifest, number>();
let lastSerial = 0;
function manifestSerial(m: Manifest): number {
  let n = serials.get(m);
  if (n === undefined) serials.set(m, (n = ++lastSerial));
  return n;
}

/** Names a -shared link defines in every image, whatever its code: not the code's own. */
const LINKER_NAMES = new Set(['_init', '_fini', '_DYNAMIC', '_GLOBAL_OFFSET_TABLE_', '_etext', '_edata', '_end', '__bss_start', '__preinit_array_start', '__preinit_array_end', '__init_array_start', '__init_array_end', '__fini_array_start', '__fini_array_end']);

interface OneCall {
  ok: boolean;
  stopped?: BuildStop;
  ms: number;
  copyMs: number;
  output: string;
  diagnostics: RawDiagnostic[];
  dependencies: string[];
}

/**
 * The image from one compiler call: `hot`'s source compiled and linked against a fresh copy of `othersLib` (at
 * `othersCopy`), named as a needed library. A compile error is this build's answer. null when the call cannot stand
 * for the link of every object: no others' library yet, or a name both define (the link of every object says what
 * is wrong with that).
 */
async function compileAgainstOthers(job: ObjectJob, imageFlags: string[], hot: UnitPlan, othersLib: string, othersCopy: string): Promise<OneCall | null> {
  const { req, exe, pre, includes, tools } = job;
  await pendingOthers.get(othersLib);
  if (!existsSync(othersLib)) return null;
  let theirs = othersNames.get(othersLib);
  if (theirs === undefined) {
    theirs = definedSymbols(readFileSync(othersLib), 'dynsym');
    othersNames.set(othersLib, theirs);
  }
  if (!theirs) return null;
  const c0 = performance.now();
  const spare = spares.get(othersLib);
  spares.delete(othersLib);
  if (!spare || !renameInto(spare, othersCopy)) await fs.copyFile(othersLib, othersCopy);
  const copyMs = performance.now() - c0;
  makeSpare(othersLib);
  const depFile = `${req.output}.${process.pid}-${++tmpSerial}.d`;
  await acquire();
  const t0 = performance.now();
  let ran;
  try {
    ran = await tools.run(exe, [...pre, ...imageFlags, '-MD', '-MF', depFile, ...includes, '-o', req.output, hot.source, othersCopy, `-Wl,-rpath,${path.dirname(othersCopy)}`], { cwd: req.cwd, limits: req.limits, signal: req.signal });
  } finally {
    release();
  }
  const ms = performance.now() - t0;
  const output = `${ran.stdout}${ran.stderr}`;
  const read = await tools.readDepFile(depFile, req.cwd);
  const dependencies = read.length ? read : [hot.source];
  const discard = () => Promise.all([fs.rm(othersCopy, { force: true }), fs.rm(req.output, { force: true })]);
  if (ran.stopped) {
    await discard();
    return { ok: false, stopped: ran.stopped, ms, copyMs, output, diagnostics: [], dependencies };
  }
  const diagnostics = tools.diagnose(ran.stderr, output, hot.source, ran.code);
  if (ran.code !== 0) {
    await discard();
    return { ok: false, ms, copyMs, output, diagnostics, dependencies: [...dependencies, ...(hot.manifest?.inputs.map(([f]) => f) ?? [])] };
  }
  const mine = definedSymbols(readFileSync(req.output), 'dynsym');
  if (!mine || [...mine].some((n) => !LINKER_NAMES.has(n) && theirs.has(n))) {
    await discard();
    return null;
  }
  return { ok: true, ms, copyMs, output, diagnostics, dependencies };
}

/**
 * A copy of each others' library made ahead, for the next save's build to rename into place: copying 4.6 MB
 * took 6-8 ms on the save's path on a busy machine. Never loaded before it is used, so it is a file the loader
 * has not seen.
 */
const spares = new Map<string, string>();
/** How long after a build its next copy is made: not on top of the new image's load. */
const SPARE_AFTER_MS = 200;

function makeSpare(othersLib: string): void {
  const timer = setTimeout(() => {
    const file = `${othersLib}.spare-${process.pid}-${++tmpSerial}`;
    fs.copyFile(othersLib, file)
      .then(() => {
        if (!existsSync(othersLib)) return fs.rm(file, { force: true }); // pruned meanwhile
        const old = spares.get(othersLib);
        if (old) void fs.rm(old, { force: true }).catch(() => undefined);
        spares.set(othersLib, file);
      })
      .catch(() => void fs.rm(file, { force: true }).catch(() => undefined));
  }, SPARE_AFTER_MS);
  timer.unref();
}

function renameInto(from: string, to: string): boolean {
  try {
    renameSync(from, to);
    return true;
  } catch {
    return false;
  }
}

/** After a one-call build: the unit's object for the cache, compiled in the background a little later. */
function refreshObject(job: ObjectJob, hot: UnitPlan): void {
  const stop = new AbortController();
  const timer = setTimeout(() => {
    void (async () => {
      await acquire();
      try {
        if (stop.signal.aborted) return;
        const c = await compileObject({ ...job, req: { ...job.req, signal: undefined } }, hot, stop.signal);
        await c.written;
      } finally {
        release();
      }
    })()
      // ENOENT: the project's build folder went away (the project was closed and removed) — nothing to say.
      .catch((err: NodeJS.ErrnoException) => err.code !== 'ENOENT' && console.warn(`kiln: compiling ${hot.source} for the object cache failed (${err.message}); the next build compiles it`))
      .finally(() => {
        if (refreshing.get(hot.object) === entry) refreshing.delete(hot.object);
      });
  }, REFRESH_AFTER_MS);
  timer.unref();
  const entry = {
    cancel: () => {
      clearTimeout(timer);
      stop.abort();
      if (refreshing.get(hot.object) === entry) refreshing.delete(hot.object);
    },
  };
  refreshing.get(hot.object)?.cancel();
  refreshing.set(hot.object, entry);
}

/**
 * The others' library for `hot` (a source of `req`), linked in the background when every other unit's object is
 * current and no such library is there yet: called when the editor opens a file, so its first save is a split
 * build too. Nothing is compiled here.
 */
export function prepareSplitFor(req: CompileRequest, imageFlags: string[], tools: UnitTools, hot: string): void {
  if (!canSplit(req) || !req.sources.includes(hot)) return;
  const { job, objDir, plans } = planUnits(req, imageFlags, tools);
  const others = [...plans.values()].filter((p) => p.source !== hot);
  if (!others.every((o) => o.current)) return;
  const othersLib = othersLibFor(objDir, plans.get(hot)!, others, job.key, imageFlags);
  if (!existsSync(othersLib)) prepareOthers(req, imageFlags, tools, others, othersLib);
}

/** What a file is now (a build renames a new object into place: a new inode), null if it is gone. */
async function stamp(file: string): Promise<string | null> {
  const st = await fs.stat(file).catch(() => null);
  return st ? `${st.ino}:${st.size}:${st.mtimeMs}` : null;
}

/**
 * Links `others` into `othersLib` in the background, for the next save of the unit left out. Kept only if no
 * object changed while the linker read them (a save of another file renames its new object into place).
 */
function prepareOthers(req: CompileRequest, imageFlags: string[], tools: UnitTools, others: UnitPlan[], othersLib: string): void {
  if (pendingOthers.has(othersLib)) return;
  const [exe, ...pre] = req.compiler.command;
  const job = (async () => {
    const tmp = `${othersLib}.${process.pid}-${++tmpSerial}.tmp`;
    const before = await Promise.all(others.map((o) => stamp(o.object)));
    await acquire();
    let ran;
    try {
      ran = await tools.run(exe, [...pre, ...imageFlags, '-o', tmp, ...others.map((o) => o.object)], { cwd: req.cwd, limits: req.limits });
    } finally {
      release();
    }
    const after = await Promise.all(others.map((o) => stamp(o.object)));
    if (ran.stopped || ran.code !== 0 || before.some((b, i) => b === null || b !== after[i])) {
      await fs.rm(tmp, { force: true });
      return;
    }
    othersNames.set(othersLib, definedSymbols(await fs.readFile(tmp), 'dynsym'));
    await fs.rename(tmp, othersLib);
    await pruneOthers(path.dirname(othersLib), othersLib);
  })()
    .catch((err: Error) => console.warn(`kiln: linking the other units for a split build failed (${err.message}); saves link every object`))
    .finally(() => pendingOthers.delete(othersLib));
  pendingOthers.set(othersLib, job);
}

/** Keeps the newest KEEP_OTHERS others' libraries of a folder, and one per unit left out (`kept`'s replaces its own). */
async function pruneOthers(dir: string, kept: string): Promise<void> {
  const unitOf = (name: string) => name.slice(0, name.lastIndexOf('-'));
  const names = (await fs.readdir(dir).catch(() => [] as string[])).filter((n) => n.startsWith(SPLIT_PREFIX) && n.endsWith('.so'));
  const dated = await Promise.all(names.map(async (n) => ({ n, at: (await fs.stat(path.join(dir, n)).catch(() => null))?.mtimeMs ?? 0 })));
  dated.sort((a, b) => b.at - a.at);
  const keep = new Set<string>([path.basename(kept)]);
  for (const { n } of dated) if (keep.size < KEEP_OTHERS && ![...keep].some((k) => unitOf(k) === unitOf(n))) keep.add(n);
  for (const { n } of dated) {
    if (keep.has(n)) continue;
    const lib = path.join(dir, n);
    othersNames.delete(lib);
    const spare = spares.get(lib);
    spares.delete(lib);
    await Promise.all([fs.rm(lib, { force: true }), spare ? fs.rm(spare, { force: true }) : undefined]);
  }
  // Spares this process does not hold (an earlier run's) are of no use.
  const held = new Set([...spares.values()].map((f) => path.basename(f)));
  for (const n of await fs.readdir(dir).catch(() => [] as string[])) {
    if (n.startsWith(SPLIT_PREFIX) && n.includes('.so.spare-') && !held.has(n)) await fs.rm(path.join(dir, n), { force: true });
  }
}
