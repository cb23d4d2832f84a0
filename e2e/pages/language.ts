/** Page object for the editor's C language features: suggestions, hovers, go to definition, clangd's markers. */
import { expect, type Locator, type Page } from '@playwright/test';
import { readFileSync } from 'node:fs';

/** 1-based line and column of the first `needle` in `file` (a file of the test's project on disk). */
export function findInFile(file: string, needle: string, nth = 0): { line: number; column: number } {
  const lines = readFileSync(file, 'utf8').split('\n');
  let seen = 0;
  for (let i = 0; i < lines.length; i++) {
    const at = lines[i].indexOf(needle);
    if (at >= 0 && seen++ === nth) return { line: i + 1, column: at + 1 };
  }
  throw new Error(`${file} has no ${JSON.stringify(needle)}`);
}

export class LanguageFeaturesPage {
  readonly suggestions: Locator;
  readonly hover: Locator;
  readonly notice: Locator;

  constructor(readonly page: Page) {
    this.suggestions = page.locator('.suggest-widget');
    this.hover = page.locator('.monaco-hover');
    this.notice = page.getByTestId('language-notice');
  }

  /** A suggestion row with this label. */
  suggestion(label: string): Locator {
    return this.suggestions.locator('.monaco-list-row', { has: this.page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }) });
  }

  /** Put the cursor at line:column with Ctrl+G (Monaco's "go to line" takes line:column). */
  async cursorTo(line: number, column: number): Promise<void> {
    await this.page.locator('[data-testid="editor"] .view-lines').click();
    await this.page.keyboard.press('Control+g');
    const input = this.page.locator('.quick-input-widget input');
    await expect(input).toBeVisible();
    await input.fill(`:${line}:${column}`);
    await input.press('Enter');
  }

  /** Move the mouse over the first occurrence of `word` on screen (the text, not a guess at pixels). */
  async hoverWord(word: string): Promise<void> {
    const box = await this.page.evaluate((w) => {
      for (const line of Array.from(document.querySelectorAll('[data-testid="editor"] .view-line'))) {
        const walker = document.createTreeWalker(line, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const at = (node.textContent ?? '').search(new RegExp(`\\b${w}\\b`));
          if (at < 0) continue;
          const range = document.createRange();
          range.setStart(node, at);
          range.setEnd(node, at + w.length);
          const r = range.getBoundingClientRect();
          return { x: r.x + r.width / 2, y: r.y + r.height / 2 };
        }
      }
      return null;
    }, word);
    if (!box) throw new Error(`${word} is not on screen`);
    await this.page.mouse.move(box.x - 30, box.y - 30);
    await this.page.mouse.move(box.x, box.y, { steps: 3 });
  }
}
