/**
 * Frames on the runner's IPC channel (no frame relay, no window port): each a change to the one before, decoded by
 * the back end in order, and a message that does not decode makes the runner send the next one whole.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KilnBackend } from './backend';
import { nodeRunnerLauncher } from './node-runner-launcher';
import type { RunnerLauncher, RunnerToHost } from './runner-protocol';
import { testPaths, writeProject } from './test-support';

/** A game whose picture never changes: a background, two rectangles and a row of 64 colours (no run of one colour). */
const STILL = `#include "kiln.h"
static void draw(void *s) {
    (void)s;
    clear(0x203040FF);
    fill_rect(4, 8, 20, 12, 0xE0C040FF);
    fill_rect(30, 20, 16, 16, 0x40C0E0FF);
    for (int x = 0; x < 64; x++) fill_rect(x, 40, 1, 1, (kiln_color)(((unsigned)x * 4u) << 24 | ((unsigned)(255 - x * 3)) << 8 | 0xFFu));
}
KILN_PLUGIN(.name = "still", .state_size = 4, .state_version = 1, .draw = draw)
`;

/** The usual launcher, with each 'frame' message's size recorded and `tamper` applied before the back end sees it. */
function tappingLauncher(sizes: number[], tamper: (msg: Extract<RunnerToHost, { type: 'frame' }>) => void): RunnerLauncher {
  const launch = nodeRunnerLauncher(testPaths.runnerScript);
  return () => {
    const child = launch();
    return {
      ...child,
      get pid() {
        return child.pid;
      },
      onMessage: (listener) =>
        child.onMessage((m) => {
          if (m.type === 'frame') {
            sizes.push(m.message.byteLength);
            tamper(m);
          }
          listener(m);
        }),
    };
  };
}

describe('frames on the runner channel', () => {
  let backend: KilnBackend | undefined;
  afterAll(async () => {
    await backend?.stop();
  });

  it('go as changes to the frame before, and whole again after one that did not decode', async () => {
    const sizes: number[] = [];
    let breakOne = false;
    let broken = -1;
    const launcher = tappingLauncher(sizes, (m) => {
      if (!breakOne) return;
      breakOne = false;
      broken = sizes.length - 1;
      m.message = m.message.subarray(0, m.message.byteLength - 4); // its length no longer matches its header
    });
    const dir = writeProject({ 'kiln.json': JSON.stringify({ name: 'still', width: 64, height: 48, plugins: [{ name: 'still', sources: ['still.c'] }] }), 'still.c': STILL });
    backend = await KilnBackend.open({ projectDir: dir, paths: testPaths, launcher, trustProject: true });
    const frames: Array<{ frame: number; pixels: Uint8Array; width: number; height: number }> = [];
    backend.on('frame', (f) => frames.push(f));
    await backend.start();
    await backend.idle();
    await expect.poll(() => frames.length, { timeout: 20_000 }).toBeGreaterThan(30);
    const { width, height } = frames[0];
    const whole = width * height * 4;
    const picture = frames.at(-1)!.pixels;
    expect(picture[40 * width * 4 + 63 * 4]).toBe(63 * 4); // the row of colours is drawn
    // Every frame the back end passes on has all its pixels, in order; a frame like the one before goes as its header
    // and one op (20 + 4 bytes), not as its 12 kB.
    for (const f of frames) expect(f.pixels.byteLength).toBe(whole);
    expect(frames.every((f, i) => i === 0 || f.frame > frames[i - 1].frame)).toBe(true);
    const settled = sizes.slice(-10);
    expect(Math.max(...settled)).toBeLessThanOrEqual(24);

    // A message that does not decode is not passed on, and the runner is told: none is until one that needs no
    // reference comes (the whole picture in runs and literals), and the frames after it are the runner's picture.
    const before = frames.length;
    breakOne = true;
    await expect.poll(() => broken, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBeGreaterThan(before + 10);
    for (const f of frames.slice(before)) expect(Buffer.compare(f.pixels, picture)).toBe(0);
    expect(Math.max(...sizes.slice(broken + 1))).toBeGreaterThan(64 * 4);
  });
});
