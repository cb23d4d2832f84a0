/**
 * The game's art and pads as a test drives them: sprite sheets changed on disk (as an image editor saves them),
 * asset entries of the reload log, and a gamepad injected through navigator.getGamepads (page.addInitScript).
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';

/** What the injected pad reports; buttons by index of the W3C standard mapping (0 A, 12 d-pad up, 13 down). */
export interface FakePad {
  buttons: number[];
  axes: [number, number, number, number];
}

export class GameArt {
  constructor(readonly page: Page) {}

  /** Reload log entries of image reloads (trigger asset), newest first. */
  assetEntries(path?: string): Locator {
    return this.page.locator(`[data-testid="reload-log-entry"][data-trigger="asset"]${path ? `[data-plugin="${path}"]` : ''}`);
  }

  /** Paints a rectangle of a PNG on disk in one colour, saved as image editors do (a temp file renamed over it). */
  paintPng(file: string, rect: { x: number; y: number; w: number; h: number }, rgb: { r: number; g: number; b: number }): void {
    const png = PNG.sync.read(readFileSync(file));
    for (let y = rect.y; y < rect.y + rect.h; y++)
      for (let x = rect.x; x < rect.x + rect.w; x++) png.data.set([rgb.r, rgb.g, rgb.b, 255], (y * png.width + x) * 4);
    writeFileSync(`${file}.tmp`, PNG.sync.write(png));
    renameSync(`${file}.tmp`, file);
  }

  /**
   * One connected "standard" gamepad at index 0 from the page's first script on (navigator.getGamepads answers
   * with it), then the page is loaded again so the editor starts with it. setPad changes what it reports.
   */
  async injectGamepad(): Promise<void> {
    await this.page.addInitScript(() => {
      const pad = {
        id: 'Kiln test pad (STANDARD GAMEPAD)',
        index: 0,
        connected: true,
        mapping: 'standard',
        timestamp: 0,
        axes: [0, 0, 0, 0],
        buttons: Array.from({ length: 17 }, () => ({ pressed: false, touched: false, value: 0 })),
      };
      (window as unknown as { __kilnTestPad: typeof pad }).__kilnTestPad = pad;
      Object.defineProperty(Navigator.prototype, 'getGamepads', { configurable: true, value: () => [pad, null, null, null] });
    });
    await this.page.reload();
  }

  async setPad(state: FakePad): Promise<void> {
    await this.page.evaluate((s) => {
      const pad = (window as unknown as { __kilnTestPad: { axes: number[]; buttons: Array<{ pressed: boolean; value: number }>; timestamp: number } }).__kilnTestPad;
      pad.axes = [...s.axes];
      pad.buttons.forEach((b, i) => {
        b.pressed = s.buttons.includes(i);
        b.value = b.pressed ? 1 : 0;
      });
      pad.timestamp += 1;
    }, state);
  }

  async expectCanvasSize(width: number, height: number): Promise<void> {
    const canvas = this.page.getByTestId('game-canvas');
    await expect(canvas).toHaveJSProperty('width', width);
    await expect(canvas).toHaveJSProperty('height', height);
  }
}
