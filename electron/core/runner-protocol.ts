/**
 * Messages between the back end and the game runner process. Internal to electron/ (the renderer
 * never sees them); typed here once for both sides. Frames carry raw bytes, never JSON.
 */

export interface PluginImage {
  name: string;
  path: string;
}

export type HostToRunner =
  | { type: 'init'; width: number; height: number; workDir: string; libkiln: string; plugins: PluginImage[] }
  | { type: 'load'; requestId: number; plugin: string; path: string }
  | { type: 'input'; key: number; down: boolean }
  | { type: 'frame-ack' }
  | { type: 'stop' };

export type StateAction = 'new' | 'kept' | 'reset' | 'restored' | 'migrated';

export type RunnerToHost =
  | { type: 'ready'; pid: number; loaded: Array<{ plugin: string; ok: boolean; error?: string; stateAction?: StateAction }> }
  | { type: 'loaded'; requestId: number; plugin: string; ok: true; loadMs: number; stateAction: StateAction }
  | { type: 'loaded'; requestId: number; plugin: string; ok: false; loadMs: number; error: string; code: number }
  | { type: 'first-frame'; requestId: number; plugin: string; at: number }
  | { type: 'frame'; frame: number; width: number; height: number; pixels: Uint8Array }
  | { type: 'log'; level: 'info' | 'warn' | 'error'; text: string; at: number }
  | { type: 'crash'; text: string; at: number }
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
