import { create } from 'zustand';
import type { ReloadStatus, RunnerInfo } from '../../../electron/shared/contract';
import type { ConnectionState } from '../api';

/**
 * The running game as the UI knows it. Frames are deliberately absent: they go straight
 * from the transport to the canvas, never through React state.
 */
interface SessionStore {
  connection: ConnectionState;
  status: ReloadStatus;
  runner: RunnerInfo | null;
  /** Size of the newest frame (the canvas's width/height attributes). */
  frameSize: { width: number; height: number } | null;
  setConnection(connection: ConnectionState): void;
  setStatus(status: ReloadStatus): void;
  setRunner(runner: RunnerInfo): void;
  setFrameSize(width: number, height: number): void;
}

export const useSessionStore = create<SessionStore>()((set, get) => ({
  connection: 'connecting',
  status: { state: 'waiting', message: 'waiting for the back end' },
  runner: null,
  frameSize: null,
  setConnection: (connection) => set({ connection }),
  setStatus: (status) => set({ status }),
  setRunner: (runner) => set({ runner }),
  setFrameSize: (width, height) => {
    const cur = get().frameSize;
    if (cur && cur.width === width && cur.height === height) return;
    set({ frameSize: { width, height } });
  },
}));
