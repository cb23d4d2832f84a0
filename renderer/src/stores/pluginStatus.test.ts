import { beforeEach, describe, expect, it } from 'vitest';
import type { ReloadEvent, ReloadStatus } from '../../../electron/shared/contract';
import { pluginStates, worstState } from './pluginStatus';
import { useSessionStore } from './sessionStore';

let nextId = 1;
function event(plugin: string, outcome: ReloadEvent['outcome'], version: number | null = 1): ReloadEvent {
  const id = nextId++;
  return { id, plugin, version, trigger: 'save', outcome, at: 1000 + id, timings: {}, diagnostics: [], message: `${plugin} ${outcome}` };
}
const status = (plugin: string, state: ReloadStatus['state'], version: number | null = 1): ReloadStatus => ({ state, plugin, version, message: `${plugin} ${state}` });

describe('the status pill shows the worst plugin', () => {
  beforeEach(() => useSessionStore.getState().resetStatus({ state: 'waiting', message: '' }));

  it('says error while one plugin is broken, though the other was built last', () => {
    const s = useSessionStore.getState();
    s.setStatus(status('ball', 'error'));
    s.setStatus(status('pong', 'building'));
    s.setStatus(status('pong', 'ok', 2));
    const rows = pluginStates(['pong', 'ball'], useSessionStore.getState().pluginStatus, []);
    expect(rows.map((r) => [r.name, r.state])).toEqual([
      ['pong', 'ok'],
      ['ball', 'error'],
    ]);
    expect(worstState(rows)?.name).toBe('ball');
    expect(useSessionStore.getState().status.plugin).toBe('pong'); // the newest status is still kept as such
  });

  it('ranks a build in progress above ok and below error', () => {
    expect(worstState(pluginStates(['a', 'b'], { a: status('a', 'ok'), b: status('b', 'loading') }, []))?.state).toBe('loading');
    expect(worstState(pluginStates(['a', 'b', 'c'], { a: status('a', 'building'), b: status('b', 'error'), c: status('c', 'ok') }, []))?.name).toBe('b');
  });

  it('falls back to each plugin’s newest log entry when no status of it was heard (a page opened later)', () => {
    const newestFirst = [event('pong', 'ok', 3), event('ball', 'crash-rolled-back', 1), event('pong', 'compile-error', 2), event('ball', 'ok', 1)];
    const rows = pluginStates(['pong', 'ball', 'fresh'], {}, newestFirst);
    expect(rows.map((r) => `${r.name}:${r.state}:${r.version}`)).toEqual(['pong:ok:3', 'ball:error:1', 'fresh:waiting:null']);
    expect(worstState(rows)?.name).toBe('ball');
  });

  it('counts a refused kiln.json as an error of its own', () => {
    const rows = pluginStates(['pong'], { pong: status('pong', 'ok') }, [], { message: 'kiln.json:3:3: not valid JSON: comma expected' });
    expect(worstState(rows)).toMatchObject({ name: 'kiln.json', state: 'error' });
  });

  it('forgets per-plugin statuses on a resync (they may be stale)', () => {
    useSessionStore.getState().setStatus(status('ball', 'building'));
    useSessionStore.getState().resetStatus(status('pong', 'ok'));
    expect(Object.keys(useSessionStore.getState().pluginStatus)).toEqual(['pong']);
  });
});
