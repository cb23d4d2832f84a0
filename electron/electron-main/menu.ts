/**
 * The application menu as a template: File / Edit / View / Game / Help with the editor's shortcuts
 * (the same keys the renderer binds in renderer/src/app/shortcuts.ts, so both shells behave alike).
 * Imports only Electron's types; main.ts builds it with Menu.buildFromTemplate.
 */
import type { MenuItemConstructorOptions } from 'electron';
import type { ExportTarget, MenuCommand } from '../shared/contract';

export interface MenuActions {
  /** Ask the editor to act on its buffers (save, new plugin, ...). */
  editor(command: MenuCommand): void;
  /** A native folder picker, then open that project. */
  openProject(): void;
  /** A native folder picker, then export the game there (project.export). */
  exportGame(target: ExportTarget): void;
  game(action: 'pause' | 'resume' | 'step' | 'restart'): void;
  togglePause(): void;
  reloadNow(): void;
  openDocs(): void;
  about(): void;
}

export function menuTemplate(actions: MenuActions, platform: NodeJS.Platform = process.platform): MenuItemConstructorOptions[] {
  const mac = platform === 'darwin';
  return [
    ...(mac ? [{ role: 'appMenu' as const }] : []),
    {
      label: '&File',
      submenu: [
        { label: 'New Project…', accelerator: 'CmdOrCtrl+Shift+N', click: () => actions.editor('new-project') },
        { label: 'Open Project…', accelerator: 'CmdOrCtrl+O', click: () => actions.openProject() },
        { type: 'separator' },
        { label: 'New Plugin…', click: () => actions.editor('new-plugin') },
        { label: 'New File…', click: () => actions.editor('new-file') },
        { type: 'separator' },
        { label: 'Export for the Web…', click: () => actions.exportGame('web') },
        { label: 'Export as a Program…', click: () => actions.exportGame('native') },
        { type: 'separator' },
        { label: 'Save', accelerator: 'CmdOrCtrl+S', click: () => actions.editor('save') },
        { label: 'Save All', accelerator: 'CmdOrCtrl+Shift+S', click: () => actions.editor('save-all') },
        { type: 'separator' },
        { label: 'Close Tab', accelerator: 'CmdOrCtrl+W', click: () => actions.editor('close-tab') },
        mac ? { role: 'close' } : { role: 'quit' },
      ],
    },
    { role: 'editMenu' },
    {
      label: '&View',
      submenu: [
        { label: 'Focus Editor', accelerator: 'CmdOrCtrl+1', click: () => actions.editor('focus-editor') },
        { label: 'Focus Game', accelerator: 'CmdOrCtrl+2', click: () => actions.editor('focus-game') },
        { label: 'Next Problem', accelerator: 'F8', click: () => actions.editor('next-problem') },
        { type: 'separator' },
        { role: 'resetZoom' },
        { role: 'zoomIn' },
        { role: 'zoomOut' },
        { type: 'separator' },
        { role: 'togglefullscreen' },
        { role: 'toggleDevTools' },
      ],
    },
    {
      label: '&Game',
      submenu: [
        { label: 'Reload Now', accelerator: 'F5', click: () => actions.reloadNow() },
        { label: 'Pause / Resume', accelerator: 'F6', click: () => actions.togglePause() },
        { label: 'Step One Frame', accelerator: 'F7', click: () => actions.game('step') },
        { label: 'Restart With Fresh State', accelerator: 'CmdOrCtrl+Shift+F5', click: () => actions.game('restart') },
      ],
    },
    {
      label: '&Help',
      submenu: [
        { label: 'Kiln Documentation', click: () => actions.openDocs() },
        ...(mac ? [] : [{ type: 'separator' as const }, { label: 'About Kiln', click: () => actions.about() }]),
      ],
    },
  ];
}
