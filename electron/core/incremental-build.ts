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
import { promises as fs } from 'node:fs';
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
  /** object -> the inputs its manifest vouches for (null: none, so it cannot key a split build's others). */
  const vouched = new Map<string, Manifest['inputs'] | null>();

  const unit = async (source: string): Promise<UnitRecord> => {
    const id = createHash('sha1').update(`${source}\0${key}`).digest('hex').slice(0, 16);
    const object = path.join(objDir, `${path.basename(source, path.extname(source))}-${id}.o`);
    const manifestFile = `${object}.json`;
    const manifest = await readManifest(manifestFile);
    if ((await upToDate(manifest, key)) && (await exists(object))) {
      for (const [f] of manifest!.inputs) deps.add(f);
      vouched.set(object, manifest!.inputs);
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
        vouched.set(object, m.inputs);
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

  // A save that recompiled one unit: link it alone against the others' library when that is ready.
  const fresh = units.filter((u) => u.compiled);
  let prepareAfterLink: (() => void) | undefined;
  if (req.split && fresh.length === 1 && units.length > 1 && SPLIT_FAMILIES.has(req.compiler.family) && process.platform !== 'win32') {
    const hot = fresh[0];
    const others = units.filter((u) => u !== hot);
    const inputs = others.map((o) => vouched.get(o.object) ?? null);
    if (inputs.every((i) => i !== null) && vouched.get(hot.object)) {
      const identity = createHash('sha1').update(JSON.stringify([key, imageFlags, others.map((o, i) => [o.object, inputs[i]])])).digest('hex');
      const othersLib = path.join(objDir, `${SPLIT_PREFIX}${path.basename(hot.object, '.o')}-${identity.slice(0, 16)}.so`);
      const alone = await linkAlone(req, imageFlags, tools, hot, othersLib, req.split.othersCopy);
      if (alone && 'stopped' in alone) {
        const r = tools.stopped(req, alone.stopped, { ms: performance.now() - started, flags: imageFlags, output: compileOutput + alone.output, dependencies, diagnostics });
        return { ...r, units, parallelPeak: peak, linkMs: alone.linkMs };
      }
      if (alone) {
        const output = compileOutput + alone.output;
        return { ok: true, ms: performance.now() - started, flags: imageFlags, diagnostics, output, dependencies, units, parallelPeak: peak, linkMs: alone.linkMs, split: { unit: hot.source, othersCopy: req.split.othersCopy, copyMs: alone.copyMs } };
      }
      if (!(await exists(othersLib))) prepareAfterLink = () => prepareOthers(req, imageFlags, tools, others, othersLib);
    }
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
  prepareAfterLink?.();
  return { ok: true, ms, flags: imageFlags, diagnostics, output, dependencies, units, parallelPeak: peak, linkMs };
}

// --- split builds ----------------------------------------------------------------------------------------------

/** Drivers whose -shared links leave a symbol for a needed library to define and name that library (ELF). */
const SPLIT_FAMILIES = new Set<CompilerFamily>(['tcc', 'gcc', 'clang']);
const SPLIT_PREFIX = 'split-';
/** Others' libraries kept in an object folder (each is about the size of the game's image). */
const KEEP_OTHERS = 4;

/** Others' libraries being linked in the background, by file: a save that needs one waits for it. */
const pendingOthers = new Map<string, Promise<void>>();
/** The names each others' library defines (its .dynsym), by file; null: not an ELF file this module reads. */
const othersNames = new Map<string, Set<string> | null>();

type AloneLink = { linkMs: number; copyMs: number; output: string } | { stopped: BuildStop; linkMs: number; output: string };

/**
 * The image as `hot` linked alone, naming a fresh copy of `othersLib` (at `othersCopy`) as a needed library;
 * null when that cannot stand for the link of every object: no others' library yet, a name both define (the full
 * link says what is wrong with that), or a link that failed (the full link reports it).
 */
async function linkAlone(req: CompileRequest, imageFlags: string[], tools: UnitTools, hot: UnitRecord, othersLib: string, othersCopy: string): Promise<AloneLink | null> {
  await pendingOthers.get(othersLib);
  if (!(await exists(othersLib))) return null;
  let theirs = othersNames.get(othersLib);
  if (theirs === undefined) {
    theirs = definedSymbols(await fs.readFile(othersLib), 'dynsym');
    othersNames.set(othersLib, theirs);
  }
  const mine = definedSymbols(await fs.readFile(hot.object), 'symtab');
  if (!theirs || !mine || [...mine].some((n) => theirs.has(n))) return null;
  const c0 = performance.now();
  await fs.copyFile(othersLib, othersCopy);
  const copyMs = performance.now() - c0;
  const [exe, ...pre] = req.compiler.command;
  await acquire();
  const l0 = performance.now();
  let ran;
  try {
    ran = await tools.run(exe, [...pre, ...imageFlags, '-o', req.output, hot.object, othersCopy, `-Wl,-rpath,${path.dirname(othersCopy)}`], { cwd: req.cwd, limits: req.limits, signal: req.signal });
  } finally {
    release();
  }
  const linkMs = performance.now() - l0;
  const output = `${ran.stdout}${ran.stderr}`;
  if (ran.stopped || ran.code !== 0) await fs.rm(othersCopy, { force: true });
  if (ran.stopped) return { stopped: ran.stopped, linkMs, output };
  return ran.code === 0 ? { linkMs, copyMs, output } : null;
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
function prepareOthers(req: CompileRequest, imageFlags: string[], tools: UnitTools, others: UnitRecord[], othersLib: string): void {
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
    othersNames.delete(path.join(dir, n));
    await fs.rm(path.join(dir, n), { force: true });
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
