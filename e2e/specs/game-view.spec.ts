import { test, expect } from '../fixtures';
import { GameViewControls } from '../pages/game-view';

test('fit scaling fills the pane keeping the aspect, and is remembered; full screen grows the game and Escape leaves', async ({ kiln, page }) => {
  const view = new GameViewControls(page);
  const crisp = await view.canvasSize();
  expect(crisp).toEqual({ width: 480, height: 270 }); // 1.5× beside a 600+ px editor at 1280×720

  await view.setScaling('fit');
  const box = (await view.box.boundingBox())!;
  await expect.poll(async () => (await view.canvasSize()).width).toBeGreaterThan(crisp.width);
  const fit = await view.canvasSize();
  expect(Math.abs(fit.width / fit.height - 320 / 180)).toBeLessThan(0.02);
  // one side touches the pane
  expect(Math.min(Math.abs(fit.width - Math.round(box.width)), Math.abs(fit.height - Math.round(box.height)))).toBeLessThanOrEqual(1);
  await page.reload();
  await kiln.ready();
  await expect(view.scaling).toHaveAttribute('data-scaling', 'fit');
  await view.setScaling('sharp');
  await expect.poll(() => view.canvasSize()).toEqual(crisp);

  // Full screen: a double-click on the game; the box becomes the screen (1280×720: crisp 4×).
  await kiln.canvas.dblclick();
  await expect(view.box).toHaveAttribute('data-fullscreen', 'true');
  await expect.poll(() => view.canvasSize()).toEqual({ width: 1280, height: 720 });
  await page.keyboard.press('Escape');
  await expect(view.box).toHaveAttribute('data-fullscreen', 'false');
  await expect.poll(() => view.canvasSize()).toEqual(crisp);
  // The full-screen button does it too. It and the pop-out are icons the page draws (SVG), named for a screen
  // reader: ⛶ and ⧉ as text were empty boxes in this Chromium, which has no font with them.
  for (const icon of [view.fullscreen, view.popout]) await expect(icon.locator('svg')).toBeVisible();
  await page.getByRole('button', { name: 'Full screen' }).click();
  await expect(view.box).toHaveAttribute('data-fullscreen', 'true');
  await expect(kiln.canvas).toBeFocused(); // to play: the keys go to the game, not to the button
  await page.keyboard.press('Escape');
  await expect(view.box).toHaveAttribute('data-fullscreen', 'false');
  await expect(page.getByRole('button', { name: 'Pop out' })).toBeVisible();
  // F11 does the same from anywhere
  await page.keyboard.press('F11');
  await expect(view.box).toHaveAttribute('data-fullscreen', 'true');
  await page.keyboard.press('F11');
  await expect(view.box).toHaveAttribute('data-fullscreen', 'false');
});

test('the pop-out window shows the running game and its keys reach the same session', async ({ kiln, page }) => {
  const view = new GameViewControls(page);
  const [popup] = await Promise.all([page.context().waitForEvent('page'), view.popout.click()]);
  await popup.waitForLoadState();
  await expect(popup.getByTestId('game-window')).toBeVisible();
  const canvas = popup.getByTestId('game-canvas');
  // frames arrive and keep coming
  await expect.poll(async () => Number(await canvas.getAttribute('data-frame')), { timeout: 60_000 }).toBeGreaterThan(0);
  const first = Number(await canvas.getAttribute('data-frame'));
  await expect.poll(async () => Number(await canvas.getAttribute('data-frame')), { timeout: 60_000 }).toBeGreaterThan(first);
  // F6 in the pop-out pauses the game the editor shows
  await canvas.click();
  await popup.keyboard.press('F6');
  await kiln.waitForPaused(true);
  expect((await view.canvasSize(popup)).width).toBeGreaterThan(320);
});
