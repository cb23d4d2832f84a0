/**
 * Bad days on disk: a source that is not UTF-8, a project folder that disappears, a full disk. Each is
 * refused with words a user can act on, and nothing already on disk is damaged.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Project } from './project';
import { closeTestBackends, openTestBackend, pixelAt, testPaths } from './test-support';

const cleanups: Array<() => void> = [];
afterEach(() => cleanups.splice(0).reverse().forEach((c) => c()));

function project(dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-lost-'))): string {
  writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'p', plugins: [{ name: 'p', sources: ['p.c'] }] }));
  writeFileSync(path.join(dir, 'p.c'), 'int p;\n');
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A 64 KiB tmpfs (or `size`): a real full disk. Needs root (CI and these machines run as root). */
function tinyDisk(size = '64k'): string | null {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-tinydisk-'));
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', dir], { stdio: 'ignore' });
  } catch {
    rmSync(dir, { recursive: true, force: true });
    return null;
  }
  cleanups.push(() => {
    execFileSync('umount', [dir]);
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

describe('nothing is lost', () => {
  it('a source that is not UTF-8 is refused with where and how to fix it', async () => {
    const dir = project();
    writeFileSync(path.join(dir, 'latin1.c'), Buffer.from([0x69, 0x6e, 0x74, 0x20, 0xe9, 0x3b, 0x0a])); // "int é;" in Latin-1
    const p = await Project.open(dir);
    await expect(p.readFile('latin1.c')).rejects.toThrow(/latin1.c is not valid UTF-8 \(byte 4\).*iconv/);
  });

  it('a project folder that disappeared: the save is refused, saying so', async () => {
    const dir = project();
    const p = await Project.open(dir);
    rmSync(dir, { recursive: true, force: true });
    await expect(p.writeFile('p.c', 'int p = 2;\n')).rejects.toThrow(/could not save p.c: no such file \(is the project folder .* still there\?\).*still in the editor/);
  });

  it('a full disk: the save is refused, the file on disk is untouched, no temp file is left', async (ctx) => {
    const disk = tinyDisk();
    if (!disk) return ctx.skip('mounting a tmpfs needs root; this run is not root');
    const dir = path.join(disk, 'proj');
    mkdirSync(dir);
    project(dir);
    const p = await Project.open(dir);
    await expect(p.writeFile('p.c', 'x'.repeat(256 * 1024))).rejects.toThrow(/could not save p.c: the disk is full \(ENOSPC\).*still in the editor/);
    expect(readFileSync(path.join(dir, 'p.c'), 'utf8')).toBe('int p;\n');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('a save the full disk refused is never loaded, though its compile started with the saved text', async (ctx) => {
    const disk = tinyDisk('4m');
    if (!disk) return ctx.skip('mounting a tmpfs needs root; this run is not root');
    const dir = path.join(disk, 'pong');
    cpSync(path.join(testPaths.root, 'plugins', 'pong'), dir, { recursive: true, filter: (s) => !s.includes(`${path.sep}.kiln`) });
    const work = path.join(dir, '.kiln');
    mkdirSync(work);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64m', 'tmpfs', work], { stdio: 'ignore' }); // builds have room; the project's disk fills up
    const source = readFileSync(path.join(dir, 'pong.c'), 'utf8');
    const { backend, events } = await openTestBackend(dir);
    try {
      expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 1 });
      const before = await pixelAt(backend, 2, 60);
      const { bavail, bsize } = statfsSync(disk);
      writeFileSync(path.join(disk, 'filler'), Buffer.alloc(Number(bavail) * bsize));
      const saved = source.replace(/#define BACKGROUND_COLOR 0x[0-9A-Fa-f]+/, '#define BACKGROUND_COLOR 0x5A1E3CFF');
      expect(saved).not.toBe(source);
      await expect(backend.save('pong.c', saved)).rejects.toThrow(/could not save pong.c: the disk is full \(ENOSPC\).*still in the editor/);
      await backend.idle();
      expect(events.length).toBe(1); // no entry: nothing was built from what is not on disk
      expect(await backend.request('status.get', {})).toMatchObject({ state: 'error', version: 1, message: expect.stringMatching(/disk is full.*the previous version keeps running/) });
      expect(await pixelAt(backend, 2, 60)).toBe(before);
      expect(readFileSync(path.join(dir, 'pong.c'), 'utf8')).toBe(source);
      // Room again: the same save goes through and runs.
      rmSync(path.join(disk, 'filler'));
      await backend.save('pong.c', saved);
      await backend.idle();
      expect(events.at(-1)).toMatchObject({ outcome: 'ok', version: 2 });
      expect(await pixelAt(backend, 2, 60)).toBe(0x5a1e3c);
    } finally {
      await backend.stop(); // before its disks go
      execFileSync('umount', [work]);
      await closeTestBackends();
    }
  });
});
