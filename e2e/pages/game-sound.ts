/**
 * The game's sound as a test sees it: the toolbar's mute toggle, whose data attributes count what the page's Web
 * Audio player started (renderer/src/audio/player.ts), and a project with a plugin that plays sounds on keys.
 */
import { expect, type Locator, type Page } from '@playwright/test';
import { copyFileSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** A frame's sound reaches a page starved of CPU (five agents on two cores) tens of seconds late at worst. */
export const SOUND_WAIT_MS = 120_000;
const SOUNDS = path.resolve(__dirname, '..', '..', 'plugins', 'breakout', 'sounds');

/** A plugin beside pong: B plays sfx/blip.wav, T a tone, M loops sfx/music.ogg, N stops it. */
const BEEPER = `#include "kiln.h"
typedef struct { int32_t blip, music; } Beeper;
static void init(void *p) { Beeper *b = p; b->blip = sound_load("sfx/blip.wav"); b->music = sound_load("sfx/music.ogg"); }
static void update(void *p, float dt) {
    Beeper *b = p;
    (void)dt;
    if (key_pressed(KEY_B)) sound_play(b->blip, 0.8f, -0.5f);
    if (key_pressed(KEY_T)) sfx_tone(660.0f, 80, SFX_SQUARE, 0.5f);
    if (key_pressed(KEY_M)) music_play(b->music, 0.5f);
    if (key_pressed(KEY_N)) music_stop();
}
KILN_PLUGIN(.name = "beeper", .state_size = sizeof(Beeper), .state_version = 1, .init = init, .update = update)
`;

/** Adds the beeper plugin and its sounds (breakout's committed files) to a copy of pong. */
export function addBeeper(dir: string): void {
  mkdirSync(path.join(dir, 'sfx'), { recursive: true });
  copyFileSync(path.join(SOUNDS, 'paddle.wav'), path.join(dir, 'sfx', 'blip.wav'));
  copyFileSync(path.join(SOUNDS, 'music.ogg'), path.join(dir, 'sfx', 'music.ogg'));
  writeFileSync(path.join(dir, 'beeper.c'), BEEPER);
  const config = JSON.parse(readFileSync(path.join(dir, 'kiln.json'), 'utf8'));
  config.plugins.push({ name: 'beeper', sources: ['beeper.c'] });
  writeFileSync(path.join(dir, 'kiln.json'), JSON.stringify(config));
}

/** Replaces sfx/blip.wav with another of breakout's sounds (an outside change the project watcher sees). */
export function replaceBlip(dir: string, with_: string): void {
  const tmp = path.join(dir, 'sfx', '.blip.tmp');
  copyFileSync(path.join(SOUNDS, with_), tmp);
  // an atomic rename, as editors save
  renameSync(tmp, path.join(dir, 'sfx', 'blip.wav'));
}

export class GameSound {
  readonly toggle: Locator;
  constructor(readonly page: Page) {
    this.toggle = page.getByTestId('sound-toggle');
  }

  async count(what: 'started' | 'plays' | 'tones' | 'musics' | 'skipped' | 'reads' | 'errors'): Promise<number> {
    return Number(await this.toggle.getAttribute(`data-${what}`));
  }

  /** The duration in seconds of the sound_play buffer started last (which file version was heard). */
  async lastSeconds(): Promise<number> {
    return Number(await this.toggle.getAttribute('data-last-seconds'));
  }

  async expectContext(state: 'running' | 'suspended'): Promise<void> {
    await expect(this.toggle).toHaveAttribute('data-context', state, { timeout: SOUND_WAIT_MS });
  }

  /** Press a game key (the game has focus) and wait until `what` went up (pong's own tones count too). */
  async pressAndCount(key: string, what: 'plays' | 'tones' | 'musics'): Promise<void> {
    const before = await this.count(what);
    await this.page.keyboard.press(key);
    await expect.poll(() => this.count(what), { timeout: SOUND_WAIT_MS }).toBeGreaterThan(before);
  }
}
