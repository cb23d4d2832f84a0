import { test, expect, startWebShell, stopWebShell } from '../fixtures';
import { KilnEditor } from '../pages/kiln-editor';
import { findInFile, LanguageFeaturesPage } from '../pages/language';

// clangd parses kiln.h once per project before its first answer; on a loaded machine that takes a while.
const CLANGD = { timeout: 90_000 };
// New lines go after a line too short to wrap in the editor's width (End on a wrapped line stops mid-line).
const SHORT_LINE = 'char score[32];';

test('typing fill_ offers fill_rect from kiln.h, and taking it inserts its parameters', async ({ kiln, project, page }) => {
  const lang = new LanguageFeaturesPage(page);
  const { line } = findInFile(project.file('pong.c'), SHORT_LINE);
  await kiln.insertLineAfter(line, '    ');
  await page.keyboard.type('fill_', { delay: 50 });
  await expect(lang.suggestion('fill_rect')).toBeVisible(CLANGD);
  await lang.suggestion('fill_rect').click();
  // The snippet's placeholders are the parameters (the view wraps long lines, so only its start is checked;
  // Monaco renders spaces as no-break spaces).
  await expect.poll(async () => (await kiln.editorText()).replace(/\u00a0/g, ' ')).toContain('fill_rect(int x, int y');
});

test('hover on draw_text shows the comment kiln.h gives it', async ({ kiln, project, page }) => {
  const lang = new LanguageFeaturesPage(page);
  const call = findInFile(project.file('pong.c'), 'draw_text(score');
  await lang.cursorTo(call.line, call.column); // scrolls it into view
  await expect(kiln.editor.locator('.view-line', { hasText: 'draw_text(score' })).toBeVisible();
  await expect(async () => {
    await lang.hoverWord('draw_text');
    await expect(lang.hover.filter({ hasText: 'built-in 8x8 font' }).first()).toBeVisible({ timeout: 10_000 });
  }).toPass(CLANGD);
});

test('F12 on a function of the game goes to its definition; on fill_rect it opens kiln.h read-only', async ({ kiln, project, page }) => {
  const lang = new LanguageFeaturesPage(page);
  const definition = findInFile(project.file('pong.c'), 'static float random_unit(');
  const call = findInFile(project.file('pong.c'), 'random_unit() * AI_AIM_ERROR');
  await lang.cursorTo(call.line, call.column + 3);
  await expect(async () => {
    await page.keyboard.press('F12');
    await expect.poll(() => kiln.cursor(), { timeout: 5_000 }).toEqual({ line: definition.line, column: definition.column + 'static float '.length });
  }).toPass(CLANGD);

  const fill = findInFile(project.file('pong.c'), 'fill_rect(PADDLE_MARGIN');
  await lang.cursorTo(fill.line, fill.column + 2);
  await page.keyboard.press('F12');
  await expect(kiln.tab('@kiln/kiln.h')).toHaveAttribute('class', /active/, CLANGD);
  await expect(kiln.editor.locator('.view-line', { hasText: 'static inline void fill_rect(' })).toBeVisible();
  const before = await kiln.editorText();
  await page.keyboard.type('xyz');
  expect(await kiln.editorText()).toBe(before); // read-only: kiln.h belongs to Kiln, not the project
});

test('an error typed but not saved gets a marker from clangd; the build never ran', async ({ kiln, project, page }) => {
  const lang = new LanguageFeaturesPage(page);
  const version = await kiln.version();
  const { line } = findInFile(project.file('pong.c'), SHORT_LINE);
  await kiln.insertLineAfter(line, '    paddle_colour_typo = 3;');
  const squiggle = kiln.editor.locator('.squiggly-error');
  await expect(squiggle.first()).toBeVisible(CLANGD);
  await lang.hoverWord('paddle_colour_typo');
  await expect(lang.hover.filter({ hasText: /undeclared identifier 'paddle_colour_typo'/ }).first()).toBeVisible();
  await kiln.waitForStatus('ok', version); // nothing was saved or built
  await kiln.deleteLine(line + 1);
  await expect(squiggle).toHaveCount(0, CLANGD);
});

test('without clangd, kiln.h still completes and hovers, and the editor says once how to get the rest', async ({ project, browser }) => {
  const shell = await startWebShell(project.dir, { KILN_CLANGD: '/nonexistent/clangd' });
  const context = await browser.newContext({ viewport: { width: 1280, height: 720 } });
  try {
    const page = await context.newPage();
    const kiln = new KilnEditor(page);
    await kiln.open(shell.url);
    const lang = new LanguageFeaturesPage(page);
    await expect(lang.notice).toContainText('apt install clangd');
    const call = findInFile(project.file('pong.c'), 'draw_text(score');
    await lang.cursorTo(call.line, call.column);
    await lang.hoverWord('draw_text');
    await expect(lang.hover.filter({ hasText: 'built-in 8x8 font' }).first()).toBeVisible();
    const { line } = findInFile(project.file('pong.c'), SHORT_LINE);
    await kiln.insertLineAfter(line, '    ');
    await page.keyboard.type('fill_', { delay: 50 });
    await expect(lang.suggestion('fill_rect')).toBeVisible();
    await expect(lang.suggestion('fill_circle')).toBeVisible();
  } finally {
    await context.close();
    await stopWebShell(shell);
  }
});
