/**
 * Images and the live game size through the real back end, runner and libkiln on a copy of plugins/breakout:
 * the sprite sheet drawn, replaced on disk (the canvas changes with no code reload, the log says so), broken
 * (a placeholder and why), kept across a runner restart, and kiln.json's size applied to the running game.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { PNG } from 'pngjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Frame } from '../shared/contract';
import { nextFrameOf } from './runner-fault-support';
import { closeTestBackends, copyExample, openTestBackend, sleep, waitProven } from './test-support';

const PADDLE = 0xd8dee9; // the paddle's body on the shipped sheet (scripts/make-example-assets.mjs)
const BRICK_RED = 0xbf616a;
const PAINTED = 0xff00ff;

const at = (f: Frame, x: number, y: number) => {
  const i = (y * f.width + x) * 4;
  return (f.pixels[i] << 16) | (f.pixels[i + 1] << 8) | f.pixels[i + 2];
};
/** The paddle's middle: breakout starts with it centred on 320 px (it stays there: nobody moves it), 14 px above the bottom. */
const paddleMiddle = (f: Frame) => at(f, 160, f.height - 14 + 3);

/** Paints the sheet's paddle body (as an image editor would: a temp file renamed over the old one). */
function paintPaddle(dir: string, rgb: number): void {
  const file = path.join(dir, 'sprites.png');
  const png = PNG.sync.read(readFileSync(file));
  for (let y = 1; y < 5; y++)
    for (let x = 3; x < 29; x++) png.data.set([(rgb >> 16) & 255, (rgb >> 8) & 255, rgb & 255, 255], (y * png.width + x) * 4);
  writeFileSync(`${file}.tmp`, PNG.sync.write(png));
  renameSync(`${file}.tmp`, file);
}

afterEach(closeTestBackends);

describe('images in the running game', () => {
  it('draws the sprite sheet, and a sheet replaced on disk within frames, same handle, no code reload', async () => {
    const game = await openTestBackend(copyExample('breakout'));
    const first = await nextFrameOf(game.backend, (f) => paddleMiddle(f) === PADDLE);
    expect(at(first, 160 - 144 + 8, 24 + 4)).toBe(BRICK_RED); // first brick row, drawn from the sheet
    const codeLoads = game.events.filter((e) => e.plugin === 'breakout').length;

    paintPaddle(game.dir, PAINTED);
    await nextFrameOf(game.backend, (f) => paddleMiddle(f) === PAINTED);
    await expect.poll(() => game.events.find((e) => e.trigger === 'asset')).toMatchObject({
      plugin: 'sprites.png',
      outcome: 'ok',
      asset: { path: 'sprites.png', image: 0, width: 64, height: 16, placeholder: false, generation: 1 },
    });
    const entry = game.events.find((e) => e.trigger === 'asset')!;
    expect(entry.timings.loadMs).toBeGreaterThanOrEqual(0);
    expect(entry.timings.totalMs).toBeGreaterThanOrEqual(entry.timings.loadMs!);
    expect(game.events.filter((e) => e.plugin === 'breakout')).toHaveLength(codeLoads); // no rebuild, no reload

    // broken: a checkered placeholder, and the log says which file and why; fixed: drawn again
    writeFileSync(path.join(game.dir, 'sprites.png'), 'not a png');
    await expect.poll(() => game.events.filter((e) => e.trigger === 'asset').at(-1)?.outcome, { timeout: 10_000 }).toBe('load-error');
    expect(game.events.at(-1)!.message).toMatch(/^sprites\.png: it is not an image Kiln can read .*placeholder/);
    await nextFrameOf(game.backend, (f) => paddleMiddle(f) !== PAINTED && paddleMiddle(f) !== PADDLE);
    writeFileSync(path.join(game.dir, 'sprites.png'), readFileSync(path.join(__dirname, '../../plugins/breakout/sprites.png')));
    await nextFrameOf(game.backend, (f) => paddleMiddle(f) === PADDLE);
  });

  it('a restarted runner draws the same images from its first frame (handles kept in the state)', async () => {
    const game = await openTestBackend(copyExample('breakout'));
    await nextFrameOf(game.backend, (f) => paddleMiddle(f) === PADDLE);
    await waitProven(game.backend, 'breakout', 1); // a death on probation would be blamed on the version
    const pid = game.backend.supervisor.pid!;
    process.kill(pid, 'SIGKILL');
    const after = await nextFrameOf(game.backend, () => game.backend.supervisor.pid !== pid);
    expect(paddleMiddle(after)).toBe(PADDLE);
  });

  it('a kiln.json size change applies to the running game at once', async () => {
    const game = await openTestBackend(copyExample('breakout'));
    const before = await nextFrameOf(game.backend, (f) => paddleMiddle(f) === PADDLE);
    const config = JSON.parse(readFileSync(path.join(game.dir, 'kiln.json'), 'utf8'));
    await game.backend.save('kiln.json', JSON.stringify({ ...config, width: 400, height: 240 }));
    const after = await nextFrameOf(game.backend, (f) => f.width === 400 && f.height === 240 && paddleMiddle(f) === PADDLE);
    expect(after.frame).toBeGreaterThan(before.frame); // the same game went on: no restart from frame 0
    expect(game.backend.supervisor.runnerInfo.pid).toBe(game.backend.supervisor.pid);
    await sleep(50);
    expect(game.events.filter((e) => e.outcome === 'runner-restarted')).toHaveLength(0);
  });
});

describe('the example art', () => {
  it('plugins/breakout/sprites.png and sprites.h are what scripts/make-example-assets.mjs makes', () => {
    const script = path.join(__dirname, '../../scripts/make-example-assets.mjs');
    const run = spawnSync(process.execPath, [script, '--check'], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
  });
});
