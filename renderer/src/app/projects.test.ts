import { beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import type { KilnApi, ProjectInfo, ReloadEvent } from '../../../electron/shared/contract';
import { useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';
import { createProject, projectNameProblem, projectSwitched } from './projects';
import { synchronise } from './synchronise';

const project = (name: string, source: string): ProjectInfo => ({
  name,
  root: `/projects/${name}`,
  trusted: true,
  width: 320,
  height: 180,
  files: [{ path: source, kind: 'source' }],
  plugins: [{ name: source.replace('.c', ''), sources: [source], version: 1 }],
});
const loaded = (id: number, plugin: string): ReloadEvent => ({ id, plugin, version: 1, trigger: 'startup', outcome: 'ok', at: id, timings: {}, diagnostics: [], message: '' });

/** A back end with two projects, pong open first; records every request in order. */
function fakeBackEnd() {
  type Side = { info: ProjectInfo; files: Record<string, string>; history: ReloadEvent[] };
  const pong: Side = { info: project('pong', 'pong.c'), files: { 'pong.c': 'pong source' }, history: [loaded(1, 'pong')] };
  const rocks: Side = { info: project('rocks', 'game.c'), files: { 'game.c': 'rocks source' }, history: [loaded(7, 'game')] };
  const state = {
    open: pong,
    calls: [] as string[],
    drafts: new Map<string, Map<string, string>>(),
    onCreate: (): void => {},
    /** The log history answers when this resolves (a slow read of the log file). */
    historyReady: Promise.resolve(),
    buildState: 'ok' as 'loading' | 'ok',
  };
  const draftsOf = () => state.drafts.get(state.open.info.root) ?? state.drafts.set(state.open.info.root, new Map()).get(state.open.info.root)!;
  const invoke = async (method: string, params: Record<string, string>): Promise<unknown> => {
    state.calls.push(method === 'draft.put' ? `draft.put ${params.path}` : method);
    switch (method) {
      case 'project.get':
        return state.open.info;
      case 'reload.history':
        await state.historyReady;
        return state.open.history;
      case 'status.get':
        return { state: state.buildState, plugin: state.open.info.plugins[0].name, version: 1, message: `${state.open.info.name} runs` };
      case 'file.read':
        return { path: params.path, content: state.open.files[params.path] };
      case 'draft.list':
        return [...draftsOf()].map(([path, content]) => ({ path, content, at: 0 }));
      case 'draft.put':
        draftsOf().set(params.path, params.content);
        return { ok: true };
      case 'draft.drop':
        draftsOf().delete(params.path);
        return { ok: true };
      case 'project.create':
        state.open = rocks;
        state.onCreate();
        return rocks.info;
      default:
        throw new Error(`${method} is not in this fake`);
    }
  };
  const api = { invoke, on: () => () => {}, onFrame: () => () => {} } as unknown as KilnApi;
  return { api, state, pong, rocks };
}

let backEnd: ReturnType<typeof fakeBackEnd>;

beforeAll(() => {
  backEnd = fakeBackEnd();
  // The page's one bridge is chosen once: the Electron preload's window.kiln, here the fake.
  vi.stubGlobal('window', { kiln: backEnd.api });
});

beforeEach(async () => {
  backEnd.state.open = backEnd.pong;
  backEnd.state.onCreate = () => {};
  backEnd.state.historyReady = Promise.resolve();
  backEnd.state.buildState = 'ok';
  await projectSwitched(backEnd.pong.info);
  backEnd.state.calls.length = 0;
});

describe('project names', () => {
  it('takes what the back end takes and says why otherwise', () => {
    expect(projectNameProblem('Space Rocks')).toBeNull();
    expect(projectNameProblem('  ')).toBe('give the project a name');
    expect(projectNameProblem('../etc')).toMatch(/letters, digits/);
    expect(projectNameProblem('-dash first')).toMatch(/letters, digits/);
  });
});

describe('switching projects', () => {
  it('shows only the new project: its file open, its log, its status; the old buffer is a draft of the old project first', async () => {
    await synchronise();
    expect(useEditorStore.getState().active).toBe('pong.c');
    useEditorStore.getState().edited('pong.c', 'pong source, edited');
    useReloadLogStore.getState().appendGameLog({ at: 1, level: 'info', text: 'pong says hi' });
    useSessionStore.getState().dismissProblem(3);

    expect(await createProject('rocks', 'empty')).toBeNull();

    const calls = backEnd.state.calls;
    expect(calls.indexOf('draft.put pong.c')).toBeGreaterThanOrEqual(0);
    expect(calls.indexOf('draft.put pong.c')).toBeLessThan(calls.indexOf('project.create'));
    expect(backEnd.state.drafts.get('/projects/pong')?.get('pong.c')).toBe('pong source, edited');
    expect(backEnd.state.drafts.get('/projects/rocks')?.size ?? 0).toBe(0);

    expect(useProjectStore.getState().project?.name).toBe('rocks');
    expect(useEditorStore.getState().tabs.map((t) => [t.path, t.content])).toEqual([['game.c', 'rocks source']]);
    expect(useEditorStore.getState().active).toBe('game.c');
    expect(useReloadLogStore.getState().events.map((e) => e.id)).toEqual([7]);
    expect(useReloadLogStore.getState().gameLog).toEqual([]);
    expect(useSessionStore.getState().status.message).toBe('rocks runs');
    expect(useSessionStore.getState().dismissedProblem).toBeNull();
  });

  it('loads the new project once when its project-switched event comes before the reply', async () => {
    backEnd.state.onCreate = () => void projectSwitched(backEnd.rocks.info);
    expect(await createProject('rocks', 'empty')).toBeNull();
    await vi.waitFor(() => expect(useEditorStore.getState().active).toBe('game.c'));
    expect(backEnd.state.calls.filter((c) => c === 'project.get')).toHaveLength(1);
  });

  it('keeps the open project when the back end refuses, and returns its reason', async () => {
    await synchronise();
    backEnd.state.onCreate = () => {
      throw new Error('refused: /data/projects/rocks already exists — choose another name, or open it');
    };
    expect(await createProject('rocks', 'empty')).toMatch(/already exists/);
    expect(useProjectStore.getState().project?.name).toBe('pong');
    expect(useEditorStore.getState().active).toBe('pong.c');
  });

  it('keeps a status event that comes while the switch still loads, over the older status it asked for', async () => {
    let historyArrives!: () => void;
    backEnd.state.historyReady = new Promise((resolve) => (historyArrives = resolve));
    backEnd.state.buildState = 'loading';
    const switched = projectSwitched(backEnd.rocks.info);
    await vi.waitFor(() => expect(useSessionStore.getState().status.state).toBe('loading'));
    // The build finishes: its status event arrives before the (slow) log history does.
    useSessionStore.getState().setStatus({ state: 'ok', plugin: 'game', version: 1, message: 'game v1 running' });
    historyArrives();
    await switched;
    expect(useSessionStore.getState().status.state).toBe('ok');
  });
});
