import { afterEach, describe, expect, it, vi } from 'vitest';
import type { GameLogMessage } from '../shared/contract';
import { GameLog, UPDATE_EVERY_MS } from './game-log';

const line = (text: string, extra: Partial<GameLogMessage> = {}): GameLogMessage => ({ at: Date.now(), level: 'info', text, plugin: 'pong', source: 'stdout', ...extra });

/** What the UI would show: the last copy of each entry, newest first (as reloadLogStore keeps them). */
function shown(sent: GameLogMessage[]): GameLogMessage[] {
  const byId = new Map<number, GameLogMessage>();
  for (const m of sent) {
    byId.delete(m.id!);
    byId.set(m.id!, m);
  }
  return [...byId.values()].reverse();
}

describe('the game log folds repeated lines into a count', () => {
  afterEach(() => vi.useRealTimers());

  it('60 identical lines in a row are one entry with count 60, re-sent at most every 250 ms', () => {
    vi.useFakeTimers();
    const sent: GameLogMessage[] = [];
    const log = new GameLog((m) => sent.push(m));
    for (let i = 0; i < 60; i++) {
      log.add(line('ball at 10'));
      vi.advanceTimersByTime(1000 / 60);
    }
    vi.advanceTimersByTime(UPDATE_EVERY_MS);
    expect(shown(sent)).toEqual([expect.objectContaining({ id: 1, count: 60, text: 'ball at 10', plugin: 'pong', source: 'stdout' })]);
    expect(sent.length).toBeLessThanOrEqual(1 + Math.ceil(1000 / UPDATE_EVERY_MS) + 1);
    log.close();
  });

  it('a printf and a log_printf alternating in update fold each into its own entry', () => {
    vi.useFakeTimers();
    const sent: GameLogMessage[] = [];
    const log = new GameLog((m) => sent.push(m));
    for (let i = 0; i < 30; i++) {
      log.add(line('tick'));
      log.add(line('pong: score 3', { source: 'log' }));
    }
    vi.advanceTimersByTime(UPDATE_EVERY_MS);
    expect(shown(sent).map((m) => [m.text, m.count])).toEqual([
      ['pong: score 3', 30],
      ['tick', 30],
    ]);
    log.close();
  });

  it('the same text from another plugin, stream or level is another entry; a line out of the window starts a new one', () => {
    const sent: GameLogMessage[] = [];
    const log = new GameLog((m) => sent.push(m), { window: 2 });
    log.add(line('x'));
    log.add(line('x', { plugin: 'ball' }));
    log.add(line('x', { source: 'stderr', level: 'warn' }));
    log.add(line('x')); // pushed out of the 2-line window by the two above
    expect(shown(sent).map((m) => [m.plugin, m.source, m.count])).toEqual([
      ['pong', 'stdout', 1],
      ['pong', 'stderr', 1],
      ['ball', 'stdout', 1],
      ['pong', 'stdout', 1],
    ]);
    expect(new Set(sent.map((m) => m.id)).size).toBe(4);
  });

  it('an entry pushed out of the window sends its final count at once', () => {
    vi.useFakeTimers();
    const sent: GameLogMessage[] = [];
    const log = new GameLog((m) => sent.push(m), { window: 1 });
    log.add(line('a'));
    log.add(line('a'));
    log.add(line('a')); // pending: inside 250 ms of the last send
    log.add(line('b'));
    expect(shown(sent).map((m) => [m.text, m.count])).toEqual([
      ['b', 1],
      ['a', 3],
    ]);
    log.close();
  });
});
