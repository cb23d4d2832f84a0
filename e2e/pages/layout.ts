/** Page object for the editor's frame: the status pill, pane sizes, the game's scale, where banners sit. */
import { expect, type Locator, type Page } from '@playwright/test';

export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

export class KilnLayout {
  readonly pill: Locator;
  readonly pluginList: Locator;
  readonly stage: Locator;
  readonly console: Locator;

  constructor(readonly page: Page) {
    this.pill = page.getByTestId('reload-status');
    this.pluginList = page.getByTestId('status-plugins');
    this.stage = page.locator('.game-stage');
    this.console = page.locator('.console');
  }

  /** One plugin's row in the list the pill shows on hover. */
  pluginRow(name: string): Locator {
    return this.pluginList.locator(`li[data-plugin="${name}"]`);
  }

  async hoverPill(): Promise<void> {
    await this.pill.hover();
    await expect(this.pluginList).toBeVisible();
  }

  async box(locator: Locator): Promise<Box> {
    const b = await locator.boundingBox();
    if (!b) throw new Error('element is not on screen');
    return b;
  }

  /** The scale the game is drawn at (screen pixels per game pixel). */
  async gameScale(): Promise<number> {
    return Number(await this.stage.getAttribute('data-scale'));
  }

  /** Drag a splitter by (dx, dy) with the mouse, as a user would. */
  async drag(pane: 'files' | 'side' | 'game' | 'console', dx: number, dy: number): Promise<void> {
    const handle = this.page.getByTestId(`splitter-${pane}`);
    const b = await this.box(handle);
    const x = b.x + b.width / 2;
    const y = b.y + b.height / 2;
    await this.page.mouse.move(x, y);
    await this.page.mouse.down();
    await this.page.mouse.move(x + dx, y + dy, { steps: 5 });
    await this.page.mouse.up();
  }

  /** The element that has the keyboard: 'editor' (Monaco), 'game' (the canvas) or its tag name. */
  async focusOwner(): Promise<string> {
    return this.page.evaluate(() => {
      const el = document.activeElement;
      if (!el) return 'none';
      if (el.closest('[data-testid="editor"]')) return 'editor';
      if (el.matches('[data-testid="game-canvas"]')) return 'game';
      return el.tagName.toLowerCase();
    });
  }
}
