/**
 * Electron preload (sandboxed): exposes the contract's KilnApi as window.kiln. Nothing else of
 * Electron or Node reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { decodeFrame, ipcChannels, type EventName, type Frame, type KilnApi } from '../shared/contract';

const frameListeners = new Set<(frame: Frame) => void>();

ipcRenderer.on(ipcChannels.framePort, (event) => {
  const [port] = event.ports;
  port.onmessage = (e: MessageEvent) => {
    const frame = decodeFrame(e.data as Uint8Array);
    if (frame) for (const l of frameListeners) l(frame);
  };
  port.start();
});

const api: KilnApi = {
  async invoke(method, params) {
    const reply = (await ipcRenderer.invoke(ipcChannels.invoke, method, params)) as { ok: true; result: never } | { ok: false; error: string };
    if (!reply.ok) throw new Error(reply.error);
    return reply.result;
  },
  on(event, listener) {
    const wrapped = (_e: unknown, name: EventName, payload: unknown) => {
      if (name === event) listener(payload as Parameters<typeof listener>[0]);
    };
    ipcRenderer.on(ipcChannels.event, wrapped);
    return () => ipcRenderer.removeListener(ipcChannels.event, wrapped);
  },
  onFrame(listener) {
    frameListeners.add(listener);
    return () => frameListeners.delete(listener);
  },
};

contextBridge.exposeInMainWorld('kiln', api);
