import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
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
      expect(again.history().at(-1)!.id).toBe(3000);
      // In memory: what the editor's log shows, the newest, in order (an editor that connects gets these).
      expect(log.history().map((e) => e.id)).toEqual(Array.from({ length: RELOAD_HISTORY_LIMIT }, (_, k) => 3000 - RELOAD_HISTORY_LIMIT + 1 + k));
      expect(again.history()).toHaveLength(RELOAD_HISTORY_LIMIT);
      expect(again.history()[0].message).toBe(base.message);
      expect(again.append(base).id).toBe(3001);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
