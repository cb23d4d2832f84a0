/** koffi bindings to libkiln (native/include/kiln_runtime.h). Only the runner process loads this. */
import koffi, { type LibraryHandle } from 'koffi';
import type { FrameOps } from '../shared/frame-codec';
import { bindStateInspector, type StateInspector } from './state-inspector';
import { bindWorldInspector, type WorldInspector } from './world-inspector';
import { bindHistory, type NativeHistory } from './history';
import { bindMedia, type NativeMedia } from './media';
import { bindSound, type NativeSound } from './sound';

type KFunc = ReturnType<LibraryHandle['func']>;

/** struct kiln_crash, as koffi decodes it (char arrays arrive as strings). */
export interface NativeCrash {
  plugin: string;
  callback: number;
  kind: number;
  signal: number;
  crashed_version: number;
  running_version: number;
  watchdog_ms: number;
  address: number;
  frame: number;
  text: string;
  /** Where it crashed (appended fields; absent from a libkiln that predates them). */
  pc?: number | bigint;
  access?: number;
  stack_overflow?: number;
  depth?: number;
  plugin_frame?: number;
  stack?: Array<{ address: number | bigint; offset: number | bigint; image: number; in_plugin: number }>;
  images?: Array<{ path: string }>;
}

/** struct kiln_load_result. */
export interface NativeLoadResult {
  code: number;
  version: number;
  state_action: number;
  needs_restart: number;
  copy_s: number;
  open_s: number;
  swap_s: number;
  total_s: number;
  /** The fault that failed the load (its entry or constructors), when one did. */
  crash?: NativeCrash;
  error: string;
}

export interface LoadDesc {
  name: string;
  path: string;
  version: number;
  restoreBefore?: number;
}

export interface NativeLog {
  level: number;
  plugin: string;
  text: string;
  /** kiln_log_stream: 0 log call or the runtime, 1 a line printed to stdout, 2 to stderr. */
  stream?: number;
}

export interface LibKiln {
  create(width: number, height: number, workDir: string): unknown;
  createError(): string;
  destroy(rt: unknown): void;
  /** kiln_load: the load's own result record (thread-safe). */
  load(rt: unknown, desc: LoadDesc): NativeLoadResult;
  /** The same on one of koffi's worker threads (copy + dlopen run off the game loop; libkiln locks only the swap). */
  loadAsync(rt: unknown, desc: LoadDesc): Promise<NativeLoadResult>;
  /** Whether this libkiln honours LoadDesc.restoreBefore (kiln_load exists). */
  readonly typedLoads: boolean;
  /** The next queued crash record, or null. Undefined when this libkiln predates kiln_poll_crash. */
  pollCrash?: (rt: unknown) => NativeCrash | null;
  /** The next queued log message, or null. */
  pollLog(rt: unknown): NativeLog | null;
  /** The calling thread's last error: a crash report read on the game thread is that frame's own. */
  threadLastError(): string;
  pluginVersion(rt: unknown, name: string): number;
  pluginPaused(rt: unknown, name: string): number;
  frame(rt: unknown, dt: number): number;
  /** kiln_last_frame_timing: how the last kiln_frame spent its time (ms); undefined when this libkiln predates it. */
  lastFrameTiming?: (rt: unknown) => FrameTiming | null;
  /** kiln_set_frame_cpu_timing: whether kiln_frame reads the thread's CPU clock (two system calls a frame). */
  setFrameCpuTiming?: (rt: unknown, on: number) => void;
  copyFramebuffer(rt: unknown, out: Uint8Array, cap: number): number;
  /** kiln_frame_ops: a frame as changes to the one before (shared/frame-codec.ts encodeFrameOps, in C); undefined when this libkiln predates it. */
  frameOps?: FrameOps;
  setKey(rt: unknown, key: number, down: number): void;
  resetState(rt: unknown, name: string): number;
  setWatchdogMs(rt: unknown, ms: number): void;
  /** kiln_set_project_dir: the one folder image_load and sound_load read from; < 0 when it is not a folder. */
  setProjectDir?: (rt: unknown, dir: string) => number;
  /** Newer entry points: undefined when the loaded libkiln predates them. */
  setHeartbeat?: (rt: unknown, path: string) => number;
  sandboxEnter?: (desc: { noNewProcesses: boolean; noForeignSignals: boolean; memoryLimit: number }) => { code: number; error: string };
  setMouse?: (rt: unknown, x: number, y: number, buttons: number) => void;
  snapshot?: (rt: unknown, buf: Uint8Array | null, cap: number) => number;
  restore?: (rt: unknown, buf: Uint8Array, len: number) => number;
  /** kiln_capture_output: fd 1/2 become pipes libkiln reads (plugins' printf -> pollLog); returns dups of the original fds. */
  captureOutput?: () => { code: number; stdout: number; stderr: number };
  /** kiln_state_read / kiln_state_write (state-inspector.ts). */
  stateInspector?: StateInspector;
  /** kiln_history_* (history.ts): the timeline's past frames. */
  history?: NativeHistory;
  /** Images, gamepads, live size (media.ts). */
  media?: NativeMedia;
  /** kiln_world_* (world-inspector.ts): the entity inspector. */
  worldInspector?: WorldInspector;
  /** kiln_sound_* (sound.ts): the sound table and the per-frame sound commands. */
  sound?: NativeSound;
}

/** The parts of one kiln_frame call that libkiln times and the runner cannot (kiln_frame_timing, in ms). The record's
 *  frame count and wall time are not read: the runner counts its frames and times each whole call (frameTimes). */
export interface FrameTiming {
  /** Waiting for the frame lock (a load's swap, a state read, a reset held it). */
  lockWaitMs: number;
  /** The game thread's CPU time in the call; -1 unless setFrameCpuTiming turned it on, and where the platform has no per-thread clock (Windows). */
  cpuMs: number;
}

export const KILN_ERR_CRASH = -7;

export function loadLibKiln(path: string): LibKiln {
  const lib = koffi.load(path);
  koffi.opaque('kiln_runtime');
  // koffi throws when a symbol is missing; an optional binding is simply left out.
  const optional = <T>(decl: string): T | undefined => {
    try {
      return lib.func(decl) as T;
    } catch {
      return undefined;
    }
  };
  const crashType = koffi.struct('kiln_crash', {
    plugin: koffi.array('char', 64),
    callback: 'int32_t',
    kind: 'int32_t',
    signal: 'int32_t',
    crashed_version: 'int32_t',
    running_version: 'int32_t',
    watchdog_ms: 'int32_t',
    address: 'uint64_t',
    frame: 'uint64_t',
    text: koffi.array('char', 512),
    // where it crashed: KILN_CRASH_STACK_MAX frames, KILN_CRASH_IMAGES paths
    pc: 'uint64_t',
    access: 'int32_t',
    stack_overflow: 'int32_t',
    depth: 'int32_t',
    plugin_frame: 'int32_t',
    stack: koffi.array(koffi.struct('kiln_crash_frame', { address: 'uint64_t', offset: 'uint64_t', image: 'int32_t', in_plugin: 'int32_t' }), 16),
    // char images[4][256]: koffi decodes a char array nested in an array as one string, so each row is a struct
    images: koffi.array(koffi.struct('kiln_crash_image', { path: koffi.array('char', 256) }), 4),
  });
  koffi.struct('kiln_load_desc', { name: 'const char *', path: 'const char *', version: 'int32_t', restore_before: 'int32_t' });
  // kiln_load_result: its fixed fields (decoded after every load), then the crash record and the error (only when set).
  const loadHead = {
    code: 'int32_t',
    version: 'int32_t',
    state_action: 'int32_t',
    needs_restart: 'int32_t',
    copy_s: 'double',
    open_s: 'double',
    swap_s: 'double',
    total_s: 'double',
  };
  const loadHeadType = koffi.struct('kiln_load_result_head', loadHead);
  const loadResultType = koffi.struct('kiln_load_result', { ...loadHead, crash: crashType, error: koffi.array('char', 1024) });
  const logType = koffi.struct('kiln_log_message', { level: 'int32_t', stream: 'int32_t', plugin: koffi.array('char', 64), text: koffi.array('char', 1024) });
  koffi.struct('kiln_sandbox_desc', { no_new_processes: 'int32_t', no_foreign_signals: 'int32_t', memory_limit: 'uint64_t' });

  const threadLastError = lib.func('const char *kiln_thread_last_error(void)');
  const lastStateAction = lib.func('int32_t kiln_last_state_action(const kiln_runtime *rt)');
  const lastLoadTime = lib.func('double kiln_last_load_time(const kiln_runtime *rt, int32_t phase)');
  // The records come back in buffers and only what a call filled is decoded: an _Out_ struct is decoded whole after
  // every call, and kiln_crash's (16 stack frames, 4 image paths, its text) took 165 µs on the 2-core VM, on every
  // frame's poll with nothing queued; kiln_load_result's another 0.3 ms per load (docs/PLATFORM.md, koffi).
  const typedLoad = optional<KFunc>('int32_t kiln_load(kiln_runtime *rt, const kiln_load_desc *desc, _Out_ uint8_t *out)');
  const pollCrash = optional<KFunc>('int32_t kiln_poll_crash(kiln_runtime *rt, _Out_ uint8_t *out)');
  const pollLog = optional<KFunc>('int32_t kiln_poll_log(kiln_runtime *rt, _Out_ uint8_t *out)');
  const crashBuf = Buffer.alloc(koffi.sizeof(crashType));
  const logBuf = Buffer.alloc(koffi.sizeof(logType));
  const CRASH_AT = koffi.offsetof(loadResultType, 'crash');
  const ERROR_AT = koffi.offsetof(loadResultType, 'error');
  const CRASH_KIND = CRASH_AT + koffi.offsetof(crashType, 'kind');
  /** kiln_load_result from its buffer: the crash record only when there is one, the error only on failure. */
  const loadResult = (b: Buffer): NativeLoadResult => {
    const r = { ...(koffi.decode(b, loadHeadType) as Omit<NativeLoadResult, 'error' | 'crash'>), error: '' } as NativeLoadResult;
    if (r.code < 0) r.error = cstr(b.subarray(ERROR_AT, ERROR_AT + 1024));
    if (b.readInt32LE(CRASH_KIND) !== 0) r.crash = koffi.decode(b, CRASH_AT, crashType) as NativeCrash;
    return r;
  };
  const loadBuf = () => Buffer.alloc(koffi.sizeof(loadResultType)); // owned by one call until koffi's worker returns
  const pollMessage = lib.func('int32_t kiln_poll_message(kiln_runtime *rt, _Out_ uint8_t *buf, int32_t cap, _Out_ int32_t *level)');
  const sandboxEnter = optional<KFunc>('int32_t kiln_sandbox_enter(const kiln_sandbox_desc *desc, _Out_ uint8_t *error_out, int32_t cap)');
  const loadReport = lib.func('int32_t kiln_load_plugin_report(kiln_runtime *rt, const char *name, const char *path, int32_t version, _Out_ uint8_t *error_out, int32_t cap)');
  // kiln_frame_timing { uint64_t frame; double wall_s, lock_wait_s, cpu_s; } read through a buffer of its 32 bytes:
  // no struct object made per frame.
  const frameTiming = optional<KFunc>('int32_t kiln_last_frame_timing(const kiln_runtime *rt, _Out_ uint8_t *out)');
  const frameCpuTiming = optional<KFunc>('void kiln_set_frame_cpu_timing(kiln_runtime *rt, int32_t on)');
  // The typed arrays are passed as pointers to their memory (a synchronous call: nothing is copied).
  const frameOps = optional<KFunc>('int32_t kiln_frame_ops(const uint32_t *ref, const uint32_t *cur, int32_t n, _Out_ uint32_t *out, int32_t cap)');
  const timingBuf = Buffer.alloc(32);
  const messageBuf = Buffer.alloc(4096);
  const levelBuf = new Int32Array(1);

  const nativeDesc = (d: LoadDesc) => ({ name: d.name, path: d.path, version: d.version, restore_before: d.restoreBefore ?? 0 });
  // A libkiln without kiln_load: the older calls give the same facts, without restore_before.
  const legacyResult = (rt: unknown, code: number, error: string): NativeLoadResult => {
    const ok = code >= 0;
    const time = (phase: number) => (ok ? lastLoadTime(rt, phase) : 0);
    return {
      code: ok ? 0 : code,
      version: ok ? code : 0,
      state_action: ok ? lastStateAction(rt) : 0,
      needs_restart: 0,
      copy_s: time(0),
      open_s: time(1),
      swap_s: time(2),
      total_s: time(3),
      error: ok ? '' : error || `load failed with code ${code}`,
    };
  };
  const reportBuf = () => Buffer.alloc(1024); // owned by one call until koffi's worker returns
  const cstr = (b: Buffer) => b.toString('utf8', 0, Math.max(0, b.indexOf(0)));

  return {
    typedLoads: !!typedLoad,
    load(rt, desc) {
      if (typedLoad) {
        const out = loadBuf();
        typedLoad(rt, nativeDesc(desc), out);
        return loadResult(out);
      }
      const error = reportBuf();
      const code = loadReport(rt, desc.name, desc.path, desc.version, error, error.length) as number;
      return legacyResult(rt, code, cstr(error));
    },
    loadAsync(rt, desc) {
      return new Promise((resolve, reject) => {
        if (typedLoad) {
          const out = loadBuf();
          typedLoad.async(rt, nativeDesc(desc), out, (err: unknown) => (err ? reject(err) : resolve(loadResult(out))));
          return;
        }
        const error = reportBuf();
        loadReport.async(rt, desc.name, desc.path, desc.version, error, error.length, (err: unknown, code: number) =>
          err ? reject(err) : resolve(legacyResult(rt, code, cstr(error))),
        );
      });
    },
    pollCrash: pollCrash ? (rt) => (pollCrash(rt, crashBuf) === 0 ? (koffi.decode(crashBuf, crashType) as NativeCrash) : null) : undefined,
    pollLog(rt) {
      if (pollLog) {
        if (pollLog(rt, logBuf) !== 0) return null;
        const out = koffi.decode(logBuf, logType) as NativeLog;
        return { level: out.level, plugin: out.plugin, text: out.text, stream: out.stream };
      }
      const len = pollMessage(rt, messageBuf, messageBuf.length, levelBuf) as number;
      if (len < 0) return null;
      return { level: levelBuf[0], plugin: '', text: messageBuf.toString('utf8', 0, Math.min(len, messageBuf.length - 1)) };
    },
    setHeartbeat: optional('int32_t kiln_set_heartbeat(kiln_runtime *rt, const char *path)'),
    sandboxEnter: sandboxEnter
      ? (d) => {
          const error = Buffer.alloc(1024);
          const code = sandboxEnter({ no_new_processes: d.noNewProcesses ? 1 : 0, no_foreign_signals: d.noForeignSignals ? 1 : 0, memory_limit: d.memoryLimit }, error, error.length) as number;
          return { code, error: cstr(error) };
        }
      : undefined,
    threadLastError,
    pluginVersion: lib.func('int32_t kiln_plugin_version(const kiln_runtime *rt, const char *name)'),
    pluginPaused: lib.func('int32_t kiln_plugin_paused(const kiln_runtime *rt, const char *name)'),
    resetState: lib.func('int32_t kiln_reset_state(kiln_runtime *rt, const char *name)'),
    setWatchdogMs: lib.func('void kiln_set_watchdog_ms(kiln_runtime *rt, int32_t ms)'),
    setProjectDir: optional('int32_t kiln_set_project_dir(kiln_runtime *rt, const char *dir)'),
    setMouse: optional('void kiln_set_mouse(kiln_runtime *rt, int32_t x, int32_t y, int32_t buttons)'),
    snapshot: optional('int32_t kiln_snapshot(kiln_runtime *rt, _Out_ uint8_t *buf, int32_t cap)'),
    restore: optional('int32_t kiln_restore(kiln_runtime *rt, const uint8_t *buf, int32_t len)'),
    captureOutput: (() => {
      const capture = optional<KFunc>('int32_t kiln_capture_output(_Out_ int32_t *original_stdout, _Out_ int32_t *original_stderr)');
      if (!capture) return undefined;
      return () => {
        const out = new Int32Array(1);
        const err = new Int32Array(1);
        const code = capture(out, err) as number;
        return { code, stdout: out[0], stderr: err[0] };
      };
    })(),
    stateInspector: bindStateInspector(lib),
    worldInspector: bindWorldInspector(lib), // after the state inspector: it reuses its structs
    history: bindHistory(lib),
    media: bindMedia(lib, lib.func('const char *kiln_last_error(const kiln_runtime *rt)') as (rt: unknown) => string),
    sound: bindSound(lib),
    create: lib.func('kiln_runtime *kiln_create(int32_t width, int32_t height, const char *work_dir)'),
    createError: lib.func('const char *kiln_create_error(void)'),
    destroy: lib.func('void kiln_destroy(kiln_runtime *rt)'),
    frame: lib.func('int32_t kiln_frame(kiln_runtime *rt, double dt)'),
    setFrameCpuTiming: frameCpuTiming,
    lastFrameTiming: frameTiming
      ? (rt) => {
          if (frameTiming(rt, timingBuf) !== 0) return null;
          const cpu = timingBuf.readDoubleLE(24);
          return { lockWaitMs: timingBuf.readDoubleLE(16) * 1000, cpuMs: cpu < 0 ? -1 : cpu * 1000 };
        }
      : undefined,
    copyFramebuffer: lib.func('int32_t kiln_copy_framebuffer(const kiln_runtime *rt, _Out_ uint8_t *out, int32_t cap)'),
    frameOps: frameOps
      ? (ref, cur, out) => {
          const words = frameOps(ref, cur, cur.length, out, out.length) as number;
          if (words < 0) throw new Error(`kiln_frame_ops refused a frame of ${cur.length} pixels into ${out.length} words`);
          return words;
        }
      : undefined,
    setKey: lib.func('void kiln_set_key(kiln_runtime *rt, int32_t key, int32_t down)'),
  };
}
