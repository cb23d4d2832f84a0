/**
 * The frame relay's thread: frames go from the runner to the page without waiting on the back end's event loop
 * (which is busy spawning compilers and answering requests during a reload). The runner writes each frame to a
 * Unix socket as [u32 length][16-byte frame header][RGBA pixels][sounds]; this thread sends it on to every page's frame
 * WebSocket (dropped, never queued, for a page that falls behind) and answers each frame with one ack byte, the
 * runner's flow control. The WebSocket has the editor server's checks: Host, Origin, token cookie.
 */
import http from 'node:http';
import net from 'node:net';
import { parentPort, workerData } from 'node:worker_threads';
import { WebSocketServer, type WebSocket } from 'ws';
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
const clients = new Set<WebSocket>();
const post = (msg: RelayToMain) => parentPort!.postMessage(msg);

parentPort!.on('message', (msg: MainToRelay) => {
  if (msg.type === 'allow-origins') origins = new Set(msg.origins);
  else if (msg.type === 'close') {
    for (const ws of clients) ws.terminate();
    wss.close();
    runners.close();
    server.close(() => process.exit(0));
  }
});

const server = http.createServer((_req, res) => {
  res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
  res.end('Kiln: this port serves game frames to the editor only\n');
});
const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
server.on('upgrade', (req, socket, head) => {
  const reject = (code: number, why: string) => {
    console.warn(`kiln web: frame relay refused ${req.url?.split('?')[0]} with ${code} (${why}), Origin ${req.headers.origin ?? '-'}`);
    socket.end(`HTTP/1.1 ${code} ${why}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nKiln: ${why}\n`);
  };
  const host = req.headers.host ?? '';
  if (host !== `127.0.0.1:${port}` && host !== `localhost:${port}`) return reject(421, 'wrong Host header');
  if ((req.url ?? '').split('?')[0] !== FRAME_RELAY_PATH) return reject(404, 'not found');
  if (!origins.has(req.headers.origin ?? '')) return reject(403, 'cross-origin WebSocket refused');
  if (!tokenMatches(token, cookieToken(req))) return reject(cookieToken(req) === undefined ? 401 : 403, 'missing or wrong token');
  wss.handleUpgrade(req, socket, head, (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    ws.on('error', () => clients.delete(ws));
    ws.on('message', () => undefined); // the page never talks here: requests go to the editor server
  });
});

function broadcast(frame: Buffer): void {
  const keep = frameHasSounds(frame); // its sounds must not vanish with its pixels
  for (const ws of clients) {
    if (ws.readyState !== ws.OPEN || (ws.bufferedAmount > maxBufferedBytes && !keep)) continue; // drop, never queue
    ws.send(frame, { binary: true });
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
        frame = Buffer.allocUnsafe(length);
        filled = 0;
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
