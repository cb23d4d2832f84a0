/**
 * The project folder (issue 11 §6): named pipes, sockets and device files never stall the back end's
 * file I/O, and a symlink to a folder outside the project never brings outside content to the UI.
 * A real back end (not trusted, so no builds or runner: only files and the watcher), real FIFOs
 * (mkfifo), a real Unix socket, real symlinks.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, constants, existsSync, lstatSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KilnBackend } from './backend';
import { nodeRunnerLauncher } from './node-runner-launcher';
import { Project, ProjectError } from './project';
import { sleep, testPaths, writeProject } from './test-support';

const KILN_JSON = JSON.stringify({ name: 'folder', plugins: [{ name: 'game', sources: ['game.c'] }] });

const cleanups: Array<() => void | Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** FIFOs in `dir`; on cleanup each is opened for writing once, so a reader blocked on it (a bug) is let go. */
function fifos(dir: string, names: string[]): void {
  for (const name of names) {
    const file = path.join(dir, name);
    execFileSync('mkfifo', [file]);
    cleanups.push(() => {
      try {
        closeSync(openSync(file, constants.O_WRONLY | constants.O_NONBLOCK));
      } catch {
        /* ENXIO: nobody is reading it, as it should be */
      }
    });
  }
}

/** Resolves with `work`, or fails when it has not finished in `ms` (a blocked read never does). */
function within<T>(ms: number, what: string, work: Promise<T>): Promise<T> {
  return Promise.race([work, sleep(ms).then(() => Promise.reject(new Error(`${what} did not finish in ${ms} ms: file I/O is stalled`)))]);
}

/** A back end on a project that is not trusted: it serves files and watches, and builds nothing. */
async function openBackend(dir: string): Promise<KilnBackend> {
  const backend = await KilnBackend.open({ projectDir: dir, paths: testPaths, launcher: nodeRunnerLauncher(testPaths.runnerScript), dataDir: tempDir('kiln-folder-data-') });
  cleanups.push(() => backend.stop());
  await backend.start();
  return backend;
}

describe('pipes, sockets and devices in the project', () => {
  it('file.read of a FIFO is refused at once with the reason', async () => {
    const dir = writeProject({ 'kiln.json': KILN_JSON, 'game.c': 'int x;\n' }, 'kiln-folder-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    fifos(dir, ['pipe.c']);
    const backend = await openBackend(dir);
    const reply = await within(10_000, 'file.read of a FIFO', backend.dispatch('file.read', { path: 'pipe.c' }));
    expect(reply).toEqual({ ok: false, error: expect.stringMatching(/cannot read pipe\.c: it is a named pipe \(FIFO\), not a regular file/) });
    expect(await backend.dispatch('file.read', { path: 'game.c' })).toEqual({ ok: true, result: { path: 'game.c', content: 'int x;\n' } });
  });

  it('file.read of a Unix socket and of a device file is refused with the reason', async () => {
    const dir = writeProject({ 'kiln.json': KILN_JSON, 'game.c': 'int x;\n' }, 'kiln-folder-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, 'sock.h'), resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const backend = await openBackend(dir);
    expect(await backend.dispatch('file.read', { path: 'sock.h' })).toEqual({ ok: false, error: expect.stringMatching(/it is a socket, not a regular file/) });
    let device = true;
    try {
      execFileSync('mknod', [path.join(dir, 'null.c'), 'c', '1', '3'], { stdio: 'ignore' }); // needs CAP_MKNOD
    } catch {
      device = false;
    }
    if (device) expect(await backend.dispatch('file.read', { path: 'null.c' })).toEqual({ ok: false, error: expect.stringMatching(/it is a device file/) });
  });

  it('the watcher skips them: with more FIFOs than I/O threads, outside edits still arrive and reads still answer', async () => {
    const dir = writeProject({ 'kiln.json': KILN_JSON, 'game.c': 'int x;\n' }, 'kiln-folder-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const backend = await openBackend(dir);
    const changed: Array<{ path: string; content: string }> = [];
    backend.on('file-changed', (c) => changed.push(c));
    // libuv has 4 I/O threads: a read blocked on each would stall every file operation of the back end.
    fifos(dir, ['a.c', 'b.c', 'c.h', 'd.h', 'e.c', 'f.c']);
    await sleep(300); // the watcher sees them appear
    writeFileSync(path.join(dir, 'game.c'), 'int y;\n');
    await expect.poll(() => changed.find((c) => c.path === 'game.c')?.content, { timeout: 10_000 }).toBe('int y;\n');
    expect(changed.map((c) => c.path)).toEqual(['game.c']);
    const reply = await within(10_000, 'file.read after FIFOs appeared', backend.dispatch('file.read', { path: 'game.c' }));
    expect(reply).toEqual({ ok: true, result: { path: 'game.c', content: 'int y;\n' } });
    const info = (await backend.dispatch('project.get', {})) as { ok: true; result: { files: Array<{ path: string }> } };
    expect(info.result.files.map((f) => f.path).sort()).toEqual(['game.c', 'kiln.json']);
  });

  it('a kiln.json that is a FIFO is refused at once with the reason', async () => {
    const dir = tempDir('kiln-folder-');
    fifos(dir, ['kiln.json']);
    const opening = Project.open(dir);
    await expect(within(10_000, 'opening a project whose kiln.json is a FIFO', opening)).rejects.toThrow(ProjectError);
    await expect(opening).rejects.toThrow(/kiln\.json: it is a named pipe \(FIFO\), not a regular file/);
  });
});

describe('a symlink to a folder outside the project', () => {
  it('is not followed by the watcher: outside files are never pushed, and file.read refuses them', async () => {
    const outside = tempDir('kiln-outside-');
    writeFileSync(path.join(outside, 'secret.h'), 'SECRET 1\n');
    const dir = writeProject({ 'kiln.json': KILN_JSON, 'game.c': 'int x;\n' }, 'kiln-folder-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync(outside, path.join(dir, 'link'));
    mkdirSync(path.join(dir, 'inc'));
    symlinkSync(path.join(dir, 'inc'), path.join(dir, 'inside-link')); // a link that stays inside is fine
    const backend = await openBackend(dir);
    const changed: Array<{ path: string; content: string }> = [];
    backend.on('file-changed', (c) => changed.push(c));
    writeFileSync(path.join(outside, 'secret.h'), 'SECRET 2\n');
    writeFileSync(path.join(outside, 'new.h'), 'SECRET 3\n');
    await sleep(500);
    writeFileSync(path.join(dir, 'inc', 'shared.h'), 'int shared;\n');
    // The inside change arrives (once per path it has); the outside ones never do.
    await expect.poll(() => changed.some((c) => c.path === 'inc/shared.h'), { timeout: 10_000 }).toBe(true);
    writeFileSync(path.join(dir, 'game.c'), 'int z;\n');
    await expect.poll(() => changed.some((c) => c.path === 'game.c'), { timeout: 10_000 }).toBe(true);
    expect(changed.filter((c) => c.content.includes('SECRET'))).toEqual([]);
    expect(changed.filter((c) => c.path.startsWith('link/'))).toEqual([]);
    expect(await backend.dispatch('file.read', { path: 'link/secret.h' })).toEqual({ ok: false, error: expect.stringMatching(/leads outside the project through a link/) });
    const info = (await backend.dispatch('project.get', {})) as { ok: true; result: { files: Array<{ path: string }> } };
    expect(info.result.files.map((f) => f.path)).not.toContain('link/secret.h');
  });
});

describe("the project's .kiln folder, as it came with the project", () => {
  it('a FIFO as the reload log and links in state/ are removed before anything reads or writes them', async () => {
    const outside = tempDir('kiln-outside-');
    writeFileSync(path.join(outside, 'precious.txt'), 'keep me\n');
    const dir = writeProject({ 'kiln.json': KILN_JSON, 'game.c': 'int x;\n' }, 'kiln-folder-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    mkdirSync(path.join(dir, '.kiln', 'state'), { recursive: true });
    fifos(path.join(dir, '.kiln'), ['reload-log.jsonl', '.gitignore']);
    symlinkSync(path.join(outside, 'precious.txt'), path.join(dir, '.kiln', 'state', 'game.state'));
    const backend = await within(10_000, 'opening a project whose .kiln holds a FIFO', openBackend(dir));
    expect(await backend.dispatch('reload.history', {})).toEqual({ ok: true, result: [] });
    expect(lstatSync(path.join(dir, '.kiln', 'reload-log.jsonl'), { throwIfNoEntry: false })).toBeUndefined();
    expect(existsSync(path.join(dir, '.kiln', 'state', 'game.state'))).toBe(false);
    expect(readFileSync(path.join(dir, '.kiln', '.gitignore'), 'utf8')).toBe('*\n');
    expect(readFileSync(path.join(outside, 'precious.txt'), 'utf8')).toBe('keep me\n');
  });

  it('.kiln as a link out of the project is refused with the reason', async () => {
    const outside = tempDir('kiln-outside-');
    const dir = writeProject({ 'kiln.json': KILN_JSON, 'game.c': 'int x;\n' }, 'kiln-folder-');
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    symlinkSync(outside, path.join(dir, '.kiln'));
    await expect(openBackend(dir)).rejects.toThrow(/\.kiln is a link, not a folder — .*remove it/);
  });
});
