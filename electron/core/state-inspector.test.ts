/**
 * The state inspector's requests (state.read / state.write) through a real back end, runner process, libkiln
 * and compiled pong: live values, a write the game reacts to, the log line, refusals with reasons.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { Frame, GameLogMessage, GameState, PluginState, StateWriteResult } from '../shared/contract';
import { RequestError } from './backend';
import { closeTestBackends, copyExample, nextFrame, openTestBackend, sleep, writeProject, type TestBackend } from './test-support';

afterAll(closeTestBackends);

const field = (p: PluginState | undefined, name: string) => p?.fields?.find((f) => f.name === name);
const pongOf = (s: GameState) => s.plugins.find((p) => p.plugin === 'pong');
/** 0xRRGGBB of pixel (x, y) of a frame. */
const pixel = (f: Frame, x: number, y: number) => {
  const i = (y * f.width + x) * 4;
  return (f.pixels[i] << 16) | (f.pixels[i + 1] << 8) | f.pixels[i + 2];
};

async function read(t: TestBackend): Promise<GameState> {
  return (await t.backend.request('state.read', {})) as GameState;
}

/** Waits for a game-log line containing `text`. */
function logLine(t: TestBackend, text: string, timeoutMs = 10_000): Promise<GameLogMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no game-log line with "${text}" within ${timeoutMs} ms`)), timeoutMs);
    const on = (m: GameLogMessage) => {
      if (!m.text.includes(text)) return;
      clearTimeout(timer);
      t.backend.off('game-log', on);
      resolve(m);
    };
    t.backend.on('game-log', on);
  });
}

describe('state inspector on pong', () => {
  let t: TestBackend;

  it('state.read lists every field of pong with live values', async () => {
    t = await openTestBackend(copyExample('pong'));
    const first = await read(t);
    const pong = pongOf(first);
    expect(pong?.fields?.map((f) => f.name)).toEqual(['ball_x', 'ball_y', 'ball_vx', 'ball_vy', 'left_y', 'right_y', 'left_score', 'right_score', 'serve_timer', 'serve_dir', 'ai_aim']);
    expect(pong?.size).toBe(44);
    expect(pong?.version).toBe(1);
    expect(field(pong, 'left_score')).toMatchObject({ type: 'i32', offset: 24, count: 1 });
    expect(field(pong, 'ball_x')?.type).toBe('f32');
    // the ball moves after the serve delay (0.8 s of game time): a later read sees other values
    let later = first;
    for (let i = 0; i < 100 && field(pongOf(later), 'ball_x')?.values[0] === field(pong, 'ball_x')?.values[0]; i++) {
      await sleep(100);
      later = await read(t);
    }
    expect(later.frame).toBeGreaterThan(first.frame);
    expect(field(pongOf(later), 'ball_x')?.values[0]).not.toBe(field(pong, 'ball_x')?.values[0]);
  });

  it('state.write sets a field between two frames: the game draws it and the log says so', async () => {
    // the paddle: the left one is drawn at x 8..11 from left_y down PADDLE_H (28) pixels
    await t.backend.request('game.control', { action: 'pause' });
    await sleep(100); // frames of the pause's moment have arrived; the next one is the write's
    const logged = logLine(t, 'pong.left_y:');
    const drawn = nextFrame(t.backend); // paused: the only frame that comes is the one showing the edit
    const r = (await t.backend.request('state.write', { plugin: 'pong', field: 'left_y', index: 0, value: 2 })) as StateWriteResult;
    expect(r).toMatchObject({ ok: true, plugin: 'pong', field: 'left_y', value: 2 });
    expect((await logged).text).toMatch(/^pong\.left_y: [\d.]+ → 2 \(inspector\)$/);
    expect((await logged).plugin).toBe('pong');
    // paused, yet the edit is drawn at once: the paddle's top rows are paddle blue, the middle row is background
    const frame = await drawn;
    expect(pixel(frame, 9, 4)).toBe(0x4fc3f7);
    expect(pixel(frame, 9, 80)).not.toBe(0x4fc3f7);
    expect(field(pongOf(await read(t)), 'left_y')?.values).toEqual([2]);

    const score = (await t.backend.request('state.write', { plugin: 'pong', field: 'left_score', value: 42 })) as StateWriteResult;
    expect(score).toEqual({ ok: true, plugin: 'pong', field: 'left_score', index: 0, old: 0, value: 42 });
    await t.backend.request('game.control', { action: 'resume' });
    await sleep(200);
    expect(field(pongOf(await read(t)), 'left_score')?.values).toEqual([42]); // the game goes on from it
  });

  it('a value that does not fit, an unknown field or a bad index is refused with the reason; nothing changes', async () => {
    const before = field(pongOf(await read(t)), 'left_score')?.values;
    const write = (params: { field: string; index?: number; value: number | boolean }) =>
      t.backend.request('state.write', { plugin: 'pong', ...params }) as Promise<StateWriteResult>;
    expect(await write({ field: 'left_score', value: 1.5 })).toEqual({ ok: false, reason: expect.stringContaining('1.5 is not a whole number') });
    expect(await write({ field: 'left_score', value: 2 ** 40 })).toEqual({ ok: false, reason: expect.stringContaining('does not fit an i32') });
    expect(await write({ field: 'left_score', value: true })).toEqual({ ok: false, reason: expect.stringContaining('fits only a bool field') });
    expect(await write({ field: 'lives', value: 3 })).toEqual({ ok: false, reason: 'pong has no field "lives" in its KILN_FIELD table.' });
    expect(await write({ field: 'ball_x', index: 1, value: 3 })).toEqual({ ok: false, reason: expect.stringContaining('index 1 is past its end') });
    expect(await t.backend.request('state.write', { plugin: 'nobody', field: 'x', value: 1 })).toEqual({ ok: false, reason: 'nobody: no plugin of that name is loaded.' });
    await expect(t.backend.request('state.write', { plugin: 'pong', field: 'left_score', index: -1, value: 1 })).rejects.toBeInstanceOf(RequestError);
    expect(field(pongOf(await read(t)), 'left_score')?.values).toEqual(before);
  });
});

describe('a plugin without a field table', () => {
  it('is read as hex and refuses writes, saying to add a KILN_FIELD table', async () => {
    const source = `#include "kiln.h"
typedef struct { uint32_t magic; int32_t frames; } S;
static void init(void *s) { ((S *)s)->magic = 0xC0FFEE11u; }
static void update(void *s, float dt) { (void)dt; ((S *)s)->frames++; }
KILN_PLUGIN(.name = "bare", .state_size = sizeof(S), .state_version = 1, .init = init, .update = update)
`;
    const t = await openTestBackend(writeProject({ 'kiln.json': JSON.stringify({ name: 'bare', width: 64, height: 32, plugins: [{ name: 'bare', sources: ['bare.c'] }] }), 'bare.c': source }));
    const bare = (await read(t)).plugins.find((p) => p.plugin === 'bare');
    expect(bare?.fields).toBeNull();
    expect(bare?.size).toBe(8);
    expect(bare?.hex?.slice(0, 8)).toBe('11eeffc0'); // little-endian 0xC0FFEE11
    const r = (await t.backend.request('state.write', { plugin: 'bare', field: 'frames', value: 1 })) as StateWriteResult;
    expect(r).toEqual({ ok: false, reason: expect.stringContaining('bare has no KILN_FIELD table') });
  });
});
