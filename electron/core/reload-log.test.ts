import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { RELOAD_HISTORY_LIMIT } from '../shared/contract';
import { ReloadLog } from './reload-log';

describe('ReloadLog', () => {
  it('keeps history across sessions, skips a torn line, and never grows the file without bound', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-log-'));
    const file = path.join(dir, 'reload-log.jsonl');
    try {
      const log = new ReloadLog(file);
      const base = { plugin: 'p', version: 1, trigger: 'save' as const, outcome: 'ok' as const, at: 0, timings: {}, diagnostics: [], message: 'x'.repeat(2000) };
      for (let i = 0; i < 3000; i++) log.append(base);
      await log.flush();
      expect(statSync(file).size).toBeLessThan(5 * 1024 * 1024);
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      expect(JSON.parse(lines.at(-1)!).id).toBe(3000);
      const again = new ReloadLog(file);
      await again.load();
      expect((await again.history()).at(-1)!.id).toBe(3000);
      // What the editor's log shows, the newest, in order (an editor that connects gets these).
      expect((await log.history()).map((e) => e.id)).toEqual(Array.from({ length: RELOAD_HISTORY_LIMIT }, (_, k) => 3000 - RELOAD_HISTORY_LIMIT + 1 + k));
      expect(await again.history()).toHaveLength(RELOAD_HISTORY_LIMIT);
      expect((await again.history())[0].message).toBe(base.message);
      expect(again.append(base).id).toBe(3001);
      // Asked for at once, the history holds what was appended before the question.
      expect((await again.history()).at(-1)!.id).toBe(3001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('keeps no event in memory: the history is the file, torn line and all', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-log-'));
    const file = path.join(dir, 'reload-log.jsonl');
    try {
      const log = new ReloadLog(file);
      const base = { plugin: 'p', version: 1, trigger: 'save' as const, outcome: 'ok' as const, at: 0, timings: {}, diagnostics: [], message: 'm' };
      for (let i = 0; i < 5; i++) log.append(base);
      await log.flush();
      // A crash mid-write leaves a torn line; someone trims the file by hand: the history follows the file.
      const lines = readFileSync(file, 'utf8').trim().split('\n');
      writeFileSync(file, `${lines.slice(2).join('\n')}\n{"id":6,"plu`);
      expect((await log.history()).map((e) => e.id)).toEqual([3, 4, 5]);
      const again = new ReloadLog(file);
      await again.load();
      expect(again.append(base).id).toBe(6);
      expect((await again.history()).map((e) => e.id)).toEqual([3, 4, 5, 6]); // on a line of its own, after the torn one
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
