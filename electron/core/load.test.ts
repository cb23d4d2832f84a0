/**
 * A scripted session (the small version of the benchmark's 1,000-save soak): saves across two plugins
 * with compile errors and crashing versions mixed in. It must end with the last good source running,
 * the reload log complete and in order (in memory and on disk), and the back end's fds flat.
 */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { sessionSource, type SessionKind } from './test-support';
import type { ReloadEvent } from '../shared/contract';
import { KilnBackend } from './backend';
import { waitingLimitersUp } from './compiler';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { findKilnRoot, kilnPaths } from './paths';

const paths = kilnPaths(findKilnRoot(__dirname));
const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-load-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

type Kind = SessionKind;
const source = sessionSource;

const fdCount = () => readdirSync('/proc/self/fd').length;

describe('a long editing session', () => {
  it('120 saves with errors and crashes end with the last good code running and a complete, ordered log', async () => {
    writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'load', width: 16, height: 16, plugins: [{ name: 'a', sources: ['a.c'] }, { name: 'b', sources: ['b.c'] }] }));
    writeFileSync(path.join(dir, 'a.c'), source('a', 0, 1, 'good'));
    writeFileSync(path.join(dir, 'b.c'), source('b', 1, 1, 'good'));
    const backend = await KilnBackend.open({ projectDir: dir, paths, launcher: nodeRunnerLauncher(paths.runnerScript), trustProject: true });
    const events: ReloadEvent[] = [];
    backend.on('reload', (e) => events.push(e));
    await backend.start();
    await backend.idle();
    // The kiln-limit processes waiting for the next compile hold pipes here: counted once they are all up.
    await expect.poll(waitingLimitersUp, { timeout: 10_000 }).toBe(true);
    const fdsBefore = fdCount();

    const lastGood: Record<string, number> = { a: 1, b: 1 };
    const saves: Record<string, number> = { a: 0, b: 0 };
    for (let i = 2; i <= 121; i++) {
      const plugin = i % 2 ? 'a' : 'b';
      const kind: Kind = i % 10 === 3 ? 'compile-error' : i % 10 === 7 ? 'crash' : 'good';
      // A crashing version loads fine and is rolled back at its first frame, so it never becomes "good".
      if (kind === 'good') lastGood[plugin] = i;
      saves[plugin]++;
      await backend.save(`${plugin}.c`, source(plugin, plugin === 'a' ? 0 : 1, i, kind));
      if (i % 4 === 0) await backend.idle(); // some saves arrive while a build runs, some do not
    }
    // End on good code for both, as a user fixing their last mistake would.
    for (const plugin of ['a', 'b']) {
      lastGood[plugin] = 200;
      saves[plugin]++;
      await backend.save(`${plugin}.c`, source(plugin, plugin === 'a' ? 0 : 1, 200, 'good'));
    }
    await backend.idle();
    await new Promise((r) => setTimeout(r, 200)); // let crash reports of the last frames arrive

    // The last good source runs in both plugins.
    const frame = await new Promise<Uint8Array>((resolve) => backend.once('frame', (f) => resolve(f.pixels)));
    const rowColor = (row: number) => (frame[row * 16 * 4] << 16) | (frame[row * 16 * 4 + 1] << 8) | frame[row * 16 * 4 + 2];
    expect(rowColor(0)).toBe(200);
    expect(rowColor(1)).toBe(200);

    // Every save is accounted for: built, or folded into a newer build.
    for (const plugin of ['a', 'b']) {
      const mine = events.filter((e) => e.plugin === plugin && e.trigger === 'save');
      expect(mine.length + mine.reduce((n, e) => n + (e.savesFolded ?? 0), 0)).toBe(saves[plugin]);
      expect(mine.at(-1)!.outcome).toBe('ok');
    }
    expect(events.some((e) => e.outcome === 'compile-error')).toBe(true);
    expect(events.some((e) => e.outcome === 'crash-rolled-back')).toBe(true);

    // The log is in order, and the file on disk holds exactly what the session saw.
    const ids = events.map((e) => e.id);
    expect(ids).toEqual([...ids].sort((x, y) => x - y));
    await backend.stop();
    const onDisk = readFileSync(path.join(dir, '.kiln', 'reload-log.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as ReloadEvent);
    expect(onDisk.map((e) => e.id)).toEqual([...new Set([...onDisk.map((e) => e.id)])]);
    expect(onDisk.slice(-events.length).map((e) => e.id)).toEqual(ids);

    // No leaked descriptors in the back end (watchers, pipes, build outputs).
    await expect.poll(waitingLimitersUp, { timeout: 10_000 }).toBe(true);
    expect(fdCount()).toBeLessThanOrEqual(fdsBefore + 2);
    // Old build outputs are pruned; temp copies are cleaned by libkiln.
    expect(readdirSync(path.join(dir, '.kiln', 'build')).filter((f) => f.endsWith('.so')).length).toBeLessThanOrEqual(6);
  }, 120_000);
});
