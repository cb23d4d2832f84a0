/**
 * Frames on the runner's IPC channel (no frame relay, no window port): each a change to the one before, decoded by
 * the back end in order, and a message that does not decode makes the runner send the next one whole.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { KilnBackend } from './backend';
import { nodeRunnerLauncher } from './node-runner-launcher';
import type { RunnerLauncher, RunnerToHost } from './runner-protocol';
import { copyExample, testPaths } from './test-support';

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
    backend = await KilnBackend.open({ projectDir: copyExample('pong'), paths: testPaths, launcher, trustProject: true });
    const frames: Array<{ frame: number; pixels: Uint8Array; width: number; height: number }> = [];
    backend.on('frame', (f) => frames.push(f));
    await backend.start();
    await backend.idle();
    await expect.poll(() => frames.length, { timeout: 20_000 }).toBeGreaterThan(30);
    const { width, height } = frames[0];
    const whole = width * height * 4;
    // Messages are changes to the frame before: pong's first frame (mostly one colour) and then what moved.
    expect(Math.max(...sizes)).toBeLessThan(whole / 20);
    // Every frame the back end passes on has all its pixels, in order.
    for (const f of frames) expect(f.pixels.byteLength).toBe(whole);
    expect(frames.every((f, i) => i === 0 || f.frame > frames[i - 1].frame)).toBe(true);

    // A message that does not decode is not passed on, and the runner is told: until a frame that needs no reference
    // comes, none is, and the frames after it are the runner's (pong before its serve: the same picture each frame).
    const shown = frames.at(-1)!.pixels;
    const before = frames.length;
    breakOne = true;
    await expect.poll(() => broken, { timeout: 10_000 }).toBeGreaterThan(0);
    await expect.poll(() => frames.length, { timeout: 10_000 }).toBeGreaterThan(before + 10);
    const after = frames.slice(before);
    expect(after.every((f) => Buffer.compare(f.pixels, shown) === 0)).toBe(true);
    // the message that resynced: no SKIP of an unknown reference, as large as the stream's first
    expect(Math.max(...sizes.slice(broken + 1))).toBeGreaterThan(1000);
  });
});
