import { defineConfig } from '@playwright/test';
import { electronUnavailable } from './electron-app';
import type { ShellKind } from './fixtures';

/**
 * One suite, two shells. `web`: the web shell in Debian's Chromium (never a downloaded browser; flags
 * that keep it quiet on a machine with no network). `electron`: the desktop app through
 * _electron.launch — every spec when an Electron binary is installed; otherwise only shells.spec.ts,
 * which is skipped with the reason, so the report says why the Electron run did not happen.
 */
const noElectron = electronUnavailable();
// Every worker loads this file again: only the main process says it, once per run.
if (noElectron && !process.env.TEST_WORKER_INDEX) console.log(`e2e: ${noElectron}`);

export default defineConfig<object, { shellKind: ShellKind }>({
  testDir: './specs',
  // Fixtures (a web shell, a first build, Monaco) count against it; a loaded 2-core machine needs the room:
  // under stress-ng --cpu 2 a page.evaluate reading the canvas was seen to wait 20 s for a starved renderer.
  timeout: 300_000,
  expect: { timeout: 45_000 },
  // One at a time by default (each test runs a web shell, a runner, compilers and Chromium on 2 cores);
  // KILN_E2E_WORKERS=2 runs two: every test has its own shell, data folder and project, so they do not share state.
  workers: Number(process.env.KILN_E2E_WORKERS ?? 1),
  retries: 0,
  outputDir: '../test-results/e2e-artifacts',
  reporter: [['list'], ['json', { outputFile: '../test-results/e2e.json' }]],
  use: {
    viewport: { width: 1280, height: 720 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.KILN_CHROMIUM ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'],
    },
  },
  projects: [
    { name: 'web', use: { shellKind: 'web' } },
    { name: 'electron', use: { shellKind: 'electron' }, testMatch: noElectron ? /shells\.spec\.ts/ : undefined },
  ],
});
