import { test, expect } from '../fixtures';
import { GameLogPanel, type GameLogLine } from '../pages/game-log';
import { updateBodyLine } from '../pong-edits';

test('printf from pong reaches the game log tagged pong, folded with a count; a log_printf line shows too', async ({ kiln, project, page }) => {
  const log = new GameLogPanel(page);
  await kiln.insertLineAfter(updateBodyLine(project.file('pong.c')), '    printf("pong says hi from update\\n"); log_printf("score is %d", 40 + 2);');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);

  // Every frame prints both lines: each is one entry whose count climbs, not a flood of entries.
  let lines: GameLogLine[] = [];
  const printed = () => lines.filter((l) => l.text.includes('pong says hi from update'));
  const logged = () => lines.filter((l) => l.text.includes('pong: score is 42'));
  await expect
    .poll(
      async () => {
        lines = await log.entries();
        return Math.min(printed()[0]?.count ?? 0, logged()[0]?.count ?? 0);
      },
      { timeout: 60_000 },
    )
    .toBeGreaterThan(10);
  expect(printed()).toHaveLength(1);
  expect(printed()[0]).toMatchObject({ plugin: 'pong', source: 'stdout', tag: 'pong stdout' });
  expect(printed()[0].badge).toMatch(/^×\d+$/);
  expect(logged()).toHaveLength(1);
  expect(logged()[0]).toMatchObject({ plugin: 'pong', source: 'log', tag: '' });
  // The two lines alternate every frame and still fold: the panel stays short.
  expect(lines.length).toBeLessThan(20);
});

test('the "pause while editing" setting pauses the game while the editor has focus', async ({ kiln, page }) => {
  const setting = page.getByTestId('pause-while-editing');
  await expect(setting).not.toBeChecked(); // off by default
  await kiln.editor.locator('.view-lines').click();
  await page.waitForTimeout(500);
  await kiln.waitForPaused(false); // off: typing does not stop the game

  await setting.check();
  await kiln.editor.locator('.view-lines').click();
  const frame = await kiln.waitForPaused(true);
  await page.waitForTimeout(500);
  expect(await kiln.sessionFrame()).toBe(frame); // no frame ran while the editor had focus

  await kiln.sessionBar().click(); // focus leaves the editor: the game goes on
  await kiln.waitForPaused(false);
  await expect.poll(() => kiln.sessionFrame(), { timeout: 30_000 }).toBeGreaterThan(frame);

  // Turning the setting off while it holds a pause gives the game back; the choice survives a reload.
  await kiln.editor.locator('.view-lines').click();
  await kiln.waitForPaused(true);
  await setting.uncheck();
  await kiln.waitForPaused(false);
  await page.reload();
  await expect(page.getByTestId('pause-while-editing')).not.toBeChecked();
});
