/**
 * The web shell: the back end served on 127.0.0.1 only. A random token is required on every HTTP
 * request and on the WebSocket (query string once, then an HttpOnly cookie), the Host and Origin are
 * checked, and frames go out as binary WebSocket messages, dropped for a client that falls behind.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { WebSocketServer, type WebSocket } from 'ws';
import { z } from 'zod';
import {
  encodeFrameParts,
  eventNames,
  requestMethods,
  type Frame,
  type ServerMessage,
} from '../shared/contract';
import type { KilnBackend } from '../core/backend';
import type { ProjectHost } from '../core/project-host';
import { cookieToken, TOKEN_COOKIE, tokenMatches } from './auth';
import type { FrameRelay } from './frame-relay';

const COOKIE = TOKEN_COOKIE;
/** A client with more than this much unsent data gets no new frames until it catches up. */
export const MAX_BUFFERED_BYTES = 1 << 20;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ttf': 'font/ttf',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.map': 'application/json',
};

/** The page's policy; `framePort` allows the frame relay's WebSocket. */
const csp = (framePort?: number) => [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "worker-src 'self' blob:",
  framePort ? `connect-src 'self' http://127.0.0.1:${framePort} http://localhost:${framePort}` : "connect-src 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'none'",
].join('; ');

const clientMessage = z.object({
  id: z.number().int().nonnegative(),
  method: z.string(),
  params: z.unknown().optional(),
});

export interface WebShellOptions {
  /** What answers requests and speaks events: a ProjectHost (the app), or one KilnBackend (tests). */
  backend: ProjectHost | KilnBackend;
  rendererDir: string;
  port?: number;
  token?: string;
  /** Frames go runner → relay thread → page (no wait on this loop); the pages learn its port from index.html. */
  frames?: FrameRelay;
}

export interface WebShell {
  url: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

export async function startWebShell(options: WebShellOptions): Promise<WebShell> {
  const { backend, rendererDir } = options;
  const token = options.token ?? randomBytes(24).toString('base64url');
  let port = 0;
  const allowedHosts = () => new Set([`127.0.0.1:${port}`, `localhost:${port}`]);

  const tokenOk = (candidate: string | undefined | null) => tokenMatches(token, candidate);
  const authorised = (req: http.IncomingMessage, url: URL) => tokenOk(url.searchParams.get('token')) || tokenOk(cookieToken(req));
  /** 401 when no token came at all, 403 when a wrong one did. */
  const refusalCode = (req: http.IncomingMessage, url: URL) => (url.searchParams.has('token') || cookieToken(req) !== undefined ? 403 : 401);

  /** Every refusal leaves a line on stderr (never the token): someone knocking is worth knowing about. */
  const logRefusal = (req: http.IncomingMessage, code: number, why: string) => {
    const where = (req.url ?? '/').split('?')[0];
    console.warn(`kiln web: refused ${req.method} ${where} with ${code} (${why}) from ${req.socket.remoteAddress}, Origin ${req.headers.origin ?? '-'}, Host ${req.headers.host ?? '-'}`);
  };

  const server = http.createServer(async (req, res) => {
    const refuse = (code: number, why: string) => {
      if (code !== 404) logRefusal(req, code, why);
      res.writeHead(code, { 'content-type': 'text/plain; charset=utf-8' });
      res.end(`Kiln: ${why}\n`);
    };
    if (!allowedHosts().has(req.headers.host ?? '')) return refuse(421, 'wrong Host header — open the URL the server printed');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (!authorised(req, url)) {
      return refuse(refusalCode(req, url), 'missing or wrong token — open the exact URL printed as "Kiln editor: <url>"');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return refuse(405, `${req.method} is not allowed`);
    if (url.searchParams.has('token')) {
      // Trade the token in the URL for a cookie, then drop it from the address bar.
      res.writeHead(303, {
        'set-cookie': `${COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        location: '/',
        'cache-control': 'no-store',
      });
      return res.end();
    }
    const rel = decodeURIComponent(url.pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(rendererDir, rel);
    if (!file.startsWith(rendererDir + path.sep)) return refuse(404, 'not found');
    try {
      const stat = await fs.stat(file);
      if (!stat.isFile()) return refuse(404, 'not found');
      const headers = {
        'content-type': CONTENT_TYPES[path.extname(file)] ?? 'application/octet-stream',
        'content-security-policy': csp(options.frames?.port),
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-cache',
      };
      if (options.frames && rel === 'index.html') {
        // The page's frame stream: the relay's port, told in a meta tag the bridge reads, and allowed by index.html's
        // own policy too (a meta policy and the header's both apply: a fetch must pass each).
        const port = options.frames.port;
        const html = (await fs.readFile(file, 'utf8'))
          .replace("connect-src 'self'", `connect-src 'self' http://127.0.0.1:${port} http://localhost:${port}`)
          .replace('</head>', `<meta name="kiln-frames" content="${port}"></head>`);
        res.writeHead(200, { ...headers, 'content-length': Buffer.byteLength(html) });
        return res.end(req.method === 'HEAD' ? undefined : html);
      }
      res.writeHead(200, {
        ...headers,
        'content-length': stat.size,
      });
      if (req.method === 'HEAD') return res.end();
      createReadStream(file).pipe(res);
    } catch {
      refuse(404, rel === 'index.html' ? `the editor is not built (${file} missing) — run: npm run build:renderer` : 'not found');
    }
  });

  const wss = new WebSocketServer({ noServer: true, maxPayload: 8 * 1024 * 1024 });
  server.on('upgrade', (req, socket, head) => {
    const reject = (code: number, why: string) => {
      logRefusal(req, code, why);
      socket.end(`HTTP/1.1 ${code} ${why}\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\nKiln: ${why}\n`);
    };
    if (!allowedHosts().has(req.headers.host ?? '')) return reject(421, 'wrong Host header');
    const url = new URL(req.url ?? '/', `http://${req.headers.host}`);
    if (url.pathname !== '/ws') return reject(404, 'not found');
    const origin = req.headers.origin;
    if (origin !== `http://127.0.0.1:${port}` && origin !== `http://localhost:${port}`) return reject(403, 'cross-origin WebSocket refused');
    if (!authorised(req, url)) return reject(refusalCode(req, url), 'missing or wrong token');
    wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req));
  });

  const clients = new Set<WebSocket>();
  const sendJson = (ws: WebSocket, msg: ServerMessage) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(msg));
  };

  wss.on('connection', (ws) => {
    clients.add(ws);
    ws.on('close', () => clients.delete(ws));
    // e.g. a message over maxPayload: ws closes that socket (1009); say so and keep serving the rest.
    ws.on('error', (err) => console.warn(`kiln web: closed a WebSocket: ${err.message}`));
    ws.on('message', async (data, isBinary) => {
      if (isBinary) return sendJson(ws, { id: 0, ok: false, error: 'binary requests are not accepted' });
      let message: unknown;
      try {
        message = JSON.parse(data.toString());
      } catch {
        return sendJson(ws, { id: 0, ok: false, error: 'malformed request: not JSON' });
      }
      const parsed = clientMessage.safeParse(message);
      if (!parsed.success) {
        const id = typeof (message as { id?: unknown })?.id === 'number' ? (message as { id: number }).id : 0;
        return sendJson(ws, { id, ok: false, error: `malformed request: expected {id, method, params}; methods: ${requestMethods.join(', ')}` });
      }
      const reply = await backend.dispatch(parsed.data.method, parsed.data.params);
      sendJson(ws, { id: parsed.data.id, ...reply });
    });
  });

  for (const event of eventNames) {
    (backend as KilnBackend).on(event, (payload: unknown) => {
      for (const ws of clients) sendJson(ws, { event, payload });
    });
  }
  (backend as KilnBackend).on('frame', (frame: Frame) => {
    const bytes = Buffer.concat(encodeFrameParts(frame));
    const keep = !!frame.sounds?.length; // its sounds must not vanish with its pixels
    for (const ws of clients) {
      if (ws.readyState !== ws.OPEN || (ws.bufferedAmount > MAX_BUFFERED_BYTES && !keep)) continue; // drop, never queue
      ws.send(bytes, { binary: true });
    }
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  options.frames?.allowOrigins([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);

  return {
    url: `http://127.0.0.1:${port}/?token=${token}`,
    port,
    token,
    close: async () => {
      for (const ws of clients) ws.terminate();
      wss.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
