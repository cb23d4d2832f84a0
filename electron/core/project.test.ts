import { mkdtempSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Project } from './project';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-project-'));
  writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify({ name: 'two', plugins: [{ name: 'a', sources: ['a.c'] }, { name: 'b', sources: ['b/b.c'] }] }));
  writeFileSync(path.join(dir, 'a.c'), 'int a;');
  mkdirSync(path.join(dir, 'b'));
  writeFileSync(path.join(dir, 'b', 'b.c'), 'int b;');
  writeFileSync(path.join(dir, 'shared.h'), '#define X 1');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('Project', () => {
  it('gives builds and the runner their default limits, and takes the ones kiln.json sets', async () => {
    const p = await Project.open(dir);
    expect(p.config.build).toMatchObject({ timeLimitSeconds: 60, memoryLimitMb: 2048 });
    expect(p.config.runner).toEqual({ memoryLimitMb: 4096 });
    const json = JSON.parse(readFileSync(path.join(dir, 'kiln.json'), 'utf8'));
    json.build = { compiler: 'tcc', timeLimitSeconds: 5, memoryLimitMb: 512 };
    json.runner = { memoryLimitMb: 1024 };
    writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify(json));
    const q = await Project.open(dir);
    expect(q.config.build).toMatchObject({ compiler: 'tcc', flags: [], profile: 'fast', timeLimitSeconds: 5, memoryLimitMb: 512 });
    expect(q.config.runner).toEqual({ memoryLimitMb: 1024 });
    json.build = { timeLimitSeconds: 0 };
    writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify(json));
    await expect(Project.open(dir)).rejects.toThrow(/build\.timeLimitSeconds/);
  });

  it('lists sources, headers and kiln.json', async () => {
    const p = await Project.open(dir);
    expect((await p.listFiles()).map((f) => f.path)).toEqual(['a.c', 'b/b.c', 'shared.h', 'kiln.json']);
  });

  it('refuses paths outside the project, with a reason', async () => {
    const p = await Project.open(dir);
    await expect(p.writeFile('../evil.c', 'x')).rejects.toThrow(/outside the project/);
    await expect(p.writeFile('/etc/passwd', 'x')).rejects.toThrow(/absolute path/);
    await expect(p.readFile('.kiln/state/a.state')).rejects.toThrow(/private folder/);
    symlinkSync(os.tmpdir(), path.join(dir, 'escape'));
    await expect(p.writeFile('escape/evil.c', 'x')).rejects.toThrow(/outside the project through a link/);
    await expect(p.writeFile('notes.txt', 'x')).rejects.toThrow(/not a project source/);
  });

  it('writes atomically and leaves no temp files', async () => {
    const p = await Project.open(dir);
    await p.writeFile('a.c', 'int a = 2;');
    expect(readFileSync(path.join(dir, 'a.c'), 'utf8')).toBe('int a = 2;');
    expect(readdirSync(dir).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('rebuilds the owning plugin for a source and every plugin for a header', async () => {
    const p = await Project.open(dir);
    expect(p.pluginsAffectedBy('b/b.c').map((x) => x.name)).toEqual(['b']);
    expect(p.pluginsAffectedBy('shared.h').map((x) => x.name)).toEqual(['a', 'b']);
  });

  it('explains a broken kiln.json', async () => {
    writeFileSync(path.join(dir, 'kiln.json'), '{"name": "x", "plugins": []}');
    await expect(Project.open(dir)).rejects.toThrow(/lists no plugins/);
    writeFileSync(path.join(dir, 'kiln.json'), '{oops');
    await expect(Project.open(dir)).rejects.toThrow(/not valid JSON/);
  });
});
