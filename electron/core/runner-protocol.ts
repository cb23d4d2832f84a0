/**
 * Messages between the back end and the game runner process. Internal to electron/ (the renderer
 * never sees them); typed here once for both sides. Frames carry raw bytes, never JSON.
 */

export interface PluginImage {
  name: string;
  path: string;
  /** The editor's version number for this image (libkiln labels the image with it). */
  version: number;
}

/** What a crash did to one plugin: the version that crashed, and the one running now (0: paused, none to roll back to). */
export interface CrashRollback {
  plugin: string;
  crashed: number;
  running: number;
}

export type HostToRunner =
  | { type: 'init'; width: number; height: number; workDir: string; libkiln: string; plugins: PluginImage[] }
  | { type: 'load'; requestId: number; plugin: string; path: string; version: number }
  | { type: 'input'; key: number; down: boolean }
  | { type: 'mouse'; x: number; y: number; buttons: number }
  | { type: 'control'; requestId: number; action: 'pause' | 'resume' | 'step' | 'restart' }
  | { type: 'loop'; requestId: number; action: 'record' | 'play' | 'stop' }
  | { type: 'frame-ack' }
  | { type: 'stop' };

/** The runner's part of the contract's GameSession (the back end adds versions and profile). */
export interface RunnerSession {
  paused: boolean;
  frame: number;
  fps: number;
  frameTimes: number[];
  loop: 'off' | 'recording' | 'replaying';
  loopSeconds: number;
}

export type StateAction = 'new' | 'kept' | 'reset' | 'restored' | 'migrated';

export type RunnerToHost =
  | { type: 'ready'; pid: number; loaded: Array<{ plugin: string; ok: boolean; error?: string; stateAction?: StateAction }> }
  | { type: 'loaded'; requestId: number; plugin: string; ok: true; loadMs: number; stateAction: StateAction }
  | { type: 'loaded'; requestId: number; plugin: string; ok: false; loadMs: number; error: string; code: number }
  | { type: 'first-frame'; requestId: number; plugin: string; at: number }
  | { type: 'frame'; frame: number; width: number; height: number; pixels: Uint8Array }
  /** Sent about 4 times a second and in reply to control/loop requests (requestId set, error on refusal). */
  | { type: 'session'; requestId?: number; error?: string; session: RunnerSession }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string; at: number; plugin?: string }
  | { type: 'crash'; text: string; at: number; rollbacks: CrashRollback[] }
  | { type: 'fatal'; error: string };

/** The runner process as the supervisor sees it, whichever API started it (child_process or utilityProcess). */
export interface RunnerProcess {
  readonly pid: number | undefined;
  send(message: HostToRunner): void;
  onMessage(listener: (message: RunnerToHost) => void): void;
  onExit(listener: (code: number | null, signal: string | null) => void): void;
  kill(): void;
}

export type RunnerLauncher = () => RunnerProcess;

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export function nowMs(): number {
  return performance.timeOrigin + performance.now();
}
