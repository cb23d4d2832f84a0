/**
 * The KilnApi the preload exposes, built over whatever carries IPC. Typed against Electron's own
 * IpcRenderer, imported as a type only, so the wiring is testable without the Electron binary.
 */
import type { IpcRenderer } from 'electron';
import { FRAME_ACK_RESET, FRAME_ACK_TAKEN, ipcChannels, type EventName, type Frame, type KilnApi } from '../shared/contract';
import { FrameDeltaDecoder } from '../shared/frame-codec';

export type IpcLike = Pick<IpcRenderer, 'invoke' | 'on' | 'removeListener'>;

/** A MessagePort's receiving side, as the preload gets it from the main process. */
export interface FramePortLike {
  onmessage: ((e: { data: unknown }) => void) | null;
  start(): void;
  /** Acks: a runner writing to this port directly counts the frames its window has not taken yet. */
  postMessage?(message: unknown): void;
}

export function createKilnApi(ipc: IpcLike): { api: KilnApi; attachFramePort(port: FramePortLike): void } {
  const frameListeners = new Set<(frame: Frame) => void>();
  const api: KilnApi = {
    async invoke(method, params) {
      const reply = (await ipc.invoke(ipcChannels.invoke, method, params)) as { ok: true; result: never } | { ok: false; error: string };
      if (!reply.ok) throw new Error(reply.error);
      return reply.result;
    },
    on(event, listener) {
      const wrapped = (_e: unknown, name: EventName, payload: unknown) => {
        if (name === event) listener(payload as Parameters<typeof listener>[0]);
      };
      ipc.on(ipcChannels.event, wrapped);
      return () => {
        ipc.removeListener(ipcChannels.event, wrapped);
      };
    },
    onFrame(listener) {
      frameListeners.add(listener);
      return () => {
        frameListeners.delete(listener);
      };
    },
    async openGameWindow() {
      await ipc.invoke(ipcChannels.openGameWindow);
    },
  };
  const attachFramePort = (port: FramePortLike) => {
    const decoder = new FrameDeltaDecoder(); // each frame a change to the one before on this port
    port.onmessage = (e) => {
      const frame = e.data instanceof Uint8Array ? decoder.decode(e.data) : null;
      port.postMessage?.(frame ? FRAME_ACK_TAKEN : FRAME_ACK_RESET); // taken (the runner may send the next), or lost: send the next whole
      if (frame) for (const l of frameListeners) l(frame);
    };
    port.start();
  };
  return { api, attachFramePort };
}
