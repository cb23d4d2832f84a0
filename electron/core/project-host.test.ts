/** New projects from templates and switching projects, with the real back end underneath. */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { EventPayloads, ProjectInfo, RecentProject, ReloadEvent } from '../shared/contract';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { ProjectHost } from './project-host';
import { copyExample, testPaths } from './test-support';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function host() {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-host-data-'));
  const first = copyExample('pong', 'kiln-host-');
  const h = new ProjectHost({ paths: testPaths, launcher: nodeRunnerLauncher(testPaths.runnerScript), dataDir, trustProject: true });
  const events: ReloadEvent[] = [];
  const switched: ProjectInfo[] = [];
  h.on('reload', (e) => events.push(e));
  h.on('project-switched', (p) => switched.push(p));
  cleanups.push(() => rmSync(dataDir, { recursive: true, force: true }), () => rmSync(first, { recursive: true, force: true }), () => h.stop());
  await h.open(first);
  await h.backend.idle();
  return { h, dataDir, first, events, switched };
}

describe('ProjectHost', () => {
  it('creates a game from the empty template in the projects folder, trusted, and runs it', async () => {
    const { h, dataDir, events, switched } = await host();
    const reply = await h.dispatch('project.create', { name: 'Cave Run', template: 'empty' });
    expect(reply.ok).toBe(true);
    const info = (reply as { result: ProjectInfo }).result;
    expect(info).toMatchObject({ name: 'Cave Run', trusted: true });
    expect(info.root).toBe(path.join(dataDir, 'projects', 'cave-run'));
    expect(readFileSync(path.join(info.root, 'game.c'), 'utf8')).toContain('draw_text("Cave Run"');
    await h.backend.idle();
    expect(events.at(-1)).toMatchObject({ plugin: 'game', outcome: 'ok', version: 1 });
    expect(switched.map((p) => p.name)).toEqual(['Cave Run']);
    // Its frames flow: the template's background colour fills the corner.
    const frame = await new Promise<EventPayloads['reload'] | { pixels: Uint8Array }>((r) => h.once('frame', r));
    expect(Array.from((frame as { pixels: Uint8Array }).pixels.slice(0, 3))).toEqual([0x14, 0x20, 0x2e]);
    const again = await h.dispatch('project.create', { name: 'Cave Run', template: 'pong' });
    expect(again).toMatchObject({ ok: false, error: expect.stringMatching(/already exists/) });
  });

  it('opens another folder as untrusted, refuses what is not a project, and remembers recent ones', async () => {
    const { h, first } = await host();
    const other = copyExample('pong', 'kiln-host-other-');
    cleanups.push(() => rmSync(other, { recursive: true, force: true }));
    expect(await h.dispatch('project.open', { dir: 'relative/path' })).toMatchObject({ ok: false, error: expect.stringMatching(/not an absolute path/) });
    expect(await h.dispatch('project.open', { dir: os.tmpdir() })).toMatchObject({ ok: false, error: expect.stringMatching(/holds no kiln.json/) });
    const opened = await h.dispatch('project.open', { dir: other });
    expect(opened).toMatchObject({ ok: true, result: { trusted: false } });
    expect(await h.dispatch('status.get', {})).toMatchObject({ ok: true, result: { state: 'waiting' } });
    const recent = (await h.dispatch('project.recent', {})) as { result: RecentProject[] };
    expect(recent.result.map((p) => p.root)).toEqual([other, first].map((d) => path.resolve(d)));
    expect(existsSync(path.join(first, '.kiln'))).toBe(true);
  });
});
