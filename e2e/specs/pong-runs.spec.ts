import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

test('the editor opens on pong and the game is running', async ({ kiln, project }) => {
  await expect(kiln.fileList).toContainText('pong.c');
  await expect(kiln.editor).toContainText('#define BALL_COLOR');
  await expect(kiln.status).toContainText('ok');
  await expect(kiln.status).toHaveAttribute('data-version', '1');

  // The canvas shows pong: the frame is the project's size and the ball is drawn in its colour.
  await expect(kiln.canvas).toHaveJSProperty('width', 320);
  await expect(kiln.canvas).toHaveJSProperty('height', 180);
  const ball = rgbOf(findDefine(project.file('pong.c'), 'BALL_COLOR').value);
  await expect.poll(async () => (await kiln.findColor(ball)).count).toBeGreaterThan(4);

  // And it moves: two reads of the canvas a moment apart differ.
  const first = await kiln.canvasHash();
  await expect.poll(() => kiln.canvasHash(), { timeout: 5000 }).not.toBe(first);

  // The startup build is in the reload log with its timings.
  const entry = kiln.entries('ok').first();
  await expect(entry).toHaveAttribute('data-version', '1');
  await expect(entry).toContainText(/compile/i);
});
