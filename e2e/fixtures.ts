/**
 * Fixtures: every test gets a fresh copy of a project in a temp folder and its own Kiln — the web
 * shell in Debian's Chromium, or the Electron app when the project says `shellKind: 'electron'` (a real
 * back end, a real runner process, real compilers either way) — and a page object on it.
 * The specs are the same files for both shells; only this file knows the difference.
 */
import { test as base, _electron, type Page } from '@playwright/test';
import { electronUnavailable, launchElectron } from './electron-app';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnEditor } from './pages/kiln-editor';
import { startWebShell, stopWebShell } from './web-shell';

export { startWebShell, stopWebShell, type WebShell } from './web-shell';

const ROOT = path.resolve(__dirname, '..');

export interface TempProject {
  dir: string;
  file(relative: string): string;
}


export function copyProject(name: string): TempProject {
  const dir = mkdtempSync(path.join(os.tmpdir(), `kiln-e2e-${name}-`));
  cpSync(path.join(ROOT, 'plugins', name), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.kiln`) });
  return { dir, file: (relative) => path.join(dir, relative) };
}

export type ShellKind = 'web' | 'electron';

/** One running Kiln as a test sees it: its window, and what its back end printed. */
export interface KilnApp {
  kind: ShellKind;
  page: Page;
  output: () => string;
}

export const test = base.extend<{ trusted: boolean; example: string; project: TempProject; app: KilnApp; kiln: KilnEditor }, { shellKind: ShellKind }>({
  shellKind: ['web', { option: true, scope: 'worker' }],
  /** false: open the project as one Kiln did not create (nothing builds until the user trusts it). */
  trusted: [true, { option: true }],
  // eslint-disable-next-line no-empty-pattern
  /** Which of Kiln's examples (plugins/<name>) the test's project is a copy of. */
  example: ['pong', { option: true }],
  project: async ({ example }, use) => {
    const project = copyProject(example);
    await use(project);
    rmSync(project.dir, { recursive: true, force: true });
  },
  app: async ({ project, trusted, shellKind, browser, viewport, permissions }, use, testInfo) => {
    if (shellKind === 'electron') {
      const why = electronUnavailable();
      testInfo.skip(why !== null, why ?? '');
      const app = await launchElectron(_electron, project.dir, trusted);
      await use({ kind: 'electron', page: app.page, output: app.output });
      await app.close();
      return;
    }
    const shell = await startWebShell(project.dir, {}, { trust: trusted });
    const context = await browser.newContext({ viewport, permissions });
    const page = await context.newPage();
    await page.goto(shell.url);
    await use({ kind: 'web', page, output: shell.output });
    await context.close();
    await stopWebShell(shell);
  },
  // Specs that reach for `page` get the Kiln window, whichever shell it is.
  page: async ({ app }, use) => {
    await use(app.page);
  },
  kiln: async ({ app, trusted }, use) => {
    const kiln = new KilnEditor(app.page);
    await kiln.ready(trusted ? 'ok' : 'waiting');
    await use(kiln);
  },
});

export { expect } from '@playwright/test';
