/**
 * The frame relay with a real back end, runner and compiler: pong's frames reach a page's frame stream without
 * passing through the back end, and the stream has the editor server's checks (Host, Origin, token cookie).
 */
import { spawn } from 'node:child_process';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { KilnBackend } from '../core/backend';
import { closeTestBackends, copyExample, openTestBackend, testPaths } from '../core/test-support';
import { encodeFrameOps, FrameDeltaDecoder, FrameDeltaEncoder, LengthPrefixedReader, rawFrame, type FrameOps } from '../shared/frame-codec';
import { startFrameRelay, type FrameRelay } from './frame-relay';
import { startWebShell, MAX_BUFFERED_BYTES, type WebShell } from './server';

const TOKEN = 'frame-relay-test-token';
let relay: FrameRelay;
let backend: KilnBackend;
let shell: WebShell;
let backendFrames = 0;

beforeAll(async () => {
  relay = await startFrameRelay({ token: TOKEN, maxBufferedBytes: MAX_BUFFERED_BYTES });
  ({ backend } = await openTestBackend(copyExample('pong', 'kiln-relay-'), undefined, { frameSocket: relay.socketPath }));
  backend.on('frame', () => backendFrames++);
  shell = await startWebShell({ backend, rendererDir: testPaths.rendererDir, token: TOKEN, frames: relay });
}, 120_000);

afterAll(async () => {
  await shell?.close();
  await closeTestBackends();
  await relay?.close();
});

/** Opens the frame stream as the page does (GET /frames); resolves with the response once the relay accepts. */
function connect(headers: Record<string, string>, host = `127.0.0.1:${relay.port}`): Promise<http.IncomingMessage> {
  return new Promise((resolve, reject) => {
    http
      .get({ host: '127.0.0.1', port: relay.port, path: '/frames', headers: { host, ...headers } }, (res) => {
        if (res.statusCode === 200) return resolve(res);
        res.resume();
        reject(new Error(`refused with ${res.statusCode}`));
      })
      .on('error', reject);
  });
}

const editorOrigin = () => `http://127.0.0.1:${shell.port}`;

describe('frame relay', () => {
  it('carries the running game to the page, none of it through the back end', async () => {
    const res = await connect({ origin: editorOrigin(), cookie: `kiln_token=${TOKEN}` });
    expect(res.headers['access-control-allow-origin']).toBe(editorOrigin()); // the page's fetch may read it
    const frames: number[] = [];
    const bytes: number[] = [];
    const decoder = new FrameDeltaDecoder();
    let size = '';
    let background = 0;
    const messages = new LengthPrefixedReader();
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`only ${frames.length} frames in 60 s`)), 60_000);
      res.on('data', (chunk: Buffer) => {
        for (const message of messages.push(chunk)) {
          const f = decoder.decode(message);
          if (!f) return reject(new Error(`frame ${frames.length + 1} on the stream did not decode`));
          frames.push(f.frame);
          bytes.push(message.length);
          size = `${f.width}x${f.height}`;
          background = new DataView(f.pixels.buffer, f.pixels.byteOffset).getUint32(0, false); // pong's top-left pixel, RGBA
        }
        if (frames.length >= 10) {
          clearTimeout(timer);
          resolve();
        }
      });
    });
    res.destroy();
    expect(size).toBe('320x180');
    expect(background.toString(16)).toBe('101822ff'); // the decoded picture is pong's (its background colour)
    expect(frames.every((n, i) => i === 0 || n > frames[i - 1])).toBe(true); // in order, the game advancing
    expect(Math.max(...bytes.slice(1))).toBeLessThan(20_000); // after the first, changes only: not 230 KB frames
    expect(backendFrames).toBe(0);
  }, 90_000);

  it('tells pages its port in index.html, and allows it in the page policy', async () => {
    const res = await new Promise<{ body: string; csp: string }>((resolve, reject) => {
      http.get({ host: '127.0.0.1', port: shell.port, path: '/', headers: { host: `127.0.0.1:${shell.port}`, cookie: `kiln_token=${TOKEN}` } }, (r) => {
        let body = '';
        r.on('data', (d) => (body += d));
        r.on('end', () => resolve({ body, csp: String(r.headers['content-security-policy']) }));
      }).on('error', reject);
    });
    expect(res.body).toContain(`<meta name="kiln-frames" content="${relay.port}">`);
    expect(res.csp).toContain(`http://127.0.0.1:${relay.port}`);
  });

  it('refuses a page of another origin, a missing or wrong token and a wrong Host', async () => {
    await expect(connect({ origin: 'http://evil.example', cookie: `kiln_token=${TOKEN}` })).rejects.toThrow('refused with 403');
    await expect(connect({ origin: editorOrigin() })).rejects.toThrow('refused with 401');
    await expect(connect({ origin: editorOrigin(), cookie: 'kiln_token=wrong' })).rejects.toThrow('refused with 403');
    await expect(connect({ origin: editorOrigin(), cookie: `kiln_token=${TOKEN}` }, `attacker.example:${relay.port}`)).rejects.toThrow('refused with 421');
  });

  it('runs in a process of its own that ends with the shell, even a killed one', async () => {
    expect(relay.pid).toBeGreaterThan(0);
    expect(relay.pid).not.toBe(process.pid); // not a thread of the back end's process: its forks stall every thread
    const script = `require(${JSON.stringify(path.join(__dirname, 'frame-relay.ts'))}).startFrameRelay({ token: 't', maxBufferedBytes: 1 }).then((r) => console.log('relay ' + r.pid))`;
    const shellProcess = spawn(process.execPath, ['--import', 'tsx', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
    const pid = await new Promise<number>((resolve, reject) => {
      let out = '';
      shellProcess.stdout!.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /relay (\d+)/.exec(out);
        if (m) resolve(Number(m[1]));
      });
      shellProcess.on('exit', (code) => reject(new Error(`the shell exited (${code}) before its relay started: ${out}`)));
    });
    const alive = () => {
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    expect(alive()).toBe(true);
    shellProcess.kill('SIGKILL');
    await expect.poll(alive, { timeout: 20_000 }).toBe(false);
  }, 60_000);
});

describe('frame relay, frames as they came', () => {
  /** A page's frame stream: every message it got, as bytes and decoded. */
  function page(port: number, origin: string, token: string) {
    const got: Array<{ bytes: Buffer; frame: number; pixels: Buffer }> = [];
    const decoder = new FrameDeltaDecoder();
    const messages = new LengthPrefixedReader();
    const opened = new Promise<http.IncomingMessage>((resolve, reject) => {
      http
        .get({ host: '127.0.0.1', port, path: '/frames', headers: { host: `127.0.0.1:${port}`, origin, cookie: `kiln_token=${token}` } }, (res) => {
          if (res.statusCode !== 200) return reject(new Error(`refused with ${res.statusCode}`));
          res.on('data', (chunk: Buffer) => {
            for (const message of messages.push(chunk)) {
              const f = decoder.decode(message);
              if (!f) throw new Error(`message ${got.length + 1} did not decode`);
              got.push({ bytes: Buffer.from(message), frame: f.frame, pixels: Buffer.from(f.pixels) });
            }
          });
          resolve(res);
        })
        .on('error', reject);
    });
    return { got, opened };
  }

  it("passes the runner's change on to a page that has the frame before it, and encodes one for a page that does not", async () => {
    const token = 'as-they-came';
    const origin = 'http://127.0.0.1:1';
    const own = await startFrameRelay({ token, maxBufferedBytes: MAX_BUFFERED_BYTES });
    try {
      own.allowOrigins([origin]);
      const a = page(own.port, origin, token);
      const resA = await a.opened;
      // The runner's side: what frame-sink.ts writes, each frame a change to the one before on this socket. Its SKIPs
      // are written as two (valid, and not what the relay's encoder would write), so a page can tell them apart.
      const runner = net.connect(own.socketPath);
      await new Promise<void>((resolve) => runner.once('connect', () => resolve()));
      const splitSkips: FrameOps = (ref, cur, out) => {
        const ops = new Uint32Array(out.length);
        const words = encodeFrameOps(ref, cur, ops);
        let w = 0;
        for (let k = 0; k < words; k++) {
          const kind = ops[k] >>> 30;
          const count = ops[k] & 0x3fffffff;
          if (kind === 0 && count >= 4) {
            out[w++] = 2;
            out[w++] = count - 2;
            continue;
          }
          out[w++] = ops[k];
          for (let extra = kind === 1 ? 1 : kind === 2 ? count : 0; extra > 0; extra--) out[w++] = ops[++k];
        }
        return w;
      };
      const encoder = new FrameDeltaEncoder(splitSkips);
      const px = new Uint32Array(64 * 32).fill(0xff203040);
      const sent = new Map<number, { message: Buffer; pixels: Buffer }>();
      const frame = (n: number) => {
        px[(n * 7) % px.length] = 0xffffffff;
        px[(n * 13 + 5) % px.length] = 0xff000000 + n;
        const pixels = Buffer.from(new Uint8Array(px.buffer).slice());
        const bytes = Buffer.from(encoder.encode(rawFrame({ width: 64, height: 32, frame: n, pixels })));
        sent.set(n, { message: bytes.subarray(4), pixels });
        return bytes;
      };
      const acks = () => new Promise<void>((resolve) => runner.once('data', () => resolve()));
      for (let n = 1; n <= 5; n++) {
        const acked = acks();
        runner.write(frame(n));
        await acked;
      }
      const b = page(own.port, origin, token); // joins now: it has no frame, so the next one is encoded for it
      const resB = await b.opened;
      await expect.poll(() => a.got.length, { timeout: 10_000 }).toBe(5);
      let acked = acks();
      runner.write(frame(6));
      await acked;
      await expect.poll(() => b.got.length, { timeout: 10_000 }).toBe(1);
      for (let n = 7; n <= 8; n++) {
        acked = acks();
        runner.write(frame(n));
        await acked;
      }
      // Two frames in one read: only the newest goes on, as a change to frame 8 (which both pages have), encoded.
      acked = acks();
      runner.write(Buffer.concat([frame(9), frame(10)]));
      await acked;
      acked = acks();
      runner.write(frame(11));
      await acked;
      await expect.poll(() => a.got.length, { timeout: 10_000 }).toBe(10);
      await expect.poll(() => b.got.length, { timeout: 10_000 }).toBe(5);
      runner.destroy();
      resA.destroy();
      resB.destroy();

      for (const p of [a, b]) for (const g of p.got) expect(g.pixels.equals(sent.get(g.frame)!.pixels)).toBe(true);
      expect(a.got.map((g) => g.frame)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 11]);
      expect(b.got.map((g) => g.frame)).toEqual([6, 7, 8, 10, 11]);
      // As they came: every frame a page had the one before of, byte for byte the runner's message.
      const asCame = (p: typeof a, n: number) => p.got.find((g) => g.frame === n)!.bytes.equals(sent.get(n)!.message);
      for (const n of [1, 2, 3, 4, 5, 6, 7, 8, 11]) expect(asCame(a, n)).toBe(true);
      for (const n of [7, 8, 11]) expect(asCame(b, n)).toBe(true);
      // Encoded here: B's first (it had nothing: ops with no reference, which B's fresh decoder read), and frame 10
      // for both (they missed 9).
      expect(asCame(b, 6)).toBe(false);
      expect(asCame(a, 10)).toBe(false);
      expect(asCame(b, 10)).toBe(false);
    } finally {
      await own.close();
    }
  }, 60_000);
});
