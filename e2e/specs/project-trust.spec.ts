import { test, expect, startWebShell, stopWebShell } from '../fixtures';
import { KilnEditor } from '../pages/kiln-editor';

test('a project Kiln did not create waits for trust, then builds and runs', async ({ project, page }) => {
  const shell = await startWebShell(project.dir, {}, { trust: false });
  try {
    const kiln = new KilnEditor(page);
    await page.goto(shell.url);
    const banner = page.getByTestId('trust-banner');
    await expect(banner).toContainText('not trusted');
    await expect(kiln.status).toHaveAttribute('data-state', 'waiting');
    await expect(kiln.status).toContainText('waiting');
    await banner.getByRole('button', { name: 'Trust and run it' }).click();
    await expect(banner).toBeHidden();
    await kiln.waitForStatus('ok', 1);
  } finally {
    await stopWebShell(shell);
  }
});
