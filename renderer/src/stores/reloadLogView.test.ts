import { describe, expect, it } from 'vitest';
import type { Diagnostic, ReloadEvent } from '../../../electron/shared/contract';
import { logAsText } from '../app/logText';
import { logItems, standingProblem, useReloadLogStore, type GameLogEntry } from './reloadLogStore';

let nextId = 100;
function event(plugin: string, outcome: ReloadEvent['outcome'], at: number, diagnostics: Diagnostic[] = [], message = ''): ReloadEvent {
  return { id: nextId++, plugin, version: 1, trigger: 'save', outcome, at, timings: {}, diagnostics, message };
}
const game = (at: number, text: string, seq: number): GameLogEntry => ({ at, level: 'info', text, seq });

describe('the problem shown over the game', () => {
  it('is the newest failure among each plugin’s latest event', () => {
    const crash = event('pong', 'crash-rolled-back', 30);
    expect(standingProblem([crash, event('pong', 'ok', 20)])).toBe(crash);
    expect(standingProblem([event('pong', 'ok', 40), crash])).toBeNull();
    const broken = event('ball', 'compile-error', 10);
    expect(standingProblem([event('pong', 'ok', 40), broken])).toBe(broken);
  });

  it('counts a crash reported before its reload’s own event as the newer one', () => {
    useReloadLogStore.setState({ events: [] });
    const ok = event('pong', 'ok', 100); // the save reached the back end at 100, the event is sent after the first frame
    const crash = event('pong', 'crash-rolled-back', 105); // that first frame crashed
    useReloadLogStore.getState().append(crash);
    useReloadLogStore.getState().append(ok);
    expect(standingProblem(useReloadLogStore.getState().events)).toBe(crash);
  });
});

describe('log filter and text', () => {
  const events = [event('ball', 'compile-error', 30, [{ file: 'ball.c', line: 3, column: 5, severity: 'error', message: "expected ';'" }]), event('pong', 'ok', 10)];
  const log = [game(20, 'hello', 1)];

  it('interleaves game messages by time, and hides them under a plugin or outcome filter', () => {
    expect(logItems(events, log, { plugin: '', outcome: 'all', gameLog: true }).map((i) => i.kind)).toEqual(['reload', 'game', 'reload']);
    expect(logItems(events, log, { plugin: 'pong', outcome: 'all', gameLog: true }).map((i) => i.kind)).toEqual(['reload']);
    expect(logItems(events, log, { plugin: '', outcome: 'failed', gameLog: true }).map((i) => i.kind === 'reload' && i.event.plugin)).toEqual(['ball']);
    expect(logItems(events, log, { plugin: '', outcome: 'good', gameLog: false }).map((i) => i.kind === 'reload' && i.event.plugin)).toEqual(['pong']);
  });

  it('copies as text with the diagnostics in compiler form', () => {
    const text = logAsText(logItems(events, log, { plugin: '', outcome: 'all', gameLog: true }));
    expect(text).toMatch(/ball v1 save compile-error\n {2}ball\.c:3:5 error: expected ';'/);
    expect(text).toMatch(/game info: hello/);
    expect(text.split('\n').filter((l) => !l.startsWith(' '))).toHaveLength(3);
  });
});
