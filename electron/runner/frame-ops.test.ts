/** libkiln's kiln_frame_ops, as the runner calls it: the ops of encodeFrameOps (shared/frame-codec.ts), word for word. */
import { describe, expect, it } from 'vitest';
import { findKilnRoot, kilnPaths } from '../core/paths';
import { applyFrameOps, encodeFrameOps, FrameDeltaDecoder, FrameDeltaEncoder, rawFrame } from '../shared/frame-codec';
import { loadLibKiln } from './libkiln';

const lib = loadLibKiln(kilnPaths(findKilnRoot(__dirname)).libkiln);

/** A deterministic generator, so a failure repeats. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('kiln_frame_ops', () => {
  it('writes the ops the JavaScript encoder writes, for flat frames, runs, noise, odd lengths and no reference', () => {
    expect(lib.frameOps).toBeDefined();
    const random = rng(9);
    let words = 0;
    for (let trial = 0; trial < 400; trial++) {
      const n = 1 + Math.floor(random() * (trial % 4 ? 300 : 5000));
      const palette = 1 + Math.floor(random() * (trial % 3 ? 3 : 2 ** 31)); // few colours: runs; many: literals
      const ref = new Uint32Array(n).map(() => Math.floor(random() * palette) * 0x01010101);
      const cur = ref.map((v) => (random() < [0, 0.02, 0.3, 1][trial % 4] ? Math.floor(random() * palette) * 0x01010101 : v));
      for (const reference of [ref, null]) {
        const js = new Uint32Array(n + 2);
        const c = new Uint32Array(n + 2).fill(0xdeadbeef);
        const count = encodeFrameOps(reference, cur, js);
        expect(lib.frameOps!(reference, cur, c)).toBe(count);
        expect(Array.from(c.subarray(0, count))).toEqual(Array.from(js.subarray(0, count)));
        const back = new Uint32Array(n);
        expect(applyFrameOps(reference, c.subarray(0, count), back)).toBe(true);
        expect(Array.from(back)).toEqual(Array.from(cur));
        words += count;
      }
    }
    expect(words).toBeGreaterThan(10_000);
  });

  it('is refused, with the reason, for an output that may not hold the frame', () => {
    const cur = new Uint32Array(16);
    expect(() => lib.frameOps!(null, cur, new Uint32Array(17))).toThrow(/refused a frame of 16 pixels into 17 words/);
  });

  it("round-trips a game's frames through the runner's encoder at any byte offset", () => {
    const random = rng(4);
    const encoder = new FrameDeltaEncoder(lib.frameOps);
    const decoder = new FrameDeltaDecoder();
    const px = new Uint32Array(320 * 180).fill(0xff203040);
    for (let t = 0; t < 12; t++) {
      for (let k = 0; k < 50; k++) px[Math.floor(random() * px.length)] = Math.floor(random() * 2 ** 32);
      const chunk = Buffer.alloc(px.byteLength + 8);
      chunk.set(new Uint8Array(px.buffer), 4 * (t % 2)); // a frame that does not start on a pixel boundary is copied first
      const pixels = chunk.subarray(4 * (t % 2), 4 * (t % 2) + px.byteLength);
      const message = encoder.encode(rawFrame({ width: 320, height: 180, frame: t, pixels }));
      const got = decoder.decode(message.subarray(4));
      expect(got && Buffer.from(got.pixels).equals(Buffer.from(px.buffer))).toBe(true);
    }
  });
});
