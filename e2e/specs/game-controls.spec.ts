import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

test('pause, single step and resume from the keyboard; FPS, sparkline, versions and crisp pixels', async ({ kiln, page }) => {
  // The sharp-scale rule (README "The editor's frame"): beside a 600+ px editor at 1280x720, 320x180 is shown at 1.5x.
  const box = (await kiln.canvas.boundingBox())!;
  expect(box.width).toBe(480);
  expect(box.height).toBe(270);
  await expect(kiln.canvas).toHaveCSS('image-rendering', 'pixelated');

  await expect(kiln.page.getByTestId('fps')).toHaveText(/^\d+ fps$/);
  await expect.poll(async () => Number(await kiln.page.getByTestId('fps').getAttribute('data-fps'))).toBeGreaterThan(20);
  await expect.poll(async () => ((await kiln.page.locator('[data-testid="frame-sparkline"] polyline').getAttribute('points')) ?? '').split(' ').length).toBeGreaterThan(10);
  await expect(kiln.page.getByTestId('plugin-versions')).toHaveText('pong v1');

  await expect(kiln.button('game-pause')).toHaveAttribute('title', /F6/);
  await expect(kiln.button('game-step')).toHaveAttribute('title', /F7/);
  await page.keyboard.press('F6');
  const frame = await kiln.waitForPaused(true);
  const still = await kiln.canvasHash();
  await page.waitForTimeout(400);
  expect(await kiln.canvasHash()).toBe(still);

  await page.keyboard.press('F7');
  await expect(kiln.sessionBar()).toHaveAttribute('data-frame', String(frame + 1));
  await page.keyboard.press('F7');
  await expect(kiln.sessionBar()).toHaveAttribute('data-frame', String(frame + 2));

  await page.keyboard.press('F6');
  await kiln.waitForPaused(false);
  await expect.poll(() => kiln.canvasHash(), { timeout: 5000 }).not.toBe(still);
});

test('keys reach the game only while it has focus, and restart brings back fresh state', async ({ kiln, project, page }) => {
  const paddle = rgbOf(findDefine(project.file('pong.c'), 'PADDLE_COLOR').value);
  const leftPaddle = () => kiln.topOfColor(paddle, 8, 12);
  const middle = (180 - 28) / 2;
  await expect.poll(leftPaddle).toBe(middle);
  await expect(kiln.page.getByTestId('focus-hint')).toHaveAttribute('data-focused', 'false');

  // Without focus on the game, W does nothing to it.
  await kiln.sessionBar().click();
  await page.keyboard.down('w');
  await page.waitForTimeout(300);
  await page.keyboard.up('w');
  expect(await leftPaddle()).toBe(middle);

  await kiln.focusGame();
  await expect(kiln.page.getByTestId('focus-hint')).toContainText('playing');
  await page.keyboard.down('w');
  await expect.poll(leftPaddle, { timeout: 5000 }).toBe(0);
  await page.keyboard.up('w');

  await expect(kiln.button('game-restart')).toHaveAttribute('title', /Ctrl\+Shift\+F5/);
  await kiln.button('game-restart').click();
  await expect.poll(leftPaddle).toBe(middle);
  await expect(kiln.page.getByTestId('focus-hint')).toHaveAttribute('data-focused', 'false');
});

test('reload now (F5) rebuilds and reloads without a save', async ({ kiln, page }) => {
  await expect(kiln.button('reload-now')).toHaveAttribute('title', /F5/);
  await page.keyboard.press('F5');
  await kiln.waitForStatus('ok', 2);
  await expect(kiln.logEntries.first()).toHaveAttribute('data-trigger', 'manual');
  await expect(kiln.editor).toBeVisible(); // the page itself did not reload
});
