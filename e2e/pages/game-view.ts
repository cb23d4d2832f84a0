/** The game view's size controls as a test sees them: scaling (crisp / fit), full screen and the pop-out. */
import { expect, type Locator, type Page } from '@playwright/test';

export class GameViewControls {
  readonly scaling: Locator;
  readonly fullscreen: Locator;
  readonly popout: Locator;
  readonly box: Locator;
  constructor(readonly page: Page) {
    this.scaling = page.getByTestId('game-scaling');
    this.fullscreen = page.getByTestId('game-fullscreen');
    this.popout = page.getByTestId('game-popout');
    this.box = page.getByTestId('game-box');
  }

  /** The canvas's displayed size in CSS pixels. */
  async canvasSize(page: Page = this.page): Promise<{ width: number; height: number }> {
    const box = (await page.getByTestId('game-canvas').boundingBox())!;
    return { width: Math.round(box.width), height: Math.round(box.height) };
  }

  async setScaling(mode: 'sharp' | 'fit'): Promise<void> {
    if ((await this.scaling.getAttribute('data-scaling')) !== mode) await this.scaling.click();
    await expect(this.scaling).toHaveAttribute('data-scaling', mode);
  }
}
