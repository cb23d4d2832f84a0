/**
 * Electron preload (sandboxed): exposes the contract's KilnApi as window.kiln — three functions, no
 * Electron or Node object reaches the page.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { ipcChannels } from '../shared/contract';
import { createKilnApi } from './preload-api';

const { api, attachFramePort } = createKilnApi(ipcRenderer);
ipcRenderer.on(ipcChannels.framePort, (event) => attachFramePort(event.ports[0]));
contextBridge.exposeInMainWorld('kiln', api);
