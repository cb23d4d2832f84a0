/**
 * §14 Sound: from the frame that asked for a sound to the sound starting in the editor's page (Web Audio), in
 * Chromium. A one-plugin project (e2e/pages/game-sound.ts's beeper) plays a WAV on the B key; the page's player
 * records, for each sound it starts, the time since the runner took the command from libkiln after that frame
 * (both epoch ms with sub-millisecond precision: performance.timeOrigin + now() in the runner and in the page).
 */
import { chromium, type Browser } from '@playwright/test';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startWebShell, stopWebShell, type WebShell } from '../e2e/web-shell';
import { addBeeper } from '../e2e/pages/game-sound';
import { CHROMIUM, editorReady } from './browser';
import { sampled, withTarget, type Figure } from './figures';


export async function soundLatency(root: string, presses: number, log: (s: string) => void): Promise<{ figures: Figure[]; details: Record<string, unknown> }> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-bench-sound-'));
  cpSync(path.join(root, 'plugins', 'pong'), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.kiln`) });
  addBeeper(dir);
  const config = JSON.parse(readFileSync(path.join(dir, 'kiln.json'), 'utf8'));
  config.plugins = config.plugins.filter((p: { name: string }) => p.name === 'beeper'); // no pong tones in the samples
  writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify(config));
  let shell: WebShell | null = null;
  let browser: Browser | null = null;
  try {
    shell = await startWebShell(dir, {}, { trust: true });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--autoplay-policy=no-user-gesture-required'] });
    const page = await browser.newPage({ viewport: { width: 1280, height: 720 } });
    await page.goto(shell.url);
    await editorReady(page);
    await page.getByTestId('plugin-versions').filter({ hasText: 'beeper v1' }).waitFor({ timeout: 60_000 });
    await page.getByTestId('game-canvas').click(); // focus, and the gesture that starts the AudioContext
    const plays = async () => Number(await page.getByTestId('sound-toggle').getAttribute('data-plays'));
    for (let i = -3; i < presses; i++) { // three warm-up presses: the file is read and decoded on the first
      const before = await plays();
      await page.keyboard.down('b');
      await page.waitForTimeout(50);
      await page.keyboard.up('b');
      // A function, not a string: the page's policy forbids eval.
      await page
        .waitForFunction((n) => ((globalThis as unknown as { kilnSound?: { plays: number } }).kilnSound?.plays ?? 0) > n, before, { timeout: 20_000 })
        .catch(() => log('    a press played nothing within 20 s'));
      await page.waitForTimeout(100);
    }
    const all = await page.evaluate(() => (globalThis as unknown as { kilnSound: { latenciesMs: number[] } }).kilnSound.latenciesMs);
    const samples = all.slice(3);
    const fig = withTarget(sampled('sound.frame-to-start', 14, 'sound_play: the frame that asked → the sound started in the page (Web Audio)', 'ms', samples), 'frame → sound start p50 ≤ 20 ms, p95 ≤ 50 ms', [
      { on: 'p50', limit: 20 },
      { on: 'p95', limit: 50 },
    ]);
    return { figures: [fig], details: { samples } };
  } finally {
    await browser?.close();
    if (shell) await stopWebShell(shell);
    rmSync(dir, { recursive: true, force: true });
  }
}
