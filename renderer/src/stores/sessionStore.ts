import { create } from 'zustand';
import type { GameSession, ReloadStatus, RunnerInfo } from '../../../electron/shared/contract';
import type { ConnectionState } from '../api';

/**
 * The running game as the UI knows it. Frames are deliberately absent: they go straight
 * from the transport to the canvas, never through React state.
 */
interface SessionStore {
  connection: ConnectionState;
  status: ReloadStatus;
  /** The newest status of each plugin (a build of one plugin may run while another's fails). */
  pluginStatus: Record<string, ReloadStatus>;
  runner: RunnerInfo | null;
  /** Paused, fps, frame times, versions, loop, profile; null until the back end reports it. */
  session: GameSession | null;
  /** Size of the newest frame (the canvas's width/height attributes). */
  frameSize: { width: number; height: number } | null;
  /** The reload event whose overlay the user closed (it stays closed until another problem). */
  dismissedProblem: number | null;
  setConnection(connection: ConnectionState): void;
  setStatus(status: ReloadStatus): void;
  /** The back end's answer to status.get: per-plugin statuses heard before it may be stale (a reconnect, another project). */
  resetStatus(status: ReloadStatus): void;
  setRunner(runner: RunnerInfo): void;
  setSession(session: GameSession): void;
  setFrameSize(width: number, height: number): void;
  dismissProblem(id: number): void;
}

export const useSessionStore = create<SessionStore>()((set, get) => ({
  connection: 'connecting',
  status: { state: 'waiting', message: 'waiting for the back end' },
  pluginStatus: {},
  runner: null,
  session: null,
  frameSize: null,
  dismissedProblem: null,
  setConnection: (connection) => set({ connection }),
  setStatus: (status) => set({ status, pluginStatus: status.plugin ? { ...get().pluginStatus, [status.plugin]: status } : get().pluginStatus }),
  resetStatus: (status) => set({ status, pluginStatus: status.plugin ? { [status.plugin]: status } : {} }),
  setRunner: (runner) => set({ runner }),
  setSession: (session) => set({ session }),
  setFrameSize: (width, height) => {
    const cur = get().frameSize;
    if (cur && cur.width === width && cur.height === height) return;
    set({ frameSize: { width, height } });
  },
  dismissProblem: (id) => set({ dismissedProblem: id }),
}));
