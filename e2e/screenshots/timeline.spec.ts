/** The timeline scrubbed back with a fix saved there, for docs/screenshots/timeline.png. Run: npx playwright test -c e2e/screenshots.config.ts timeline */
import path from 'node:path';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { TimelinePanel } from '../pages/timeline';

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

test('screenshot of the timeline scrubbed back', async ({ kiln, project, page }) => {
  test.setTimeout(300_000);
  const timeline = new TimelinePanel(page);
  await timeline.waitKept(240);
  await timeline.pause();
  await timeline.dragTo(0.55);
  const ball = findDefine(project.file('pong.c'), 'BALL_COLOR');
  await kiln.openFile('pong.c');
  await kiln.replaceLine(ball.line, '#define BALL_COLOR 0xFF4081FF');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await expect(timeline.root).toHaveAttribute('data-scrubbed', 'true');
  await page.waitForTimeout(800);
  await page.screenshot({ path: path.join(OUT, 'timeline.png') });
});
