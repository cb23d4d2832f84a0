import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { genBigFixture } from '../../scripts/gen-big-fixture';
import { test as base, expect, type TempProject } from '../fixtures';
import { lineOf } from '../pong-edits';

/** A game of several C files (scripts/gen-big-fixture.ts: unit_00.c holds the plugin and HUD_COLOR, the frame drawn around the screen). */
const test = base.extend<{ project: TempProject }>({
  // eslint-disable-next-line no-empty-pattern
  project: async ({}, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-split-'));
    genBigFixture(dir, 8, 300);
    await use({ dir, file: (relative) => path.join(dir, relative) });
    rmSync(dir, { recursive: true, force: true });
  },
});

test.describe.configure({ timeout: 240_000 });

test('in a game of eight files, a save of the open file links it alone against the others, and the game shows the change', async ({ kiln, project }) => {
  await kiln.openFile('unit_00.c');
  const line = lineOf(project.file('unit_00.c'), /^#define HUD_COLOR /);
  await kiln.replaceLine(line, '#define HUD_COLOR 0xE0307AFF');
  await kiln.save();
  // The frame around the screen, 2 px wide: (320 + 180) × 4 pixels less the corners.
  await expect.poll(async () => (await kiln.findColor({ r: 0xe0, g: 0x30, b: 0x7a })).count, { timeout: 30_000 }).toBeGreaterThan(1500);
  const entry = kiln.page.locator('[data-testid="reload-log-entry"][data-plugin="game"][data-outcome="ok"][data-trigger="save"]').first();
  await expect(entry).toContainText('1 of 8 files, linked alone against the others');
});
