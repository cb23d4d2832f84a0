/** Page object of the timeline under the game (renderer/src/components/Timeline.tsx). */
import { expect, type Locator, type Page } from '@playwright/test';

export class TimelinePanel {
  readonly root: Locator;
  readonly slider: Locator;

  constructor(readonly page: Page) {
    this.root = page.getByTestId('timeline');
    this.slider = page.getByTestId('timeline-slider');
  }

  private async num(attr: string): Promise<number> {
    return Number(await this.root.getAttribute(attr));
  }
  first = () => this.num('data-first');
  last = () => this.num('data-last');
  cursor = () => this.num('data-cursor');
  async scrubbed(): Promise<boolean> {
    return (await this.root.getAttribute('data-scrubbed')) === 'true';
  }

  /** Waits until at least `frames` frames are kept. */
  async waitKept(frames: number): Promise<void> {
    await expect.poll(async () => (await this.last()) - (await this.first()), { timeout: 60_000 }).toBeGreaterThanOrEqual(frames);
  }

  async pause(): Promise<void> {
    await expect(this.page.getByTestId('session-bar')).toHaveAttribute('data-paused', 'false');
    await this.page.getByTestId('timeline-play').click();
    await expect(this.page.getByTestId('session-bar')).toHaveAttribute('data-paused', 'true');
  }

  /** Drags the slider's thumb from where it is to `fraction` (0..1) of the track, as a user does with the mouse. */
  async dragTo(fraction: number): Promise<void> {
    const box = (await this.slider.boundingBox())!;
    const [first, last, cursor] = [await this.first(), await this.last(), await this.cursor()];
    const y = box.y + box.height / 2;
    // the thumb's centre travels between half a thumb from either end; a thumb is about a track's height wide
    const inset = box.height / 2;
    const at = (f: number) => box.x + inset + f * (box.width - 2 * inset);
    await this.page.mouse.move(at((cursor - first) / Math.max(1, last - first)), y);
    await this.page.mouse.down();
    const to = at(fraction);
    await this.page.mouse.move(to, y, { steps: 8 });
    const target = await this.slider.inputValue();
    await this.page.mouse.up();
    await expect(this.root).toHaveAttribute('data-scrubbed', 'true');
    // the drag's seeks are answered one at a time: wait for the frame it was let go on, not one answered on the way
    await expect(this.root).toHaveAttribute('data-cursor', target);
  }

  /** One frame back (,) or forward (.) with the keyboard, the slider focused. Waits for the shown frame to move. */
  async stepKey(key: ',' | '.'): Promise<number> {
    const before = await this.cursor();
    await this.slider.focus();
    await this.page.keyboard.press(key);
    const want = before + (key === ',' ? -1 : 1);
    await expect(this.root).toHaveAttribute('data-cursor', String(want));
    return want;
  }

  async replayToNow(): Promise<void> {
    await this.page.getByTestId('timeline-replay').click();
    await expect(this.root).toHaveAttribute('data-scrubbed', 'false');
  }

  crashMarks(): Locator {
    return this.root.getByTestId('timeline-crash');
  }
}
