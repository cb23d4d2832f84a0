import { realpathSync } from 'node:fs';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

const EMPTY_BACKGROUND = rgbOf(0x14202eff); // plugins/templates/empty/game.c

test('a new project from the Empty template runs in place of pong; Open project brings pong back with its unsaved edit', async ({ kiln, project, app }) => {
  const pongBackground = rgbOf(findDefine(project.file('pong.c'), 'BACKGROUND_COLOR').value);
  const paddle = rgbOf(findDefine(project.file('pong.c'), 'PADDLE_COLOR').value);
  const frame = 320 * 180;

  // An unsaved edit in pong: switching projects must not lose it.
  await kiln.appendToLine(3, ' /* not saved yet */');
  await expect(kiln.tab('pong.c')).toHaveClass(/dirty/);
  if (app.kind === 'web') await expect(kiln.page.getByTestId('new-project')).not.toHaveAttribute('title', /Ctrl\+Shift\+N/); // the browser keeps it

  await kiln.newProject('Rocks', 'empty');
  await expect(kiln.newProjectDialog()).toHaveCount(0, { timeout: 30_000 });

  // The new project's files, its first source open, its game on the canvas, its own reload log.
  await expect(kiln.fileButton('game.c')).toBeVisible();
  await expect(kiln.fileButton('pong.c')).toHaveCount(0);
  await expect(kiln.tab('game.c')).toHaveClass(/active/);
  await expect(kiln.tab('pong.c')).toHaveCount(0);
  await expect(kiln.editor).toContainText('#define BACKGROUND_COLOR 0x14202EFF');
  await kiln.waitForStatus('ok', 1);
  await expect(kiln.status).toContainText('ok');
  const gameLoaded = kiln.page.locator('[data-testid="reload-log-entry"][data-plugin="game"][data-outcome="ok"]');
  await expect(gameLoaded.first()).toHaveAttribute('data-version', '1');
  await expect(kiln.page.locator('[data-testid="reload-log-entry"][data-plugin="pong"]')).toHaveCount(0);
  await expect.poll(async () => (await kiln.findColor(EMPTY_BACKGROUND, 2)).count).toBeGreaterThan(frame / 2);
  expect((await kiln.findColor(pongBackground, 2)).count).toBe(0);

  // The same name again: the back end's refusal shows in the dialog, which stays open.
  await kiln.newProject('Rocks', 'empty');
  await expect(kiln.projectDialogError()).toContainText('already exists');
  await kiln.page.keyboard.press('Escape');
  await expect(kiln.newProjectDialog()).toHaveCount(0);

  // Open project: a folder without kiln.json is refused in the dialog; pong from the recent list opens.
  await kiln.showOpenProject();
  await kiln.openProjectAt(project.file('no-such-folder'));
  await expect(kiln.projectDialogError()).toContainText('kiln.json');
  await kiln.recentProject(realpathSync(project.dir)).click();
  await expect(kiln.openProjectDialog()).toHaveCount(0, { timeout: 30_000 });

  await expect(kiln.fileButton('pong.c')).toBeVisible();
  await expect(kiln.fileButton('game.c')).toHaveCount(0);
  await expect(kiln.tab('pong.c')).toHaveClass(/active/);
  await kiln.waitForStatus('ok');
  await expect(kiln.page.locator('[data-testid="reload-log-entry"][data-plugin="game"]')).toHaveCount(0);
  await expect.poll(async () => (await kiln.findColor(pongBackground, 2)).count).toBeGreaterThan(frame / 2);
  await expect.poll(async () => (await kiln.findColor(paddle)).count).toBeGreaterThan(20);
  expect((await kiln.findColor(EMPTY_BACKGROUND, 2)).count).toBe(0);

  // The edit made before the switch is offered back.
  const offer = kiln.page.getByTestId('draft-offer');
  await expect(offer).toContainText('pong.c');
  await offer.getByRole('button', { name: 'Restore' }).click();
  await expect(kiln.tab('pong.c')).toHaveClass(/dirty/);
  await expect(kiln.editor).toContainText('/* not saved yet */');
});
