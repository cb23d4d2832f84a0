import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

/** Where a fresh state serves the ball (pong's serve(): the middle of the 320x180 screen). */
const SERVE = { x: 160, y: 90 };
const fromServe = (b: { x: number; y: number }) => Math.hypot(b.x - SERVE.x, b.y - SERVE.y);

// Up to a minute of play for a score, then a paused reload: the room a loaded machine needs, set before the fixtures start.
test.describe.configure({ timeout: 240_000 });

test('a colour changed in pong.c shows on the running game, with the score and the ball kept', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  const ballDefine = findDefine(source, 'BALL_COLOR');
  const oldBall = rgbOf(ballDefine.value);
  const newBallHex = '0xFF2A2AFF';
  const newBall = rgbOf(newBallHex);
  const score = rgbOf(findDefine(source, 'SCORE_COLOR').value);
  const scoreArea = { x: 96, y: 0, w: 128, h: 28 };

  // The score as drawn, read twice 150 ms apart until both reads agree: the ball flying over the digits hides
  // some of their pixels for a moment, and such a read is not a change of the score.
  const steadyScore = async () => {
    let last = await kiln.colorMask(score, scoreArea);
    for (;;) {
      await new Promise((r) => setTimeout(r, 150));
      const next = await kiln.colorMask(score, scoreArea);
      if (next === last) return next;
      last = next;
    }
  };
  // Nobody plays the left paddle, so the right side scores within a few seconds.
  const startScore = await steadyScore();
  expect(startScore).toContain('#'); // the score is drawn
  // and each frame is drawn as it comes, on a canvas that reaches the screen without waiting for the page's commit
  expect(await kiln.canvasLowLatency()).toBe(true);
  await expect.poll(steadyScore, { timeout: 60_000, intervals: [250] }).not.toBe(startScore);

  // The ball is compared in a paused game: running, a loaded machine lets any number of frames pass
  // between two reads, and the ball moves ~2 px a frame. Paused, the new code's first frame takes no
  // time, so a kept state puts the ball on the very same pixels, and a lost one serves it from the middle.
  let before = { count: 0, x: -1, y: -1 };
  for (let attempt = 0; attempt < 10 && !(before.count >= 15 && fromServe(before) > 25); attempt++) {
    await kiln.resume();
    await expect.poll(async () => { const b = await kiln.findColor(oldBall); return b.count >= 15 && fromServe(b) > 40; }, { timeout: 30_000 }).toBe(true);
    await kiln.pauseOnShownFrame();
    before = await kiln.findColor(oldBall);
  }
  expect(fromServe(before), 'ball paused in play, away from where a fresh state would serve it').toBeGreaterThan(25);
  const pausedScore = await kiln.colorMask(score, scoreArea);
  const pausedFrame = await kiln.canvasFrame();

  await kiln.replaceLine(ballDefine.line, `#define BALL_COLOR ${newBallHex}`);
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await expect.poll(async () => (await kiln.findColor(newBall)).count, { timeout: 10_000 }).toBeGreaterThan(4);
  expect(await kiln.canvasFrame(), 'a new frame, drawn by the new code while paused').toBeGreaterThan(pausedFrame);
  expect((await kiln.findColor(oldBall)).count).toBe(0);

  // The state carried over: the ball on the same pixels, the same score.
  const after = await kiln.findColor(newBall);
  expect(after.count).toBe(before.count);
  const jump = Math.hypot(after.x - before.x, after.y - before.y);
  expect(jump, `ball moved ${jump.toFixed(1)} px across the reload of a paused game`).toBeLessThan(1);
  expect(await kiln.colorMask(score, scoreArea)).toBe(pausedScore);
  expect(pausedScore).not.toBe(startScore);

  // Resumed, the game goes on in the new colour.
  await kiln.resume();
  await expect.poll(async () => { const b = await kiln.findColor(newBall); return Math.hypot(b.x - after.x, b.y - after.y); }, { timeout: 10_000 }).toBeGreaterThan(3);

  const entry = kiln.entries('ok').first();
  await expect(entry).toHaveAttribute('data-version', '2');
  await expect(entry).toContainText(/state kept/);
});
