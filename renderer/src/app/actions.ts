import type { BuildProfile } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { isDirty, useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { useSessionStore } from '../stores/sessionStore';

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function fail(what: string, err: unknown): void {
  useEditorStore.getState().setError(`${what}: ${messageOf(err)}`);
}

/** Open a project file in a tab (or switch to its tab when it is already open). */
export async function openFile(path: string): Promise<void> {
  const editor = useEditorStore.getState();
  if (editor.tabs.some((t) => t.path === path)) {
    editor.activate(path);
    return;
  }
  try {
    const { content } = await kiln().invoke('file.read', { path });
    // Opened meanwhile (a double click): keep that tab and its edits.
    if (useEditorStore.getState().tabs.some((t) => t.path === path)) useEditorStore.getState().activate(path);
    else useEditorStore.getState().opened(path, content);
  } catch (err) {
    fail(`could not open ${path}`, err);
  }
}

/** Save one tab; the back end rebuilds whatever plugin uses it. */
export async function saveFile(path: string): Promise<void> {
  const tab = useEditorStore.getState().tabs.find((t) => t.path === path);
  if (!tab || tab.readOnly) return;
  const { content } = tab;
  useEditorStore.getState().setSaving(path, true);
  try {
    await kiln().invoke('file.save', { path, content });
    useEditorStore.getState().saved(path, content);
  } catch (err) {
    fail(`could not save ${path}`, err);
  } finally {
    useEditorStore.getState().setSaving(path, false);
  }
}

export async function saveActiveFile(): Promise<void> {
  const { active } = useEditorStore.getState();
  if (active) await saveFile(active);
}

/** Ctrl+Shift+S: every tab with unsaved changes. */
export async function saveAll(): Promise<void> {
  const dirty = useEditorStore.getState().tabs.filter(isDirty);
  await Promise.all(dirty.map((t) => saveFile(t.path)));
}

/** Close a tab, asking first when it holds unsaved changes. Returns whether it closed. */
export function closeTab(path: string): boolean {
  const tab = useEditorStore.getState().tabs.find((t) => t.path === path);
  if (!tab) return true;
  if (isDirty(tab) && !window.confirm(`${path} has unsaved changes. Close it and discard them?`)) return false;
  useEditorStore.getState().close(path);
  return true;
}

/** Show a file at a line/column, opening its tab first. */
export async function jumpTo(file: string, line: number, column: number): Promise<void> {
  await openFile(file);
  if (useEditorStore.getState().active !== file) return;
  useEditorStore.getState().revealAt(file, line, column);
}

// ------------------------------------------------------------ files and plugins

export async function createFile(path: string): Promise<boolean> {
  try {
    const created = await kiln().invoke('file.create', { path, content: '' });
    await refreshProject();
    await openFile(created.path);
    return true;
  } catch (err) {
    fail(`could not create ${path}`, err);
    return false;
  }
}

export async function renameFile(from: string, to: string): Promise<boolean> {
  try {
    const result = await kiln().invoke('file.rename', { from, to });
    useEditorStore.getState().renamed(from, result.to);
    await refreshProject();
    return true;
  } catch (err) {
    fail(`could not rename ${from}`, err);
    return false;
  }
}

/** Delete a file after the user confirms; its tab closes. */
export async function deleteFile(path: string): Promise<boolean> {
  if (!window.confirm(`Delete ${path}? This removes the file from disk.`)) return false;
  try {
    await kiln().invoke('file.delete', { path });
    useEditorStore.getState().close(path);
    await refreshProject();
    return true;
  } catch (err) {
    fail(`could not delete ${path}`, err);
    return false;
  }
}

/** New plugin from the template: the back end writes it, builds it and runs it; we open its source. */
export async function createPlugin(name: string): Promise<boolean> {
  try {
    const plugin = await kiln().invoke('plugin.create', { name });
    await refreshProject();
    if (plugin.sources[0]) await openFile(plugin.sources[0]);
    return true;
  } catch (err) {
    fail(`could not create plugin ${name}`, err);
    return false;
  }
}

async function refreshProject(): Promise<void> {
  useProjectStore.getState().setProject(await kiln().invoke('project.get', {}));
}

// ------------------------------------------------------------ the running game

function report(what: string) {
  return (err: unknown) => useEditorStore.getState().setError(`${what}: ${messageOf(err)}`);
}

export async function gameControl(action: 'pause' | 'resume' | 'step' | 'restart'): Promise<void> {
  try {
    useSessionStore.getState().setSession(await kiln().invoke('game.control', { action }));
  } catch (err) {
    report(`could not ${action} the game`)(err);
  }
}

export function togglePause(): Promise<void> {
  return gameControl(useSessionStore.getState().session?.paused ? 'resume' : 'pause');
}

/** Reload now: rebuild every plugin (the active file's plugin would be narrower, but all is what a user expects of F5). */
export async function reloadNow(): Promise<void> {
  await kiln().invoke('build.reload', {}).catch(report('could not reload'));
}

export async function setProfile(profile: BuildProfile): Promise<void> {
  try {
    await kiln().invoke('build.profile', { profile });
    useSessionStore.getState().setSession(await kiln().invoke('session.get', {}));
  } catch (err) {
    report('could not switch the build profile')(err);
  }
}

export async function loopControl(action: 'record' | 'play' | 'stop'): Promise<void> {
  try {
    useSessionStore.getState().setSession(await kiln().invoke('loop.control', { action }));
  } catch (err) {
    report(`could not ${action} the loop`)(err);
  }
}

/** Handmade Hero's one key: record, then play the loop, then back to live play. */
export function cycleLoop(): Promise<void> {
  const loop = useSessionStore.getState().session?.loop ?? 'off';
  return loopControl(loop === 'off' ? 'record' : loop === 'recording' ? 'play' : 'stop');
}
