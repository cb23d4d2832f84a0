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

  /** Every entry as the user reads it, in one round trip (a loaded machine makes each query slow). */
  entries(): Promise<GameLogLine[]> {
    return this.lines().evaluateAll((items) =>
      items.map((li) => {
        const el = li as HTMLElement;
        const badge = el.querySelector('[data-testid="game-log-count"]')?.textContent ?? '';
        return {
          text: el.textContent ?? '',
          plugin: el.dataset.plugin ?? '',
          source: el.dataset.source ?? '',
          tag: el.querySelector('[data-testid="game-log-source"]')?.textContent ?? '',
          count: badge ? Number(badge.replace('×', '')) : 1,
          badge,
        };
      }),
    );
  }
}

export interface GameLogLine {
  /** All the entry's text: time, level, tag, message and badge. */
  text: string;
  plugin: string;
  source: string;
  /** The "pong stdout" tag, '' for logged lines. */
  tag: string;
  count: number;
  /** The "×60" badge as shown, '' when the line came once. */
  badge: string;
}
