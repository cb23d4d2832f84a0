/**
 * Runs the game in its own process and keeps it running: a runner that dies (signal, exit(), out of
 * memory) or stops sending frames is restarted within a second on the last good images, and its
 * state comes back from the memory-mapped state files libkiln keeps under .kiln/state.
 */
import { EventEmitter } from 'node:events';
import type { GameLogMessage, RunnerInfo } from '../shared/contract';
import type { CrashRollback, PluginImage, RunnerLauncher, RunnerProcess, RunnerSession, RunnerToHost, StateAction } from './runner-protocol';

export interface RunnerConfig {
  width: number;
  height: number;
  workDir: string;
  libkiln: string;
}

export type LoadOutcome =
  | { ok: true; loadMs: number; stateAction: StateAction; firstFrameAt: Promise<number | null> }
  | { ok: false; loadMs: number; error: string };

interface SupervisorEvents {
  frame: [{ frame: number; width: number; height: number; pixels: Uint8Array }];
  log: [GameLogMessage];
  crash: [{ text: string; at: number; rollbacks: CrashRollback[] }];
  runner: [RunnerInfo];
  session: [RunnerSession];
  restarted: [{ reason: string; images: PluginImage[]; failed: Array<{ plugin: string; error: string }> }];
}

const HANG_TIMEOUT_MS = 3000;
/** The first restarts are immediate; a runner that keeps dying waits a little longer each time. */
const RESTART_BACKOFF_MS = [0, 0, 50, 100, 200, 400, 800];
const MAX_RESTARTS_PER_MINUTE = 10;

export class RunnerSupervisor extends EventEmitter<SupervisorEvents> {
  private child: RunnerProcess | null = null;
  /** The image each plugin runs now: what a restarted runner loads. */
  private readonly goodImages = new Map<string, PluginImage>();
  /** Every image loaded per plugin by version, so a crash rollback knows which file is running again. */
  private readonly imagesByVersion = new Map<string, Map<number, string>>();
  private nextRequest = 1;
  private readonly pendingLoads = new Map<number, { image: PluginImage; resolve: (msg: Extract<RunnerToHost, { type: 'loaded' }>) => void }>();
  private readonly pendingFirstFrames = new Map<number, (at: number | null) => void>();
  private ready: Promise<void> | null = null;
  private stopping = false;
  private restarts = 0;
  private restartTimes: number[] = [];
  private lastFrameAt = 0;
  private watchdog: NodeJS.Timeout | null = null;
  private info: RunnerInfo = { state: 'stopped', restarts: 0, message: 'not started' };
  private readonly pendingControls = new Map<number, (reply: { session: RunnerSession; error?: string }) => void>();
  session: RunnerSession = { paused: false, frame: 0, fps: 0, frameTimes: [], loop: 'off', loopSeconds: 0 };

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

  start(): Promise<void> {
    this.stopping = false;
    this.ready = this.spawn('start');
    this.watchdog ??= setInterval(() => this.checkAlive(), 500);
    return this.ready;
  }

  /** Load (or reload) a plugin image. Resolves once the runner has swapped it in or refused it. */
  async load(plugin: string, path: string, version: number): Promise<LoadOutcome> {
    await this.ready;
    const child = this.child;
    if (!child) return { ok: false, loadMs: 0, error: 'the game runner is not running' };
    const requestId = this.nextRequest++;
    const firstFrameAt = new Promise<number | null>((resolve) => {
      this.pendingFirstFrames.set(requestId, resolve);
      setTimeout(() => {
        if (this.pendingFirstFrames.delete(requestId)) resolve(null);
      }, 5000).unref();
    });
    const reply = await new Promise<Extract<RunnerToHost, { type: 'loaded' }>>((resolve) => {
      this.pendingLoads.set(requestId, { image: { name: plugin, path, version }, resolve });
      child.send({ type: 'load', requestId, plugin, path, version });
    });
    if (!reply.ok) {
      this.pendingFirstFrames.get(requestId)?.(null);
      this.pendingFirstFrames.delete(requestId);
      return { ok: false, loadMs: reply.loadMs, error: reply.error };
    }
    return { ok: true, loadMs: reply.loadMs, stateAction: reply.stateAction, firstFrameAt };
  }

  input(key: number, down: boolean): void {
    this.child?.send({ type: 'input', key, down });
  }

  mouse(x: number, y: number, buttons: number): void {
    this.child?.send({ type: 'mouse', x, y, buttons });
  }

  /** Pause, resume, step, restart; or record/play/stop the input loop. Resolves with the runner's session after it. */
  async command(
    command: { type: 'control'; action: 'pause' | 'resume' | 'step' | 'restart' } | { type: 'loop'; action: 'record' | 'play' | 'stop' },
  ): Promise<{ session: RunnerSession; error?: string }> {
    await this.ready;
    const child = this.child;
    if (!child) return { session: this.session, error: 'the game runner is not running' };
    const requestId = this.nextRequest++;
    return new Promise((resolve) => {
      this.pendingControls.set(requestId, resolve);
      child.send({ ...command, requestId });
      setTimeout(() => {
        if (this.pendingControls.delete(requestId)) resolve({ session: this.session, error: 'the game runner did not answer' });
      }, 3000).unref();
    });
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.watchdog) clearInterval(this.watchdog);
    this.watchdog = null;
    const child = this.child;
    if (!child) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        child.kill();
        resolve();
      }, 1000);
      child.onExit(() => {
        clearTimeout(timer);
        resolve();
      });
      child.send({ type: 'stop' });
    });
    this.child = null;
    this.setInfo({ state: 'stopped', restarts: this.restarts, message: 'stopped' });
  }

  private setInfo(info: RunnerInfo): void {
    this.info = info;
    this.emit('runner', info);
  }

  private spawn(reason: 'start' | string): Promise<void> {
    this.setInfo({ state: reason === 'start' ? 'starting' : 'restarting', restarts: this.restarts, message: reason === 'start' ? 'starting the game runner' : `restarting: ${reason}` });
    const child = this.launch();
    this.child = child;
    const images: PluginImage[] = [...this.goodImages.values()];
    return new Promise<void>((resolve) => {
      child.onMessage((msg) => {
        if (this.child !== child) return;
        if (msg.type === 'ready') {
          this.lastFrameAt = Date.now();
          this.setInfo({ state: 'running', pid: child.pid, restarts: this.restarts, message: `running (pid ${child.pid})` });
          if (reason !== 'start') {
            const failed = msg.loaded.filter((l) => !l.ok).map((l) => ({ plugin: l.plugin, error: l.error ?? 'load failed' }));
            this.emit('restarted', { reason, images, failed });
          }
          resolve();
          return;
        }
        this.onRunnerMessage(msg);
      });
      child.onExit((code, signal) => {
        if (this.child !== child) return;
        this.child = null;
        resolve();
        this.failPending('the game runner exited');
        if (this.stopping) return;
        const why = signal ? `runner killed by ${signal}` : `runner exited with code ${code}`;
        this.scheduleRestart(why);
      });
      child.send({ type: 'init', ...this.config, plugins: images });
    });
  }

  private onRunnerMessage(msg: RunnerToHost): void {
    this.lastFrameAt = Date.now(); // any message is a sign of life (a paused game sends no frames, only sessions)
    switch (msg.type) {
      case 'frame':
        this.lastFrameAt = Date.now();
        this.emit('frame', msg);
        this.child?.send({ type: 'frame-ack' });
        break;
      case 'loaded':
      {
        const pending = this.pendingLoads.get(msg.requestId);
        this.pendingLoads.delete(msg.requestId);
        // Recorded now, not when the caller resumes: a crash report may follow in the same breath.
        if (pending && msg.ok) {
          const { image } = pending;
          this.goodImages.set(image.name, image);
          if (!this.imagesByVersion.has(image.name)) this.imagesByVersion.set(image.name, new Map());
          this.imagesByVersion.get(image.name)!.set(image.version, image.path);
        }
        pending?.resolve(msg);
      }
        break;
      case 'first-frame':
        this.pendingFirstFrames.get(msg.requestId)?.(msg.at);
        this.pendingFirstFrames.delete(msg.requestId);
        break;
      case 'log':
        this.emit('log', { level: msg.level, text: msg.text, at: msg.at, plugin: msg.plugin });
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
        for (const r of msg.rollbacks) {
          // A restarted runner must come back on the version that runs now, not on the one that crashed.
          const path = this.imagesByVersion.get(r.plugin)?.get(r.running);
          if (r.running > 0 && path) this.goodImages.set(r.plugin, { name: r.plugin, path, version: r.running });
          else this.goodImages.delete(r.plugin);
        }
        this.emit('crash', msg);
        break;
      case 'fatal':
        this.emit('log', { level: 'error', text: `game runner: ${msg.error}`, at: Date.now() });
        break;
      case 'ready':
        break;
    }
  }

  private failPending(error: string): void {
    for (const [id, { resolve }] of this.pendingLoads) resolve({ type: 'loaded', requestId: id, plugin: '', ok: false, loadMs: 0, error, code: -1 });
    this.pendingLoads.clear();
    for (const resolve of this.pendingFirstFrames.values()) resolve(null);
    this.pendingFirstFrames.clear();
  }

  private scheduleRestart(why: string): void {
    const now = Date.now();
    this.restartTimes = this.restartTimes.filter((t) => now - t < 60_000);
    if (this.restartTimes.length >= MAX_RESTARTS_PER_MINUTE) {
      this.setInfo({ state: 'stopped', restarts: this.restarts, message: `${why}; gave up after ${MAX_RESTARTS_PER_MINUTE} restarts in a minute — fix the plugin and save to try again` });
      return;
    }
    this.restartTimes.push(now);
    this.restarts += 1;
    this.setInfo({ state: 'restarting', restarts: this.restarts, message: `${why}; restarting` });
    const delay = RESTART_BACKOFF_MS[Math.min(this.restartTimes.length - 1, RESTART_BACKOFF_MS.length - 1)];
    setTimeout(() => {
      if (!this.stopping && !this.child) this.ready = this.spawn(why);
    }, delay);
  }

  /** A runner that stops talking (frames, or session reports while paused) is hung: replace it. */
  private checkAlive(): void {
    const child = this.child;
    if (!child || this.info.state !== 'running') return;
    if (Date.now() - this.lastFrameAt > HANG_TIMEOUT_MS) {
      this.lastFrameAt = Date.now();
      child.kill();
    }
  }

  /** Revive a runner that gave up, e.g. after the user saved a fix. */
  ensureRunning(): void {
    if (!this.child && !this.stopping && this.info.state === 'stopped' && this.ready) {
      this.restartTimes = [];
      this.ready = this.spawn('restarted after a new build');
    }
  }
}
