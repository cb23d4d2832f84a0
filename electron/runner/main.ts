/**
 * The game runner: its own process, so a plugin that corrupts memory, calls exit() or hangs takes
 * down only this. Loads libkiln with koffi, runs the game loop at 60 fps, streams frames to the back end.
 * Started by child_process.fork (web shell, CLI) or Electron's utilityProcess.fork.
 */
import { loadLibKiln, KILN_ERR_CRASH, type LibKiln } from './libkiln';
import { nowMs, type CrashRollback, type HostToRunner, type RunnerSession, type RunnerToHost, type StateAction } from '../core/runner-protocol';
import { parentChannel } from './parent-channel';
import { LoopRecorder, type InputEvent } from './loop-recorder';

const FRAME_MS = 1000 / 60;
/** Frames sent but not yet acknowledged: enough to ride out a busy back end (a compiler starting) without a gap. */
const MAX_FRAMES_IN_FLIGHT = 6;
const SESSION_EVERY_MS = 250;
/** Index = kiln_state_action in native/include/kiln_runtime.h. */
const STATE_ACTIONS: StateAction[] = ['new', 'kept', 'reset', 'restored', 'migrated'];

const channel = parentChannel();
const send = (msg: RunnerToHost) => channel.send(msg);

let lib: LibKiln | null = null;
let rt: unknown = null;
let width = 0;
let height = 0;
let frameNo = 0;
let framesInFlight = 0;
let lastTick = 0;
let timer: NodeJS.Timeout | null = null;
let nextDue = 0;
let paused = false;
let lastSessionAt = 0;
const frameTimes: number[] = [];
const frameStamps: number[] = [];
/** Version each plugin runs, as last seen: a crash shows up as a change here. */
const plugins = new Map<string, number>();
/** Loads whose first frame has not been drawn yet. */
let awaitingFirstFrame: Array<{ requestId: number; plugin: string }> = [];
const messageBuf = Buffer.alloc(4096);
const levelBuf = new Int32Array(1);

const loop = new LoopRecorder({
  snapshot() {
    if (!lib!.snapshot) throw new Error('this libkiln cannot snapshot state (rebuild it: npm run build:native)');
    const need = -lib!.snapshot(rt, null, 0);
    const buf = new Uint8Array(Math.max(need, 1));
    const n = lib!.snapshot(rt, buf, buf.length);
    if (n < 0) throw new Error(lib!.threadLastError() || 'snapshot failed');
    return buf.subarray(0, n);
  },
  restore(snapshot) {
    if (lib!.restore!(rt, snapshot, snapshot.length) < 0) throw new Error(lib!.threadLastError() || 'restore failed');
  },
  apply: applyInput,
});

function applyInput(input: InputEvent): void {
  if (input.kind === 'key') lib!.setKey(rt, input.key, input.down ? 1 : 0);
  else lib!.setMouse?.(rt, input.x, input.y, input.buttons);
}

function stateAction(): StateAction {
  return STATE_ACTIONS[lib!.lastStateAction(rt)] ?? 'new';
}

type LoadResult = { ok: true; stateAction: StateAction } | { ok: false; error: string; code: number };

function loadResult(plugin: string, code: number, error = lib!.threadLastError()): LoadResult {
  if (code < 0) return { ok: false, code, error: error || `load failed with code ${code}` };
  plugins.set(plugin, code);
  return { ok: true, stateAction: stateAction() };
}

function load(plugin: string, path: string, version: number): LoadResult {
  return loadResult(plugin, lib!.loadPlugin(rt, plugin, path, version));
}

/** After a crash: which plugins rolled back (or paused), from which version to which. */
function rollbacks(): CrashRollback[] {
  const out: CrashRollback[] = [];
  for (const [name, before] of plugins) {
    const paused = lib!.pluginPaused(rt, name) === 1;
    const now = paused ? 0 : lib!.pluginVersion(rt, name);
    if (now !== before) {
      out.push({ plugin: name, crashed: before, running: now });
      plugins.set(name, now);
    }
  }
  return out;
}

/** Loads run one at a time, off the game loop, in the order they were asked for. */
let loading: Promise<void> = Promise.resolve();

function drainMessages(): void {
  for (;;) {
    const len = lib!.pollMessage(rt, messageBuf, messageBuf.length, levelBuf);
    if (len < 0) return;
    const text = messageBuf.toString('utf8', 0, Math.min(len, messageBuf.length - 1));
    const level = levelBuf[0] === 2 ? 'error' : levelBuf[0] === 1 ? 'warn' : 'info';
    // libkiln starts every message with the plugin's name: "pong: ..."
    const named = /^([A-Za-z_][A-Za-z0-9_-]*): /.exec(text)?.[1];
    const plugin = named && plugins.has(named) ? named : undefined;
    send({ type: 'log', level, text, at: Date.now(), plugin });
  }
}

function session(): RunnerSession {
  const now = performance.now();
  while (frameStamps.length && now - frameStamps[0] > 1000) frameStamps.shift();
  return { paused, frame: frameNo, fps: frameStamps.length, frameTimes: [...frameTimes], loop: loop.state, loopSeconds: Math.round(loop.seconds * 100) / 100 };
}

function sendSession(requestId?: number, error?: string): void {
  lastSessionAt = performance.now();
  send({ type: 'session', requestId, error, session: session() });
}

/** Run one frame of the game and send it on. */
function runFrame(liveDt: number): void {
  let dt = liveDt;
  try {
    dt = loop.beforeFrame(liveDt);
  } catch (err) {
    loop.stop();
    send({ type: 'log', level: 'warn', text: `loop replay stopped: ${(err as Error).message}`, at: Date.now() });
    sendSession();
  }
  const started = performance.now();
  const result = lib!.frame(rt, dt);
  frameNo += 1;
  frameTimes.push(Math.round((performance.now() - started) * 1000) / 1000);
  if (frameTimes.length > 60) frameTimes.shift();
  frameStamps.push(performance.now());
  if (result === KILN_ERR_CRASH) {
    const text = lib!.threadLastError() || 'a plugin crashed; rolled back to the previous version';
    send({ type: 'crash', text, at: Date.now(), rollbacks: rollbacks() });
  }
  drainMessages();
  if (awaitingFirstFrame.length) {
    const at = nowMs();
    for (const w of awaitingFirstFrame) send({ type: 'first-frame', requestId: w.requestId, plugin: w.plugin, at });
    awaitingFirstFrame = [];
    sendFrame(true);
  } else {
    sendFrame(false);
  }
}

function tick(): void {
  const now = performance.now();
  const dt = Math.min((now - lastTick) / 1000, 0.1);
  lastTick = now;
  if (!paused) runFrame(dt);
  else if (awaitingFirstFrame.length) runFrame(0); // paused, but show the new code: a frame with no time passing
  if (now - lastSessionAt >= SESSION_EVERY_MS) sendSession();
}

function sendFrame(force: boolean): void {
  // A slow consumer gets fewer frames, never a growing queue.
  if (!force && framesInFlight >= MAX_FRAMES_IN_FLIGHT) return;
  const pixels = new Uint8Array(width * height * 4);
  lib!.copyFramebuffer(rt, pixels, pixels.length);
  framesInFlight += 1;
  send({ type: 'frame', frame: frameNo, width, height, pixels });
}

function schedule(): void {
  const now = performance.now();
  nextDue = Math.max(nextDue + FRAME_MS, now);
  timer = setTimeout(() => {
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

function init(msg: Extract<HostToRunner, { type: 'init' }>): void {
  lib = loadLibKiln(msg.libkiln);
  rt = lib.create(msg.width, msg.height, msg.workDir);
  if (!rt) {
    send({ type: 'fatal', error: lib.createError() || 'kiln_create failed' });
    process.exit(2);
  }
  width = msg.width;
  height = msg.height;
  const loaded = msg.plugins.map((p) => {
    const r = load(p.name, p.path, p.version);
    return r.ok ? { plugin: p.name, ok: true, stateAction: r.stateAction } : { plugin: p.name, ok: false, error: r.error };
  });
  drainMessages();
  send({ type: 'ready', pid: process.pid, loaded });
  lastTick = performance.now();
  nextDue = lastTick;
  schedule();
}

async function loadOffThread(msg: Extract<HostToRunner, { type: 'load' }>): Promise<void> {
  const started = performance.now();
  let r: LoadResult;
  try {
    const { code, error } = await lib!.loadPluginAsync(rt, msg.plugin, msg.path, msg.version);
    r = loadResult(msg.plugin, code, error);
  } catch (err) {
    r = { ok: false, code: -1, error: `load failed: ${(err as Error).message}` };
  }
  const loadMs = performance.now() - started;
  drainMessages();
  if (r.ok) {
    send({ type: 'loaded', requestId: msg.requestId, plugin: msg.plugin, ok: true, loadMs, stateAction: r.stateAction });
    awaitingFirstFrame.push({ requestId: msg.requestId, plugin: msg.plugin });
    tickNow();
  } else {
    send({ type: 'loaded', requestId: msg.requestId, plugin: msg.plugin, ok: false, loadMs, error: r.error, code: r.code });
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
      runFrame(FRAME_MS / 1000);
      break;
    case 'restart':
      loop.stop();
      for (const name of plugins.keys()) {
        lib!.resetState(rt, name); // also ends a pause
        plugins.set(name, lib!.pluginVersion(rt, name));
      }
      drainMessages();
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

function onMessage(msg: HostToRunner): void {
  switch (msg.type) {
    case 'init':
      init(msg);
      break;
    case 'load': {
      loading = loading.then(() => loadOffThread(msg));
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
    case 'control':
      if (rt) control(msg);
      break;
    case 'loop':
      if (rt) loopControl(msg);
      break;
    case 'frame-ack':
      framesInFlight = Math.max(0, framesInFlight - 1);
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
