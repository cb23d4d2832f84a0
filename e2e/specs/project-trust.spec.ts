import { test, expect } from '../fixtures';

test.use({ trusted: false });

test('a project Kiln did not create waits for trust, then builds and runs', async ({ kiln, page }) => {
  const banner = page.getByTestId('trust-banner');
  await expect(banner).toContainText('not trusted');
  await expect(kiln.status).toHaveAttribute('data-state', 'waiting');
  await expect(kiln.status).toContainText('waiting');
  await banner.getByRole('button', { name: 'Trust and run it' }).click();
  await expect(banner).toBeHidden();
  await kiln.waitForStatus('ok', 1);
});
