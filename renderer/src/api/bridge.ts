import type { KilnApi, Unsubscribe } from '../../../electron/shared/contract';

/** Whether the back end can be reached right now (the Electron transport is always connected). */
export type ConnectionState = 'connecting' | 'connected' | 'disconnected';

/** A transport to the back end: the typed API plus its connection state. */
export interface Bridge {
  kind: 'electron' | 'web';
  api: KilnApi;
  connection(): ConnectionState;
  /** Called on every change; 'connected' after a drop means the caller should resynchronise. */
  onConnection(listener: (state: ConnectionState) => void): Unsubscribe;
}
