import { existsSync, readFileSync } from 'node:fs';
import { test, expect } from '../fixtures';
import { lineOf } from '../pong-edits';

test('a new plugin from the template appears, builds and runs; edited to follow the mouse, it sees the mouse', async ({ kiln, project, page }) => {
  await kiln.newPlugin('stars');
  await expect(kiln.fileButton('stars.c')).toBeVisible();
  await expect(kiln.tab('stars.c')).toHaveAttribute('class', /active/);
  await expect(kiln.page.locator('[data-testid="reload-log-entry"][data-plugin="stars"][data-outcome="ok"]').first()).toBeVisible();
  await expect(kiln.page.getByTestId('plugin-versions')).toContainText(/stars v\d/);
  expect(JSON.parse(readFileSync(project.file('kiln.json'), 'utf8')).plugins.map((p: { name: string }) => p.name)).toContain('stars');
  await expect.poll(async () => (await kiln.findColor({ r: 0xff, g: 0xb7, b: 0x4d })).count).toBeGreaterThan(50); // the template's box

  // Draw a magenta square under the mouse instead.
  const drawLine = lineOf(project.file('stars.c'), /^\s*fill_rect\(\(int\)st->x/);
  await kiln.deleteLine(drawLine);
  await kiln.insertLineAfter(drawLine - 1, '    fill_rect(mouse_x() - 2, mouse_y() - 2, 5, 5, 0xFF00FFFF);');
  await kiln.save();
  await expect(kiln.page.locator('[data-testid="reload-log-entry"][data-plugin="stars"][data-outcome="ok"][data-trigger="save"]')).toHaveCount(1);

  await kiln.focusGame();
  const box = (await kiln.canvas.boundingBox())!;
  const scale = box.width / 320;
  await page.mouse.move(box.x + 100 * scale + 1, box.y + 50 * scale + 1);
  await expect.poll(async () => {
    const m = await kiln.findColor({ r: 0xff, g: 0, b: 0xff });
    return m.count > 10 ? `${Math.round(m.x)},${Math.round(m.y)}` : 'none';
  }).toBe('100,50');
});

test('a file can be created, renamed and deleted, with a confirmation before deleting', async ({ kiln, project }) => {
  await kiln.newFile('util.h');
  await expect(kiln.fileButton('util.h')).toBeVisible();
  await expect(kiln.tab('util.h')).toHaveAttribute('class', /active/);
  expect(existsSync(project.file('util.h'))).toBe(true);

  await kiln.renameFile('util.h', 'helpers.h');
  await expect(kiln.fileButton('helpers.h')).toBeVisible();
  await expect(kiln.fileButton('util.h')).toHaveCount(0);
  await expect(kiln.tab('helpers.h')).toBeVisible();
  expect(existsSync(project.file('helpers.h'))).toBe(true);
  expect(existsSync(project.file('util.h'))).toBe(false);

  const declined = kiln.answerNextDialog(false);
  await kiln.clickDelete('helpers.h');
  expect((await declined).message).toContain('Delete helpers.h?');
  await expect(kiln.fileButton('helpers.h')).toBeVisible();
  expect(existsSync(project.file('helpers.h'))).toBe(true);

  const accepted = kiln.answerNextDialog(true);
  await kiln.clickDelete('helpers.h');
  await accepted;
  await expect(kiln.fileButton('helpers.h')).toHaveCount(0);
  await expect(kiln.tab('helpers.h')).toHaveCount(0);
  expect(existsSync(project.file('helpers.h'))).toBe(false);
});
