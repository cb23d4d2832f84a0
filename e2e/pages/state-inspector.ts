/** Page object of the state inspector panel (renderer/src/components/StateInspector.tsx). */
import { expect, type Locator, type Page } from '@playwright/test';

export class StateInspectorPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('state-inspector');
  }

  /** Opens the panel (it starts reading the state) unless it is open. */
  async open(): Promise<void> {
    if ((await this.root.getAttribute('data-open')) !== 'true') await this.root.getByTestId('state-inspector-toggle').click();
    await expect(this.root).toHaveAttribute('data-open', 'true');
  }

  async close(): Promise<void> {
    if ((await this.root.getAttribute('data-open')) === 'true') await this.root.getByTestId('state-inspector-toggle').click();
    await expect(this.root).toHaveAttribute('data-open', 'false');
  }

  /** Reads done so far (the panel counts them). */
  async reads(): Promise<number> {
    return Number(await this.root.getAttribute('data-reads'));
  }

  /** The shown value of "plugin.field" or "plugin.field[i]". */
  value(field: string): Locator {
    return this.root.locator(`.state-value[data-field="${field}"]`);
  }

  async valueOf(field: string): Promise<string> {
    return (await this.value(field).getAttribute('data-value')) ?? '';
  }

  /** The open editor (one at a time) and the reason shown under it. */
  get editor(): Locator {
    return this.root.getByTestId('state-edit');
  }

  get error(): Locator {
    return this.root.getByTestId('state-error');
  }

  /** Click the value, type `text`, press Enter (the editor stays open when the entry is refused). */
  async edit(field: string, text: string): Promise<void> {
    await this.value(field).click();
    await expect(this.editor).toBeFocused();
    await this.editor.fill(text);
    await this.editor.press('Enter');
  }

  expand(field: string): Locator {
    return this.root.locator(`[data-testid="state-expand"][data-field="${field}"]`);
  }

  plugin(name: string): Locator {
    return this.root.locator(`.state-plugin[data-plugin="${name}"]`);
  }
}
