/** Page object of the game log panel (renderer/src/components/GameLog.tsx): what the game printed or logged. */
import type { Locator, Page } from '@playwright/test';

export class GameLogPanel {
  readonly root: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByRole('region', { name: 'Game log' });
  }

  /** Every entry, newest first. */
  lines(): Locator {
    return this.root.getByTestId('game-log-line');
  }

  /** The entries whose text contains `text`. */
  line(text: string): Locator {
    return this.lines().filter({ hasText: text });
  }

  /** Who printed it ("pong stdout"), shown for printed lines. */
  source(line: Locator): Locator {
    return line.getByTestId('game-log-source');
  }

  /** How many times in a row the line came (1 when the entry has no badge). */
  async count(line: Locator): Promise<number> {
    const badge = line.getByTestId('game-log-count');
    if ((await badge.count()) === 0) return 1;
    return Number((await badge.textContent())!.replace('×', ''));
  }
}
