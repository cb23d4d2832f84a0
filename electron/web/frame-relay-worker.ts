/**
 * The frame relay's thread: frames go from the runner to the page without waiting on the back end's event loop
 * (which is busy spawning compilers and answering requests during a reload). The runner writes each frame to a
 * Unix socket as [u32 length][16-byte frame header][RGBA pixels][sounds]; this thread sends it on to every page's frame
 * stream (dropped, never queued, for a page that falls behind) and answers each frame with one ack byte, the
 * runner's flow control. Pages read frames from one streamed HTTP response (GET /frames: [u32 length][frame] ...)
 * rather than a WebSocket: under automation Chromium copies every WebSocket message, base64, into DevTools events
 * (14 MB/s of them for a 320x180 game), which slowed a Playwright-driven page's every command to seconds on a busy
 * machine; a streamed body is reported by its length only. The stream has the editor server's checks: Host,
 * Origin, token cookie.
 */
import http from 'node:http';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { cookieToken, tokenMatches } from './auth';
import { frameHasSounds } from '../shared/contract';
import { FRAME_RELAY_PATH, type RelayToMain, type MainToRelay, type RelayWorkerData } from './frame-relay-protocol';

const { socketPath, token, maxBufferedBytes } = workerData as RelayWorkerData;
const ACK = Buffer.from([1]);
const LENGTH_BYTES = 4;
/** A frame larger than this is a broken writer, not a game (4096 × 4096 RGBA + header + a frame's sounds). */
const MAX_FRAME_BYTES = 4096 * 4096 * 4 + 16 + (1 << 20);

let port = 0;
let origins = new Set<string>();
const clients = new Set<http.ServerResponse>();
const post = (msg: RelayToMain) => parentPort!.postMessage(msg);

parentPort!.on('message', (msg: MainToRelay) => {
  if (msg.type === 'allow-origins') origins = new Set(msg.origins);
  else if (msg.type === 'close') {
    for (const res of clients) res.destroy();
    runners.close();
    server.close(() => process.exit(0));
  }
});

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
  if (!tokenMatches(token, cookieToken(req))) return refuse(cookieToken(req) === undefined ? 401 : 403, 'missing or wrong token');
  req.socket.setNoDelay(true);
  res.writeHead(200, {
    'content-type': 'application/octet-stream',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'true',
  });
  res.flushHeaders();
  clients.add(res);
  res.on('close', () => clients.delete(res));
  res.on('error', () => clients.delete(res));
});

/** `framed` is [u32 length][frame], as the page's reader expects. */
function broadcast(framed: Buffer): void {
  const keep = frameHasSounds(framed.subarray(LENGTH_BYTES)); // its sounds must not vanish with its pixels
  for (const res of clients) {
    if (res.destroyed || (res.writableLength > maxBufferedBytes && !keep)) continue; // drop, never queue
    res.write(framed);
  }
}

/** One runner's stream: length-prefixed frames, reassembled across chunks without re-concatenating. */
const runners = net.createServer((sock) => {
  sock.setNoDelay(true);
  let lengthBytes = Buffer.alloc(0);
  let frame: Buffer | null = null;
  let filled = 0;
  sock.on('data', (chunk: Buffer) => {
    let at = 0;
    while (at < chunk.length) {
      if (!frame) {
        const take = Math.min(LENGTH_BYTES - lengthBytes.length, chunk.length - at);
        lengthBytes = Buffer.concat([lengthBytes, chunk.subarray(at, at + take)]);
        at += take;
        if (lengthBytes.length < LENGTH_BYTES) break;
        const length = lengthBytes.readUInt32LE(0);
        lengthBytes = Buffer.alloc(0);
        if (length < 16 || length > MAX_FRAME_BYTES) {
          console.warn(`kiln web: frame relay dropped a runner connection that sent a ${length}-byte frame`);
          sock.destroy();
          return;
        }
        frame = Buffer.allocUnsafe(LENGTH_BYTES + length); // the length stays in front: the page's stream is framed the same way
        frame.writeUInt32LE(length, 0);
        filled = LENGTH_BYTES;
      }
      const take = Math.min(frame.length - filled, chunk.length - at);
      chunk.copy(frame, filled, at, at + take);
      filled += take;
      at += take;
      if (filled === frame.length) {
        broadcast(frame);
        frame = null;
        sock.write(ACK);
      }
    }
  });
  sock.on('error', () => undefined); // a runner that dies mid-frame: its replacement connects anew
});

runners.listen(socketPath, () => {
  server.listen(0, '127.0.0.1', () => {
    port = (server.address() as net.AddressInfo).port;
    post({ type: 'ready', port });
  });
});
