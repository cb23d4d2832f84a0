import { test, expect } from '../fixtures';

/**
 * Which shell ran the suite. In the Electron project with no Electron binary, the `app` fixture skips
 * this (and every spec) with the reason, so the report says why the Electron run did not happen.
 */
test('the shell under test is up', async ({ app, kiln }, testInfo) => {
  testInfo.annotations.push({ type: 'shell', description: app.kind });
  await expect(kiln.status).toHaveAttribute('data-state', 'ok');
});
