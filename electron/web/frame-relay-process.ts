/**
 * The frame relay's process: frames go from the runner to the page without waiting on the back end (whose event
 * loop is busy spawning compilers and answering requests during a reload). A process of its own, not a thread of
 * the back end's: each compiler the back end forks stalls every thread of that process (the fork copies its page
 * tables, then each page it writes is copied), so a relay thread ran 30-40 ms late at p99 around reloads
 * (docs/PLATFORM.md, "Frames as changes, and a relay process of its own").
 *
 * The runner writes each frame to a Unix socket as [u32 length][frame], the frame a change to the one before
 * (shared/frame-codec.ts); the relay sends it on to every page's frame stream (dropped, never queued, for a page that
 * falls behind), and answers each frame with one ack byte, the runner's flow control. Pong's 230 KB frames become a
 * few hundred bytes each way. A page that was sent the runner's frame before this one gets the runner's change as it
 * came; one that missed a frame gets a change to what it was last sent, encoded here (0.2-0.3 ms of JavaScript a
 * frame for pong on the 2-core VM, which every frame paid before: docs/BENCHMARK.md, session 34).
 *
 * Pages read frames from one streamed HTTP response (GET /frames: [u32 length][frame] ...) rather than a WebSocket:
 * under automation Chromium copies every WebSocket message, base64, into DevTools events (14 MB/s of them for a
 * 320x180 game before frames were deltas), which slowed a Playwright-driven page's every command to seconds on a
 * busy machine; a streamed body is reported by its length only. The stream has the editor server's checks: Host,
 * Origin, token cookie.
 */
import http from 'node:http';
import net from 'node:net';
import { cookieToken, tokenMatches } from './auth';
import { FRAME_MAGIC } from '../shared/contract';
import { FrameDeltaDecoder, FrameDeltaEncoder, LengthPrefixedReader, type RawFrame } from '../shared/frame-codec';
import { FRAME_RELAY_PATH, type RelayConfig, type RelayToMain, type MainToRelay } from './frame-relay-protocol';

let config: RelayConfig = { socketPath: '', token: '', maxBufferedBytes: 0 };
/** A frame larger than this is a broken writer, not a game (4096 × 4096 RGBA + header + a frame's sounds). */
const MAX_FRAME_BYTES = 4096 * 4096 * 4 + 16 + (1 << 20);

let port = 0;
let origins = new Set<string>();
/** One runner connection's frames, numbered as they arrive. */
interface RunnerStream {
  seq: number;
}

/** Each page's stream: the encoder that knows the last frame that page was sent, and which runner frame that was. */
interface Client {
  encoder: FrameDeltaEncoder;
  last: { stream: RunnerStream; seq: number } | null;
}
const clients = new Map<http.ServerResponse, Client>();
const post = (msg: RelayToMain) => process.send!(msg);

function close(): void {
  for (const res of clients.keys()) res.destroy();
  runners.close();
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 1000).unref();
}

process.on('message', (msg: MainToRelay) => {
  if (msg.type === 'start') start(msg.config);
  else if (msg.type === 'allow-origins') origins = new Set(msg.origins);
  else if (msg.type === 'close') close();
});
process.on('disconnect', close); // the web shell is gone: so are its pages

const server = http.createServer((req, res) => {
  const refuse = (code: number, why: string) => {
    console.warn(`kiln web: frame relay refused ${req.url?.split('?')[0]} with ${code} (${why}), Origin ${req.headers.origin ?? '-'}`);
    res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' });
    res.end(`Kiln: ${why}\n`);
  };
  const host = req.headers.host ?? '';
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return refuse(421, 'wrong Host header');
  if ((req.url ?? '').split('?')[0] !== FRAME_RELAY_PATH) return refuse(404, 'this port serves game frames to the editor only');
  if (req.method !== 'GET') return refuse(405, 'frames are read with GET');
  const origin = req.headers.origin ?? '';
  if (!origins.has(origin)) return refuse(403, 'cross-origin frame stream refused');
  if (!tokenMatches(config.token, cookieToken(req))) return refuse(cookieToken(req) === undefined ? 401 : 403, 'missing or wrong token');
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
  });
  res.flushHeaders();
  clients.set(res, { encoder: new FrameDeltaEncoder(), last: null });
  res.on('close', () => clients.delete(res));
  res.on('error', () => clients.delete(res));
});

/**
 * Sends the runner's frame `seq` (`message` as it came, `frame` decoded) to every page: the message itself to a page
 * that has the frame it changes (or for a whole frame), else a change to what that page was last sent.
 */
function broadcast(stream: RunnerStream, seq: number, message: Uint8Array, frame: RawFrame): void {
  const keep = frame.sounds.length > 0; // its sounds must not vanish with its pixels
  const whole = new DataView(message.buffer, message.byteOffset, message.byteLength).getUint32(0, true) === FRAME_MAGIC;
  let asCame: Buffer | null = null;
  for (const [res, client] of clients) {
    if (res.destroyed || (res.writableLength > config.maxBufferedBytes && !keep)) continue; // drop, never queue
    if (whole || (client.last?.stream === stream && client.last.seq === seq - 1)) {
      if (!asCame) {
        asCame = Buffer.allocUnsafe(4 + message.byteLength);
        asCame.writeUInt32LE(message.byteLength, 0);
        asCame.set(message, 4);
      }
      res.write(asCame);
      client.encoder.adopt(frame);
    } else {
      res.write(client.encoder.encode(frame));
    }
    client.last = { stream, seq };
  }
}

/**
 * One runner's stream: length-prefixed frames (deltas, see frame-sink.ts), reassembled across chunks. Of the frames
 * one read brings, pages get those with sounds and the newest: the others are already late.
 */
const runners = net.createServer((sock) => {
  sock.setNoDelay(true);
  const decoder = new FrameDeltaDecoder(true); // in place: each frame is sent on before the next is decoded
  const messages = new LengthPrefixedReader(MAX_FRAME_BYTES);
  const stream: RunnerStream = { seq: 0 };
  const read = (chunk: Buffer) => {
    let newest: { message: Uint8Array; frame: RawFrame; seq: number } | null = null;
    const got = messages.push(chunk); // throws for a frame no game makes: the runner is dropped below
    for (const message of got) {
      const frame = decoder.decodeRaw(message);
      if (!frame) throw new Error('a frame did not decode');
      stream.seq += 1;
      if (frame.sounds.length) {
        broadcast(stream, stream.seq, message, frame); // its pixels are the newest so far, so the frames before it need not go
        newest = null;
      } else newest = { message, frame, seq: stream.seq };
    }
    if (newest) broadcast(stream, newest.seq, newest.message, newest.frame);
    if (got.length) sock.write(Buffer.alloc(got.length, 1));
  };
  sock.on('data', (chunk: Buffer) => {
    try {
      read(chunk);
    } catch (err) {
      // One runner's bad stream must not end the process every page's frames go through.
      console.warn(`kiln web: frame relay dropped a runner connection: ${(err as Error).message}`);
      sock.destroy();
    }
  });
  sock.on('error', () => undefined); // a runner that dies mid-frame: its replacement connects anew
});

function start(c: RelayConfig): void {
  config = c;
  runners.listen(config.socketPath, () => {
    server.listen(0, '127.0.0.1', () => {
      port = (server.address() as net.AddressInfo).port;
      post({ type: 'ready', port });
    });
  });
}
