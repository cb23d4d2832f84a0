/**
 * The Electron shell: one window, the same back end as the web shell, the runner in a utilityProcess.
 * Requests over ipcMain.handle, events over webContents.send, frames over a MessagePort (no JSON).
 */
import { app, BrowserWindow, ipcMain, MessageChannelMain, session } from 'electron';
import path from 'node:path';
import { eventNames, encodeFrameHeader, ipcChannels, type Frame } from '../shared/contract';
import { KilnBackend, RequestError } from '../core/backend';
import { checkBuilt, findKilnRoot, kilnPaths } from '../core/paths';
import { utilityRunnerLauncher } from './utility-runner-launcher';

const paths = kilnPaths(findKilnRoot(app.isPackaged ? process.resourcesPath : __dirname));

function projectFromArgs(): string {
  const i = process.argv.indexOf('--project');
  return i > 0 && process.argv[i + 1] ? path.resolve(process.argv[i + 1]) : paths.defaultProject;
}

async function createWindow(): Promise<void> {
  const problems = checkBuilt(paths);
  if (problems.length) throw new Error(`Kiln is not built:\n${problems.join('\n')}`);

  const backend = await KilnBackend.open({ projectDir: projectFromArgs(), paths, launcher: utilityRunnerLauncher(paths.runnerScript) });
  const win = new BrowserWindow({
    width: 1440,
    height: 900,
    backgroundColor: '#1e1e1e',
    title: `Kiln — ${backend.project.name}`,
    webPreferences: {
      preload: path.join(__dirname, 'preload.js'),
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
    },
  });
  // Nothing but our own files: no navigation away, no new windows.
  win.webContents.on('will-navigate', (e) => e.preventDefault());
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));

  ipcMain.handle(ipcChannels.invoke, async (_e, method: unknown, params: unknown) => {
    try {
      return { ok: true, result: await backend.request(method, params) };
    } catch (err) {
      return { ok: false, error: err instanceof RequestError ? err.message : `internal error: ${(err as Error).message}` };
    }
  });
  for (const event of eventNames) {
    backend.on(event, (payload: unknown) => {
      if (!win.isDestroyed()) win.webContents.send(ipcChannels.event, event, payload);
    });
  }

  const { port1, port2 } = new MessageChannelMain();
  backend.on('frame', (frame: Frame) => {
    const header = encodeFrameHeader(frame.width, frame.height, frame.frame);
    const bytes = new Uint8Array(header.length + frame.pixels.length);
    bytes.set(header, 0);
    bytes.set(frame.pixels, header.length);
    port1.postMessage(bytes);
  });
  port1.start();
  win.webContents.once('did-finish-load', () => win.webContents.postMessage(ipcChannels.framePort, null, [port2]));

  await win.loadFile(path.join(paths.rendererDir, 'index.html'));
  await backend.start();
  app.on('before-quit', () => void backend.stop());
}

app.whenReady().then(() => {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  return createWindow();
}).catch((err) => {
  console.error(`kiln: ${(err as Error).message}`);
  app.exit(1);
});

app.on('window-all-closed', () => app.quit());
