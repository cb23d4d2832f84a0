import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';

test('compiler errors are markers with hover text, F8 goes to them, the log jumps to them, and a good build clears them', async ({ kiln, project, page }) => {
  const ball = findDefine(project.file('pong.c'), 'BALL_COLOR');
  const errorLine = ball.line + 1;
  await kiln.insertLineAfter(ball.line, 'int kiln_broken = );');
  await kiln.save();
  await kiln.waitForStatus('error');

  const squiggle = kiln.editor.locator('.squiggly-error');
  await expect(squiggle.first()).toBeVisible();
  const box = (await squiggle.first().boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2); // the squiggle sits under the text layer
  await expect(page.locator('.monaco-hover').filter({ hasText: /expected/i }).first()).toBeVisible();

  await kiln.goToLine(1);
  await page.keyboard.press('F8');
  await expect(page.locator('.marker-widget')).toBeVisible();
  expect((await kiln.cursor()).line).toBe(errorLine);
  await page.keyboard.press('Escape');

  // From another tab, a click on the log's message opens pong.c at the line and column.
  await kiln.openFile('kiln.json');
  const diagnostic = kiln.entries('compile-error').first().locator('.diagnostic').first();
  const where = /pong\.c:(\d+):(\d+)/.exec((await diagnostic.textContent()) ?? '')!;
  await diagnostic.click();
  await expect(kiln.tab('pong.c')).toHaveAttribute('class', /active/);
  await expect.poll(() => kiln.cursor()).toEqual({ line: Number(where[1]), column: Number(where[2]) });

  await kiln.replaceLine(errorLine, '');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await expect(squiggle).toHaveCount(0);
});
