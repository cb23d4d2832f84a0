/**
 * Frames as changes to the frame before (the web shell's frame stream, relay → page). A game's frame is mostly what
 * the last one was (pong: 230 KB of which a ball and two paddles move), and the bytes on the way are what the page
 * waits for: Chromium hands a streamed body to the page in pieces, each a trip between its network process and the
 * page, so a 230 KB frame behind another stands in a queue of tens of milliseconds. A delta frame says, pixel run by
 * pixel run, "as before", "this colour N times" or "these pixels".
 *
 * Delta frame (after the stream's [u32 length]):
 *   u32 magic 'KFRD' | u16 width | u16 height | u32 frame | u32 sound bytes | u32 op words | op words | sound bytes
 * Op words are u32 in the machine's byte order (the relay and the page share a machine: the editor serves 127.0.0.1
 * only), as are pixels read as u32. An op word is a kind in its top 2 bits and a pixel count (≥ 1) in the rest:
 *   0 SKIP  count pixels as in the reference (the frame before on this stream)
 *   1 RUN   count pixels of the one colour in the next word
 *   2 LIT   count pixels, the next count words
 * A stream's first frame, and the first after a size change, have no reference: RUN and LIT only. A full frame
 * (the contract's 'KFRM' format) may come at any point; it becomes the reference too.
 */
import { encodeFrameParts, FRAME_HEADER_BYTES, FRAME_MAGIC, parseFrameSounds, type Frame } from './contract';

export const FRAME_DELTA_MAGIC = 0x4452464b; // 'KFRD'
export const FRAME_DELTA_HEADER_BYTES = 20;
const KIND_RUN = 0x40000000;
const KIND_LIT = 0x80000000;

/**
 * The ops that turn `ref` (null: none) into `cur`, written to `out` (at least cur.length + 2 words); returns the
 * number of words written. Greedy and linear: a SKIP where ≥ 2 pixels repeat the reference (unless a longer run
 * of one colour starts there), a RUN of ≥ 3 pixels, literals otherwise; never more than cur.length + 1 words.
 */
export function encodeFrameOps(ref: Uint32Array | null, cur: Uint32Array, out: Uint32Array): number {
  const n = cur.length;
  let i = 0;
  let w = 0;
  let lit = -1;
  while (i < n) {
    const c = cur[i];
    let same = 0;
    if (ref) while (i + same < n && cur[i + same] === ref[i + same]) same++;
    let run = 1;
    while (i + run < n && cur[i + run] === c) run++;
    if ((same >= 2 && same >= run) || run >= 3) {
      if (lit >= 0) {
        out[w++] = (KIND_LIT | (i - lit)) >>> 0;
        out.set(cur.subarray(lit, i), w);
        w += i - lit;
        lit = -1;
      }
      if (same >= 2 && same >= run) {
        out[w++] = same;
        i += same;
      } else {
        out[w++] = KIND_RUN | run;
        out[w++] = c;
        i += run;
      }
    } else {
      if (lit < 0) lit = i;
      i++;
    }
  }
  if (lit >= 0) {
    out[w++] = (KIND_LIT | (n - lit)) >>> 0;
    out.set(cur.subarray(lit, n), w);
    w += n - lit;
  }
  return w;
}

/**
 * Applies `ops` to `ref` into `out` (every pixel of it written); false for ops that do not describe exactly
 * out.length pixels, or that SKIP with no reference. `out` may be `ref` itself (in place): a SKIP then costs
 * nothing, so a frame costs what changed, not a copy of the whole frame. Self-contained (no imports, no
 * closures): the benchmark puts its source into the page it measures.
 */
export function applyFrameOps(ref: Uint32Array | null, ops: Uint32Array, out: Uint32Array): boolean {
  const n = out.length;
  let i = 0;
  let w = 0;
  while (w < ops.length) {
    const op = ops[w++];
    const kind = op >>> 30;
    const count = op & 0x3fffffff;
    if (count === 0 || i + count > n) return false;
    if (kind === 0) {
      if (!ref || ref.length !== n) return false;
      if (ref !== out) out.set(ref.subarray(i, i + count), i);
    } else if (kind === 1) {
      if (w >= ops.length) return false;
      out.fill(ops[w++], i, i + count);
    } else if (kind === 2) {
      if (w + count > ops.length) return false;
      out.set(ops.subarray(w, w + count), i);
      w += count;
    } else return false;
    i += count;
  }
  return i === n;
}

/** A u32 view of bytes, copied when they do not start on a 4-byte boundary (`new Uint8Array(x)` copies; a Node Buffer's slice() would not). */
function words(bytes: Uint8Array): Uint32Array {
  if (bytes.byteOffset % 4 === 0) return new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength >>> 2);
  return new Uint32Array(new Uint8Array(bytes).buffer, 0, bytes.byteLength >>> 2);
}

/** A frame as it travels: its sounds left as their wire bytes (a relay passes them on without reading them). */
export interface RawFrame {
  width: number;
  height: number;
  frame: number;
  pixels: Uint8Array;
  /** The frame's sound trailer (UTF-8 JSON, see the contract's wire format); empty when it has none. */
  sounds: Uint8Array;
}

const NO_SOUNDS = new Uint8Array(0);

/** A frame of the contract as a RawFrame (its sounds encoded as on the wire). */
export function rawFrame(frame: Frame): RawFrame {
  const parts = encodeFrameParts(frame);
  return { width: frame.width, height: frame.height, frame: frame.frame, pixels: frame.pixels, sounds: parts[2] ?? NO_SOUNDS };
}

/** What writes a frame's ops: encodeFrameOps, or the runner's libkiln's kiln_frame_ops (the same ops, in C). */
export type FrameOps = (ref: Uint32Array | null, cur: Uint32Array, out: Uint32Array) => number;

/**
 * One stream's sending side: each frame in, the bytes to send out ([u32 length][delta or full frame]). Every frame
 * encoded is taken as sent: it is the next one's reference. A full frame goes when a delta would be no smaller.
 */
export class FrameDeltaEncoder {
  private ref: Uint32Array | null = null;
  private scratch = new Uint32Array(0);

  constructor(private readonly ops: FrameOps = encodeFrameOps) {}

  /** The next frame goes whole (the receiver lost track: it says so, and starts over from it). */
  reset(): void {
    this.ref = null;
  }

  /** The receiver has this frame now, sent to it another way (a relay passing on a change as it came): the next is a change to it. */
  adopt(raw: RawFrame): void {
    const cur = words(raw.pixels);
    if (this.ref && this.ref.length === cur.length) this.ref.set(cur);
    else this.ref = cur.slice();
  }

  encode(raw: RawFrame): Uint8Array {
    const { width, height, pixels, sounds } = raw;
    const cur = words(pixels);
    if (this.ref && this.ref.length !== cur.length) this.ref = null;
    if (this.scratch.length < cur.length + 2) this.scratch = new Uint32Array(cur.length + 2);
    const opWords = this.ops(this.ref, cur, this.scratch);
    if (this.ref) this.ref.set(cur);
    else this.ref = cur.slice();
    const full = opWords * 4 + 4 >= pixels.length;
    const head = full ? FRAME_HEADER_BYTES : FRAME_DELTA_HEADER_BYTES;
    const body = full ? pixels.length : opWords * 4;
    const out = new Uint8Array(4 + head + body + sounds.length);
    const o = new DataView(out.buffer);
    o.setUint32(0, out.length - 4, true);
    o.setUint32(4, full ? FRAME_MAGIC : FRAME_DELTA_MAGIC, true);
    o.setUint16(8, width, true);
    o.setUint16(10, height, true);
    o.setUint32(12, raw.frame >>> 0, true);
    o.setUint32(16, sounds.length, true);
    if (full) out.set(pixels, 4 + head);
    else {
      o.setUint32(20, opWords, true);
      new Uint32Array(out.buffer, 4 + head, opWords).set(this.scratch.subarray(0, opWords));
    }
    out.set(sounds, 4 + head + body);
    return out;
  }
}

/** One stream's receiving side: a message (without its length) in, the frame out; null for one that does not decode. */
export class FrameDeltaDecoder {
  private ref: Uint32Array | null = null;

  /**
   * `inPlace`: each delta is applied to the one buffer the last frame is in (no 230 KB allocation and copy per
   * frame, which a relay or a page at 60 frames a second would otherwise spend and hand to the garbage collector);
   * a frame's pixels are then only good until the next decode. Otherwise each frame has its own pixels, which
   * listeners may keep.
   */
  constructor(private readonly inPlace = false) {}

  /** The frame with its sounds as wire bytes (a relay's use). */
  decodeRaw(message: Uint8Array): RawFrame | null {
    if (message.byteLength < FRAME_HEADER_BYTES) return null;
    const view = new DataView(message.buffer, message.byteOffset, message.byteLength);
    const magic = view.getUint32(0, true);
    const delta = magic === FRAME_DELTA_MAGIC;
    if ((!delta && magic !== FRAME_MAGIC) || (delta && message.byteLength < FRAME_DELTA_HEADER_BYTES)) return null;
    const width = view.getUint16(4, true);
    const height = view.getUint16(6, true);
    const frame = view.getUint32(8, true);
    const soundBytes = view.getUint32(12, true);
    const head = delta ? FRAME_DELTA_HEADER_BYTES : FRAME_HEADER_BYTES;
    const bodyEnd = head + (delta ? view.getUint32(16, true) * 4 : width * height * 4);
    if (bodyEnd + soundBytes !== message.byteLength) {
      this.ref = null;
      return null;
    }
    let pixels: Uint32Array | null;
    if (delta) {
      const reuse = this.inPlace && this.ref?.length === width * height;
      pixels = reuse ? this.ref! : new Uint32Array(width * height);
      if (!applyFrameOps(this.ref, words(message.subarray(head, bodyEnd)), pixels)) pixels = null;
    } else {
      pixels = words(message.subarray(head, bodyEnd));
      if (this.inPlace) pixels = this.ref?.length === pixels.length ? (this.ref.set(pixels), this.ref) : pixels.slice();
    }
    this.ref = pixels;
    if (!pixels) return null;
    return { width, height, frame, pixels: new Uint8Array(pixels.buffer, pixels.byteOffset, pixels.byteLength), sounds: message.subarray(bodyEnd) };
  }

  decode(message: Uint8Array): Frame | null {
    const raw = this.decodeRaw(message);
    if (!raw) return null;
    const { width, height, frame, pixels } = raw;
    if (!raw.sounds.length) return { width, height, frame, pixels };
    const sounds = parseFrameSounds(raw.sounds);
    return sounds ? { width, height, frame, pixels, sounds: sounds.commands, soundsAt: sounds.at } : null;
  }
}

/**
 * A stream of [u32 length][message] ... (the runner → relay socket, the relay → page body) cut back into messages,
 * whatever the chunks it arrives in. Messages are views that stay valid: chunks are never written to, and what is
 * left over is copied, so a chunk is not kept alive by its tail.
 */
export class LengthPrefixedReader {
  private pending = new Uint8Array(0);

  /** `maxLength`: a longer message is a broken writer, refused (thrown) before waiting for its bytes. */
  constructor(private readonly maxLength = Infinity) {}

  /** The messages this chunk completes, in order. */
  push(chunk: Uint8Array): Uint8Array[] {
    let buf = chunk;
    if (this.pending.length) {
      buf = new Uint8Array(this.pending.length + chunk.length);
      buf.set(this.pending);
      buf.set(chunk, this.pending.length);
    }
    const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const messages: Uint8Array[] = [];
    let at = 0;
    while (buf.length - at >= 4) {
      const length = view.getUint32(at, true);
      if (length > this.maxLength) throw new Error(`a ${length}-byte message on a stream that allows ${this.maxLength}`);
      if (buf.length - at - 4 < length) break;
      messages.push(buf.subarray(at + 4, at + 4 + length));
      at += 4 + length;
    }
    this.pending = buf.slice(at);
    return messages;
  }
}
