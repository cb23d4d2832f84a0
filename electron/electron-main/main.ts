/**
 * The Electron shell: one window over the same back end as the web shell, the runner in a
 * utilityProcess. Requests over ipcMain.handle, events over webContents.send, frames over a
 * MessagePort (no JSON). Thin on purpose: everything else lives in electron/core.
 */
import { app, BrowserWindow, dialog, ipcMain, Menu, MessageChannelMain, session, shell } from 'electron';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { eventNames, encodeFrameParts, ipcChannels, type Frame, type MenuCommand, type RequestResult } from '../shared/contract';
import { ProjectHost } from '../core/project-host';
import { checkBuilt, findKilnRoot, kilnPaths } from '../core/paths';
import { menuTemplate } from './menu';
import { utilityRunnerLauncher } from './utility-runner-launcher';
import { windowFrames } from './window-frames';
import { gameWindowOptions, gameWindowQuery, isAllowedNavigation, kilnWindowOptions, loadWindowState, saveWindowState } from './window-options';

// Packaged: resources/ holds plugins/ and native/build/ (extraResources), resources/app.asar the bundles.
const paths = app.isPackaged ? kilnPaths(process.resourcesPath, app.getAppPath()) : kilnPaths(findKilnRoot(__dirname));
const rendererIndex = path.join(paths.rendererDir, 'index.html');

function argValue(argv: string[], name: string): string | undefined {
  const i = argv.indexOf(name);
  return i > 0 ? argv[i + 1] : undefined;
}

/**
 * The project to open: --project DIR, else pong. The packaged app's own files are read-only, so there
 * pong is first copied to the user's data folder, where its builds, state and log can be written.
 */
async function projectToOpen(argv: string[], userData: string): Promise<string> {
  const chosen = argValue(argv, '--project');
  if (chosen) return path.resolve(chosen);
  if (!app.isPackaged) return paths.defaultProject;
  const copy = path.join(userData, 'projects', 'pong');
  await fs.cp(paths.defaultProject, copy, { recursive: true, force: false, errorOnExist: false });
  return copy;
}

let mainWindow: BrowserWindow | null = null;
/** Runner → window MessagePorts: frames skip this process's event loop. */
const directFrames = windowFrames(() => new MessageChannelMain());

async function createWindow(): Promise<void> {
  const problems = checkBuilt(paths);
  if (problems.length) throw new Error(`Kiln is not built:\n${problems.join('\n')}`);

  const userData = app.getPath('userData');
  const projectDir = await projectToOpen(process.argv, userData);
  const host = new ProjectHost({
    paths,
    launcher: utilityRunnerLauncher(paths.runnerScript, directFrames),
    dataDir: userData,
    // The user's own copy of an example is as trusted as the example; --trust trusts what the command line names.
    trustProject: process.argv.includes('--trust') || (app.isPackaged && projectDir === path.join(userData, 'projects', 'pong')),
  });
  const state = await loadWindowState(userData);
  const win = new BrowserWindow(kilnWindowOptions(path.join(__dirname, 'preload.js'), state, 'Kiln'));
  mainWindow = win;
  if (state.maximized) win.maximize();
  win.once('ready-to-show', () => win.show());
  const remember = () => {
    if (!win.isDestroyed()) void saveWindowState(userData, { bounds: win.getNormalBounds(), maximized: win.isMaximized() });
  };
  win.on('resized', remember);
  win.on('moved', remember);
  win.on('close', remember);

  // Nothing but our own page: no navigation away, no new windows, no permissions.
  win.webContents.on('will-navigate', (e, url) => {
    if (!isAllowedNavigation(url, rendererIndex)) e.preventDefault();
  });
  win.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));

  ipcMain.handle(ipcChannels.invoke, (_e, method: unknown, params: unknown) => host.dispatch(method, params));
  // The editor and its pop-outs (game-only windows) hear the same events and get every frame.
  const windows = new Set<BrowserWindow>([win]);
  for (const event of eventNames) {
    host.on(event, (payload: unknown) => {
      for (const w of windows) if (!w.isDestroyed()) w.webContents.send(ipcChannels.event, event, payload);
    });
  }
  const framePorts = new Set<Electron.MessagePortMain>();
  host.on('frame', (frame: Frame) => {
    const bytes = Buffer.concat(encodeFrameParts(frame));
    for (const port of framePorts) port.postMessage(bytes);
  });
  const sendFramesTo = (w: BrowserWindow) => {
    const { port1, port2 } = new MessageChannelMain();
    framePorts.add(port1);
    port1.start();
    let direct: { closed(): void } | null = null;
    w.webContents.once('did-finish-load', () => {
      w.webContents.postMessage(ipcChannels.framePort, null, [port2]); // frames of a runner without ports come this way
      direct = directFrames.windowReady(w.webContents);
    });
    w.once('closed', () => {
      direct?.closed();
      framePorts.delete(port1);
      port1.close();
      windows.delete(w);
    });
  };
  sendFramesTo(win);
  ipcMain.handle(ipcChannels.openGameWindow, async () => {
    const size = host.backend.project.config;
    const pop = new BrowserWindow(gameWindowOptions(path.join(__dirname, 'preload.js'), size.width * 2, size.height * 2, `${host.backend.project.name} — Kiln game`));
    pop.webContents.on('will-navigate', (e, url) => {
      if (!isAllowedNavigation(url, rendererIndex)) e.preventDefault();
    });
    pop.webContents.setWindowOpenHandler(() => ({ action: 'deny' }));
    pop.once('ready-to-show', () => pop.show());
    windows.add(pop);
    sendFramesTo(pop);
    await pop.loadFile(rendererIndex, { query: gameWindowQuery });
  });
  host.on('project-switched', (info) => win.setTitle(`Kiln — ${info.name}`));
  const sendMenuCommand = (command: MenuCommand) => {
    if (!win.isDestroyed()) win.webContents.send(ipcChannels.event, 'menu-command', { command });
  };
  Menu.setApplicationMenu(
    Menu.buildFromTemplate(
      menuTemplate({
        editor: sendMenuCommand,
        openProject: async () => {
          const choice = await dialog.showOpenDialog(win, { title: 'Open a Kiln project (a folder with kiln.json)', properties: ['openDirectory'] });
          if (choice.canceled || !choice.filePaths[0]) return;
          const reply = await host.dispatch('project.open', { dir: choice.filePaths[0] });
          if (!reply.ok) void dialog.showMessageBox(win, { type: 'error', title: 'Kiln could not open that folder', message: reply.error });
        },
        exportGame: async (target) => {
          const choice = await dialog.showOpenDialog(win, { title: `Export ${host.backend.project.name}: choose an empty folder`, properties: ['openDirectory', 'createDirectory'] });
          if (choice.canceled || !choice.filePaths[0]) return;
          const reply = await host.dispatch('project.export', { target, dir: choice.filePaths[0] });
          const report = reply.ok ? (reply.result as RequestResult<'project.export'>) : null;
          if (report) void dialog.showMessageBox(win, { type: 'info', title: 'Exported', message: `Exported to ${report.dir}`, detail: `${(report.totalBytes / 1024).toFixed(1)} KB in ${report.files.length} files` });
          else if (!reply.ok) void dialog.showMessageBox(win, { type: 'error', title: 'The export failed', message: reply.error });
        },
        game: (action) => void host.dispatch('game.control', { action }),
        togglePause: () => void host.dispatch('game.control', { action: host.backend.session().paused ? 'resume' : 'pause' }),
        reloadNow: () => void host.dispatch('build.reload', {}),
        openDocs: () => void shell.openPath(path.join(paths.root, 'README.md')),
        about: () => void dialog.showMessageBox(win, { type: 'info', title: 'About Kiln', message: `Kiln ${app.getVersion()}`, detail: 'A live-coding game editor: edit C, press Ctrl+S, see the running game change.' }),
      }),
    ),
  );


  await host.open(projectDir);
  win.setTitle(`Kiln — ${host.backend.project.name}`);
  await win.loadFile(rendererIndex);
  app.on('before-quit', () => void host.stop());
}

// $KILN_DATA_DIR moves everything Kiln keeps (trust, drafts, window state) elsewhere: tests use it.
if (process.env.KILN_DATA_DIR) app.setPath('userData', path.resolve(process.env.KILN_DATA_DIR));

// One Kiln at a time: a second launch focuses the first window instead of fighting over the project.
if (!app.requestSingleInstanceLock()) {
  app.quit();
} else {
  app.on('second-instance', () => {
    if (!mainWindow) return;
    if (mainWindow.isMinimized()) mainWindow.restore();
    mainWindow.focus();
  });
  app
    .whenReady()
    .then(() => {
      session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
      return createWindow();
    })
    .catch((err) => {
      dialog.showErrorBox('Kiln could not start', (err as Error).message);
      app.exit(1);
    });
  app.on('window-all-closed', () => app.quit());
}
