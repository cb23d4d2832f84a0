/**
 * The game runner: its own process, so a plugin that corrupts memory, calls exit() or hangs takes
 * down only this. Loads libkiln with koffi, runs the game loop at 60 fps, streams frames to the back end.
 * Started by child_process.fork (web shell, CLI) or Electron's utilityProcess.fork.
 * libkiln's records (load results, crashes, log messages) are passed on as fields.
 */
import { constants as osConstants } from 'node:os';
import v8 from 'node:v8';
import { crashCallbacks, faultKinds, type CrashCallback, type FaultKind } from '../shared/contract';
import { loadLibKiln, KILN_ERR_CRASH, type LibKiln, type LoadDesc, type NativeCrash, type NativeLoadResult } from './libkiln';
import { nowMs, PROBATION_FRAMES, STEP_SECONDS, type HostToRunner, type LoadReply, type RunnerCrash, type RunnerMemory, type RunnerSession, type RunnerToHost, type StateAction } from '../core/runner-protocol';
import { collectFully } from '../core/full-gc';
import { parentChannel } from './parent-channel';
import { connectFrameSink, type FrameSink } from './frame-sink';
import { portFrameSink } from './port-frame-sink';
import { captureOutput } from './output-capture';
import { LoopRecorder, type InputEvent } from './loop-recorder';
import { Timeline } from './history';
import { emptyTimeline, type Frame, type SoundCommand } from '../shared/contract';
import { encodeFrameOps, FrameDeltaEncoder, rawFrame, type FrameOps } from '../shared/frame-codec';
import { soundCommand } from './sound';
import { mallocStats, trimMallocIfFragmented } from './malloc-stats';

const FRAME_MS = 1000 / 60;
/** Frames sent but not yet acknowledged: enough to ride out a busy back end (a compiler starting) without a gap. */
const MAX_FRAMES_IN_FLIGHT = 6;
const SESSION_EVERY_MS = 250;
/** Index = kiln_state_action in native/include/kiln_runtime.h. */
const STATE_ACTIONS: StateAction[] = ['new', 'kept', 'reset', 'restored', 'migrated'];
/** Signal number -> name; the first name wins (SIGABRT, not its alias SIGIOT). */
const SIGNAL_NAMES = new Map<number, string>();
for (const [name, n] of Object.entries(osConstants.signals)) if (!SIGNAL_NAMES.has(n)) SIGNAL_NAMES.set(n, name);

const channel = parentChannel();
const send = (msg: RunnerToHost) => channel.send(msg);

let lib: LibKiln | null = null;
let rt: unknown = null;
let width = 0;
let height = 0;
let frameNo = 0;
let framesInFlight = 0;
/** The web shell's frame relay, when the back end named one: frames skip the back end's event loop. */
let frameSink: FrameSink | null = null;
/** Every frame the runner sends is encoded as changes to the one before, in C when this libkiln has kiln_frame_ops. */
const frameOps: FrameOps = (ref, cur, out) => (lib?.frameOps ?? encodeFrameOps)(ref, cur, out);
/** Electron's windows, each on its own MessagePort from the main process. */
const windowFrames = portFrameSink(MAX_FRAMES_IN_FLIGHT, frameOps);
channel.onFramePort((port) => windowFrames.add(port));
let lastTick = 0;
let timer: NodeJS.Timeout | null = null;
let nextDue = 0;
let paused = false;
/** The init's stepped mode: frames only on 'step', each one STEP_SECONDS long, with its sounds. */
let stepped = false;
let lastSessionAt = 0;
const frameTimes: number[] = [];
/** Per frame of frameTimes: libkiln's own split of the call (kiln_last_frame_timing), when it has one. */
const frameLockWaits: number[] = [];
const frameCpuTimes: number[] = [];
const frameStamps: number[] = [];
/** Plugins loaded at least once (for restart-with-fresh-state). */
const loadedPlugins = new Set<string>();
/** plugin -> the version on probation and the frames it has run since its swap. */
const probation = new Map<string, { version: number; frames: number }>();
/** Loads whose first frame has not been drawn yet. */
let awaitingFirstFrame: Array<{ requestId: number; plugin: string }> = [];

/** Sounds the frames since the last sent frame asked for: they go with the next frame, which is then always sent. */
let pendingSounds: SoundCommand[] = [];
let pendingSoundsAt = 0;

/** libkiln's history of past frames: the timeline, and what loop recording replays. */
let timeline: Timeline | null = null;
const DEFAULT_HISTORY_BYTES = 64 * 1024 * 1024;

const loop = new LoopRecorder({
  newestFrame() {
    const i = timeline?.info();
    return i?.enabled ? (i.frames ? i.last : i.cursor) : null;
  },
  shownFrame: () => timeline?.info()?.cursor ?? 0,
  seek: (frame) => (timeline ? timeline.seek(frame) : 'the game is not running yet'),
  replayNext: () => (timeline ? timeline.replayNext() : 'the game is not running yet'),
});

function applyInput(input: InputEvent): void {
  if (input.kind === 'key') lib!.setKey(rt, input.key, input.down ? 1 : 0);
  else if (input.kind === 'pad') lib!.media?.setPad(rt, input.pad, input.connected, input.buttons, input.axes);
  else lib!.setMouse?.(rt, input.x, input.y, input.buttons);
}

/** kiln_crash -> the protocol's record (enums by name, the address in hex). */
function crashRecord(c: NativeCrash): RunnerCrash {
  const kind: FaultKind = faultKinds[c.kind - 1] ?? 'signal';
  return {
    plugin: c.plugin,
    callback: (crashCallbacks[c.callback] ?? 'update') as CrashCallback,
    kind,
    signal: kind === 'signal' ? (SIGNAL_NAMES.get(c.signal) ?? `signal ${c.signal}`) : null,
    address: kind === 'signal' ? `0x${c.address.toString(16)}` : undefined, // a NULL write faults at 0x0
    crashedVersion: c.crashed_version,
    runningVersion: c.running_version,
    watchdogMs: kind === 'watchdog' ? c.watchdog_ms : undefined,
    frame: c.frame,
    text: c.text,
    ...crashSite(c),
  };
}

const hex = (v: number | bigint) => `0x${v.toString(16)}`;

/** kiln_crash's "where it crashed" fields, for guard faults and watchdog stops that captured a stack. */
function crashSite(c: NativeCrash): Pick<RunnerCrash, 'pc' | 'access' | 'stackOverflow' | 'stack'> {
  if (!c.stack || !c.depth || c.depth <= 0) return {};
  const stack = c.stack.slice(0, Math.min(c.depth, c.stack.length)).map((f) => ({
    address: hex(f.address),
    image: f.image >= 0 ? c.images?.[f.image]?.path || undefined : undefined,
    offset: hex(f.offset),
    inPlugin: f.in_plugin !== 0,
    ...(f.in_plugin === 2 ? { splitBase: true } : {}),
  }));
  const access = (['read', 'write', 'execute'] as const)[(c.access ?? 0) - 1];
  return { pc: hex(c.pc ?? 0), access, stackOverflow: c.stack_overflow === 1, stack };
}

function drainLogs(): void {
  for (let m = lib!.pollLog(rt); m; m = lib!.pollLog(rt)) {
    const level = m.level === 2 ? 'error' : m.level === 1 ? 'warn' : 'info';
    const source = m.stream === 1 ? 'stdout' : m.stream === 2 ? 'stderr' : undefined;
    send({ type: 'log', level, text: m.text, at: Date.now(), plugin: m.plugin || undefined, ...(source && { source }) });
  }
}

/**
 * A frame rolled a plugin back: the next frame (the previous version's) runs at once, not a frame interval later,
 * so the game is on screen again within a millisecond or two. Once per scheduled frame, so a version that crashes
 * as well waits for the next deadline like any frame.
 */
let recoverySoon = false;
let recoveryRan = false;

/** Every crash record libkiln queued: sent as is; a crashed version's probation ends there. */
function drainCrashes(): void {
  if (!lib!.pollCrash) return;
  for (let c = lib!.pollCrash(rt); c; c = lib!.pollCrash(rt)) {
    const crash = crashRecord(c);
    if (crash.kind !== 'thread') {
      timeline?.noteCrash(c.frame); // a rollback: a mark on the timeline
      recoverySoon = true;
    }
    if (probation.get(crash.plugin)?.version === crash.crashedVersion) probation.delete(crash.plugin);
    send({ type: 'crash', at: Date.now(), crash });
  }
}

/**
 * A libkiln older than kiln_poll_crash reports a frame's crash only as KILN_ERR_CRASH and a sentence:
 * the records are rebuilt from which versions run now. Goes away with the last such libkiln.
 */
function legacyCrashes(): void {
  const text = lib!.threadLastError() || 'a plugin crashed; rolled back to the previous version';
  for (const [plugin, p] of probation) {
    const now = lib!.pluginPaused(rt, plugin) === 1 ? 0 : lib!.pluginVersion(rt, plugin);
    if (now === p.version) continue;
    probation.delete(plugin);
    send({ type: 'crash', at: Date.now(), crash: { plugin, callback: 'runner', kind: 'signal', signal: null, crashedVersion: p.version, runningVersion: now, frame: frameNo, text } });
  }
}

function session(): RunnerSession {
  const now = performance.now();
  while (frameStamps.length && now - frameStamps[0] > 1000) frameStamps.shift();
  return { paused, frame: frameNo, fps: frameStamps.length, frameTimes: [...frameTimes], ...(lib?.lastFrameTiming ? { frameLockWaits: [...frameLockWaits], frameCpuTimes: [...frameCpuTimes] } : {}), loop: loop.state, loopSeconds: Math.round(loop.seconds * 100) / 100, timeline: timeline?.session() ?? emptyTimeline };
}

function sendSession(requestId?: number, error?: string): void {
  lastSessionAt = performance.now();
  samplePeakMemory();
  send({ type: 'session', requestId, error, session: session() });
}

/** Versions on probation that ran one more frame; those past PROBATION_FRAMES are good. */
function countProbation(): void {
  for (const [plugin, p] of probation) {
    p.frames += 1;
    if (p.frames >= PROBATION_FRAMES) {
      probation.delete(plugin);
      send({ type: 'proven', plugin, version: p.version });
    }
  }
}

/** Run one frame of the game and send it on. */
function runFrame(liveDt: number): void {
  const dt = liveDt;
  let looped = false; // the loop replay ran (or showed) this frame from the history
  try {
    looped = loop.tick(liveDt);
  } catch (err) {
    loop.stop();
    send({ type: 'log', level: 'warn', text: `loop replay stopped: ${(err as Error).message}`, at: Date.now() });
    sendSession();
  }
  const started = performance.now();
  const result = looped ? 0 : lib!.frame(rt, dt);
  frameNo += 1;
  frameTimes.push(Math.round((performance.now() - started) * 1000) / 1000);
  if (frameTimes.length > 60) frameTimes.shift();
  const timing = looped ? null : lib!.lastFrameTiming?.(rt) ?? null;
  if (lib!.lastFrameTiming) {
    const us = (ms: number) => Math.round(ms * 1000) / 1000;
    frameLockWaits.push(timing ? us(timing.lockWaitMs) : 0);
    frameCpuTimes.push(timing ? (timing.cpuMs < 0 ? -1 : us(timing.cpuMs)) : 0);
    if (frameLockWaits.length > 60) frameLockWaits.shift();
    if (frameCpuTimes.length > 60) frameCpuTimes.shift();
  }
  frameStamps.push(performance.now());
  if (lib!.pollCrash) drainCrashes();
  else if (result === KILN_ERR_CRASH) legacyCrashes();
  if (dt > 0) countProbation(); // a frame with no time passing (paused) proves nothing
  drainSounds(!paused || stepped); // a paused game makes no new sounds (a step or a restart while paused stays silent)
  drainLogs();
  if (awaitingFirstFrame.length) sendFirstFrame();
  else sendFrame(false);
  if (recoverySoon && !recoveryRan) {
    recoveryRan = true;
    setImmediate(() => {
      if (!paused && rt) tickNow();
    });
  }
  recoverySoon = false;
}

/** The new code's first frame: out to the page first, then the drawn/sent times to the back end (ReloadHops). */
function sendFirstFrame(): void {
  const at = nowMs();
  sendFrame(true);
  const sentAt = nowMs();
  for (const w of awaitingFirstFrame) send({ type: 'first-frame', requestId: w.requestId, plugin: w.plugin, at, sentAt });
  awaitingFirstFrame = [];
}

function tick(): void {
  const now = performance.now();
  const dt = Math.min((now - lastTick) / 1000, 0.1);
  lastTick = now;
  if (!paused) runFrame(dt);
  else if (awaitingFirstFrame.length) showNewCode();
  if (now - lastSessionAt >= SESSION_EVERY_MS) sendSession();
}

/** Paused (maybe scrubbed back): the new code draws the shown frame at once; no time passes, no frame is kept. */
function showNewCode(): void {
  if (!timeline?.redraw()) return runFrame(0); // a libkiln without history: a frame with no time passing
  frameNo += 1;
  drainSounds(false);
  drainCrashes();
  drainLogs();
  sendFirstFrame();
}

/** The timeline's seek / step / replay / play. Seeking pauses; the loop replay, if any, stops. */
function historyCommand(msg: Extract<HostToRunner, { type: 'history' }>): void {
  if (!timeline) return sendSession(msg.requestId, 'the game is not running yet');
  loop.stop();
  let error: string | undefined;
  if (msg.action === 'play') {
    paused = false;
    lastTick = performance.now(); // no time jump for the pause
  } else {
    paused = true;
    if (msg.action === 'seek') error = timeline.seek(msg.frame);
    else if (msg.action === 'step') error = timeline.step(msg.delta);
    else error = timeline.replayToNow();
    frameNo += 1;
    drainSounds(false); // seeks and replays re-run the past: its sounds were heard then
    drainCrashes();
    drainLogs();
    sendFrame(true);
  }
  sendSession(msg.requestId, error);
}

/**
 * The frame's pixels, one buffer for every frame: each way a frame leaves (the relay's socket and the windows' ports
 * through their delta encoders, the IPC channel by serializing) copies them before sendFrame returns. A new 230 KB
 * buffer per frame was 14 MB/s for the allocator and the garbage collector at 60 fps.
 */
let framePixels = new Uint8Array(0);
/** Frames to the back end on the IPC channel (no relay, no window port): each a change to the one sent before on it. */
const channelFrames = new FrameDeltaEncoder(frameOps);

function sendFrame(force: boolean): void {
  const toWindows = windowFrames.ports > 0; // Electron: straight to the windows, which keep their own counts
  // A slow consumer gets fewer frames, never a growing queue; a frame with sounds always goes (they must not vanish).
  if (!toWindows && !force && !pendingSounds.length && framesInFlight >= MAX_FRAMES_IN_FLIGHT) return;
  if (framePixels.length !== width * height * 4) framePixels = new Uint8Array(width * height * 4);
  const pixels = framePixels;
  lib!.copyFramebuffer(rt, pixels, pixels.length);
  const frame: Frame = { frame: frameNo, width, height, pixels };
  if (pendingSounds.length) Object.assign(frame, { sounds: pendingSounds, soundsAt: pendingSoundsAt });
  pendingSounds = [];
  if (toWindows && windowFrames.write(frame, force)) return;
  framesInFlight += 1;
  if (frameSink?.write(frame)) return;
  send({ type: 'frame', message: channelFrames.encode(rawFrame(frame)).subarray(4) });
}

/** The frame's sound commands from libkiln, as contract records, kept for the next frame sent or dropped. */
function drainSounds(keep: boolean): void {
  const sound = lib!.sound;
  if (!sound) return;
  const { commands, dropped } = sound.poll(rt);
  if (dropped) send({ type: 'log', level: 'warn', text: `${dropped} sound requests were dropped: a frame may ask for 64 at most`, at: Date.now() });
  if (!keep || !commands.length) return;
  if (!pendingSounds.length) pendingSoundsAt = performance.timeOrigin + performance.now();
  for (const c of commands) {
    const record = soundCommand(c, (h) => sound.path(rt, h));
    if (record) pendingSounds.push(record);
  }
}

function schedule(): void {
  const now = performance.now();
  nextDue = Math.max(nextDue + FRAME_MS, now);
  timer = setTimeout(() => {
    recoveryRan = false;
    tick();
    schedule();
  }, nextDue - now);
}

/** Run `tick` now instead of at the next deadline: a reload shows up one frame sooner. */
function tickNow(): void {
  if (timer) clearTimeout(timer);
  tick();
  nextDue = performance.now();
  schedule();
}

/** Enter libkiln's sandbox before any plugin runs; a machine that cannot still runs the game, with a warning. */
function enterSandbox(memoryLimitBytes: number): string | undefined {
  if (!lib!.sandboxEnter) return 'this libkiln has no sandbox (kiln_sandbox_enter): plugins may signal other processes and start new ones';
  const r = lib!.sandboxEnter({ noNewProcesses: true, noForeignSignals: true, memoryLimit: memoryLimitBytes });
  return r.code === 0 ? undefined : r.error || `kiln_sandbox_enter failed with code ${r.code}`;
}

function loadReply(requestId: number, plugin: string, r: NativeLoadResult, loadMs: number): LoadReply {
  const needsRestart = r.needs_restart === 1;
  if (r.code < 0) {
    const crash = r.crash && r.crash.kind !== 0 ? crashRecord(r.crash) : undefined;
    return { type: 'loaded', requestId, plugin, ok: false, loadMs, error: r.error || `load failed with code ${r.code}`, code: r.code, needsRestart, crash };
  }
  const ms = (s: number) => Math.round(s * 1e6) / 1e3;
  return {
    type: 'loaded',
    requestId,
    plugin,
    ok: true,
    version: r.version,
    loadMs,
    stateAction: STATE_ACTIONS[r.state_action] ?? 'new',
    needsRestart,
    times: { copyMs: ms(r.copy_s), openMs: ms(r.open_s), swapMs: ms(r.swap_s), totalMs: ms(r.total_s) },
    world: lib!.worldInspector?.migrations(rt),
  };
}

/** The libkiln a standby loaded ahead ('prepare'), by path. */
let preparedPath: string | null = null;

function init(msg: Extract<HostToRunner, { type: 'init' }>): void {
  if (!lib || preparedPath !== msg.libkiln) lib = loadLibKiln(msg.libkiln);
  const notCaptured = captureOutput(lib); // before any plugin runs: its printf belongs in the game log
  if (notCaptured && process.platform !== 'win32') send({ type: 'log', level: 'warn', text: notCaptured, at: Date.now() });
  rt = lib.create(msg.width, msg.height, msg.workDir);
  if (!rt) {
    send({ type: 'fatal', error: lib.createError() || 'kiln_create failed' });
    process.exit(2);
  }
  width = msg.width;
  height = msg.height;
  lib.setFrameCpuTiming?.(rt, 1); // the session's frameCpuTimes (two system calls a frame: a few µs)
  // Before any plugin loads: the images and sounds a previous runner loaded get their handles back (the state keeps them).
  if (msg.projectDir) {
    const refused = lib.setProjectDir ? (lib.setProjectDir(rt, msg.projectDir) < 0 ? lib.threadLastError() : undefined) : 'this libkiln predates project files (rebuild it: npm run build:native)';
    if (refused) send({ type: 'log', level: 'warn', text: `images and sounds cannot be loaded: ${refused}`, at: Date.now() });
  }
  if (msg.watchdogMs !== undefined) lib.setWatchdogMs(rt, msg.watchdogMs);
  if (msg.sound === false) lib.sound?.setEnabled(rt, 0); // headless: sound calls are no-ops
  stepped = msg.stepped === true;
  paused = stepped;
  timeline = new Timeline(lib.history, rt, () => lib!.threadLastError());
  const historyError = timeline.setBudget(msg.historyBytes ?? DEFAULT_HISTORY_BYTES);
  if (historyError) send({ type: 'log', level: 'warn', text: `no timeline: ${historyError}`, at: Date.now() });
  if (msg.heartbeatPath && lib.setHeartbeat && lib.setHeartbeat(rt, msg.heartbeatPath) < 0) {
    send({ type: 'log', level: 'warn', text: `the hang detector has no heartbeat file (${msg.heartbeatPath}): ${lib.threadLastError()}`, at: Date.now() });
  }
  if (msg.frameSocket) {
    frameSink = connectFrameSink(msg.frameSocket, frameOps, (acks) => (framesInFlight = Math.max(0, framesInFlight - acks)), (why) => {
      framesInFlight = 0; // acks of frames the relay had are not coming: frames go to the back end from now on
      send({ type: 'log', level: 'warn', text: `game runner: the frame relay went away (${why}); frames go through the back end`, at: Date.now() });
    });
  }
  const sandboxError = enterSandbox(msg.memoryLimitBytes ?? 0);
  // Images a restart loads are good ones (proven, or the last before a crash): no probation for them.
  const loaded = msg.plugins.map((p) => {
    const desc: LoadDesc = { name: p.name, path: p.path, version: p.version, restoreBefore: p.restoreBefore };
    const r = lib!.load(rt, desc);
    if (r.code < 0) return { plugin: p.name, ok: false, error: r.error || `load failed with code ${r.code}` };
    loadedPlugins.add(p.name);
    return { plugin: p.name, ok: true, version: r.version, stateAction: STATE_ACTIONS[r.state_action] ?? 'new' };
  });
  drainCrashes();
  drainLogs();
  send({ type: 'ready', pid: process.pid, loaded, sandboxError });
  // The first frame on the next turn, one frame's time passing in it: a started or restarted game (the warm standby
  // after a runner died, bench §6) is on screen a frame interval sooner than at the first deadline (16.7 ms later).
  lastTick = nextDue = performance.now() - FRAME_MS;
  schedule();
}

/** Loads run one at a time, off the game loop, in the order they were asked for (the supervisor relies on it). */
let loading: Promise<void> = Promise.resolve();

async function loadOffThread(msg: Extract<HostToRunner, { type: 'load' }>, receivedAt: number): Promise<void> {
  const started = performance.now();
  let r: NativeLoadResult;
  try {
    r = await lib!.loadAsync(rt, { name: msg.plugin, path: msg.path, version: msg.version });
  } catch (err) {
    r = { code: -1, error: `load failed: ${(err as Error).message}` } as NativeLoadResult;
  }
  const reply = { ...loadReply(msg.requestId, msg.plugin, r, performance.now() - started), startedAt: receivedAt, doneAt: nowMs() };
  if (reply.ok) {
    loadedPlugins.add(msg.plugin);
    probation.set(msg.plugin, { version: reply.version, frames: 0 });
  }
  drainCrashes();
  drainLogs();
  send(reply);
  if (reply.ok) {
    awaitingFirstFrame.push({ requestId: msg.requestId, plugin: msg.plugin });
    tickNow();
    // After the new code's first frame has gone out: what the load and the unload freed goes back to the system.
    setImmediate(trimMallocIfFragmented);
  }
}

function control(msg: Extract<HostToRunner, { type: 'control' }>): void {
  switch (msg.action) {
    case 'pause':
      paused = true;
      break;
    case 'resume':
      paused = false;
      lastTick = performance.now(); // no time jump for the pause
      break;
    case 'step':
      paused = true;
      runFrame(STEP_SECONDS);
      break;
    case 'restart':
      loop.stop();
      for (const name of loadedPlugins) lib!.resetState(rt, name); // also ends a pause
      drainLogs();
      runFrame(0);
      break;
  }
  sendSession(msg.requestId);
}

function loopControl(msg: Extract<HostToRunner, { type: 'loop' }>): void {
  try {
    if (msg.action === 'record') loop.record();
    else if (msg.action === 'play') loop.play();
    else loop.stop();
    sendSession(msg.requestId);
  } catch (err) {
    loop.stop();
    sendSession(msg.requestId, (err as Error).message);
  }
}

/** Memory after two full collections: what stays is what the runner holds (asked for by the benchmark's soak). */
function memoryAfterGc(): RunnerMemory {
  collectFully();
  const m = process.memoryUsage();
  const kb = (n: number) => Math.round(n / 1024);
  return { rssKb: kb(m.rss), heapUsedKb: kb(m.heapUsed), heapCommittedKb: kb(v8.getHeapStatistics().total_physical_size), externalKb: kb(m.external), malloc: mallocStats(), peak: { ...memoryPeak } };
}

/** RunnerMemory.peak: sampled with each session report (4 times a second), before any collection. */
const memoryPeak = { externalKb: 0, arenaKb: 0 };
function samplePeakMemory(): void {
  const externalKb = Math.round(v8.getHeapStatistics().external_memory / 1024);
  if (externalKb > memoryPeak.externalKb) memoryPeak.externalKb = externalKb;
  const arenaKb = mallocStats()?.arenaKb ?? 0;
  if (arenaKb > memoryPeak.arenaKb) memoryPeak.arenaKb = arenaKb;
}

/** The state inspector's read or write, between two frames; a write while paused is drawn at once. */
function inspectState(msg: Extract<HostToRunner, { type: 'state' }>): void {
  const inspector = lib!.stateInspector;
  if (!inspector) return send({ type: 'state', requestId: msg.requestId, error: 'this libkiln has no state inspector (rebuild it: npm run build:native)' });
  if (msg.action === 'read') return send({ type: 'state', requestId: msg.requestId, state: inspector.read(rt) });
  const write = inspector.write(rt, msg.plugin, msg.field, msg.index, msg.value);
  drainLogs(); // the change's log line ("pong.left_score: 0 → 5 (inspector)") goes out with the answer
  send({ type: 'state', requestId: msg.requestId, write });
  if (write.ok && paused) runFrame(0); // a frame with no time passing shows the edit
}

/** kiln.json's new size: the framebuffer follows at once; a paused game is drawn again at the new size. */
function resize(msg: Extract<HostToRunner, { type: 'resize' }>): void {
  const error = lib!.media ? lib!.media.resize(rt, msg.width, msg.height) : 'this libkiln cannot resize (rebuild it: npm run build:native)';
  if (error) return send({ type: 'log', level: 'warn', text: `the game size stays ${width}x${height}: ${error}`, at: Date.now() });
  width = msg.width;
  height = msg.height;
  if (paused) redrawPaused();
}

/** Paused: the shown frame drawn again as it is (new art, new size), no time passing. */
function redrawPaused(): void {
  if (!timeline?.redraw()) return runFrame(0);
  frameNo += 1;
  drainLogs();
  sendFrame(true);
}

/** The entity inspector's read or write (issue 15), between two frames; a write while paused is drawn at once. */
function inspectWorld(msg: Extract<HostToRunner, { type: 'world' }>): void {
  const inspector = lib!.worldInspector;
  if (!inspector) return send({ type: 'world', requestId: msg.requestId, error: 'this libkiln has no world (rebuild it: npm run build:native)' });
  if (msg.action === 'read') return send({ type: 'world', requestId: msg.requestId, view: inspector.read(rt, msg.with, msg.selected) });
  const write = inspector.write(rt, msg.entity, msg.component, msg.field, msg.index, msg.value);
  drainLogs(); // "Position#3.x: 160 → 40 (inspector)" goes out with the answer
  send({ type: 'world', requestId: msg.requestId, write });
  if (write.ok && paused) runFrame(0);
}

function onMessage(msg: HostToRunner): void {
  switch (msg.type) {
    case 'init':
      init(msg);
      break;
    case 'prepare':
      if (!rt) {
        lib = loadLibKiln(msg.libkiln);
        preparedPath = msg.libkiln;
        send({ type: 'prepared' });
      }
      break;
    case 'load': {
      const receivedAt = nowMs();
      loading = loading.then(() => loadOffThread(msg, receivedAt));
      break;
    }
    case 'input': {
      const input: InputEvent = { kind: 'key', key: msg.key, down: msg.down };
      if (rt && loop.onLiveInput(input)) applyInput(input);
      break;
    }
    case 'mouse': {
      const input: InputEvent = { kind: 'mouse', x: msg.x, y: msg.y, buttons: msg.buttons };
      if (rt && loop.onLiveInput(input)) applyInput(input);
      break;
    }
    case 'pad': {
      const input: InputEvent = { kind: 'pad', pad: msg.pad, connected: msg.connected, buttons: msg.buttons, axes: msg.axes };
      if (rt && loop.onLiveInput(input)) applyInput(input);
      break;
    }
    case 'asset':
      // decoded between two frames (this loop runs one thing at a time); the next frame draws the new pixels
      if (rt) {
        const asset = lib!.media?.reloadImage(rt, msg.path) ?? null;
        send({ type: 'asset', requestId: msg.requestId, asset });
        if (asset && paused) redrawPaused();
      }
      break;
    case 'resize':
      if (rt) resize(msg);
      break;
    case 'control':
      if (rt) control(msg);
      break;
    case 'loop':
      if (rt) loopControl(msg);
      break;
    case 'history':
      if (rt) historyCommand(msg);
      break;
    case 'state':
      if (rt) inspectState(msg);
      break;
    case 'world':
      if (rt) inspectWorld(msg);
      break;
    case 'memory':
      send({ type: 'memory', requestId: msg.requestId, memory: memoryAfterGc() });
      break;
    case 'frame-ack':
      framesInFlight = Math.max(0, framesInFlight - 1);
      if (msg.resync) channelFrames.reset();
      break;
    case 'stop':
      if (timer) clearTimeout(timer);
      if (rt) lib!.destroy(rt);
      rt = null;
      process.exit(0);
  }
}

channel.onMessage(onMessage);
channel.onDisconnect(() => process.exit(0)); // the back end is gone: nobody to draw for
