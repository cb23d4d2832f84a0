/** The editor in its main states, for docs/screenshots (headless Chromium, 1280x720). Run: npx playwright test -c e2e/screenshots.config.ts */
import path from 'node:path';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { CRASH, updateBodyLine } from '../pong-edits';

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

test('screenshots of the main states', async ({ kiln, project, page }) => {
  test.setTimeout(120_000);
  const source = project.file('pong.c');
  const shot = (name: string) => page.screenshot({ path: path.join(OUT, `${name}.png`) });

  // Running: a colour edited and saved, the game on v2 with its state kept.
  const ball = findDefine(source, 'BALL_COLOR');
  await kiln.replaceLine(ball.line, '#define BALL_COLOR 0xFF7043FF');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await page.waitForTimeout(1500);
  await shot('running');

  await kiln.insertLineAfter(ball.line, 'int kiln_broken = );');
  await kiln.save();
  await kiln.waitForStatus('error');
  await expect(kiln.overlay()).toBeVisible();
  await page.waitForTimeout(300);
  await shot('compile-error');

  await kiln.deleteLine(ball.line + 1);
  await kiln.save();
  await kiln.waitForStatus('ok', 3);
  await kiln.insertLineAfter(updateBodyLine(source), CRASH);
  await kiln.save();
  await expect(kiln.overlay()).toHaveAttribute('data-outcome', 'crash-rolled-back');
  await page.waitForTimeout(500);
  await shot('crash-rolled-back');

  await kiln.deleteLine(updateBodyLine(source) + 1);
  await kiln.save();
  await expect(kiln.overlay()).toBeHidden();
  await kiln.button('loop-record').click();
  await kiln.focusGame();
  await page.keyboard.down('w');
  await page.waitForTimeout(700);
  await page.keyboard.up('w');
  await page.waitForTimeout(800);
  await kiln.button('loop-play').click();
  await expect(page.getByTestId('loop-state')).toHaveAttribute('data-loop', 'replaying');
  // Edit while the loop plays: every save is seen on the same moment of play.
  const paddle = findDefine(source, 'PADDLE_COLOR');
  await kiln.replaceLine(paddle.line, '#define PADDLE_COLOR 0x81C784FF');
  await kiln.save();
  await page.waitForTimeout(1200);
  await shot('loop-replay');
});
