import { getBridge } from '../api';
import { useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';
import { openFile } from './actions';
import { watchDrafts } from './drafts';

/** Pull the back end's current picture into the stores (at start, after every reconnect, after a project switch). */
export async function synchronise(): Promise<void> {
  const api = getBridge().api;
  try {
    // Each answer is applied the moment it arrives: a status event that comes after it is newer, and a
    // slower answer (the log history) must not let an old snapshot overwrite that event.
    const [project] = await Promise.all([
      api.invoke('project.get', {}).then((p) => (useProjectStore.getState().setProject(p), p)),
      api.invoke('reload.history', {}).then((h) => useReloadLogStore.getState().setHistory(h)),
      api.invoke('status.get', {}).then((s) => useSessionStore.getState().resetStatus(s)),
    ]);
    if (!useSessionStore.getState().frameSize) useSessionStore.getState().setFrameSize(project.width, project.height);
    await watchDrafts(project.root);
    if (useEditorStore.getState().tabs.length === 0) {
      const first = project.plugins[0]?.sources[0] ?? project.files.find((f) => f.kind === 'source')?.path;
      if (first) await openFile(first);
    }
  } catch (err) {
    useProjectStore.getState().setError(err instanceof Error ? err.message : String(err));
  }
  // A late page asks for what it missed; an older back end without these calls leaves the defaults.
  api.invoke('runner.get', {}).then((r) => useSessionStore.getState().setRunner(r), () => {});
  api.invoke('session.get', {}).then((s) => useSessionStore.getState().setSession(s), () => {});
}
