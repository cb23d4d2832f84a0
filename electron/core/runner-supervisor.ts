/**
 * Runs the game in its own process and keeps it running. A version is good only once it has run
 * PROBATION_FRAMES frames (about a second) without the runner dying; a runner that dies, hangs or never
 * finishes a load while versions are on probation is their crash: it is restarted on the previous good
 * image of each such plugin, with the state committed before the bad version's swap. A death after
 * probation restarts on the same images with the last committed frame. The supervisor owns which
 * image each plugin runs; the reload loop owns the versions the UI sees, fed by this class's events.
 */
import { EventEmitter } from 'node:events';
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { AssetReload, CrashRecord, Frame, GameLogMessage, RunnerInfo, WorldMigration } from '../shared/contract';
import { emptyTimeline } from '../shared/contract';
import { nowMs, runnerFrameReader, type HistoryCommand, type HostToRunner, type LoadClock } from './runner-protocol';
import { crashSiteFields } from './crash-site';
import type { LoadReply, MemoryReply, PluginImage, RunnerCrash, RunnerLauncher, RunnerProcess, RunnerSession, RunnerToHost, StateAction, StateReply, StateRequest, WorldReply, WorldRequest } from './runner-protocol';
import { Heartbeat, type HeartbeatRecord } from './runner-heartbeat';
import { RunnerImages, type Ending } from './runner-images';

export interface RunnerConfig {
  width: number;
  height: number;
  workDir: string;
  libkiln: string;
  /** libkiln's watchdog for one plugin callback (default 2000 ms). */
  watchdogMs?: number;
  /** The runner's memory limit (kiln.json "runner": { "memoryLimitMb" }); default 4096, 0: none. */
  memoryLimitMb?: number;
  /** A load with no reply after this long (constructors that never return) is a crash of that version. */
  loadTimeoutMs?: number;
  /** Memory for the timeline's history (kiln.json "history": { "memoryMb" }); default 64, 0: off. */
  historyMb?: number;
  /** The web shell's frame relay socket: frames skip this process (RunnerLimits.frameSocket). */
  frameSocket?: string;
  /** The project folder (image and sound files are relative to it) and whether sound calls do anything (RunnerLimits). */
  projectDir?: string;
  sound?: boolean;
}

/** The new code's first frame: drawn and sent by the runner (its clock, epoch ms). */
export interface FirstFrame {
  at: number;
  sentAt?: number;
}

export type LoadOutcome =
  | { ok: true; version: number; loadMs: number; stateAction: StateAction; firstFrame: Promise<FirstFrame | null>; world?: WorldMigration[]; clock: LoadClock & { replyAt: number } }
  /** `crash`: the load itself crashed (entry, constructors) or killed, hung or timed out the runner. */
  | { ok: false; loadMs: number; error: string; crash?: CrashRecord };

/** Every crash, whether libkiln caught it in the runner or the runner died of it. */
export interface SupervisorCrash {
  plugin: string;
  at: number;
  text: string;
  crash: CrashRecord;
}

interface SupervisorEvents {
  frame: [Frame];
  log: [GameLogMessage];
  crash: [SupervisorCrash];
  runner: [RunnerInfo];
  session: [RunnerSession];
  /** A runner came back; `crashed` plugins were reported by a crash event already. */
  restarted: [{ reason: string; crashed: string[]; failed: Array<{ plugin: string; error: string }> }];
  /** A version passed probation: a restart loads it from now on. */
  proven: [{ plugin: string; version: number }];
}

const WATCHDOG_DEFAULT_MS = 2000;
/** Over the watchdog: time for libkiln to interrupt a call and report it, on a busy machine. */
const HANG_MARGIN_MS = 1500;
/** A runner silent this long outside any plugin call (or with no heartbeat at all) is hung. */
const SILENT_LIMIT_MS = 3000;
const LOAD_TIMEOUT_MS = 10_000;
/** A runner that is not up this long after its start (stuck loading its images) is replaced. */
const INIT_TIMEOUT_MS = 20_000;
const DEFAULT_MEMORY_LIMIT_MB = 4096;
/** After a rollback, a runner this far above its first RSS is replaced so the memory comes back. */
const RSS_FACTOR = 3;
const RSS_FLOOR_BYTES = 512 * 1024 * 1024;
/**
 * Runners that die before they are up (no 'ready': the start itself fails) are restarted with backoff. A runner that
 * was up is replaced at once (by the warm standby, bench §6), and rollbacks never wait; both count toward the budget.
 */
const RESTART_BACKOFF_MS = [0, 0, 50, 100, 200, 400, 800];
const MAX_RESTARTS_PER_MINUTE = 10;
const STOP_GRACE_MS = 1000;
/** The next runner starts this long after one is up: after its first frames, before the next death is likely. */
const STANDBY_DELAY_MS = 50;

/** What ended a runner, when the supervisor ended it. */
type Verdict =
  | { kind: 'runner-hung'; beat: HeartbeatRecord | null }
  | { kind: 'load-timeout'; request: LoadRequest }
  | { kind: 'replace'; reason: string };

interface LoadRequest {
  id: number;
  image: PluginImage;
  /** null: the supervisor's own reload of an image that was on probation when an innocent runner died. */
  resolve: ((outcome: LoadOutcome) => void) | null;
  /** When it became the load the runner works on (loads run one at a time, in order). */
  headSince: number;
}


export class RunnerSupervisor extends EventEmitter<SupervisorEvents> {
  private child: RunnerProcess | null = null;
  /** The child's frames, each a change to the one before: decoded in order, from its first, and acknowledged. */
  private childFrames: ReturnType<typeof runnerFrameReader> = () => null;
  /** A runner started ahead and waiting for 'init' (warm standby): a restart skips Node's start-up. */
  private standby: RunnerProcess | null = null;
  private standbyTimer: NodeJS.Timeout | null = null;
  /** The standby answered 'prepared'. */
  private standbyWarm = false;
  private childReady = false;
  private readonly images = new RunnerImages();
  private nextRequest = 1;
  /** Loads waiting for a runner, in order. */
  private queue: LoadRequest[] = [];
  /** Loads sent to the current runner and not answered, in order: [0] is the one it works on. */
  private inFlight: LoadRequest[] = [];
  private readonly pendingFirstFrames = new Map<number, (frame: FirstFrame | null) => void>();
  private readonly pendingControls = new Map<number, (reply: { session: RunnerSession; error?: string }) => void>();
  /** State and world inspector requests waiting for the runner, by requestId. */
  private readonly pendingStates = new Map<number, (reply: StateReply & WorldReply & MemoryReply) => void>();
  private readonly pendingAssets = new Map<number, (asset: AssetReload | null) => void>();
  private ready: Promise<void> | null = null;
  /** Input the player holds now (keys down, the mouse, connected pads): the one copy a restarted runner is given. */
  private readonly held = {
    keys: new Set<number>(),
    mouse: null as Extract<HostToRunner, { type: 'mouse' }> | null,
    pads: new Map<number, Extract<HostToRunner, { type: 'pad' }>>(),
  };
  private stopping = false;
  private restarts = 0;
  private restartTimes: number[] = [];
  /** Runners in a row that died before they were up: the restart backoff's step. */
  private failedStarts = 0;
  private restartTimer: NodeJS.Timeout | null = null;
  private verdict: Verdict | null = null;
  private lastMessageAt = 0;
  private spawnedAt = 0;
  private heartbeat: Heartbeat | null = null;
  private spawnCount = 0;
  private baselineRss = 0;
  private rssTimer: NodeJS.Timeout | null = null;
  private checker: NodeJS.Timeout | null = null;
  private info: RunnerInfo = { state: 'stopped', restarts: 0, message: 'not started' };
  session: RunnerSession = { paused: false, frame: 0, fps: 0, frameTimes: [], loop: 'off', loopSeconds: 0, timeline: emptyTimeline };
  /** Why the running runner has no sandbox; null when it entered it (undefined before one is up). */
  sandboxError: string | null | undefined = undefined;

  constructor(
    private readonly launch: RunnerLauncher,
    private readonly config: RunnerConfig,
  ) {
    super();
  }

  get runnerInfo(): RunnerInfo {
    return this.info;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** The version a restart would load for `plugin` (its last proven one), or null. */
  goodVersion(plugin: string): number | null {
    return this.images.good(plugin)?.version ?? null;
  }

  /** Versions of `plugin` on probation now. */
  probationVersions(plugin: string): number[] {
    return this.images.probationVersions(plugin);
  }

  start(): Promise<void> {
    this.stopping = false;
    this.ready = this.spawn('start', []);
    this.checker ??= setInterval(() => this.checkAlive(), 250);
    return this.ready;
  }

  /**
   * Load (or reload) a plugin image. Resolves once the runner has swapped it in or refused it; a load
   * asked for while the runner is down or restarting waits for the next runner.
   */
  load(plugin: string, path: string, version: number): Promise<LoadOutcome> {
    return new Promise<LoadOutcome>((resolve) => {
      const request: LoadRequest = { id: this.nextRequest++, image: { name: plugin, path, version }, resolve, headSince: 0 };
      this.queue.push(request);
      this.ensureRunning();
      this.pump();
    });
  }

  input(key: number, down: boolean): void {
    if (down) this.held.keys.add(key);
    else this.held.keys.delete(key);
    if (this.childReady) this.child?.send({ type: 'input', key, down });
  }

  mouse(x: number, y: number, buttons: number): void {
    this.held.mouse = { type: 'mouse', x, y, buttons };
    if (this.childReady) this.child?.send(this.held.mouse);
  }

  pad(pad: number, connected: boolean, buttons: number, axes: number[]): void {
    const msg = { type: 'pad' as const, pad, connected, buttons, axes };
    if (connected) this.held.pads.set(pad, msg);
    else this.held.pads.delete(pad);
    if (this.childReady) this.child?.send(msg);
  }

  /** A new runner starts with nothing held: it gets what the player holds now (the UI sends only changes). */
  private replayHeldInput(child: RunnerProcess): void {
    for (const key of this.held.keys) child.send({ type: 'input', key, down: true });
    if (this.held.mouse) child.send(this.held.mouse);
    for (const msg of this.held.pads.values()) child.send(msg);
  }

  /** An image file changed: the running game reloads it (same handle). Null when it never loaded that path, or no runner. */
  async reloadAsset(path: string): Promise<AssetReload | null> {
    await this.ready;
    const child = this.child;
    if (!child || !this.childReady) return null; // a runner that starts later reads the file as it is then
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      this.pendingAssets.set(requestId, resolve);
      child.send({ type: 'asset', requestId, path });
      setTimeout(() => {
        if (this.pendingAssets.delete(requestId)) resolve(null);
      }, 3000).unref();
    });
  }

  /** kiln.json's new width/height: the running game's framebuffer now, and every runner started later. */
  resize(width: number, height: number): void {
    if (width === this.config.width && height === this.config.height) return;
    this.config.width = width;
    this.config.height = height;
    if (this.childReady) this.child?.send({ type: 'resize', width, height });
  }

  /** Pause, resume, step, restart; or record/play/stop the input loop. Resolves with the runner's session after it. */
  async command(
    command: { type: 'control'; action: 'pause' | 'resume' | 'step' | 'restart' } | { type: 'loop'; action: 'record' | 'play' | 'stop' } | ({ type: 'history' } & HistoryCommand),
  ): Promise<{ session: RunnerSession; error?: string }> {
    await this.ready;
    const child = this.child;
    if (!child || !this.childReady) return { session: this.session, error: 'the game runner is not running (it is restarting)' };
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      this.pendingControls.set(requestId, resolve);
      child.send({ ...command, requestId });
      setTimeout(() => {
        if (this.pendingControls.delete(requestId)) resolve({ session: this.session, error: 'the game runner did not answer' });
      }, 3000).unref();
    });
  }

  /** The state inspector's read or write, answered by the runner between two frames. */
  async inspect(request: StateRequest): Promise<StateReply> {
    return this.betweenFrames((requestId) => ({ type: 'state', ...request, requestId }));
  }

  /** The entity inspector's read or write (issue 15), answered by the runner between two frames. */
  async inspectWorld(request: WorldRequest): Promise<WorldReply> {
    return this.betweenFrames((requestId) => ({ type: 'world', ...request, requestId }));
  }

  /** The runner's memory after a full garbage collection (what the benchmark's soak compares), answered between two frames. */
  async memory(): Promise<MemoryReply> {
    return this.betweenFrames((requestId) => ({ type: 'memory', requestId }));
  }

  private async betweenFrames(message: (requestId: number) => HostToRunner): Promise<StateReply & WorldReply & MemoryReply> {
    await this.ready;
    const child = this.child;
    if (!child || !this.childReady) return { error: 'the game runner is not running (it is restarting)' };
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      this.pendingStates.set(requestId, resolve);
      child.send(message(requestId));
      setTimeout(() => {
        if (this.pendingStates.delete(requestId)) resolve({ error: 'the game runner did not answer' });
      }, 3000).unref();
    });
  }

  /** Ends the runner for sure: a polite stop, then SIGKILL after a grace period. */
  async stop(): Promise<void> {
    this.stopping = true;
    for (const t of [this.checker, this.restartTimer, this.rssTimer, this.standbyTimer]) if (t) clearTimeout(t);
    this.checker = this.restartTimer = this.rssTimer = this.standbyTimer = null;
    if (this.standby) killHard(this.standby);
    this.standby = null;
    const child = this.child;
    if (child) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          killHard(child); // a runner stuck in a plugin never reads 'stop'
          setTimeout(resolve, STOP_GRACE_MS).unref();
        }, STOP_GRACE_MS);
        child.onExit(() => {
          clearTimeout(timer);
          resolve();
        });
        child.send({ type: 'stop' });
      });
    }
    this.child = null;
    this.childReady = false;
    this.closeHeartbeat();
    for (const r of [...this.inFlight, ...this.queue]) r.resolve?.({ ok: false, loadMs: 0, error: 'the game stopped before this load' });
    this.inFlight = [];
    this.queue = [];
    this.setInfo({ state: 'stopped', restarts: this.restarts, message: 'stopped' });
  }

  /** Revive a runner that gave up or was never started (a build arrived): no-op while one runs or restarts. */
  ensureRunning(): void {
    if (this.child || this.stopping || this.restartTimer || !this.ready) return;
    this.restartTimes = [];
    this.ready = this.spawn('restarted after a new build', []);
  }

  private setInfo(info: RunnerInfo): void {
    this.info = info;
    this.emit('runner', info);
  }

  /** Start a runner on every plugin's good image; `restoreBefore` marks the plugins rolled back by a crash. */
  private spawn(reason: string, crashed: Array<{ plugin: string; restoreBefore: number }>): Promise<void> {
    const starting = reason === 'start';
    const images = this.images.goodImages().map((good) => {
      const rollback = crashed.find((c) => c.plugin === good.name);
      return rollback ? { ...good, restoreBefore: rollback.restoreBefore } : good;
    });
    const heartbeatPath = path.join(this.config.workDir, 'run', `heartbeat-${process.pid}-${++this.spawnCount}`);
    mkdirSync(path.dirname(heartbeatPath), { recursive: true });
    this.heartbeat = new Heartbeat(heartbeatPath);
    const child = this.takeStandby() ?? this.launch();
    this.child = child;
    this.childFrames = runnerFrameReader(child);
    this.childReady = false;
    this.lastMessageAt = this.spawnedAt = Date.now();
    // Told once the child is set: a listener that asks for a load now queues it for this runner.
    this.setInfo({ state: starting ? 'starting' : 'restarting', restarts: this.restarts, message: starting ? 'starting the game runner' : `restarting: ${reason}` });
    return new Promise<void>((resolve) => {
      child.onMessage((msg) => {
        if (this.child !== child) return;
        this.lastMessageAt = Date.now();
        if (msg.type !== 'ready') return this.onRunnerMessage(msg);
        this.childReady = true;
        this.failedStarts = 0;
        this.replayHeldInput(child);
        this.setInfo({ state: 'running', pid: child.pid, restarts: this.restarts, message: `running (pid ${child.pid})` });
        this.sandboxError = msg.sandboxError ?? null;
        if (msg.sandboxError) this.emit('log', { level: 'warn', text: `game runner: no sandbox — ${msg.sandboxError}`, at: Date.now() });
        this.measureBaseline(child);
        this.prepareStandby();
        const failed = msg.loaded.filter((l) => !l.ok).map((l) => ({ plugin: l.plugin, error: l.error ?? 'load failed' }));
        if (!starting) this.emit('restarted', { reason, crashed: crashed.map((c) => c.plugin), failed });
        resolve();
        this.pump();
      });
      child.onExit((code, signal) => {
        if (this.child !== child) return;
        resolve();
        this.onRunnerExit(code, signal);
      });
      child.send({
        type: 'init',
        width: this.config.width,
        height: this.config.height,
        workDir: this.config.workDir,
        libkiln: this.config.libkiln,
        plugins: images,
        watchdogMs: this.config.watchdogMs,
        memoryLimitBytes: (this.config.memoryLimitMb ?? DEFAULT_MEMORY_LIMIT_MB) * 1024 * 1024,
        heartbeatPath,
        frameSocket: this.config.frameSocket,
        historyBytes: (this.config.historyMb ?? 64) * 1024 * 1024,
        projectDir: this.config.projectDir,
        sound: this.config.sound,
      });
    });
  }

  private takeStandby(): RunnerProcess | null {
    const standby = this.standby;
    this.standby = null;
    this.standbyWarm = false;
    return standby;
  }

  /** A standby runner is up with libkiln loaded: the next restart skips Node's start (bench §6 waits for it). */
  get standbyReady(): boolean {
    return this.standby !== null && this.standbyWarm;
  }

  /** Start the next runner ahead of need, once this one is up (not competing with its start). */
  private prepareStandby(): void {
    if (this.standby || this.standbyTimer || this.stopping) return;
    this.standbyTimer = setTimeout(() => {
      this.standbyTimer = null;
      if (this.standby || this.stopping) return;
      const standby = this.launch();
      this.standby = standby;
      this.standbyWarm = false;
      standby.onMessage((msg) => {
        if (msg.type === 'prepared' && this.standby === standby) this.standbyWarm = true;
      });
      standby.onExit(() => {
        if (this.standby === standby) this.standby = null;
      });
      standby.send({ type: 'prepare', libkiln: this.config.libkiln }); // read once its Node is up
    }, STANDBY_DELAY_MS);
    this.standbyTimer.unref();
  }

  /** Send waiting loads to a runner that is up; each is on probation from the moment it is sent. */
  private pump(): void {
    const child = this.child;
    if (!child || !this.childReady) return;
    // A runner that died while this process was busy (a build) is learned of a turn later: a load sent to it now
    // would look like that version's crash. It waits for the next runner instead.
    if (this.queue.length && child.pid !== undefined && exitedUnreaped(child.pid)) return;
    for (const request of this.queue.splice(0)) {
      if (this.inFlight.length === 0) request.headSince = Date.now();
      this.inFlight.push(request);
      this.images.sent(request.image);
      child.send({ type: 'load', requestId: request.id, plugin: request.image.name, path: request.image.path, version: request.image.version });
    }
  }

  private onRunnerMessage(msg: RunnerToHost): void {
    switch (msg.type) {
      case 'frame': {
        const frame = this.childFrames(msg);
        if (frame) this.emit('frame', frame);
        break;
      }
      case 'loaded':
        this.onLoaded(msg);
        break;
      case 'first-frame':
        this.pendingFirstFrames.get(msg.requestId)?.({ at: msg.at, sentAt: msg.sentAt });
        this.pendingFirstFrames.delete(msg.requestId);
        break;
      case 'proven':
        if (this.images.proven(msg.plugin, msg.version)) this.emit('proven', { plugin: msg.plugin, version: msg.version });
        break;
      case 'log':
        this.emit('log', { level: msg.level, text: msg.text, at: msg.at, plugin: msg.plugin, source: msg.source });
        break;
      case 'session':
        this.session = msg.session;
        this.emit('session', msg.session);
        if (msg.requestId !== undefined) {
          this.pendingControls.get(msg.requestId)?.({ session: msg.session, error: msg.error });
          this.pendingControls.delete(msg.requestId);
        }
        break;
      case 'crash':
        this.onCaughtCrash(msg.crash, msg.at);
        break;
      case 'state':
      case 'world':
      case 'memory':
        this.pendingStates.get(msg.requestId)?.(msg);
        this.pendingStates.delete(msg.requestId);
        break;
      case 'asset':
        this.pendingAssets.get(msg.requestId)?.(msg.asset);
        this.pendingAssets.delete(msg.requestId);
        break;
      case 'fatal':
        this.emit('log', { level: 'error', text: `game runner: ${msg.error}`, at: Date.now() });
        break;
      case 'ready':
        break;
    }
  }

  private onLoaded(msg: LoadReply): void {
    const index = this.inFlight.findIndex((r) => r.id === msg.requestId);
    if (index < 0) return;
    const [request] = this.inFlight.splice(index, 1);
    if (this.inFlight[0]) this.inFlight[0].headSince = Date.now();
    if (msg.ok) {
      const clock = { startedAt: msg.startedAt, doneAt: msg.doneAt, replyAt: nowMs() };
      const firstFrame = new Promise<FirstFrame | null>((resolve) => {
        this.pendingFirstFrames.set(request.id, resolve);
        setTimeout(() => {
          if (this.pendingFirstFrames.delete(request.id)) resolve(null);
        }, 5000).unref();
      });
      request.resolve?.({ ok: true, version: msg.version, loadMs: msg.loadMs, stateAction: msg.stateAction, firstFrame, world: msg.world, clock });
    } else {
      this.images.refused(request.image);
      const crash = msg.crash ? { ...this.caughtRecord(msg.crash), state: 'kept' as const } : undefined; // a refused load changed no state
      request.resolve?.({ ok: false, loadMs: msg.loadMs, error: msg.error, crash });
    }
    // The dynamic loader may be left locked: move to a fresh runner on the good images, state as last committed.
    if (msg.needsRestart) this.replace('a plugin faulted inside the dynamic loader; the game runner was replaced');
  }

  private caughtRecord(c: RunnerCrash): CrashRecord {
    return {
      callback: c.callback,
      kind: c.kind,
      signal: c.signal,
      address: c.address,
      watchdogMs: c.watchdogMs,
      crashedVersion: c.crashedVersion,
      runningVersion: c.runningVersion > 0 ? c.runningVersion : null,
      state: c.callback === 'destructor' || c.kind === 'thread' ? 'kept' : 'frame-start',
      ...crashSiteFields(c), // where it crashed (the reload loop symbolizes it against the build output)
    };
  }

  /** libkiln caught a fault and rolled the plugin back (or paused it) inside the runner. */
  private onCaughtCrash(c: RunnerCrash, at: number): void {
    // It never becomes good; a good version that crashed later is no longer what a restart loads.
    if (c.kind !== 'thread' && c.callback !== 'destructor') this.images.crashedInRunner(c.plugin, c.crashedVersion);
    this.emit('crash', { plugin: c.plugin, at, text: c.text, crash: this.caughtRecord(c) });
    // An abort is libc finding its heap corrupted (or its locks held): this process is not to be trusted.
    if (c.signal === 'SIGABRT') this.replace(`${c.plugin} v${c.crashedVersion} aborted inside libc (heap corruption?); the game runner was replaced`);
    else this.scheduleRssCheck();
  }

  /** After a rollback, a runner still holding the bad version's memory is replaced so the memory comes back. */
  private scheduleRssCheck(): void {
    if (this.rssTimer || !this.baselineRss) return;
    this.rssTimer = setTimeout(() => {
      this.rssTimer = null;
      const rss = this.child?.pid ? readRss(this.child.pid) : 0;
      if (rss > RSS_FLOOR_BYTES && rss > RSS_FACTOR * this.baselineRss) {
        this.replace(`the game runner kept ${Math.round(rss / 1048576)} MiB after a rollback (it started with ${Math.round(this.baselineRss / 1048576)} MiB); replaced to give the memory back`);
      }
    }, 300);
    this.rssTimer.unref();
  }

  private measureBaseline(child: RunnerProcess): void {
    this.baselineRss = 0;
    setTimeout(() => {
      if (this.child === child && child.pid) this.baselineRss = readRss(child.pid);
    }, 1000).unref();
  }

  /** End the runner on purpose; it comes back on the good images with the last committed frame. */
  private replace(reason: string): void {
    if (!this.child || this.verdict) return;
    this.verdict = { kind: 'replace', reason };
    killHard(this.child);
  }

  private onRunnerExit(code: number | null, signal: string | null): void {
    const verdict = this.verdict;
    this.verdict = null;
    const beat = this.heartbeat?.read() ?? null;
    this.closeHeartbeat();
    const wasUp = this.childReady;
    this.child = null;
    this.childReady = false;
    for (const resolve of this.pendingControls.values()) resolve({ session: this.session, error: 'the game runner exited' });
    this.pendingControls.clear();
    for (const resolve of this.pendingStates.values()) resolve({ error: 'the game runner exited' });
    this.pendingStates.clear();
    if (this.stopping) return;

    const ending: Ending =
      verdict?.kind === 'replace' ? { kind: 'replaced' }
      : verdict?.kind === 'runner-hung' ? { kind: 'hung' }
      : verdict?.kind === 'load-timeout' ? { kind: 'load-timeout', image: verdict.request.image }
      : { kind: 'died' };
    const blamed = this.images.blame(ending, beat, this.inFlight.map((r) => r.image));
    const at = Date.now();
    const cause =
      verdict?.kind === 'replace' ? verdict.reason
      : verdict?.kind === 'runner-hung' ? 'the game runner stopped making progress'
      : verdict?.kind === 'load-timeout' ? `loading ${verdict.request.image.name} v${verdict.request.image.version} did not finish in ${this.loadTimeoutMs / 1000} s`
      : signal ? `the game runner was killed by ${signal}` : `the game runner exited with code ${code}`;

    // Roll each blamed plugin back to its last good image, from the state before the first bad version.
    const crashed: Array<{ plugin: string; restoreBefore: number }> = [];
    const crashes: SupervisorCrash[] = [];
    for (const [plugin, versions] of blamed) {
      const first = Math.min(...versions);
      const last = Math.max(...versions);
      const good = this.images.rollBack(plugin, versions);
      crashed.push({ plugin, restoreBefore: first });
      const named = beat && beat.inCall && beat.plugin === plugin ? beat.callback : null;
      const kind = verdict?.kind === 'runner-hung' ? 'runner-hung' : verdict?.kind === 'load-timeout' ? 'load-timeout' : 'runner-died';
      const record: CrashRecord = {
        callback: kind === 'load-timeout' ? 'constructor' : (named ?? 'runner'),
        kind,
        signal: kind === 'runner-died' ? signal : null,
        exitCode: kind === 'runner-died' && code !== null ? code : undefined,
        watchdogMs: kind === 'runner-hung' ? this.watchdogMs : undefined,
        crashedVersion: last,
        runningVersion: good?.version ?? null,
        state: 'before-version',
      };
      const where = named ? ` in ${named}` : '';
      const back = good ? `rolled back to v${good.version} with the state from before v${first}` : `nothing earlier to roll back to: ${plugin} is paused until a build that runs`;
      crashes.push({ plugin, at, crash: record, text: `${plugin} v${last}${where}: ${cause} while it was on probation; ${back}` });
    }

    // The loads in flight: a blamed one is answered with its crash, the others go to the next runner.
    const resend: LoadRequest[] = [];
    for (const request of this.inFlight) {
      const c = crashes.find((x) => x.plugin === request.image.name && blamed.get(x.plugin)!.includes(request.image.version));
      if (c) request.resolve?.({ ok: false, loadMs: 0, error: c.text, crash: c.crash });
      else resend.push(request);
    }
    this.inFlight = [];
    // Innocent versions that were on probation are loaded again (still on probation) after the good images.
    const reload: LoadRequest[] = this.images
      .takeProbation()
      .filter((image) => !resend.some((r) => r.image === image))
      .map((image) => ({ id: this.nextRequest++, image, resolve: null, headSince: 0 }));
    this.queue = [...reload, ...resend, ...this.queue];
    for (const c of crashes) this.emit('crash', c);
    // First frames still awaited will not come from this runner (crash events are out first: one log entry).
    for (const resolve of this.pendingFirstFrames.values()) resolve(null);
    this.pendingFirstFrames.clear();

    if (blamed.size || verdict?.kind === 'replace') {
      // A rollback or a planned replacement makes progress: it never waits and never uses up the budget.
      this.restarts += 1;
      this.ready = this.spawn(cause, crashed);
      return;
    }
    this.scheduleRestart(cause, wasUp);
  }

  private scheduleRestart(why: string, wasUp: boolean): void {
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < 60_000);
    if (this.restartTimes.length >= MAX_RESTARTS_PER_MINUTE) {
      this.setInfo({ state: 'stopped', restarts: this.restarts, message: `${why}; gave up after ${MAX_RESTARTS_PER_MINUTE} restarts in a minute — fix the plugin and save to try again` });
      return;
    }
    this.restartTimes.push(now);
    this.restarts += 1;
    if (wasUp) {
      this.ready = this.spawn(why, []); // replaced in this turn, by the warm standby when it is up
      return;
    }
    this.failedStarts += 1;
    const delay = RESTART_BACKOFF_MS[Math.min(this.failedStarts - 1, RESTART_BACKOFF_MS.length - 1)];
    this.restartTimer = setTimeout(() => {
      this.restartTimer = null;
      if (!this.stopping && !this.child) this.ready = this.spawn(why, []);
    }, delay);
    const when = delay ? ` in ${delay} ms (${this.failedStarts} runners in a row did not start)` : '';
    this.setInfo({ state: 'restarting', restarts: this.restarts, message: `${why}; restarting${when}` }); // after the timer: a load asked for now waits for it
  }

  private get watchdogMs(): number {
    return this.config.watchdogMs ?? WATCHDOG_DEFAULT_MS;
  }

  private get loadTimeoutMs(): number {
    return this.config.loadTimeoutMs ?? LOAD_TIMEOUT_MS;
  }

  /**
   * Hang detector. A runner that talks is alive. A silent one is alive while its heartbeat moves or a
   * plugin call runs for less than the watchdog + a margin (a slow frame the watchdog allows). A load
   * that never answers is a load timeout.
   */
  private checkAlive(): void {
    const child = this.child;
    if (!child || this.verdict) return;
    const now = Date.now();
    if (!this.childReady) {
      if (now - this.spawnedAt > INIT_TIMEOUT_MS) {
        this.verdict = { kind: 'runner-hung', beat: null };
        killHard(child);
      }
      return;
    }
    const head = this.inFlight[0];
    if (head && now - head.headSince > this.loadTimeoutMs) {
      this.verdict = { kind: 'load-timeout', request: head };
      killHard(child);
      return;
    }
    const beat = this.heartbeat?.poll(now) ?? null;
    const silentFor = now - this.lastMessageAt;
    if (silentFor < 1000) return;
    const stuckFor = beat ? now - Math.max(this.lastMessageAt, this.heartbeat!.movedAt) : silentFor;
    const limit = beat?.inCall ? Math.max(beat.watchdogMs || this.watchdogMs, 1) + HANG_MARGIN_MS : beat ? SILENT_LIMIT_MS : 2 * this.watchdogMs + HANG_MARGIN_MS;
    if (stuckFor > limit) {
      // Timers run before I/O in Node's loop: after a stall of the back end itself, the runner's messages may
      // be waiting unread. Judge again once they have been read (setImmediate runs after the I/O phase).
      setImmediate(() => {
        if (this.child !== child || this.verdict) return;
        const later = Date.now();
        this.heartbeat?.poll(later);
        if (later - this.lastMessageAt < 1000 || (this.heartbeat && this.heartbeat.movedAt > now - 1000)) return;
        this.verdict = { kind: 'runner-hung', beat };
        killHard(child);
      });
    }
  }

  private closeHeartbeat(): void {
    this.heartbeat?.close();
    this.heartbeat = null;
  }
}

/** SIGKILL by pid: ends the runner whichever API started it (utilityProcess.kill() is only a SIGTERM). */
function killHard(child: RunnerProcess): void {
  try {
    if (child.pid) process.kill(child.pid, 'SIGKILL');
    else child.kill();
  } catch {
    child.kill();
  }
}

/** The process has ended and its exit is not handled yet (Linux /proc: gone, or a zombie); false where /proc is not. */
function exitedUnreaped(pid: number): boolean {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'ENOENT' && process.platform === 'linux';
  }
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state === 'Z' || state === 'X';
}

/** Resident memory of a process in bytes (Linux /proc), 0 where it cannot be read. */
function readRss(pid: number): number {
  try {
    const kb = /^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) * 1024 : 0;
  } catch {
    return 0;
  }
}
