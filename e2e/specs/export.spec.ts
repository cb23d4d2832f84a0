import { existsSync } from 'node:fs';
import { serveFolder } from '../../electron/core/export/static-server';
import { test, expect } from '../fixtures';
import { rgbOf, topOfColorIn } from '../pages/kiln-editor';
import { findDefine } from '../pong-source';

test('the Export button writes pong as a web page that runs in the browser, and a key moves the left paddle', async ({ kiln, project, browser }) => {
  await kiln.page.getByTestId('export-button').click();
  const dialog = kiln.page.getByTestId('export-dialog');
  await expect(dialog).toBeVisible();
  await expect(dialog.getByTestId('export-dir')).toHaveAttribute('placeholder', `${project.dir}/export/web`);
  await dialog.getByTestId('export-submit').click();
  // the first web export on a machine fills Zig's cache: minutes on a loaded 2-core machine
  await expect(dialog.getByTestId('export-result')).toContainText(`Exported to ${project.dir}/export/web`, { timeout: 600_000 });
  await expect(kiln.page.getByTestId('game-log-line').filter({ hasText: 'exported for the web' })).toHaveText(/KB in 3 files/);
  expect(existsSync(project.file('export/web/game.wasm'))).toBe(true);

  const site = await serveFolder(project.file('export/web'));
  const context = await browser.newContext();
  try {
    const game = await context.newPage();
    await game.goto(site.url);
    const canvas = game.getByTestId('export-canvas');
    // the project's size, scaled by a whole number for crisp pixels
    expect(await canvas.evaluate((c: HTMLCanvasElement) => [c.width, c.height])).toEqual([320, 180]);
    await expect(canvas).toHaveCSS('image-rendering', 'pixelated');
    const box = (await canvas.boundingBox())!;
    expect(box.width / 320).toBe(Math.round(box.width / 320));

    const paddle = rgbOf(findDefine(project.file('pong.c'), 'PADDLE_COLOR').value);
    const leftPaddle = () => topOfColorIn(canvas, paddle, 8, 12);
    await expect.poll(leftPaddle).toBe((180 - 28) / 2);
    // the game runs: the ball leaves the centre after the serve delay
    const still = await canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL());
    await expect.poll(() => canvas.evaluate((c: HTMLCanvasElement) => c.toDataURL())).not.toBe(still);

    // keys reach the game after the click-to-focus overlay
    await game.getByRole('button', { name: 'Click to play' }).click();
    await expect(game.getByRole('button', { name: 'Click to play' })).toBeHidden();
    await game.keyboard.down('KeyW');
    await expect.poll(leftPaddle).toBe(0); // held long enough, the paddle reaches the top
    await game.keyboard.up('KeyW');
  } finally {
    await context.close();
    await site.close();
  }
});

test('the Export dialog makes a standalone program and says where', async ({ kiln, project }) => {
  await kiln.page.getByTestId('export-button').click();
  const dialog = kiln.page.getByTestId('export-dialog');
  await dialog.getByTestId('export-target-native').check();
  await dialog.getByTestId('export-submit').click();
  await expect(dialog.getByTestId('export-result')).toContainText(`Exported to ${project.dir}/export/native`, { timeout: 300_000 });
  for (const file of ['pong', 'libkiln.so', 'plugins/pong.so', 'game.manifest', 'README.txt']) expect(existsSync(project.file(`export/native/${file}`)), file).toBe(true);
});
