import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';
import { EXIT_RUNNER, HANG, updateBodyLine } from '../pong-edits';

// A hang waits out the watchdog, a dead runner is restarted: room for both on a loaded machine.
test.describe.configure({ timeout: 240_000 });

test('an update that never returns is stopped by the watchdog and rolled back; the game keeps drawing', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  await kiln.insertLineAfter(updateBodyLine(source), HANG);
  await kiln.save();

  const overlay = kiln.overlay();
  await expect(overlay).toHaveAttribute('data-outcome', 'crash-rolled-back', { timeout: 60_000 });
  await expect(overlay).toHaveAttribute('data-kind', 'watchdog');
  await expect(overlay).toHaveAttribute('data-rolled-back', 'true');
  await expect(overlay).toContainText('pong hung and was rolled back');
  await expect(overlay).toContainText('running v1');
  await expect(kiln.page.getByTestId('crash-cause')).toHaveText(/^stopped by the watchdog after \d+ ms$/);
  const facts = kiln.page.getByTestId('crash-facts');
  await expect(facts).toContainText('update()');
  await expect(facts).toContainText('v2 crashed → back on v1');

  const entry = kiln.entries('crash-rolled-back').first();
  const record = entry.getByTestId('crash-record');
  await expect(record).toHaveAttribute('data-kind', 'watchdog');
  await expect(record).toHaveAttribute('data-callback', 'update');
  await expect(record).toHaveAttribute('data-crashed-version', '2');
  await expect(record).toHaveAttribute('data-running-version', '1');
  await expect(record).toContainText('stopped by the watchdog after');
  await expect(record).toContainText('back on v1');

  // v1 runs again under the overlay: the picture keeps changing.
  await expect(kiln.page.getByTestId('plugin-versions')).toHaveText('pong v1');
  const before = await kiln.canvasHash();
  await expect.poll(() => kiln.canvasHash(), { timeout: 10_000 }).not.toBe(before);

  // The fix loads at once and clears the overlay.
  await kiln.deleteLine(updateBodyLine(source) + 1);
  await kiln.save();
  await kiln.waitForStatus('ok', 3);
  await expect(overlay).toBeHidden();
});

test('a version that exits the game runner is rolled back on a new runner; the next good save loads', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  await kiln.insertLineAfter(updateBodyLine(source), EXIT_RUNNER);
  await kiln.save();

  const entry = kiln.entries('crash-rolled-back').first();
  await expect(entry).toBeVisible({ timeout: 60_000 });
  const record = entry.getByTestId('crash-record');
  await expect(record).toHaveAttribute('data-kind', 'runner-died');
  await expect(record).toHaveAttribute('data-crashed-version', '2');
  await expect(record).toHaveAttribute('data-running-version', '1');
  await expect(record).toContainText('the game runner died (exit code 1)');
  const overlay = kiln.overlay();
  await expect(overlay).toHaveAttribute('data-kind', 'runner-died');
  await expect(overlay).toContainText('pong killed the game runner and was rolled back');
  await expect(overlay).toContainText('running v1');

  // A new runner plays v1: the picture keeps changing.
  await expect(kiln.page.getByTestId('runner-line')).toHaveAttribute('data-runner-state', 'running', { timeout: 60_000 });
  await expect(kiln.page.getByTestId('plugin-versions')).toHaveText('pong v1');
  const before = await kiln.canvasHash();
  await expect.poll(() => kiln.canvasHash(), { timeout: 10_000 }).not.toBe(before);

  // The next good save (the exit gone, a new ball colour) is loaded and drawn.
  const ball = findDefine(source, 'BALL_COLOR');
  await kiln.deleteLine(updateBodyLine(source) + 1);
  await kiln.replaceLine(ball.line, '#define BALL_COLOR 0xFF2A2AFF');
  await kiln.save();
  await kiln.waitForStatus('ok', 3);
  await expect(kiln.page.getByTestId('plugin-versions')).toHaveText('pong v3');
  await expect.poll(async () => (await kiln.findColor(rgbOf('0xFF2A2AFF'))).count, { timeout: 10_000 }).toBeGreaterThan(4);
  await expect(overlay).toBeHidden();
});
