/** The editor in its main states, for docs/screenshots (headless Chromium, 1280x720). */
import path from 'node:path';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { CRASH, updateBodyLine } from '../pong-edits';

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

test('screenshots of the main states', async ({ kiln, project, page }) => {
  test.setTimeout(120_000);
  const source = project.file('pong.c');
  await expect(kiln.sessionBar()).toBeVisible();
  await page.waitForTimeout(1500);
  await page.screenshot({ path: path.join(OUT, 'running.png') });

  const ball = findDefine(source, 'BALL_COLOR');
  await kiln.insertLineAfter(ball.line, 'int kiln_broken = );');
  await kiln.save();
  await kiln.waitForStatus('error');
  await expect(kiln.overlay()).toBeVisible();
  await page.waitForTimeout(300);
  await page.screenshot({ path: path.join(OUT, 'compile-error.png') });

  // Fix it, then crash in update(): the runtime rolls back to the last good version.
  await kiln.replaceLine(ball.line + 1, '');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await kiln.insertLineAfter(updateBodyLine(source) + 1, CRASH);
  await kiln.save();
  await expect(kiln.overlay()).toHaveAttribute('data-outcome', 'crash-rolled-back');
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(OUT, 'crash-rolled-back.png') });
});
