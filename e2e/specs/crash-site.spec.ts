import { test, expect } from '../fixtures';
import { CRASH, updateBodyLine } from '../pong-edits';

// A crash, its rollback, a fix and Monaco's widgets on a machine seen at load 60 on 2 cores: room for all of it.
test.describe.configure({ timeout: 600_000 });

test('a NULL write in update is a marker at its line, the log and the overlay link to pong.c:N, F8 goes there, a good build clears it', async ({ kiln, project, page }) => {
  const source = project.file('pong.c');
  const crashLine = updateBodyLine(source) + 1;
  await kiln.insertLineAfter(updateBodyLine(source), CRASH);
  await kiln.save();

  const overlay = kiln.overlay();
  await expect(overlay).toHaveAttribute('data-outcome', 'crash-rolled-back', { timeout: 60_000 });

  // The log entry names the file, the line, the function and the fault in words.
  const site = kiln.entries('crash-rolled-back').first().getByTestId('crash-site');
  await expect(site).toHaveAttribute('data-file', 'pong.c');
  await expect(site).toHaveAttribute('data-line', String(crashLine));
  await expect(site).toHaveAttribute('data-function', 'update');
  await expect(site).toHaveText(`pong.c:${crashLine} in update() — writing address 0x0: a NULL pointer`);
  await expect(overlay.getByTestId('crash-site')).toHaveText(new RegExp(`^pong\\.c:${crashLine} in update\\(\\)`));

  // One marker, at that line: F8 from the top of the file lands on it, like a compile error, and its
  // message (the one its hover shows) says the signal, the callback, the fault and the versions.
  const squiggle = kiln.editor.locator('.squiggly-error');
  await expect(squiggle).toHaveCount(1);
  await kiln.goToLine(1);
  await page.keyboard.press('F8');
  const widget = page.locator('.marker-widget');
  await expect(widget).toContainText('pong crashed here: SIGSEGV in update()');
  await expect(widget).toContainText('writing address 0x0: a NULL pointer');
  await expect(widget).toContainText('v2 crashed → back on v1');
  expect((await kiln.cursor()).line).toBe(crashLine);
  await page.keyboard.press('Escape');

  // From another tab, the overlay's link opens pong.c at the line (the log's is the same component).
  await kiln.openFile('kiln.json');
  await overlay.getByTestId('crash-site').click();
  await expect(kiln.tab('pong.c')).toHaveAttribute('class', /active/);
  await expect.poll(async () => (await kiln.cursor()).line).toBe(crashLine);

  // The fix builds and loads: the marker goes with the crash.
  // The cursor is on the crashing line (checked above): delete it there.
  await page.keyboard.press('Control+Shift+k');
  await kiln.save();
  await kiln.waitForStatus('ok', 3);
  await expect(squiggle).toHaveCount(0);
  await expect(overlay).toBeHidden();
});
