import { beforeEach, describe, expect, it } from 'vitest';
import { useReloadLogStore } from './reloadLogStore';

describe('the game log in the UI', () => {
  beforeEach(() => useReloadLogStore.setState({ gameLog: [] }));

  it('an entry re-sent with a higher count replaces its older copy and comes to the top', () => {
    const { appendGameLog } = useReloadLogStore.getState();
    appendGameLog({ at: 1, level: 'info', text: 'tick', plugin: 'pong', source: 'stdout', id: 1, count: 1 });
    appendGameLog({ at: 2, level: 'info', text: 'pong: hello', plugin: 'pong', id: 2, count: 1 });
    appendGameLog({ at: 3, level: 'info', text: 'tick', plugin: 'pong', source: 'stdout', id: 1, count: 60 });
    expect(useReloadLogStore.getState().gameLog.map((m) => [m.text, m.count])).toEqual([
      ['tick', 60],
      ['pong: hello', 1],
    ]);
  });

  it('lines without an id (an older back end) are all kept', () => {
    const { appendGameLog } = useReloadLogStore.getState();
    appendGameLog({ at: 1, level: 'info', text: 'same' });
    appendGameLog({ at: 2, level: 'info', text: 'same' });
    expect(useReloadLogStore.getState().gameLog).toHaveLength(2);
  });
});
