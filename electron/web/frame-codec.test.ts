/** Frames as deltas (the web shell's frame stream): whatever the frames, the page decodes exactly what was sent. */
import { describe, expect, it } from 'vitest';
import type { Frame } from '../shared/contract';
import { applyFrameOps, encodeFrameOps, FrameDeltaDecoder, FrameDeltaEncoder, FRAME_DELTA_MAGIC, LengthPrefixedReader, rawFrame } from '../shared/frame-codec';

/** A deterministic generator, so a failure repeats. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

/** Splits the encoder's [u32 length][message] and checks the length. */
function unframe(bytes: Uint8Array): Uint8Array {
  const length = new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true);
  expect(length).toBe(bytes.length - 4);
  return bytes.subarray(4);
}

/** A pong-like picture: a flat background, two paddles and a ball at `t`, and some noise where `noisy`. */
function picture(width: number, height: number, t: number, noisy: number, random: () => number): Uint8Array {
  const px = new Uint32Array(width * height).fill(0xff203040);
  const rect = (x0: number, y0: number, w: number, h: number, c: number) => {
    for (let y = Math.max(0, y0); y < Math.min(height, y0 + h); y++) for (let x = Math.max(0, x0); x < Math.min(width, x0 + w); x++) px[y * width + x] = c;
  };
  rect(4, (t * 3) % height, 4, 20, 0xffffffff);
  rect(width - 8, (t * 5) % height, 4, 20, 0xffffffff);
  rect((t * 7) % width, (t * 2) % height, 4, 4, 0xff00ffff);
  for (let i = 0; i < noisy; i++) px[Math.floor(random() * px.length)] = Math.floor(random() * 2 ** 32);
  return new Uint8Array(px.buffer);
}

describe('frame codec', () => {
  it('round-trips a game of moving parts, with sounds, as small deltas', () => {
    const random = rng(1);
    const encoder = new FrameDeltaEncoder();
    const decoder = new FrameDeltaDecoder();
    let deltaBytes = 0;
    for (let t = 0; t < 60; t++) {
      const frame: Frame = { width: 320, height: 180, frame: t + 1, pixels: picture(320, 180, t, 0, random) };
      if (t % 10 === 5) Object.assign(frame, { sounds: [{ kind: 'tone', hz: 440, ms: 50, wave: 'square', volume: 0.5 }], soundsAt: 1234.5 });
      const sent = unframe(encoder.encode(rawFrame(frame)));
      if (t > 0) {
        expect(new DataView(sent.buffer, sent.byteOffset).getUint32(0, true)).toBe(FRAME_DELTA_MAGIC);
        deltaBytes = Math.max(deltaBytes, sent.length);
      }
      const got = decoder.decode(sent);
      expect(got).not.toBeNull();
      expect(got!.frame).toBe(t + 1);
      expect(Buffer.from(got!.pixels).equals(Buffer.from(frame.pixels))).toBe(true);
      expect(got!.sounds).toEqual(frame.sounds);
      expect(got!.soundsAt).toEqual(frame.soundsAt);
    }
    expect(deltaBytes).toBeLessThan(2000); // of 230,416
  });

  it('round-trips noise, size changes and frames from a fresh encoder', () => {
    const random = rng(7);
    const encoder = new FrameDeltaEncoder();
    const decoder = new FrameDeltaDecoder();
    const inPlace = new FrameDeltaDecoder(true); // a relay's: one buffer, good until the next decode
    const sizes = [[16, 16], [16, 16], [33, 7], [33, 7], [1, 1], [320, 180], [320, 180]];
    for (let round = 0; round < 3; round++) {
      for (const [i, [w, h]] of sizes.entries()) {
        const pixels = picture(w, h, i + round, random() < 0.5 ? 0 : Math.floor(random() * w * h * 2), random);
        const frame: Frame = { width: w, height: h, frame: i, pixels };
        const sent = unframe(encoder.encode(rawFrame(frame)));
        const got = decoder.decode(sent);
        expect(got && Buffer.from(got.pixels).equals(Buffer.from(pixels))).toBe(true);
        const raw = inPlace.decodeRaw(sent);
        expect(raw && Buffer.from(raw.pixels).equals(Buffer.from(pixels))).toBe(true);
      }
    }
  });

  it('decodes messages at any byte offset of a Node Buffer (a relay reads them out of socket chunks)', () => {
    const random = rng(11);
    const encoder = new FrameDeltaEncoder();
    const decoder = new FrameDeltaDecoder(true);
    for (let t = 0; t < 6; t++) {
      const pixels = picture(37, 13, t, t % 2 ? 50 : 0, random);
      const sent = unframe(encoder.encode(rawFrame({ width: 37, height: 13, frame: t, pixels })));
      const chunk = Buffer.allocUnsafe(sent.length + 3); // from Node's pool, so its ArrayBuffer is larger and shared
      chunk.set(sent, 1 + (t % 3));
      const raw = decoder.decodeRaw(chunk.subarray(1 + (t % 3), 1 + (t % 3) + sent.length));
      expect(raw && Buffer.from(raw.pixels).equals(Buffer.from(pixels))).toBe(true);
    }
  });

  it('never writes more than one word over the pixels, whatever the pattern', () => {
    const random = rng(3);
    for (let trial = 0; trial < 300; trial++) {
      const n = 1 + Math.floor(random() * 200);
      const palette = 1 + Math.floor(random() * 4); // few colours: runs, skips and literals interleave
      const ref = new Uint32Array(n).map(() => Math.floor(random() * palette));
      const cur = ref.map((v) => (random() < 0.4 ? Math.floor(random() * palette) : v));
      const out = new Uint32Array(n + 2);
      const words = encodeFrameOps(random() < 0.3 ? null : ref, cur, out);
      expect(words).toBeLessThanOrEqual(n + 1);
      const back = new Uint32Array(n);
      expect(applyFrameOps(ref, out.subarray(0, words), back)).toBe(true);
      expect(Array.from(back)).toEqual(Array.from(cur));
      const inPlace = ref.slice(); // the page's and the relay's way: the reference becomes the new frame
      expect(applyFrameOps(inPlace, out.subarray(0, words), inPlace)).toBe(true);
      expect(Array.from(inPlace)).toEqual(Array.from(cur));
    }
  });

  it('refuses ops that do not describe the frame: too few or too many pixels, a skip with no reference, a cut literal', () => {
    const out = new Uint32Array(4);
    expect(applyFrameOps(null, new Uint32Array([0x40000000 | 3, 7]), out)).toBe(false); // 3 of 4 pixels
    expect(applyFrameOps(null, new Uint32Array([0x40000000 | 5, 7]), out)).toBe(false); // 5 of 4
    expect(applyFrameOps(null, new Uint32Array([4]), out)).toBe(false); // SKIP with nothing before
    expect(applyFrameOps(new Uint32Array(3), new Uint32Array([4]), out)).toBe(false); // a reference of another size
    expect(applyFrameOps(null, new Uint32Array([0x80000000 | 4, 1, 2]), out)).toBe(false); // literal cut short
    expect(applyFrameOps(null, new Uint32Array([0xc0000000 | 4]), out)).toBe(false); // no such kind
    expect(applyFrameOps(null, new Uint32Array([0x40000000 | 4, 9]), out)).toBe(true);
    expect(Array.from(out)).toEqual([9, 9, 9, 9]);
  });

  it('a decoder that missed the frame before refuses the delta rather than showing a wrong picture', () => {
    const random = rng(5);
    const encoder = new FrameDeltaEncoder();
    const first = encoder.encode(rawFrame({ width: 64, height: 32, frame: 1, pixels: picture(64, 32, 1, 0, random) }));
    const second = encoder.encode(rawFrame({ width: 64, height: 32, frame: 2, pixels: picture(64, 32, 2, 0, random) }));
    expect(first.length).toBeGreaterThan(0);
    expect(new FrameDeltaDecoder().decode(unframe(second))).toBeNull();
    const truncated = unframe(second).subarray(0, unframe(second).length - 4);
    const decoder = new FrameDeltaDecoder();
    decoder.decode(unframe(first));
    expect(decoder.decode(truncated)).toBeNull();
  });

  it('cuts a length-prefixed stream back into its messages, however it was chunked, and refuses an oversized one', () => {
    const random = rng(13);
    const sent = [3, 0, 70, 1, 200].map((n, i) => new Uint8Array(n).fill(i + 1));
    const stream = new Uint8Array(sent.reduce((n, m) => n + 4 + m.length, 0));
    let at = 0;
    for (const m of sent) {
      new DataView(stream.buffer).setUint32(at, m.length, true);
      stream.set(m, at + 4);
      at += 4 + m.length;
    }
    for (let trial = 0; trial < 50; trial++) {
      const reader = new LengthPrefixedReader();
      const got: Uint8Array[] = [];
      for (let from = 0; from < stream.length; ) {
        const to = Math.min(stream.length, from + 1 + Math.floor(random() * 40));
        got.push(...reader.push(stream.slice(from, to)));
        from = to;
      }
      expect(got.map((m) => Array.from(m))).toEqual(sent.map((m) => Array.from(m)));
    }
    expect(() => new LengthPrefixedReader(100).push(stream)).toThrow('a 200-byte message on a stream that allows 100');
  });
});
