/**
 * Fixtures: every test gets a fresh copy of a project in a temp folder and its own web shell
 * (a real back end, a real runner process, real compilers), and a page object on it.
 */
import { test as base } from '@playwright/test';
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnEditor } from './pages/kiln-editor';

const ROOT = path.resolve(__dirname, '..');

export interface TempProject {
  dir: string;
  file(relative: string): string;
}

export interface WebShell {
  url: string;
  process: ChildProcess;
  output: () => string;
}

function copyProject(name: string): TempProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kiln-e2e-${name}-`));
  cpSync(path.join(ROOT, 'plugins', name), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.kiln`) });
  return { dir, file: (relative) => path.join(dir, relative) };
}

/** `trust: false` starts the shell as a user would meet a project Kiln did not create (nothing builds until trusted). */
export async function startWebShell(projectDir: string, env: NodeJS.ProcessEnv = {}, options: { trust?: boolean } = {}): Promise<WebShell> {
  // A fresh data folder per shell: the test's trust answer and drafts never touch the user's own.
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-data-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'dist', 'web', 'main.js'), '--project', projectDir, ...(options.trust === false ? [] : ['--trust'])], {
    cwd: ROOT,
    env: { ...process.env, KILN_DATA_DIR: dataDir, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`web shell printed no URL in 20 s:\n${output}`)), 20_000);
    const onData = (d: Buffer) => {
      output += d.toString();
      const m = /^Kiln editor: (\S+)$/m.exec(output);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`web shell exited with code ${code}:\n${output}`));
    });
  });
  return { url, process: child, output: () => output };
}

export async function stopWebShell(shell: WebShell): Promise<void> {
  if (shell.process.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      shell.process.kill('SIGKILL');
      resolve();
    }, 5000);
    shell.process.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    shell.process.kill('SIGTERM');
  });
}

export const test = base.extend<{ project: TempProject; shell: WebShell; kiln: KilnEditor }>({
  // eslint-disable-next-line no-empty-pattern
  project: async ({}, use) => {
    const project = copyProject('pong');
    await use(project);
    rmSync(project.dir, { recursive: true, force: true });
  },
  shell: async ({ project }, use) => {
    const shell = await startWebShell(project.dir);
    await use(shell);
    await stopWebShell(shell);
  },
  kiln: async ({ page, shell }, use) => {
    const kiln = new KilnEditor(page);
    await kiln.open(shell.url);
    await use(kiln);
  },
});

export { expect } from '@playwright/test';
