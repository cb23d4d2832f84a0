import { test, expect } from '../fixtures';
import { GameLogPanel } from '../pages/game-log';
import { updateBodyLine } from '../pong-edits';

test('printf from pong reaches the game log tagged pong, folded with a count; a log_printf line shows too', async ({ kiln, project, page }) => {
  const log = new GameLogPanel(page);
  await kiln.insertLineAfter(updateBodyLine(project.file('pong.c')), '    printf("pong says hi from update\\n"); log_printf("score is %d", 40 + 2);');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);

  // Every frame prints the line: one entry whose count climbs, not a flood of entries.
  const printed = log.line('pong says hi from update');
  await expect(printed).toHaveCount(1, { timeout: 30_000 });
  await expect(printed).toHaveAttribute('data-plugin', 'pong');
  await expect(printed).toHaveAttribute('data-source', 'stdout');
  await expect(log.source(printed)).toHaveText('pong stdout');
  await expect.poll(() => log.count(printed), { timeout: 30_000 }).toBeGreaterThan(10);
  await expect(printed.getByTestId('game-log-count')).toHaveText(/^×\d+$/);

  const logged = log.line('pong: score is 42');
  await expect(logged).toHaveCount(1);
  await expect(logged).toHaveAttribute('data-source', 'log');
  await expect.poll(() => log.count(logged), { timeout: 30_000 }).toBeGreaterThan(10);
  // The two lines alternate every frame and still fold: the panel stays short.
  expect(await log.lines().count()).toBeLessThan(20);
});

test('the "pause while editing" setting pauses the game while the editor has focus', async ({ kiln, page }) => {
  const setting = page.getByTestId('pause-while-editing');
  await expect(setting).not.toBeChecked(); // off by default
  await kiln.editor.locator('.view-lines').click();
  await page.waitForTimeout(500);
  await kiln.waitForPaused(false); // off: typing does not stop the game

  await setting.check();
  await kiln.editor.locator('.view-lines').click();
  await kiln.waitForPaused(true);
  const still = await kiln.canvasHash();
  await page.waitForTimeout(400);
  expect(await kiln.canvasHash()).toBe(still);

  await kiln.sessionBar().click(); // focus leaves the editor: the game goes on
  await kiln.waitForPaused(false);
  await expect.poll(() => kiln.canvasHash(), { timeout: 10_000 }).not.toBe(still);

  // Turning the setting off while it holds a pause gives the game back; the choice survives a reload.
  await kiln.editor.locator('.view-lines').click();
  await kiln.waitForPaused(true);
  await setting.uncheck();
  await kiln.waitForPaused(false);
  await page.reload();
  await expect(page.getByTestId('pause-while-editing')).not.toBeChecked();
});
