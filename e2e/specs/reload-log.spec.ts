import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { updateBodyLine } from '../pong-edits';

test.use({ permissions: ['clipboard-read', 'clipboard-write'] });

test('the log filters by plugin and outcome, shows what the game logged, copies as text, and comes back after a reload', async ({ kiln, project, page }) => {
  const source = project.file('pong.c');
  const ball = findDefine(source, 'BALL_COLOR');
  await kiln.insertLineAfter(ball.line, 'int kiln_broken = );');
  await kiln.save();
  await kiln.waitForStatus('error');
  // The fix also logs a line from the game, once per version.
  await kiln.deleteLine(ball.line + 1);
  await kiln.insertLineAfter(updateBodyLine(source), '    { static int said; if (!said) { said = 1; log_info("hello from the log spec"); } }');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);

  const hello = kiln.gameLogEntries().filter({ hasText: 'hello from the log spec' });
  await expect(hello).toHaveCount(1);
  await expect(kiln.logEntries).toHaveCount(3);

  await kiln.filterLog({ outcome: 'failed' });
  await expect(kiln.logEntries).toHaveCount(1);
  await expect(kiln.logEntries.first()).toHaveAttribute('data-outcome', 'compile-error');
  await expect(hello).toHaveCount(0);
  await kiln.filterLog({ outcome: 'good', plugin: 'pong' });
  await expect(kiln.logEntries).toHaveCount(2);
  await kiln.filterLog({ outcome: 'all', plugin: '' });
  await expect(kiln.logEntries).toHaveCount(3);
  await kiln.filterLog({ gameLog: false });
  await expect(hello).toHaveCount(0);
  await kiln.filterLog({ gameLog: true });
  await expect(hello).toHaveCount(1);

  await kiln.button('copy-log').click();
  await expect(kiln.button('copy-log')).toHaveText(/copied/);
  const text = await page.evaluate(() => navigator.clipboard.readText());
  expect(text).toMatch(/pong v1 save compile-error/);
  expect(text).toContain(`pong.c:${ball.line + 1}:`);
  expect(text).toContain('game info: pong: hello from the log spec');
  expect(text).toMatch(/pong v2 save ok/);

  // A fresh page loads the history from the project's log file.
  await page.reload();
  await expect(kiln.logEntries).toHaveCount(3);
  await expect(kiln.entries('compile-error')).toHaveCount(1);
});
