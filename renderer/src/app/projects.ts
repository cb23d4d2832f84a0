/**
 * Another project in the editor: a new one from a template, another folder, or a switch the back end
 * announces (the Electron menu's Open Project). Everything the editor shows belongs to one project,
 * so a switch empties the stores and loads the new project's picture as at start.
 */
import { requestSchemas, type ProjectInfo, type RecentProject, type RequestParams } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { useDraftStore } from '../stores/draftStore';
import { isDirty, useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';
import { useUiStore } from '../stores/uiStore';
import { messageOf } from './actions';
import { flushDrafts, leaveProject } from './drafts';
import { synchronise } from './synchronise';

export type ProjectTemplate = RequestParams<'project.create'>['template'];

export const PROJECT_TEMPLATES: ReadonlyArray<{ id: ProjectTemplate; label: string; description: string }> = [
  { id: 'empty', label: 'Empty', description: 'one game.c: a square you move with the arrow keys' },
  { id: 'pong', label: 'Pong copy', description: 'a copy of the pong example, to take apart' },
];

/** Why the back end would refuse this project name (the contract's own rule), or null if it is fine. */
export function projectNameProblem(name: string): string | null {
  const trimmed = name.trim();
  if (!trimmed) return 'give the project a name';
  const parsed = requestSchemas['project.create'].shape.name.safeParse(trimmed);
  return parsed.success ? null : (parsed.error.issues[0]?.message ?? 'not a valid project name');
}

/** Paths of the open project's unsaved buffers: kept as drafts across a switch, and said so. */
export function unsavedPaths(): string[] {
  return useEditorStore.getState().tabs.filter(isDirty).map((t) => t.path);
}

/** Forget everything shown of the old project and show `info`; the rest loads as at start. */
export function resetStoresFor(info: ProjectInfo): void {
  useEditorStore.setState({ tabs: [], active: null, saving: [], error: null, reveal: null, cursor: { line: 1, column: 1 } });
  useReloadLogStore.setState((s) => ({ events: [], gameLog: [], filter: { ...s.filter, plugin: '' } }));
  useSessionStore.setState({
    status: { state: 'waiting', message: `opening ${info.name}` },
    runner: null,
    session: null,
    frameSize: null,
    dismissedProblem: null,
  });
  useDraftStore.getState().clear();
  useUiStore.getState().setCreating(null);
  useProjectStore.getState().setProject(info);
}

/** How many switches this page has shown: a request's reply skips the reset its own event did. */
let switches = 0;

/** The back end now serves `info`: replace everything the editor shows. */
export async function projectSwitched(info: ProjectInfo): Promise<void> {
  switches++;
  leaveProject(); // before the reset: it keeps the old buffers' newest text
  resetStoresFor(info);
  await synchronise();
}

async function switchBy(request: () => Promise<ProjectInfo>): Promise<string | null> {
  await flushDrafts(); // the old project's unsaved buffers reach its drafts before it closes
  const seen = switches;
  try {
    const info = await request();
    if (switches === seen) await projectSwitched(info);
    return null;
  } catch (err) {
    return messageOf(err);
  }
}

/** A new project from a template (trusted, opened, running). Returns the back end's refusal, or null. */
export function createProject(name: string, template: ProjectTemplate): Promise<string | null> {
  return switchBy(() => kiln().invoke('project.create', { name: name.trim(), template }));
}

/** Open the project in `dir` (an absolute path). Returns the back end's refusal, or null. */
export function openProject(dir: string): Promise<string | null> {
  return switchBy(() => kiln().invoke('project.open', { dir: dir.trim() }));
}

export function recentProjects(): Promise<RecentProject[]> {
  return kiln().invoke('project.recent', {});
}
