import type { KilnApi } from '../../../electron/shared/contract';
import type { Bridge } from './bridge';

/** The Electron preload already exposes a typed KilnApi on window.kiln; nothing to open or retry. */
export function createElectronBridge(api: KilnApi): Bridge {
  return {
    kind: 'electron',
    api,
    connection: () => 'connected',
    onConnection: () => () => {},
  };
}
