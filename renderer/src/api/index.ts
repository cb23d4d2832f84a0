import type { KilnApi } from '../../../electron/shared/contract';
import type { Bridge } from './bridge';
import { createElectronBridge } from './electronBridge';
import { createWebSocketBridge } from './webSocketBridge';

export type { Bridge, ConnectionState } from './bridge';

declare global {
  interface Window {
    /** Set by the Electron preload (contextBridge); absent in the web shell. */
    kiln?: KilnApi;
  }
}

let bridge: Bridge | null = null;

/** The one transport of this page, chosen once: Electron's preload if present, else the web shell's WebSocket. */
export function getBridge(): Bridge {
  if (!bridge) bridge = window.kiln ? createElectronBridge(window.kiln) : createWebSocketBridge();
  return bridge;
}

export function kiln(): KilnApi {
  return getBridge().api;
}
