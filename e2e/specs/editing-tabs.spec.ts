import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';

test('tabs mark unsaved changes and Ctrl+Shift+S saves every tab', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  const ball = findDefine(source, 'BALL_COLOR');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'false');
  await kiln.appendToLine(ball.line, ' /* tabs */');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'true');

  await kiln.openFile('kiln.json');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'true'); // still there, still unsaved
  const config = readFileSync(project.file('kiln.json'), 'utf8');
  await kiln.editor.locator('.view-lines').click();
  await kiln.page.keyboard.press('Control+End');
  await kiln.page.keyboard.insertText('\n');
  await expect(kiln.tab('kiln.json')).toHaveAttribute('data-dirty', 'true');

  await kiln.page.keyboard.press('Control+Shift+s');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'false');
  await expect(kiln.tab('kiln.json')).toHaveAttribute('data-dirty', 'false');
  expect(readFileSync(source, 'utf8')).toContain(`${ball.text} /* tabs */`);
  expect(readFileSync(project.file('kiln.json'), 'utf8')).toBe(`${config}\n`);
  await kiln.waitForStatus('ok');
});

test('unsaved work is offered back after a page reload, and closing a dirty tab asks first', async ({ kiln, project, page }) => {
  const ball = findDefine(project.file('pong.c'), 'BALL_COLOR');
  await kiln.appendToLine(ball.line, ' /* draft */');
  await page.waitForTimeout(600); // drafts are written a moment after typing stops

  const prompt = kiln.answerNextDialog(true);
  await page.reload();
  expect((await prompt).type).toBe('beforeunload');
  const offer = page.getByTestId('draft-offer');
  await expect(offer).toContainText('pong.c');
  await offer.getByRole('button', { name: 'Restore' }).click();
  await expect(offer).toBeHidden();
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'true');
  await expect(kiln.editor).toContainText('/* draft */');

  const cancelled = kiln.answerNextDialog(false);
  await kiln.closeTab('pong.c');
  expect((await cancelled).message).toContain('unsaved changes');
  await expect(kiln.tab('pong.c')).toBeVisible();
  const confirmed = kiln.answerNextDialog(true);
  await kiln.closeTab('pong.c');
  await confirmed;
  await expect(kiln.tab('pong.c')).toHaveCount(0);
  expect(readFileSync(project.file('pong.c'), 'utf8')).not.toContain('/* draft */');
});

test('a change on disk reloads a clean tab, asks when the tab has unsaved edits, and keeps the text of a deleted file', async ({ kiln, project, page }) => {
  const source = project.file('pong.c');
  const original = readFileSync(source, 'utf8');
  writeFileSync(source, original.replace('Kiln\'s default game', 'Kiln\'s default game (edited outside)'));
  await expect(kiln.editor).toContainText('(edited outside)');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'false');

  const ball = findDefine(source, 'BALL_COLOR');
  await kiln.appendToLine(ball.line, ' /* mine */');
  writeFileSync(source, readFileSync(source, 'utf8').replace('(edited outside)', '(edited twice)'));
  const conflict = page.getByTestId('disk-conflict');
  await expect(conflict).toContainText('changed on disk');
  await conflict.getByRole('button', { name: 'Keep my changes' }).click();
  await expect(conflict).toBeHidden();
  await expect(kiln.editor).toContainText('/* mine */');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'true');

  // Deleted outside the editor: the text stays, and saving puts the file back.
  rmSync(source);
  const removed = page.getByTestId('disk-removed');
  await expect(removed).toContainText('deleted or renamed on disk');
  await removed.getByRole('button', { name: 'Save it again' }).click();
  await expect(removed).toBeHidden();
  expect(existsSync(source)).toBe(true);
  expect(readFileSync(source, 'utf8')).toContain('/* mine */');
  await expect(kiln.tab('pong.c')).toHaveAttribute('data-dirty', 'false');
});
