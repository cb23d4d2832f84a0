import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

test('a colour changed in pong.c shows on the running game, with the score and the ball kept', async ({ kiln, project }) => {
  test.setTimeout(120_000);
  const source = project.file('pong.c');
  const ballDefine = findDefine(source, 'BALL_COLOR');
  const oldBall = rgbOf(ballDefine.value);
  const newBallHex = '0xFF2A2AFF';
  const newBall = rgbOf(newBallHex);
  const score = rgbOf(findDefine(source, 'SCORE_COLOR').value);
  const scoreArea = { x: 96, y: 0, w: 128, h: 28 };

  // Nobody plays the left paddle, so the right side scores within a few seconds.
  const startScore = await kiln.colorMask(score, scoreArea);
  expect(startScore).toContain('#'); // the score is drawn
  await expect.poll(() => kiln.colorMask(score, scoreArea), { timeout: 60_000, intervals: [250] }).not.toBe(startScore);

  await kiln.startBallTracker(oldBall, newBall);
  await kiln.replaceLine(ballDefine.line, `#define BALL_COLOR ${newBallHex}`);
  await kiln.save();

  await kiln.waitForStatus('ok', 2);
  await expect.poll(async () => (await kiln.findColor(newBall)).count).toBeGreaterThan(4);
  expect((await kiln.findColor(oldBall)).count).toBe(0);
  const samples = await kiln.stopBallTracker();

  // The score did not go back to its starting picture: the state carried over.
  expect(await kiln.colorMask(score, scoreArea)).not.toBe(startScore);

  // The ball continued from where it was: the first frame in the new colour is next to the last in the old.
  const lastOld = samples.filter((s) => s.which === 'old').at(-1);
  const firstNew = samples.find((s) => s.which === 'new');
  expect(lastOld, 'ball seen in the old colour before the save').toBeTruthy();
  expect(firstNew, 'ball seen in the new colour after the save').toBeTruthy();
  const jump = Math.hypot(firstNew!.x - lastOld!.x, firstNew!.y - lastOld!.y);
  expect(jump, `ball moved ${jump.toFixed(1)} px across the reload`).toBeLessThan(20);

  const entry = kiln.entries('ok').first();
  await expect(entry).toHaveAttribute('data-version', '2');
  await expect(entry).toContainText(/state kept/);
});
