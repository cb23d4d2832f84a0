import { readFileSync } from 'node:fs';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

test('autosave (off by default) saves after the chosen pause in typing', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  const ball = findDefine(source, 'BALL_COLOR');
  const toggle = kiln.page.getByTestId('autosave-toggle');
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await kiln.page.getByTestId('autosave-delay').fill('300');
  await kiln.page.getByTestId('autosave-delay').press('Enter');

  await kiln.appendToLine(ball.line, ' /* autosaved */');
  await expect.poll(() => readFileSync(source, 'utf8'), { timeout: 10_000 }).toContain('/* autosaved */');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'false');
  await kiln.waitForStatus('ok', 2);
});

test('pane sizes follow the keyboard and the mouse, and persist across a reload', async ({ kiln, page }) => {
  const side = page.getByTestId('splitter-side');
  const before = Number(await side.getAttribute('aria-valuenow'));
  await side.focus();
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  await expect(side).toHaveAttribute('aria-valuenow', String(before + 32));

  const files = page.getByTestId('splitter-files');
  const filesBefore = Number(await files.getAttribute('aria-valuenow'));
  const box = (await files.boundingBox())!;
  await page.mouse.move(box.x + 2, box.y + 200);
  await page.mouse.down();
  await page.mouse.move(box.x + 42, box.y + 200, { steps: 4 });
  await page.mouse.up();
  await expect(files).toHaveAttribute('aria-valuenow', String(filesBefore + 40));

  await page.reload();
  await expect(kiln.editor).toBeVisible();
  await expect(side).toHaveAttribute('aria-valuenow', String(before + 32));
  await expect(files).toHaveAttribute('aria-valuenow', String(filesBefore + 40));
});

test('the optimised profile rebuilds every plugin and stays chosen', async ({ kiln }) => {
  const toggle = kiln.page.getByTestId('profile-toggle');
  await expect(toggle).not.toBeChecked();
  await toggle.check();
  await kiln.waitForStatus('ok', 2);
  await expect(kiln.logEntries.first()).toHaveAttribute('data-trigger', 'manual');
  await expect(toggle).toBeChecked();
});

test('a recorded loop replays the same input over and over until stopped', async ({ kiln, project, page }) => {
  const paddle = rgbOf(findDefine(project.file('pong.c'), 'PADDLE_COLOR').value);
  const leftPaddle = () => kiln.topOfColor(paddle, 8, 12);
  const middle = (180 - 28) / 2;
  await expect.poll(leftPaddle).toBe(middle);

  await kiln.button('loop-record').click();
  await expect(kiln.page.getByTestId('loop-state')).toHaveAttribute('data-loop', 'recording');
  await kiln.focusGame();
  await page.keyboard.down('w');
  await expect.poll(leftPaddle, { timeout: 5000 }).toBeLessThan(middle - 40);
  await page.keyboard.up('w');
  await page.waitForTimeout(300);
  await kiln.button('loop-play').click();
  await expect(kiln.page.getByTestId('loop-state')).toHaveAttribute('data-loop', 'replaying');

  // Nobody touches the keys now, yet the paddle goes back to the middle and up again, loop after loop.
  const seen = new Set<string>();
  await expect
    .poll(
      async () => {
        const y = await leftPaddle();
        seen.add(y >= middle - 2 ? 'start' : y < middle - 40 ? 'end' : 'between');
        return seen.has('start') && seen.has('end');
      },
      { timeout: 10_000, intervals: [50] },
    )
    .toBe(true);

  await kiln.button('loop-stop').click();
  await expect(kiln.page.getByTestId('loop-state')).toHaveCount(0);
  await expect(kiln.button('loop-record')).toBeVisible();
});
