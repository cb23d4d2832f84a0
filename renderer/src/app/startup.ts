import { getBridge } from '../api';
import { useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';
import type { MenuCommand } from '../../../electron/shared/contract';
import { editorCommands } from '../editor/commands';
import { useUiStore } from '../stores/uiStore';
import { closeTab, saveActiveFile, saveAll } from './actions';
import { startAutosave } from './autosave';
import { projectSwitched } from './projects';
import { synchronise } from './synchronise';

/** The Electron menu's editor commands (its game commands go straight to the back end). */
function runMenuCommand(command: MenuCommand): void {
  switch (command) {
    case 'save':
      return void saveActiveFile();
    case 'save-all':
      return void saveAll();
    case 'new-plugin':
      return useUiStore.getState().setCreating('plugin');
    case 'new-file':
      return useUiStore.getState().setCreating('file');
    case 'new-project':
      return useUiStore.getState().setProjectDialog('new');
    case 'open-project':
      return useUiStore.getState().setProjectDialog('open');
    case 'close-tab': {
      const { active } = useEditorStore.getState();
      if (active) closeTab(active);
      return;
    }
    case 'next-problem':
      return editorCommands()?.nextProblem();
    case 'focus-editor':
      return editorCommands()?.focus();
    case 'focus-game':
      return document.querySelector<HTMLElement>('[data-testid="game-canvas"]')?.focus();
  }
}

/** Subscribe the stores to the back end's events, then load the project. Call once. */
export function startApp(): void {
  const bridge = getBridge();
  const { api } = bridge;
  api.on('reload', (e) => useReloadLogStore.getState().append(e));
  api.on('status', (s) => useSessionStore.getState().setStatus(s));
  api.on('runner', (r) => useSessionStore.getState().setRunner(r));
  api.on('game-log', (m) => useReloadLogStore.getState().appendGameLog(m));
  api.on('session', (s) => useSessionStore.getState().setSession(s));
  api.on('project', (p) => useProjectStore.getState().setProject(p));
  api.on('file-changed', ({ path, content }) => useEditorStore.getState().changedOnDisk(path, content));
  api.on('file-removed', ({ path }) => useEditorStore.getState().removedOnDisk(path));
  api.on('project-switched', (p) => void projectSwitched(p));
  api.on('menu-command', ({ command }) => runMenuCommand(command));

  useSessionStore.getState().setConnection(bridge.connection());
  let wasDropped = false;
  bridge.onConnection((state) => {
    useSessionStore.getState().setConnection(state);
    if (state === 'disconnected') wasDropped = true;
    if (state === 'connected' && wasDropped) {
      wasDropped = false;
      void synchronise();
    }
  });
  startAutosave();
  window.addEventListener('beforeunload', (e) => {
    if (!useEditorStore.getState().tabs.some((t) => t.content !== t.savedContent)) return;
    e.preventDefault();
    e.returnValue = ''; // older Chromium (Electron) needs this to show the prompt
  });
  void synchronise();
}
