#!/usr/bin/env node
/**
 * Makes breakout's sound files (plugins/breakout/sounds/): short effects as 16-bit mono PCM WAV, synthesized here
 * from a few notes and envelopes, and a music loop encoded to Ogg Vorbis with Debian's vorbis-tools (`oggenc`,
 * `apt-get install vorbis-tools`). A development step: the files are committed, CC0 (see the folder's README.md).
 *
 *   node scripts/make-example-sounds.mjs
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const out = path.join(root, 'plugins', 'breakout', 'sounds');
const RATE = 22050;

/** A RIFF/WAVE file of 16-bit mono PCM from samples in -1..1. */
function wav(samples) {
  const data = Buffer.alloc(samples.length * 2);
  samples.forEach((v, i) => data.writeInt16LE(Math.round(Math.max(-1, Math.min(1, v)) * 32767), i * 2));
  const head = Buffer.alloc(44);
  head.write('RIFF', 0);
  head.writeUInt32LE(36 + data.length, 4);
  head.write('WAVE', 8);
  head.write('fmt ', 12);
  head.writeUInt32LE(16, 16);
  head.writeUInt16LE(1, 20); // PCM
  head.writeUInt16LE(1, 22); // mono
  head.writeUInt32LE(RATE, 24);
  head.writeUInt32LE(RATE * 2, 28);
  head.writeUInt16LE(2, 32);
  head.writeUInt16LE(16, 34);
  head.write('data', 36);
  head.writeUInt32LE(data.length, 40);
  return Buffer.concat([head, data]);
}

const waves = {
  square: (p) => (p % 1 < 0.5 ? 1 : -1),
  triangle: (p) => 1 - 4 * Math.abs((p % 1) - 0.5),
  sine: (p) => Math.sin(2 * Math.PI * p),
};

/** Deterministic noise, so a rerun makes the same bytes. */
function noise(seed = 1) {
  let s = seed >>> 0;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0xffffffff * 2 - 1;
  };
}

/**
 * Notes one after another: [hz from, hz to, seconds, wave, volume]; each with a 5 ms attack and an exponential decay.
 * hz 0 is noise.
 */
function notes(list) {
  const samples = [];
  const rand = noise(7);
  for (const [from, to, seconds, wave, volume] of list) {
    const n = Math.round(seconds * RATE);
    let phase = 0;
    for (let i = 0; i < n; i++) {
      const t = i / n;
      const hz = from + (to - from) * t;
      phase += hz / RATE;
      const env = Math.min(1, i / (0.005 * RATE)) * Math.exp(-3 * t);
      samples.push((from === 0 ? rand() : waves[wave](phase)) * env * volume);
    }
  }
  return samples;
}

const effects = {
  'paddle.wav': notes([[520, 520, 0.07, 'square', 0.35]]),
  'brick.wav': notes([[880, 1320, 0.09, 'square', 0.3]]),
  'wall.wav': notes([[300, 280, 0.05, 'triangle', 0.5]]),
  'lose.wav': notes([[392, 330, 0.15, 'square', 0.3], [330, 262, 0.15, 'square', 0.3], [262, 196, 0.3, 'square', 0.3]]),
  'win.wav': notes([[523, 523, 0.1, 'square', 0.3], [659, 659, 0.1, 'square', 0.3], [784, 784, 0.1, 'square', 0.3], [1047, 1047, 0.3, 'square', 0.3]]),
  'break.wav': notes([[0, 0, 0.18, 'square', 0.5]]),
};

/** Eight bars of a bass and an arpeggio (A minor, F, C, G), two seconds a bar, looping cleanly. */
function musicLoop() {
  const bar = 2;
  const chords = [[220, 261.63, 329.63], [174.61, 220, 261.63], [261.63, 329.63, 392], [196, 246.94, 293.66]];
  const total = Math.round(bar * 8 * RATE);
  const samples = new Float32Array(total);
  for (let i = 0; i < total; i++) {
    const t = i / RATE;
    const chord = chords[Math.floor(t / bar) % chords.length];
    const step = Math.floor(t / 0.125); // sixteenths at 120 bpm
    const inStep = (t % 0.125) / 0.125;
    const arp = chord[step % 3] * 2;
    const bass = chord[0] / 2;
    const arpEnv = Math.exp(-4 * inStep);
    samples[i] = 0.18 * waves.square(arp * t) * arpEnv + 0.3 * waves.triangle(bass * t);
  }
  return Array.from(samples);
}

mkdirSync(out, { recursive: true });
for (const [name, samples] of Object.entries(effects)) writeFileSync(path.join(out, name), wav(samples));
const tmp = path.join(out, 'music.tmp.wav');
writeFileSync(tmp, wav(musicLoop()));
try {
  // -q 2: small and plenty for a chiptune; --serial: the same bytes on every run
  execFileSync('oggenc', ['-Q', '-q', '2', '--serial', '1', '-o', path.join(out, 'music.ogg'), tmp], { stdio: 'inherit' });
} catch (err) {
  throw new Error(`oggenc failed (${err.message}): install Debian's vorbis-tools (apt-get install vorbis-tools)`);
} finally {
  rmSync(tmp, { force: true });
}
console.log(`wrote ${Object.keys(effects).length} WAV files and music.ogg to ${path.relative(root, out)}`);
