import { test, expect } from '../fixtures';
import { findDefine } from '../pong-source';
import { rgbOf } from '../pages/kiln-editor';

test('a syntax error is reported at its line, the old version keeps running, and the fix reloads', async ({ kiln, project }) => {
  const source = project.file('pong.c');
  const ballDefine = findDefine(source, 'BALL_COLOR');
  const ball = rgbOf(ballDefine.value);
  const errorLine = ballDefine.line + 1;

  await kiln.insertLineAfter(ballDefine.line, 'int kiln_broken = );');
  await kiln.save();

  await kiln.waitForStatus('error', 1);
  const failure = kiln.entries('compile-error').first();
  await expect(failure).toBeVisible();
  await expect(failure).toContainText(`pong.c:${errorLine}:`);

  // The previous version is still running: frames keep changing and the ball keeps its colour.
  const before = await kiln.canvasHash();
  await expect.poll(() => kiln.canvasHash(), { timeout: 5000 }).not.toBe(before);
  await expect.poll(async () => (await kiln.findColor(ball)).count, { timeout: 10_000 }).toBeGreaterThan(4);

  // Fix it: the broken line goes, status ok, version + 1.
  await kiln.replaceLine(errorLine, '');
  await kiln.save();
  await kiln.waitForStatus('ok', 2);
  await expect(kiln.entries('ok').first()).toHaveAttribute('data-version', '2');
});
