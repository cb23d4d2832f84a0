import { describe, expect, it } from 'vitest';
import type { Diagnostic, ReloadEvent } from '../../../electron/shared/contract';
import { standingDiagnostics, useReloadLogStore } from './reloadLogStore';

let nextId = 1;
function event(plugin: string, outcome: ReloadEvent['outcome'], diagnostics: Diagnostic[] = []): ReloadEvent {
  const id = nextId++;
  return { id, plugin, version: 1, trigger: 'save', outcome, at: 1000 + id, timings: {}, diagnostics, message: '' };
}
const err = (file: string, line: number): Diagnostic => ({ file, line, column: 1, severity: 'error', message: 'bad' });

describe('standing diagnostics', () => {
  it('shows the newest failed build of a plugin for the open file', () => {
    const newestFirst = [event('pong', 'compile-error', [err('pong.c', 3), err('other.c', 1)]), event('pong', 'ok')];
    expect(standingDiagnostics(newestFirst, 'pong.c').map((d) => d.line)).toEqual([3]);
  });

  it('clears them once the plugin loads cleanly again', () => {
    const newestFirst = [event('pong', 'ok'), event('pong', 'compile-error', [err('pong.c', 3)])];
    expect(standingDiagnostics(newestFirst, 'pong.c')).toEqual([]);
  });

  it('keeps one plugin’s errors when another plugin reloads', () => {
    const newestFirst = [event('ball', 'ok'), event('pong', 'compile-error', [err('pong.c', 9)])];
    expect(standingDiagnostics(newestFirst, 'pong.c').map((d) => d.line)).toEqual([9]);
  });
});

describe('reload log store', () => {
  it('keeps events newest first and does not duplicate a replayed event', () => {
    const a = event('pong', 'ok');
    const b = event('pong', 'ok');
    useReloadLogStore.getState().setHistory([a, b]);
    useReloadLogStore.getState().append(b);
    const c = event('pong', 'compile-error');
    useReloadLogStore.getState().append(c);
    expect(useReloadLogStore.getState().events.map((e) => e.id)).toEqual([c.id, b.id, a.id]);
  });
});
