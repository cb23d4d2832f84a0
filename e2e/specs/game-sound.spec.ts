import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test as base, expect, type TempProject } from '../fixtures';
import { addBeeper, GameSound, replaceBlip, SOUND_WAIT_MS } from '../pages/game-sound';

// pong plus a plugin that plays a sound file, a tone and music on keys.
const test = base.extend<{ sound: GameSound }>({
  // eslint-disable-next-line no-empty-pattern
  project: async ({}, use) => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-e2e-sound-'));
    cpSync(path.resolve(__dirname, '..', '..', 'plugins', 'pong'), dir, { recursive: true, filter: (src) => !src.includes(`${path.sep}.kiln`) });
    addBeeper(dir);
    const project: TempProject = { dir, file: (relative) => path.join(dir, relative) };
    await use(project);
    rmSync(dir, { recursive: true, force: true });
  },
  sound: async ({ kiln }, use, testInfo) => {
    testInfo.setTimeout(testInfo.timeout * 2); // several sounds, each waiting on a frame of a busy machine
    await use(new GameSound(kiln.page));
  },
});

test('a key press plays a sound with Web Audio; mute stops it; a changed file is heard from its next play', async ({ kiln, sound, project, page }) => {
  await expect(kiln.page.getByTestId('plugin-versions')).toContainText('beeper v1');
  await expect(sound.toggle).toHaveAttribute('data-context', 'none'); // no gesture yet: Chromium's autoplay rule
  await kiln.focusGame(); // the click is the gesture that starts the AudioContext
  await sound.expectContext('running');

  await sound.pressAndCount('b', 'plays');
  const first = await sound.lastSeconds();
  expect(first).toBeGreaterThan(0.05); // paddle.wav: 0.07 s
  expect(first).toBeLessThan(0.1);
  expect(await sound.count('reads')).toBe(1);
  await sound.pressAndCount('b', 'plays');
  expect(await sound.count('reads')).toBe(1); // decoded once, cached
  await sound.pressAndCount('t', 'tones');

  // Muted: nothing new starts (the choice is remembered across a reload of the page).
  await sound.toggle.click();
  await expect(sound.toggle).toHaveAttribute('aria-pressed', 'true');
  await kiln.focusGame();
  const plays = await sound.count('plays');
  const skipped = await sound.count('skipped');
  await page.keyboard.press('b');
  await expect.poll(() => sound.count('skipped'), { timeout: SOUND_WAIT_MS }).toBeGreaterThan(skipped);
  expect(await sound.count('plays')).toBe(plays);
  await sound.expectContext('suspended');
  await page.reload();
  await kiln.ready();
  await expect(sound.toggle).toHaveAttribute('aria-pressed', 'true');
  await sound.toggle.click();
  await expect(sound.toggle).toHaveAttribute('aria-pressed', 'false');
  await kiln.focusGame();
  await sound.expectContext('running');

  // The file replaced on disk (no code reload): the next play reads and plays the new one.
  await sound.pressAndCount('b', 'plays');
  const reads = await sound.count('reads');
  replaceBlip(project.dir, 'lose.wav');
  await expect
    .poll(async () => {
      await page.keyboard.press('b');
      return sound.lastSeconds();
    }, { timeout: SOUND_WAIT_MS, intervals: [5000] })
    .toBeGreaterThan(0.5); // lose.wav: 0.6 s
  expect(await sound.count('reads')).toBeGreaterThan(reads);
  expect(await sound.count('errors')).toBe(0);
});

test('music loops, follows pause and stops; frames stepped while paused make no sound', async ({ kiln, sound, page }) => {
  await expect(kiln.page.getByTestId('plugin-versions')).toContainText('beeper v1');
  await kiln.focusGame();
  await sound.pressAndCount('m', 'musics');
  await expect(sound.toggle).toHaveAttribute('data-music', 'sfx/music.ogg');

  // Paused: the music is suspended where it is, and no new sound starts.
  await kiln.button('game-pause').click();
  await kiln.waitForPaused(true);
  await sound.expectContext('suspended');
  await kiln.focusGame();
  const started = await sound.count('started');
  await page.keyboard.press('b');
  await page.keyboard.press('t');
  // Stepping back and forth through the frames where B was pressed replays them silently.
  await kiln.button('game-step').click();
  await kiln.button('game-step').click();
  await expect.poll(() => kiln.sessionFrame()).toBeGreaterThan(0);
  await page.waitForTimeout(2000);
  expect(await sound.count('started')).toBe(started);

  await kiln.resume();
  await sound.expectContext('running');
  await expect(sound.toggle).toHaveAttribute('data-music', 'sfx/music.ogg');
  await kiln.focusGame();
  await page.keyboard.press('n');
  await expect(sound.toggle).toHaveAttribute('data-music', '', { timeout: SOUND_WAIT_MS });
  expect(await sound.count('errors')).toBe(0);
});
