import { writeFileSync, readFileSync } from 'node:fs';
import { test, expect } from '../fixtures';
import { rgbOf } from '../pages/kiln-editor';
import { StateInspectorPanel } from '../pages/state-inspector';
import { findDefine } from '../pong-source';

/** pong draws "L   R" at scale 2 (16 px a character) centred at the top: the two score digits' boxes. */
const LEFT_DIGIT = { x: 120, y: 8, w: 16, h: 16 };
const RIGHT_DIGIT = { x: 184, y: 8, w: 16, h: 16 };

test('the inspector shows pong’s state live; an edited score is drawn at once and logged', async ({ kiln, project, page }) => {
  test.slow(); // a first build and a page of Monaco on a machine shared with other runs
  const state = new StateInspectorPanel(page);
  await state.open();
  await expect(state.value('pong.left_score')).toHaveAttribute('data-value', /^\d+$/);
  await expect(state.value('pong.right_score')).toHaveAttribute('data-value', /^\d+$/);
  await expect(state.value('pong.ball_x')).toHaveAttribute('data-value', /^-?\d+(\.\d+)?(e[-+]\d+)?$/);

  // live: the ball moves (after the serve delay), and the panel keeps reading
  const ballX = await state.valueOf('pong.ball_x');
  await expect.poll(() => state.valueOf('pong.ball_x'), { timeout: 20_000 }).not.toBe(ballX);
  const reads = await state.reads();
  const t0 = Date.now();
  await expect.poll(() => state.reads(), { timeout: 120_000 }).toBeGreaterThan(reads + 10);
  const perSecond = ((await state.reads()) - reads) / ((Date.now() - t0) / 1000);
  test.info().annotations.push({ type: 'state reads per second (loaded machine)', description: perSecond.toFixed(1) });

  // paused, nothing else moves the scores: both digits to 7 must draw two equal "7"s, unlike what was there
  await page.keyboard.press('F6');
  await kiln.waitForPaused(true);
  const score = rgbOf(findDefine(project.file('pong.c'), 'SCORE_COLOR').value);
  // the ball out of the scores' way: paused over a digit, it hides some of that digit's pixels (a CI run saw two
  // "7"s differ where the ball sat on the left one)
  const ball = rgbOf(findDefine(project.file('pong.c'), 'BALL_COLOR').value);
  await state.edit('pong.ball_x', '160');
  await state.edit('pong.ball_y', '120');
  await expect.poll(async () => {
    const b = await kiln.findColor(ball);
    return `${Math.round(b.x)},${Math.round(b.y)}`;
  }).toBe('160,120');
  const leftBefore = await kiln.colorMask(score, LEFT_DIGIT);
  const rightBefore = await kiln.colorMask(score, RIGHT_DIGIT);
  expect(leftBefore).toContain('#');

  await state.edit('pong.left_score', '7');
  await expect(state.editor).toHaveCount(0);
  await expect(state.value('pong.left_score')).toHaveAttribute('data-value', '7');
  await expect.poll(() => kiln.colorMask(score, LEFT_DIGIT)).not.toBe(leftBefore);
  await state.edit('pong.right_score', '7');
  await expect(state.value('pong.right_score')).toHaveAttribute('data-value', '7');
  await expect.poll(() => kiln.colorMask(score, RIGHT_DIGIT)).not.toBe(rightBefore);
  expect(await kiln.colorMask(score, LEFT_DIGIT)).toBe(await kiln.colorMask(score, RIGHT_DIGIT));

  // the change is in the game log, with the old value
  const gameLog = page.locator('.game-log');
  await expect(gameLog).toContainText(/pong\.left_score: \d+ → 7 \(inspector\)/);
  await expect(gameLog).toContainText(/pong\.right_score: \d+ → 7 \(inspector\)/);

  // the paddle: a float written is where the game draws it
  const paddle = rgbOf(findDefine(project.file('pong.c'), 'PADDLE_COLOR').value);
  await state.edit('pong.left_y', '0');
  await expect(state.value('pong.left_y')).toHaveAttribute('data-value', '0.0');
  await expect.poll(() => kiln.topOfColor(paddle, 8, 12)).toBe(0);

  // play goes on from the edited state
  await page.keyboard.press('F6');
  await kiln.waitForPaused(false);
  await page.waitForTimeout(500);
  expect(Number(await state.valueOf('pong.left_score'))).toBeGreaterThanOrEqual(7);
});

test('an invalid entry says why under the value; Escape cancels; a closed inspector stops reading', async ({ kiln, page }) => {
  test.slow();
  const state = new StateInspectorPanel(page);
  await state.open();
  await expect(state.value('pong.left_score')).toBeVisible();
  const before = await state.valueOf('pong.left_score');

  await state.edit('pong.left_score', '1.5');
  await expect(state.error).toContainText('1.5 is not a whole number');
  await expect(state.editor).toHaveAttribute('aria-invalid', 'true');
  await state.editor.fill('abc');
  await state.editor.press('Enter');
  await expect(state.error).toHaveText('"abc" is not a number');
  await state.editor.fill('99999999999');
  await state.editor.press('Enter');
  await expect(state.error).toContainText('does not fit an i32');
  await state.editor.press('Escape');
  await expect(state.editor).toHaveCount(0);
  await expect(state.error).toHaveCount(0);
  expect(Number(await state.valueOf('pong.left_score'))).toBeGreaterThanOrEqual(Number(before));
  await expect(page.locator('.game-log')).not.toContainText('(inspector)');

  await state.close();
  const reads = await state.reads();
  await page.waitForTimeout(1000);
  expect(await state.reads()).toBe(reads);
  await expect(kiln.canvas).toBeVisible();
});

/** pong plus a plugin with an array field and one without a field table. */
const withMorePlugins = test.extend({
  project: async ({ project }, use) => {
    writeFileSync(
      project.file('stars.c'),
      `#include "kiln.h"
typedef struct { int32_t lit[5]; uint8_t on; } Stars;
static const kiln_field fields[] = { KILN_FIELD(Stars, lit, KILN_I32, 5), KILN_FIELD(Stars, on, KILN_BOOL, 1) };
static void init(void *s) { Stars *st = s; for (int i = 0; i < 5; i++) st->lit[i] = i * 10; st->on = 1; }
KILN_PLUGIN(.name = "stars", .state_size = sizeof(Stars), .state_version = 1, .fields = fields, .field_count = 2, .init = init)
`,
    );
    writeFileSync(
      project.file('bare.c'),
      `#include "kiln.h"
typedef struct { uint32_t magic; } Bare;
static void init(void *s) { ((Bare *)s)->magic = 0xC0FFEE11u; }
KILN_PLUGIN(.name = "bare", .state_size = sizeof(Bare), .state_version = 1, .init = init)
`,
    );
    const config = JSON.parse(readFileSync(project.file('kiln.json'), 'utf8'));
    config.plugins.push({ name: 'stars', sources: ['stars.c'] }, { name: 'bare', sources: ['bare.c'] });
    writeFileSync(project.file('kiln.json'), JSON.stringify(config, null, 2));
    await use(project);
  },
});

withMorePlugins('arrays expand and their elements are editable; a plugin without a table shows hex and the hint', async ({ page }) => {
  withMorePlugins.slow();
  const state = new StateInspectorPanel(page);
  await state.open();
  await expect(state.plugin('stars')).toBeVisible({ timeout: 120_000 }); // two more first builds
  await expect(state.plugin('stars')).toContainText('[0, 10, 20, 30, 40]');
  await state.expand('stars.lit').click();
  await expect(state.value('stars.lit[3]')).toHaveAttribute('data-value', '30');
  await expect(state.value('stars.on')).toHaveAttribute('data-value', 'true');

  // (the canvas is pong's test above: which of pong and stars draws last depends on which build finished first)
  await state.edit('stars.lit[3]', '500');
  await expect(state.value('stars.lit[3]')).toHaveAttribute('data-value', '500');
  await expect(state.value('stars.lit[2]')).toHaveAttribute('data-value', '20');
  await state.edit('stars.on', 'false');
  await expect(state.value('stars.on')).toHaveAttribute('data-value', 'false');
  await state.edit('stars.on', '2');
  await expect(state.error).toContainText('on is a bool: type true or false');
  await state.editor.press('Escape');
  await expect(page.locator('.game-log')).toContainText('stars.lit[3]: 30 → 500 (inspector)');

  const bare = state.plugin('bare');
  await expect(bare.getByTestId('state-hint')).toContainText('No KILN_FIELD table');
  await expect(bare.getByTestId('state-hex')).toContainText('0000  11 ee ff c0');
});
