import { readFileSync, writeFileSync } from 'node:fs';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';
import { GameArt } from '../pages/game-art';

/** Colours of plugins/breakout/sprites.png (scripts/make-example-assets.mjs). */
const PADDLE = rgbOf(0xd8dee9ff);
const BRICK_RED = rgbOf(0xbf616aff);
const PAINTED = { r: 255, g: 0, b: 255 };

test.describe('breakout: sprites from a PNG', () => {
  test.use({ example: 'breakout' });

  test('the sprite sheet is drawn, and a PNG replaced on disk shows without a code reload', async ({ kiln, page, project }) => {
    const art = new GameArt(page);
    // the paddle (32x6 less its outline) and six rows of bricks, drawn from sprites.png
    await expect.poll(async () => (await kiln.findColor(PADDLE, 2)).count).toBeGreaterThan(80);
    await expect.poll(async () => (await kiln.findColor(BRICK_RED, 2)).count).toBeGreaterThan(2 * 18 * 60);
    expect((await kiln.findColor(PAINTED, 2)).count).toBe(0);

    // an image editor saves the sheet with the paddle painted magenta
    art.paintPng(project.file('sprites.png'), { x: 3, y: 1, w: 26, h: 4 }, PAINTED);
    await expect.poll(async () => (await kiln.findColor(PAINTED, 2)).count).toBeGreaterThan(80);
    const entry = art.assetEntries('sprites.png').first();
    await expect(entry).toHaveAttribute('data-outcome', 'ok');
    await expect(entry).toContainText('sprites.png reloaded: 64x16, image 0, no code reload');
    await expect(entry.locator('.timings')).toBeVisible(); // how long it took
    await expect(kiln.status).toHaveAttribute('data-version', '1'); // the code was not rebuilt

    // broken on disk: a placeholder, and the log says which file and why
    writeFileSync(project.file('sprites.png'), 'this is not a PNG');
    await expect(art.assetEntries('sprites.png').first()).toHaveAttribute('data-outcome', 'load-error');
    await expect(art.assetEntries('sprites.png').first()).toContainText('not an image Kiln can read');
    await expect.poll(async () => (await kiln.findColor(PAINTED, 2)).count).toBeGreaterThan(100); // the magenta checker
    await expect.poll(async () => (await kiln.findColor(BRICK_RED, 2)).count).toBe(0);
  });

  test('a kiln.json size change applies to the running game at once', async ({ kiln, page, project }) => {
    const art = new GameArt(page);
    await art.expectCanvasSize(320, 180);
    const frameBefore = await kiln.sessionFrame();
    const config = JSON.parse(readFileSync(project.file('kiln.json'), 'utf8'));
    writeFileSync(project.file('kiln.json'), JSON.stringify({ ...config, width: 400, height: 240 })); // another editor saves it
    await art.expectCanvasSize(400, 240);
    // the same game goes on: its frames keep counting from where they were, and it draws at the new size
    await expect.poll(() => kiln.sessionFrame()).toBeGreaterThan(frameBefore);
    await expect.poll(async () => (await kiln.findColor(PADDLE, 2)).y).toBeGreaterThan(220);
    expect(await kiln.version()).toBeGreaterThanOrEqual(1);
    await expect(kiln.entries('runner-restarted')).toHaveCount(0);
  });
});

test('a gamepad moves pong\'s left paddle', async ({ kiln, page, project }) => {
  const art = new GameArt(page);
  await art.injectGamepad();
  await kiln.ready();
  const paddle = rgbOf(findDefine(project.file('pong.c'), 'PADDLE_COLOR').value);
  const margin = Number(findDefine(project.file('pong.c'), 'PADDLE_MARGIN').value);
  const leftTop = () => kiln.topOfColor(paddle, margin, margin + 2);
  await expect.poll(leftTop).toBeGreaterThan(40); // served in the middle
  await kiln.focusGame(); // pads, like keys, reach the game while it has focus

  await art.setPad({ buttons: [], axes: [0, -1, 0, 0] }); // left stick up
  await expect.poll(leftTop).toBe(0);
  await art.setPad({ buttons: [13], axes: [0, 0, 0, 0] }); // d-pad down
  await expect.poll(leftTop).toBeGreaterThan(100);
  await art.setPad({ buttons: [], axes: [0, 0, 0, 0] });
  // The release reaches the game a frame or two later (a loaded machine: more): wait until the paddle rests.
  let stopped = -1;
  await expect.poll(async () => {
    const before = await leftTop();
    await page.waitForTimeout(150);
    stopped = await leftTop();
    return stopped === before;
  }).toBe(true);
  await page.waitForTimeout(300);
  expect(await leftTop()).toBe(stopped); // released: the paddle stays
});
