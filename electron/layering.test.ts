/** The layering rules (scripts/layering.ts) hold in the checkout, and each one catches what it forbids. */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { checkLayering, isCheckedSource, type Violation } from '../scripts/layering';
import { findKilnRoot } from './core/paths';

const root = findKilnRoot(__dirname);

function readSources(): Map<string, string> {
  const sources = new Map<string, string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      if (entry.name === 'node_modules' || entry.name === 'dist' || entry.name.startsWith('.')) continue;
      const rel = `${dir}/${entry.name}`;
      if (entry.isDirectory()) walk(rel);
      else if (entry.isFile() && isCheckedSource(rel)) sources.set(rel, readFileSync(path.join(root, rel), 'utf8'));
    }
  };
  walk('electron');
  walk('renderer');
  return sources;
}

const report = (vs: Violation[]) => vs.map((v) => `${v.file}:${v.line}: [${v.rule}] ${v.message}`);

/** A small tree that keeps every rule; each case below breaks one. */
const clean: Record<string, string> = {
  'electron/shared/contract.ts': "import { z } from 'zod';\nimport { helper } from './util';\nexport const x = z.string();\n",
  'electron/shared/util.ts': 'export const helper = 1;\n',
  'electron/core/runner-protocol.ts': "export type HostToRunner = { type: 'stop' };\nexport type RunnerToHost = { type: 'ready' };\n",
  'electron/core/supervisor.ts': "import { promises } from 'node:fs';\nimport type { HostToRunner } from './runner-protocol';\nimport { x } from '../shared/contract';\n",
  'electron/runner/main.ts': "import koffi from 'koffi';\nimport type { RunnerToHost } from '../core/runner-protocol';\n",
  'electron/electron-main/main.ts': "import { app } from 'electron';\nimport type { HostToRunner } from '../core/runner-protocol';\n",
  'renderer/src/App.tsx': "import { x } from '../../electron/shared/contract';\n// import fs from 'node:fs' in a comment is not an import\nconst s = \"require('fs')\";\n",
  'renderer/vite.config.mts': "import path from 'node:path';\n", // build tooling, runs in Node
};

function check(changes: Record<string, string | null>): Violation[] {
  const files = new Map(Object.entries({ ...clean }));
  for (const [file, text] of Object.entries(changes)) {
    if (text === null) files.delete(file);
    else files.set(file, text);
  }
  return checkLayering(files);
}

describe('layering rules', () => {
  it('hold in the checkout', () => {
    const sources = readSources();
    expect(sources.size).toBeGreaterThan(20); // the walk found the sources
    expect(report(checkLayering(sources))).toEqual([]);
  });

  it('pass a tree that keeps them', () => {
    expect(report(check({}))).toEqual([]);
  });

  it.each([
    ['core imports Electron', { 'electron/core/tray.ts': "import { Tray } from 'electron';\n" }, 'no-electron', 'electron/core/tray.ts'],
    ['shared requires Electron', { 'electron/shared/ipc.ts': "const { ipcRenderer } = require('electron');\n" }, 'no-electron', 'electron/shared/ipc.ts'],
    ['shared imports Node', { 'electron/shared/contract.ts': "import { z } from 'zod';\nimport path from 'path';\n" }, 'shared-only-zod', 'electron/shared/contract.ts'],
    ['shared imports core', { 'electron/shared/contract.ts': "import type { HostToRunner } from '../core/runner-protocol';\n" }, 'shared-only-zod', 'electron/shared/contract.ts'],
    ['renderer imports node:fs', { 'renderer/src/files.ts': "import { readFileSync } from 'node:fs';\n" }, 'renderer-no-node', 'renderer/src/files.ts'],
    ['renderer imports a bare built-in', { 'renderer/src/spawn.ts': "export { spawn } from 'child_process';\n" }, 'renderer-no-node', 'renderer/src/spawn.ts'],
    ['renderer imports core (type only)', { 'renderer/src/log.ts': "import type { ReloadLog } from '../../electron/core/reload-log';\n" }, 'renderer-no-backend', 'renderer/src/log.ts'],
    ['renderer loads the web shell lazily', { 'renderer/src/lazy.ts': "const m = await import('../../electron/web/server');\n" }, 'renderer-no-backend', 'renderer/src/lazy.ts'],
    ['runner has its own copy of the protocol', { 'electron/runner/protocol.ts': "export type RunnerToHost = { type: 'ready' };\n", 'electron/runner/main.ts': "import type { RunnerToHost } from './protocol';\n" }, 'one-runner-protocol', 'electron/runner/protocol.ts'],
    ['runner does not import the shared protocol', { 'electron/runner/main.ts': "import koffi from 'koffi';\n" }, 'one-runner-protocol', 'electron/core/runner-protocol.ts'],
  ] as const)('catch it when %s', (_name, changes, rule, file) => {
    const found = check(changes as Record<string, string>);
    expect(found.length).toBeGreaterThan(0);
    expect(found).toContainEqual(expect.objectContaining({ rule, file }));
  });

  it('name the line of the import', () => {
    const [v] = check({ 'renderer/src/files.ts': "// files\n\nimport { readFileSync } from 'node:fs';\n" });
    expect(v).toMatchObject({ file: 'renderer/src/files.ts', line: 3, rule: 'renderer-no-node' });
    expect(v.message).toMatch(/runs in a browser/);
  });
});
