/** The state inspector open beside the game log, a score just edited, for docs/screenshots. Run: npx playwright test -c e2e/screenshots.config.ts state-inspector */
import path from 'node:path';
import { test, expect } from '../fixtures';
import { StateInspectorPanel } from '../pages/state-inspector';

const OUT = path.resolve(__dirname, '..', '..', 'docs', 'screenshots');

test('screenshot of the state inspector', async ({ kiln, page }) => {
  test.slow();
  const state = new StateInspectorPanel(page);
  // room for all of pong's fields: the console taller (its splitter, dragged up)
  const splitter = page.getByRole('separator', { name: 'Resize the console' });
  const box = (await splitter.boundingBox())!;
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await page.mouse.down();
  await page.mouse.move(box.x + box.width / 2, box.y - 140, { steps: 5 });
  await page.mouse.up();
  await state.open();
  await state.edit('pong.left_score', '7');
  await expect(state.value('pong.left_score')).toHaveAttribute('data-value', '7');
  await expect(page.locator('.game-log')).toContainText('(inspector)');
  await state.value('pong.ball_x').hover();
  await expect(kiln.canvas).toBeVisible();
  await page.waitForTimeout(500);
  await page.screenshot({ path: path.join(OUT, 'state-inspector.png') });
});
