/**
 * What a user hears from the exported program: the program runs under xvfb-run with SDL's "disk" audio driver,
 * which writes the mixed output (48 kHz stereo float) to a file, and the file is checked against the sounds the
 * editor's runner process asks for in the same frames (stepped mode: the same frames on every run). A sound asked
 * in frame N starts at sample (N-1) * 800; everything outside the expected sounds is exact silence; tones have
 * their pitch and loudness, sound_play its pan, the music loops and stops.
 */
import { execFile } from 'node:child_process';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SoundCommand } from '../../shared/contract';
import { findKilnRoot, kilnPaths } from '../paths';
import { Project } from '../project';
import { runStepped, type SteppedFrame } from '../stepped-run';
import { exportGame } from './export-game';

const paths = kilnPaths(findKilnRoot(__dirname));
const RATE = 48000;
const PER_FRAME = RATE / 60;
/** SDL writes whole device buffers: a silent one may come first if its audio thread wins the race with the unpause. */
const DEVICE_BUFFER = 512;
const KEY_SPACE = 32;

let tmp: string;

/** Mixed output of `frames` frames of the exported game: [left, right] sample arrays. */
async function playExported(dir: string, program: string, frames: number, input?: string): Promise<{ left: Float32Array; right: Float32Array }> {
  const raw = path.join(tmp, `${program}-${frames}.raw`);
  const args = ['-a', path.join(dir, program), '--frames', String(frames), ...(input ? ['--input', input] : [])];
  // SDL_DISKAUDIODELAY=0: the disk driver writes as fast as the mixer makes samples (no real-time wait)
  const env = { ...process.env, SDL_AUDIODRIVER: 'disk', SDL_DISKAUDIOFILE: raw, SDL_DISKAUDIODELAY: '0' };
  await new Promise<void>((resolve, reject) =>
    execFile('xvfb-run', args, { env, cwd: tmp, timeout: 120_000 }, (err, _o, stderr) => (err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve())),
  );
  const bytes = await fs.readFile(raw);
  const all = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
  const left = new Float32Array(all.length / 2);
  const right = new Float32Array(all.length / 2);
  for (let i = 0; i < left.length; i++) {
    left[i] = all[i * 2];
    right[i] = all[i * 2 + 1];
  }
  return { left, right };
}

/** A sound the runner asked for, as samples of the program's output: [start, end), end unknown for looping music. */
interface Heard {
  command: SoundCommand;
  frame: number;
  start: number;
  end: number;
}

/**
 * Where sound is expected, from the runner's sound commands: a play lasts its file, a tone its ms, the music from
 * its start to 50 ms after music_stop (its fade) or the end; music asked again with the same file goes on.
 */
function expectedSounds(frames: SteppedFrame[], seconds: (file: string) => number, total: number): Heard[] {
  const heard: Heard[] = [];
  let music: Heard | null = null;
  for (const f of frames) {
    const start = (f.frame - 1) * PER_FRAME;
    for (const c of f.sounds) {
      if (c.kind === 'play') heard.push({ command: c, frame: f.frame, start, end: start + Math.round(seconds(c.path) * RATE) });
      else if (c.kind === 'tone') heard.push({ command: c, frame: f.frame, start, end: start + (c.ms * RATE) / 1000 });
      else if (c.kind === 'music' && !(music && music.command.kind === 'music' && music.command.path === c.path)) {
        if (music) music.end = start + RATE * 0.05;
        music = { command: c, frame: f.frame, start, end: total };
        heard.push(music);
      } else if (c.kind === 'music-stop' && music) {
        music.end = start + RATE * 0.05;
        music = null;
      }
    }
  }
  return heard;
}

/** Samples of the output, shifted by the silent device buffers SDL may have written before the first sound. */
function aligned(out: { left: Float32Array; right: Float32Array }, first: Heard): { left: Float32Array; right: Float32Array } {
  let onset = out.left.findIndex((v, i) => v !== 0 || out.right[i] !== 0);
  expect(onset, 'the output holds a sound').toBeGreaterThanOrEqual(first.start);
  const lead = Math.floor((onset - first.start) / DEVICE_BUFFER) * DEVICE_BUFFER;
  onset -= lead;
  expect(onset - first.start, 'the first sound starts at its frame (a few samples of attack from 0)').toBeLessThan(16);
  expect(lead, 'silence before the run is whole device buffers, and few').toBeLessThanOrEqual(8 * DEVICE_BUFFER);
  return { left: out.left.subarray(lead), right: out.right.subarray(lead) };
}

/** Every sample outside the expected sounds (plus a little for the resampler's tail) is exact silence. */
function silentElsewhere(out: { left: Float32Array; right: Float32Array }, heard: Heard[], slack: number, until: number): void {
  expect(out.left.length, 'the output covers every frame').toBeGreaterThanOrEqual(until);
  const loud = new Uint8Array(until);
  for (const h of heard) loud.fill(1, h.start, Math.min(until, h.end + slack));
  let stray = -1;
  for (let i = 0; i < until && stray < 0; i++) if (!loud[i] && (out.left[i] !== 0 || out.right[i] !== 0)) stray = i;
  expect(stray, `sound where none was asked for (sample ${stray}, frame ${Math.floor(stray / PER_FRAME) + 1})`).toBe(-1);
}

/** Each sound that begins in silence is heard from its frame's time (within a few samples of envelope from 0). */
function startsOnTime(out: { left: Float32Array; right: Float32Array }, heard: Heard[], slack: number): void {
  for (const h of heard) {
    if (heard.some((o) => o !== h && o.start <= h.start && o.end + slack > h.start)) continue;
    let onset = h.start;
    while (onset < h.end && out.left[onset] === 0 && out.right[onset] === 0) onset++;
    expect(onset - h.start, `${h.command.kind} of frame ${h.frame} starts at (frame - 1) * 800`).toBeLessThan(16);
  }
}

function rms(a: Float32Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += a[i] * a[i];
  return Math.sqrt(sum / Math.max(1, to - from));
}

function peak(a: Float32Array, from: number, to: number): number {
  let max = 0;
  for (let i = from; i < to; i++) max = Math.max(max, Math.abs(a[i]));
  return max;
}

/** A WAV of 16-bit or float samples, mono: its length in seconds and its loudness (RMS; resampling keeps it, not peaks). */
function wavInfo(bytes: Buffer): { seconds: number; rms: number } {
  let at = 12;
  let channels = 1;
  let rate = 1;
  let bits = 16;
  while (at + 8 <= bytes.length) {
    const id = bytes.toString('latin1', at, at + 4);
    const len = bytes.readUInt32LE(at + 4);
    if (id === 'fmt ') {
      channels = bytes.readUInt16LE(at + 10);
      rate = bytes.readUInt32LE(at + 12);
      bits = bytes.readUInt16LE(at + 22);
    } else if (id === 'data') {
      const frames = len / (channels * (bits / 8));
      let sum = 0;
      for (let i = 0; i < frames * channels; i++) {
        const v = bits === 16 ? bytes.readInt16LE(at + 8 + i * 2) / 32768 : bytes.readFloatLE(at + 8 + i * 4);
        sum += v * v;
      }
      return { seconds: frames / rate, rms: Math.sqrt(sum / (frames * channels)) };
    }
    at += 8 + len + (len & 1);
  }
  throw new Error('no data chunk');
}

/** A WAV file: 16-bit PCM or 32-bit float, interleaved channels. */
function wav(channels: number, rate: number, float: boolean, samples: number[]): Buffer {
  const size = float ? 4 : 2;
  const data = Buffer.alloc(samples.length * size);
  samples.forEach((v, i) => (float ? data.writeFloatLE(v, i * 4) : data.writeInt16LE(Math.round(v * 32767), i * 2)));
  const head = Buffer.alloc(44);
  head.write('RIFF', 0, 'latin1');
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVEfmt ', 8, 'latin1');
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(float ? 3 : 1, 20);
  head.writeUInt16LE(channels, 22);
  head.writeUInt32LE(rate, 24);
  head.writeUInt32LE(rate * channels * size, 28);
  head.writeUInt16LE(channels * size, 32);
  head.writeUInt16LE(size * 8, 34);
  head.write('data', 36, 'latin1');
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

/** An example copied to tmp, exported, and run in the runner process for `frames` frames with these keys. */
async function prepare(example: string, frames: number, keys?: Record<number, Array<[number, boolean]>>) {
  const root = path.join(tmp, example);
  await fs.cp(path.join(paths.root, 'plugins', example), root, { recursive: true, filter: (s) => !s.includes('.kiln') && !s.includes(`${path.sep}export`) });
  const project = await Project.open(root);
  const report = await exportGame({ project, paths, target: 'native', dir: path.join(tmp, `${example}-native`) });
  const runner = await runStepped({ project, paths, frames, keys, workDir: path.join(tmp, `${example}-runner`) });
  return { project, dir: report.dir, runner };
}

beforeAll(async () => {
  tmp = await fs.mkdtemp(path.join(os.tmpdir(), 'kiln-native-sound-'));
});

afterAll(async () => {
  if (tmp) await fs.rm(tmp, { recursive: true, force: true });
});

describe('native export: sound', () => {
  it('pong: the runner\'s tones are heard at their frames, at their pitch and loudness, and nothing else', async () => {
    const FRAMES = 600;
    const { dir, runner } = await prepare('pong', FRAMES);
    const heard = expectedSounds(runner, () => 0, FRAMES * PER_FRAME);
    expect(heard.length, 'pong makes sounds in 10 s with no input').toBeGreaterThan(2);
    const out = aligned(await playExported(dir, 'pong', FRAMES), heard[0]);
    silentElsewhere(out, heard, 0, FRAMES * PER_FRAME);
    startsOnTime(out, heard, 0);
    for (const h of heard) {
      const c = h.command;
      if (c.kind !== 'tone') throw new Error(`pong asked for ${c.kind}`);
      // the hold part of the envelope (5 ms attack, 20 ms release)
      const from = h.start + RATE * 0.005;
      const to = h.end - RATE * 0.02;
      expect(out.left.subarray(h.start, h.end), 'a tone is the same on both sides').toEqual(out.right.subarray(h.start, h.end));
      if (c.wave === 'square') {
        let crossings = 0;
        for (let i = from + 1; i < to; i++) if (Math.sign(out.left[i]) !== Math.sign(out.left[i - 1])) crossings++;
        expect(Math.abs(crossings / 2 / ((to - from) / RATE) - c.hz), `square at ${c.hz} Hz, frame ${h.frame}`).toBeLessThan(c.hz * 0.05);
        expect(peak(out.left, from, to) / (c.volume * 0.3), 'peak = volume * 0.3, as the editor plays it').toBeCloseTo(1, 1);
      } else {
        expect(rms(out.left, from, to), `${c.wave} tone at frame ${h.frame}`).toBeGreaterThan(0.01);
      }
    }
  }, 300_000);

  it('breakout: a key script launches the ball and its WAV sounds play at their frames, panned like the editor\'s', async () => {
    const FRAMES = 400;
    const keys: Record<number, Array<[number, boolean]>> = { 60: [[KEY_SPACE, true]], 62: [[KEY_SPACE, false]] };
    const { project, dir, runner } = await prepare('breakout', FRAMES, keys);
    const seconds = new Map<string, { seconds: number; rms: number }>();
    for (const f of runner) for (const c of f.sounds) if (c.kind === 'play') seconds.set(c.path, wavInfo(await fs.readFile(project.resolve(c.path))));
    const heard = expectedSounds(runner, (p) => seconds.get(p)!.seconds, FRAMES * PER_FRAME);
    expect(heard[0]?.frame, 'nothing plays before Space launches the ball at frame 60').toBe(60);
    const script = path.join(tmp, 'keys.txt');
    await fs.writeFile(script, '# launch the ball\n60 SPACE down\n62 space up\n');
    const out = aligned(await playExported(dir, 'breakout', FRAMES, script), heard[0]);
    silentElsewhere(out, heard, 0.005 * RATE, FRAMES * PER_FRAME); // the resampler (22.05 -> 48 kHz) rings a little past the end
    startsOnTime(out, heard, 0.005 * RATE);
    const pans = new Set<number>();
    for (const h of heard) {
      const c = h.command;
      if (c.kind !== 'play') throw new Error(`breakout asked for ${c.kind}`);
      const alone = !heard.some((o) => o !== h && o.start < h.end && o.end > h.start);
      if (!alone) continue;
      pans.add(Math.sign(Math.round(c.pan * 10)));
      // StereoPannerNode on a mono file: left cos, right sin of (pan + 1) / 2 * 90 degrees
      const x = ((c.pan + 1) / 2) * (Math.PI / 2);
      const file = seconds.get(c.path)!;
      expect(rms(out.left, h.start, h.end) / (c.volume * file.rms * Math.cos(x)), `${c.path} left, frame ${h.frame}`).toBeCloseTo(1, 1);
      expect(rms(out.right, h.start, h.end) / rms(out.left, h.start, h.end), `${c.path} pan ${c.pan}`).toBeCloseTo(Math.tan(x), 2);
    }
    expect([...pans].sort(), 'sounds in the middle and off it were checked').toEqual([-1, 0]);
  }, 300_000);

  it('with no audio device the game says so once and goes on to its last frame', async () => {
    const dir = path.join(tmp, 'pong-native'); // exported by the first test
    const png = path.join(tmp, 'silent.png');
    const env = { ...process.env, SDL_AUDIODRIVER: 'none' };
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile('xvfb-run', ['-a', path.join(dir, 'pong'), '--frames', '300', '--screenshot', png], { env, timeout: 120_000 }, (err, _o, e) => (err ? reject(new Error(`${err.message}\n${e}`)) : resolve(e))),
    );
    expect(stderr.split('\n').filter((l) => l.includes('sound')), 'one line about sound').toEqual([expect.stringMatching(/^\[warn\] sound: SDL has no audio here .*the game goes on without sound$/)]);
    expect((await fs.stat(png)).size).toBeGreaterThan(100);
  }, 300_000);

  it('music loops until music_stop, Ogg Vorbis and float stereo WAV play, noise sounds, pan -1 is the left side only', async () => {
    const root = path.join(tmp, 'jukebox');
    await fs.mkdir(root);
    await fs.writeFile(path.join(root, 'kiln.json'), JSON.stringify({ name: 'jukebox', width: 32, height: 32, plugins: [{ name: 'jukebox', sources: ['jukebox.c'] }] }));
    await fs.writeFile(
      path.join(root, 'jukebox.c'),
      `#include "kiln.h"
typedef struct { int32_t frame, loop, blip, tune; } S;
static void update(void *p, float dt) {
    S *s = p; (void)dt; s->frame++;
    if (s->frame == 1) { s->loop = sound_load("loop.wav"); s->blip = sound_load("blip.wav"); s->tune = sound_load("tune.ogg"); }
    if (s->frame >= 30 && s->frame < 90) music_play(s->loop, 0.5f); /* every frame, as games do */
    if (s->frame == 90) music_stop();
    if (s->frame == 100) sfx_tone(800, 100, SFX_NOISE, 0.8f);
    if (s->frame == 110) sound_play(s->blip, 1.0f, -1.0f);
    if (s->frame == 130) sound_play(s->tune, 0.7f, 0.0f);
}
KILN_PLUGIN(.name = "jukebox", .state_size = sizeof(S), .state_version = 1, .update = update)
`,
    );
    // a 100 ms 48 kHz sine as the music: looped, the output repeats every 4800 samples exactly
    await fs.writeFile(path.join(root, 'loop.wav'), wav(1, RATE, false, Array.from({ length: 4800 }, (_, i) => 0.8 * Math.sin((2 * Math.PI * 300 * i) / RATE))));
    // 50 ms of float stereo at 44.1 kHz
    await fs.writeFile(path.join(root, 'blip.wav'), wav(2, 44100, true, Array.from({ length: 2205 * 2 }, (_, i) => 0.5 * Math.sin((2 * Math.PI * 1000 * Math.floor(i / 2)) / 44100))));
    await fs.copyFile(path.join(paths.root, 'plugins', 'breakout', 'sounds', 'music.ogg'), path.join(root, 'tune.ogg'));
    const FRAMES = 200;
    const project = await Project.open(root);
    const report = await exportGame({ project, paths, target: 'native', dir: path.join(tmp, 'jukebox-native') });
    const runner = await runStepped({ project, paths, frames: FRAMES, workDir: path.join(tmp, 'jukebox-runner') });
    const secondsOf: Record<string, number> = { 'blip.wav': 0.05, 'tune.ogg': 16 };
    const heard = expectedSounds(runner, (p) => secondsOf[p], FRAMES * PER_FRAME);
    expect(heard.map((h) => [h.command.kind, h.frame])).toEqual([['music', 30], ['tone', 100], ['play', 110], ['play', 130]]);
    const [music, noise, blip, tune] = heard;
    const out = aligned(await playExported(report.dir, 'jukebox', FRAMES), music);
    silentElsewhere(out, heard, 0.005 * RATE, FRAMES * PER_FRAME);
    startsOnTime(out, heard, 0.005 * RATE);
    // the loop: one period of the file, over and over, until the stop's fade
    expect(music.end).toBe(89 * PER_FRAME + 0.05 * RATE);
    for (let i = music.start; i + 4800 < 89 * PER_FRAME; i += 997) expect(out.left[i + 4800]).toBe(out.left[i]);
    expect(peak(out.left, music.start, music.start + 4800) / 0.4, 'music at volume 0.5: 0.8 * 0.5').toBeCloseTo(1, 1);
    expect(rms(out.left, 89 * PER_FRAME + 1800, 89 * PER_FRAME + 2400), 'fading').toBeLessThan(rms(out.left, 89 * PER_FRAME - 600, 89 * PER_FRAME));
    // noise: loud, many sign changes, the same on both sides
    let changes = 0;
    for (let i = noise.start + 300; i < noise.end - 1000; i++) if (Math.sign(out.left[i]) !== Math.sign(out.left[i - 1])) changes++;
    expect(changes / ((noise.end - 1300 - noise.start) / RATE), 'noise changes sign far more often than a tone').toBeGreaterThan(2000);
    expect(rms(out.left, noise.start, noise.end)).toBeGreaterThan(0.05);
    // pan -1: the left side only (StereoPannerNode on stereo: left + right into the left)
    expect(peak(out.left, blip.start, blip.end)).toBeGreaterThan(0.9);
    expect(peak(out.right, blip.start, blip.end)).toBe(0);
    // the Ogg Vorbis tune, centred, to the end of the run
    expect(rms(out.left, tune.start, FRAMES * PER_FRAME)).toBeGreaterThan(0.01);
    expect(rms(out.right, tune.start, FRAMES * PER_FRAME)).toBeCloseTo(rms(out.left, tune.start, FRAMES * PER_FRAME), 5);
  }, 300_000);
});
