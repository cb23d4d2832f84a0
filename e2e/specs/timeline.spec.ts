import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf, type KilnEditor } from '../pages/kiln-editor';
import { TimelinePanel } from '../pages/timeline';

/**
 * Waits until the canvas shows the picture the runner sent last (a seek's frame), then fingerprints it. The web
 * shell drops a frame when the page reads slowly (a loaded machine): then the same frame is asked for again.
 */
async function shown(kiln: KilnEditor, timeline: TimelinePanel): Promise<string> {
  const onScreen = async () => (await kiln.canvasFrame()) === (await kiln.sessionFrame()) && (await kiln.sessionFrame()) > 0;
  for (let attempt = 0; attempt < 4; attempt++) {
    try {
      await expect.poll(onScreen, { timeout: 15_000 }).toBe(true);
      return kiln.canvasHash();
    } catch {
      await timeline.stepKey(',');
      await timeline.stepKey('.');
    }
  }
  throw new Error('the canvas never showed the frame the timeline asked for: frames from the runner are not reaching the page');
}

test('scrub back to an earlier frame, fix the code there, replay to now with the fix', async ({ kiln, project, page }) => {
  const ballDefine = findDefine(project.file('pong.c'), 'BALL_COLOR');
  const ball = rgbOf(ballDefine.value);
  const fixed = rgbOf(0xff4081ff);
  const timeline = new TimelinePanel(page);
  await expect(timeline.root).toHaveAttribute('data-enabled', 'true');

  // let pong run ~3 s, then pause. For a few frames after each missed ball the ball is off the field (it is
  // served again only once it is 4 radii out): paused on one of those, play on a little and pause again.
  await timeline.waitKept(180);
  let newest = 0;
  let ballNow = { count: 0, x: -1, y: -1 };
  for (let attempt = 0; attempt < 4 && ballNow.count <= 10; attempt++) {
    if (attempt > 0) {
      await page.getByTestId('timeline-play').click();
      await kiln.waitForPaused(false);
      const from = await timeline.last();
      await expect.poll(() => timeline.last(), { timeout: 30_000 }).toBeGreaterThan(from + 20);
    }
    await timeline.pause();
    // , then . : the canvas surely shows the newest kept frame (drawn by the seek, not a frame a busy page dropped)
    newest = await timeline.last();
    await timeline.stepKey(',');
    expect(await timeline.stepKey('.')).toBe(newest);
    await shown(kiln, timeline);
    ballNow = await kiln.findColor(ball);
  }
  expect(ballNow.count).toBeGreaterThan(10);

  // drag the timeline back: the game shows an earlier frame, the ball elsewhere (a frame where the ball also
  // waits at the centre for a serve would look alike, and on one just after a miss the ball is off the field:
  // then drag further back)
  const first = await timeline.first();
  let back = newest;
  let backPicture = '';
  let ballBack = ballNow;
  for (const fraction of [Math.max(0, (newest - 70 - first) / (newest - first)), 0.6, 0.35, 0.1]) {
    await timeline.dragTo(fraction);
    back = await timeline.cursor();
    expect(back).toBeLessThan(newest - 20);
    backPicture = await shown(kiln, timeline);
    ballBack = await kiln.findColor(ball);
    if (ballBack.count > 10 && Math.hypot(ballBack.x - ballNow.x, ballBack.y - ballNow.y) > 3) break;
  }
  expect(ballBack.count).toBeGreaterThan(10);
  expect(Math.hypot(ballBack.x - ballNow.x, ballBack.y - ballNow.y)).toBeGreaterThan(3);

  // the same frame again is the same picture: a step forward and back returns to it exactly
  await timeline.stepKey('.');
  await shown(kiln, timeline);
  expect(await timeline.stepKey(',')).toBe(back);
  expect(await shown(kiln, timeline)).toBe(backPicture);

  // edit the ball's colour and save while scrubbed: that frame is drawn again in the new colour, nothing moves
  await kiln.openFile('pong.c');
  await kiln.replaceLine(ballDefine.line, '#define BALL_COLOR 0xFF4081FF');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await expect.poll(async () => (await kiln.findColor(fixed)).count, { timeout: 30_000 }).toBeGreaterThan(10);
  const redrawn = await kiln.findColor(fixed);
  expect(Math.abs(redrawn.x - ballBack.x)).toBeLessThan(1);
  expect(Math.abs(redrawn.y - ballBack.y)).toBeLessThan(1);
  expect((await kiln.findColor(ball)).count).toBe(0);
  expect(await timeline.cursor()).toBe(back);
  await expect(timeline.root).toHaveAttribute('data-scrubbed', 'true');

  // Replay to now: the recorded input runs again with the new code up to the newest frame; only the colour
  // changed, so the replay lands the ball where it was (time and random numbers are replayed too)
  await timeline.replayToNow();
  expect(await timeline.cursor()).toBe(newest);
  await shown(kiln, timeline);
  const replayed = await kiln.findColor(fixed);
  expect(replayed.count).toBeGreaterThan(10);
  expect(Math.abs(replayed.x - ballNow.x)).toBeLessThan(1);
  expect(Math.abs(replayed.y - ballNow.y)).toBeLessThan(1);
  expect((await kiln.findColor(ball)).count).toBe(0);

  // play on: the game runs again from there, with the new colour
  await page.getByTestId('timeline-play').click();
  await kiln.waitForPaused(false);
  await expect.poll(() => timeline.last(), { timeout: 30_000 }).toBeGreaterThan(newest + 30);
  await expect.poll(async () => (await kiln.findColor(fixed)).count, { timeout: 10_000 }).toBeGreaterThan(10);
});
