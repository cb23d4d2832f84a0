/**
 * The Electron app under Playwright's _electron.launch. Used when the Electron binary is installed
 * (a normal `npm install` on a networked machine); otherwise the Electron run is skipped, saying why.
 */
import type { ElectronApplication, Page, _electron as ElectronLauncher } from '@playwright/test';
import { existsSync, mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '..');

/** The Electron binary's path, or null when only the npm package (no binary) is installed. */
export function electronBinary(): string | null {
  try {
    const bin = createRequire(__filename)('electron') as unknown;
    return typeof bin === 'string' && existsSync(bin) ? bin : null;
  } catch {
    return null;
  }
}

/** Why the Electron run cannot happen here, or null when it can. */
export function electronUnavailable(): string | null {
  if (electronBinary()) return null;
  return (
    'Electron run skipped: no Electron binary is installed (node_modules/electron has no dist/; its download ' +
    'host is unreachable here or ELECTRON_SKIP_BINARY_DOWNLOAD was set). The same specs ran against the web shell.'
  );
}

export interface LaunchedElectron {
  page: Page;
  output: () => string;
  close: () => Promise<void>;
}

export async function launchElectron(electron: typeof ElectronLauncher, projectDir: string, trusted: boolean): Promise<LaunchedElectron> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-electron-data-'));
  const app: ElectronApplication = await electron.launch({
    executablePath: electronBinary()!,
    args: [path.join(ROOT, 'dist', 'electron-main', 'main.js'), '--project', projectDir, ...(trusted ? ['--trust'] : [])],
    cwd: ROOT,
    env: { ...process.env, KILN_DATA_DIR: dataDir } as Record<string, string>,
  });
  let output = '';
  app.process().stdout?.on('data', (d: Buffer) => (output += d.toString()));
  app.process().stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const page = await app.firstWindow();
  await page.setViewportSize({ width: 1280, height: 720 });
  return { page, output: () => output, close: () => app.close() };
}
