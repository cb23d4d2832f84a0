import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { lineColumnAt, parseConfigJson } from './config-json';
import { Project } from './project';

let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

describe('kiln.json errors say line:column', () => {
  it('counts lines and columns from 1', () => {
    expect(lineColumnAt('ab\ncd', 0)).toEqual({ line: 1, column: 1 });
    expect(lineColumnAt('ab\ncd', 4)).toEqual({ line: 2, column: 2 });
  });

  it('locates a missing comma on the line where the next property starts', () => {
    const text = '{\n  "name": "pong"\n  "width": 320\n}\n';
    const r = parseConfigJson(text);
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.diagnostic).toMatchObject({ file: 'kiln.json', line: 3, column: 3, severity: 'error', message: 'not valid JSON: comma expected' });
  });

  it('refuses trailing commas and comments (other tools read kiln.json too)', () => {
    expect(parseConfigJson('{"a": 1,}').ok).toBe(false);
    expect(parseConfigJson('// hi\n{"a": 1}').ok).toBe(false);
    expect(parseConfigJson('').ok).toBe(false);
  });

  it('gives a project the problem, located on the field that fails the schema, until a good kiln.json clears it', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-config-'));
    const good = '{\n  "name": "x",\n  "plugins": [{ "name": "a", "sources": ["a.c"] }]\n}\n';
    writeFileSync(path.join(dir, 'kiln.json'), good);
    writeFileSync(path.join(dir, 'a.c'), 'int a;');
    const project = await Project.open(dir);
    writeFileSync(path.join(dir, 'kiln.json'), '{\n  "name": "x",\n  "width": "wide",\n  "plugins": [{ "name": "a", "sources": ["a.c"] }]\n}\n');
    await expect(project.reloadConfig()).rejects.toThrow(/kiln\.json:3:12: width: /);
    const info = await project.info(new Map(), true);
    expect(info.configProblem?.diagnostic).toMatchObject({ file: 'kiln.json', line: 3, column: 12 });
    writeFileSync(path.join(dir, 'kiln.json'), good);
    await project.reloadConfig();
    expect((await project.info(new Map(), true)).configProblem).toBeUndefined();
  });
});
