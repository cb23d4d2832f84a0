/**
 * Messages between the back end and the game runner process. Internal to electron/ (the renderer
 * never sees them); typed here once for both sides. Frames carry raw bytes, never JSON. libkiln's
 * records (kiln_load_result, kiln_crash, kiln_log_message) travel as fields, never as sentences.
 */
import type { CrashAccess, CrashCallback, FaultKind, GameState, StateWriteResult, WorldMigration, WorldView } from '../shared/contract';
import type { GameSession } from '../shared/contract';
import type { AssetReload, Frame, GameLogSource } from '../shared/contract';
import { FrameDeltaDecoder } from '../shared/frame-codec';

export interface PluginImage {
  name: string;
  path: string;
  /** The editor's version number for this image (libkiln labels the image with it). */
  version: number;
  /** > 0: start from the state committed just before this version was swapped in (a crash rollback). */
  restoreBefore?: number;
}

/** libkiln's kiln_crash as fields: a fault the runner's guard caught (the runner survived it). */
export interface RunnerCrash {
  plugin: string;
  callback: CrashCallback;
  kind: FaultKind;
  /** 'SIGSEGV', ... or null (watchdog). */
  signal: string | null;
  /** Hex, when the fault had an address. */
  address?: string;
  crashedVersion: number;
  /** 0: the plugin is paused (nothing to roll back to). */
  runningVersion: number;
  watchdogMs?: number;
  frame: number;
  /** The same fact for humans. */
  text: string;
  /** Where it crashed (kiln_crash's pc/stack fields; absent from an older libkiln): the faulting pc in hex. */
  pc?: string;
  access?: CrashAccess;
  stackOverflow?: boolean;
  /**
   * Innermost first; `image` as loaded in the runner (the plugin's temp copy), `inPlugin` marks its own frames;
   * `splitBase`: in the other units of a split build, loaded as is from the build folder (symbolized by that path).
   */
  stack?: Array<{ address: string; image?: string; offset: string; inPlugin: boolean; splitBase?: boolean }>;
}

/** kiln_load_result's phase times, in milliseconds. */
export interface LoadTimes {
  copyMs: number;
  openMs: number;
  swapMs: number;
  totalMs: number;
}

/** When the runner read a load message and when kiln_load_plugin returned (nowMs() epoch clock): ReloadHops. */
export interface LoadClock {
  startedAt?: number;
  doneAt?: number;
}

export type LoadReply = LoadClock &
  (
    | { type: 'loaded'; requestId: number; plugin: string; ok: true; version: number; loadMs: number; stateAction: StateAction; needsRestart: boolean; times?: LoadTimes; world?: WorldMigration[] }
    | { type: 'loaded'; requestId: number; plugin: string; ok: false; loadMs: number; error: string; code: number; needsRestart: boolean; crash?: RunnerCrash }
  );

/** Runner limits: the watchdog for plugin callbacks, the sandbox's memory limit, the heartbeat file. */
export interface RunnerLimits {
  /** libkiln's watchdog for one callback (default 2000 ms). */
  watchdogMs?: number;
  /** Bytes the runner may map beyond what it has at start (kiln_sandbox_desc.memory_limit); 0: none. */
  memoryLimitBytes?: number;
  /** Where libkiln keeps struct kiln_heartbeat for the supervisor's hang detector. */
  heartbeatPath?: string;
  /**
   * The web shell's frame relay (a Unix socket): frames go there as [u32 length][frame header][pixels], each acked
   * by one byte, instead of to this process, so a busy back end never delays them. Unset: frames come here.
   */
  frameSocket?: string;
  /** Memory for the timeline's history of past frames (kiln_history_set_budget); 0: off. Default 64 MiB. */
  historyBytes?: number;
  /** The project folder: image_load and sound_load paths are relative to it and confined to it (kiln_set_project_dir). */
  projectDir?: string;
  /** false: sound calls are no-ops (headless runs; files are still checked). Default true. */
  sound?: boolean;
  /**
   * true: the game starts paused and runs on control 'step': one frame of exactly STEP_SECONDS each, its sounds kept
   * with it. Frame N is then the same on every run and machine (tests compare it with the exports' frame N).
   */
  stepped?: boolean;
}

/** One fixed game step: the runner's 'step', the stepped mode's frames and the exports' frames all take it. */
export const STEP_SECONDS = 1 / 60;

export type HostToRunner =
  | ({ type: 'init'; width: number; height: number; workDir: string; libkiln: string; plugins: PluginImage[] } & RunnerLimits)
  | { type: 'load'; requestId: number; plugin: string; path: string; version: number }
  | { type: 'input'; key: number; down: boolean }
  | { type: 'mouse'; x: number; y: number; buttons: number }
  /** Gamepad state (kiln_set_pad): buttons as bits of the W3C standard mapping, axes LX, LY, RX, RY. */
  | { type: 'pad'; pad: number; connected: boolean; buttons: number; axes: number[] }
  /** An image file changed on disk: decode it again under the same handle (kiln_image_reload). */
  | { type: 'asset'; requestId: number; path: string }
  /** kiln.json's width/height changed: a new framebuffer size for the running game (kiln_resize). */
  | { type: 'resize'; width: number; height: number }
  | { type: 'control'; requestId: number; action: 'pause' | 'resume' | 'step' | 'restart' }
  | { type: 'loop'; requestId: number; action: 'record' | 'play' | 'stop' }
  | ({ type: 'history'; requestId: number } & HistoryCommand)
  /** The state inspector: read every plugin's state, or write one field element, between two frames. */
  | ({ type: 'state'; requestId: number } & StateRequest)
  /** The entity inspector (issue 15): read the world, or write one field of an entity's component, between two frames. */
  | ({ type: 'world'; requestId: number } & WorldRequest)
  /** A frame received. `resync`: it did not decode (the receiver lost track), so the next one must go whole. */
  | { type: 'frame-ack'; resync?: boolean }
  /** Electron: a window's MessagePort for frames travels beside this message (electron/runner/port-frame-sink.ts). */
  | { type: 'frame-port' }
  /** A standby runner (started ahead of need) loads libkiln's bindings now, so a restart skips it; answered by 'prepared'. */
  | { type: 'prepare'; libkiln: string }
  /** The runner's memory after a full garbage collection, between two frames (bench §5/§8: growth V8 has not collected yet is not growth). */
  | { type: 'memory'; requestId: number }
  | { type: 'stop' };

/** What the state inspector asks the runner. */
export type StateRequest = { action: 'read' } | { action: 'write'; plugin: string; field: string; index: number; value: number | boolean };
/** Its answer: `state` for a read, `write` for a write, `error` when it could not be done at all. */
export interface StateReply {
  state?: GameState;
  write?: StateWriteResult;
  error?: string;
}

/** What the entity inspector asks the runner, and its answer (`view` for a read, `write` for a write). */
export type WorldRequest =
  | { action: 'read'; with: number; selected?: string }
  | { action: 'write'; entity: string; component: number; field: string; index: number; value: number | boolean };
export interface WorldReply {
  view?: WorldView;
  write?: StateWriteResult;
  error?: string;
}

/** glibc's malloc heap as mallinfo2 reports it (electron/runner/malloc-stats.ts), in kB. */
export interface MallocStats {
  /** Bytes the arena (brk heap and mmap'd arenas) holds from the system. */
  arenaKb: number;
  /** Chunks allocated with mmap of their own (large ones), all in use. */
  mmapKb: number;
  /** Allocated and not freed. */
  inUseKb: number;
  /** Freed and kept in the arena. */
  freeKb: number;
  /** Of the free, what sits at the top of the heap and malloc_trim could return without splitting anything. */
  topFreeKb: number;
}

/** The answer to 'memory', measured after two full garbage collections. */
export interface RunnerMemory {
  rssKb: number;
  /** V8's live heap, and what it holds committed for it (used or not). */
  heapUsedKb: number;
  heapCommittedKb: number;
  /** Buffers and other memory outside V8's heap that V8 knows of. */
  externalKb: number;
  /** glibc's malloc heap (electron/runner/malloc-stats.ts); null where there is no mallinfo2. */
  malloc: MallocStats | null;
  /** The largest seen since the runner started, sampled 4 times a second without collecting first: memory V8 knows of
   *  outside its heap (live and garbage), and malloc's arena (0 without mallinfo2). */
  peak: { externalKb: number; arenaKb: number };
}
export interface MemoryReply {
  memory?: RunnerMemory;
  error?: string;
}

/** The timeline's requests (contract: history.seek / step / replay / play). Replied to with a session. */
export type HistoryCommand = { action: 'seek'; frame: number } | { action: 'step'; delta: number } | { action: 'replay' } | { action: 'play' };

/** The runner's part of the contract's GameSession (the back end adds versions and profile). */
export type RunnerSession = Pick<GameSession, 'paused' | 'frame' | 'fps' | 'frameTimes' | 'frameLockWaits' | 'frameCpuTimes' | 'loop' | 'loopSeconds' | 'timeline'>;

export type StateAction = 'new' | 'kept' | 'reset' | 'restored' | 'migrated';

/** A version has run this many frames without the runner dying: it is good (a restart may load it). */
export const PROBATION_FRAMES = 60;

export type RunnerToHost =
  | {
      type: 'ready';
      pid: number;
      loaded: Array<{ plugin: string; ok: boolean; version?: number; error?: string; stateAction?: StateAction }>;
      /** Why the sandbox was not entered (the runner goes on without it), or undefined when it was. */
      sandboxError?: string;
    }
  | LoadReply
  /** `at`: the new code's first frame was drawn; `sentAt`: it left the runner (nowMs() epoch clock). */
  | { type: 'first-frame'; requestId: number; plugin: string; at: number; sentAt?: number }
  /** The version ran PROBATION_FRAMES frames after its swap without a crash. */
  | { type: 'proven'; plugin: string; version: number }
  /**
   * A frame on this channel (when no frame relay or window port takes it): shared/frame-codec's message without its
   * length, a change to the frame sent before on the channel or a whole one. Read with a FrameDeltaDecoder per runner
   * (`runnerFrameReader`). Whole 230 KB frames made 14 MB/s of serialized buffers in the runner at 60 fps; garbage
   * until a collection, they piled up to 33 MB of malloc's arena, which did not all go back (bench §5).
   */
  | { type: 'frame'; message: Uint8Array }
  /** Sent about 4 times a second and in reply to control/loop requests (requestId set, error on refusal). */
  | { type: 'session'; requestId?: number; error?: string; session: RunnerSession }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string; at: number; plugin?: string; source?: GameLogSource }
  | { type: 'crash'; at: number; crash: RunnerCrash }
  | ({ type: 'state'; requestId: number } & StateReply)
  /** The answer to 'asset': the reloaded image, or null when the game never loaded that path. */
  | { type: 'asset'; requestId: number; asset: AssetReload | null }
  | ({ type: 'world'; requestId: number } & WorldReply)
  | ({ type: 'memory'; requestId: number } & MemoryReply)
  | { type: 'fatal'; error: string }
  /** The standby has libkiln loaded and waits for 'init': a restart now costs no Node start. */
  | { type: 'prepared' };

/** The runner process as the supervisor sees it, whichever API started it (child_process or utilityProcess). */
export interface RunnerProcess {
  readonly pid: number | undefined;
  send(message: HostToRunner): void;
  onMessage(listener: (message: RunnerToHost) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  /** Ends it for sure (SIGKILL). */
  kill(): void;
}

export type RunnerLauncher = () => RunnerProcess;

/**
 * One runner's 'frame' messages read back into frames, in the order they came (one reader per runner process), each
 * acknowledged to it (its flow control). null for a message that does not decode: its acknowledgement asks for the
 * next frame whole (`resync`).
 */
export function runnerFrameReader(runner: Pick<RunnerProcess, 'send'>): (msg: Extract<RunnerToHost, { type: 'frame' }>) => Frame | null {
  const decoder = new FrameDeltaDecoder();
  return (msg) => {
    const frame = decoder.decode(msg.message);
    runner.send({ type: 'frame-ack', ...(frame ? {} : { resync: true }) });
    return frame;
  };
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
