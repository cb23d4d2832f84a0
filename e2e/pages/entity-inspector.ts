/** Page object of the entity inspector (renderer/src/components/EntityInspector.tsx): the world's entities, live. */
import { expect, type Locator, type Page } from '@playwright/test';

export class EntityInspectorPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('entity-inspector');
  }

  /** Opens the panel (it starts reading the world) unless it is open. */
  async open(): Promise<void> {
    if ((await this.root.getAttribute('data-open')) !== 'true') await this.root.getByTestId('entity-inspector-toggle').click();
    await expect(this.root).toHaveAttribute('data-open', 'true');
  }

  /** Entities alive, as the panel's title shows them. */
  get count(): Locator {
    return this.root.getByTestId('entity-count');
  }

  async reads(): Promise<number> {
    return Number(await this.root.getAttribute('data-reads'));
  }

  /** Lists only the entities having the component called `name` ("Ship"). */
  async filterBy(name: string): Promise<void> {
    const filter = this.root.getByTestId('entity-filter');
    const label = await filter.locator('option').filter({ hasText: new RegExp(`^${name} \\(`) }).first().textContent();
    await filter.selectOption({ label: label! });
  }

  rows(): Locator {
    return this.root.getByTestId('entity-row');
  }

  /** Selects the listed entity at `n` (0: the first) and waits for its components. */
  async select(n = 0): Promise<string> {
    const row = this.rows().nth(n);
    const id = (await row.getAttribute('data-entity'))!;
    await row.click();
    await expect(this.root.getByTestId('entity-selected')).toHaveAttribute('data-entity', id);
    return id;
  }

  /** The selected entity's field "Component.field". */
  field(name: string): Locator {
    return this.root.locator(`[data-testid="entity-field"][data-field="${name}"]`);
  }

  async valueOf(name: string): Promise<string> {
    return (await this.field(name).getAttribute('data-value')) ?? '';
  }

  /** Types `text` into the field and presses Enter. */
  async edit(name: string, text: string): Promise<void> {
    const input = this.field(name);
    await input.click();
    await input.fill(text);
    await input.press('Enter');
  }
}
