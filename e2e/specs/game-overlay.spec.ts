import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { CRASH, updateBodyLine } from '../pong-edits';

test('a compile error shows over the game; its message jumps to the line; dismissed, and gone after a good reload', async ({ kiln, project }) => {
  const ball = findDefine(project.file('pong.c'), 'BALL_COLOR');
  const errorLine = ball.line + 1;
  await kiln.insertLineAfter(ball.line, 'int kiln_broken = );');
  await kiln.save();

  const overlay = kiln.overlay();
  await expect(overlay).toHaveAttribute('data-outcome', 'compile-error');
  await expect(overlay).toContainText('Compile error in pong');
  await expect(overlay).toContainText('running v1');
  await kiln.goToLine(1);
  await overlay.getByRole('button', { name: new RegExp(`pong\\.c:${errorLine}:`) }).click();
  await expect.poll(async () => (await kiln.cursor()).line).toBe(errorLine);

  await overlay.getByRole('button', { name: 'Dismiss' }).click();
  await expect(overlay).toBeHidden();

  // Saving it broken again is a new problem: the overlay comes back. The fix clears it.
  await kiln.save();
  await expect(kiln.entries('compile-error')).toHaveCount(2);
  await expect(overlay).toBeVisible();
  await kiln.replaceLine(errorLine, '');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await expect(overlay).toBeHidden();
});

test('a crash rolled back shows its signal, callback and versions over the still running game', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  await kiln.insertLineAfter(updateBodyLine(source), CRASH);
  await kiln.save();

  const overlay = kiln.overlay();
  await expect(overlay).toHaveAttribute('data-outcome', 'crash-rolled-back');
  await expect(overlay).toHaveAttribute('data-kind', 'signal');
  await expect(overlay).toContainText('pong crashed and was rolled back');
  const facts = kiln.page.getByTestId('crash-facts');
  await expect(facts).toHaveAttribute('data-signal', 'SIGSEGV');
  await expect(kiln.page.getByTestId('crash-cause')).toHaveText('SIGSEGV');
  await expect(facts).toContainText('0x0'); // the address it wrote to
  await expect(facts).toContainText('update()');
  await expect(facts).toContainText('v2 crashed → back on v1');

  // The previous version is running again under the overlay.
  const before = await kiln.canvasHash();
  await expect.poll(() => kiln.canvasHash(), { timeout: 5000 }).not.toBe(before);

  await kiln.deleteLine(updateBodyLine(source) + 1);
  await kiln.save();
  // startup and the fix: the version that crashed in its first frame never counted as running
  await expect(kiln.entries('ok')).toHaveCount(2);
  await expect(kiln.entries('ok').first()).toHaveAttribute('data-version', '3'); // numbers are not reused
  await expect(overlay).toBeHidden();
});
