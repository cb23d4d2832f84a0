/** `kiln export --web --serve`: the export folder on 127.0.0.1, to try it in a browser (which will not run WebAssembly from file://). */
import { promises as fs } from 'node:fs';
import http from 'node:http';
import path from 'node:path';

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript',
  '.wasm': 'application/wasm', // WebAssembly.instantiateStreaming and some browsers insist on it
  '.png': 'image/png',
  '.json': 'application/json',
  '.wav': 'audio/wav',
  '.ogg': 'audio/ogg',
};

export interface StaticServer {
  url: string;
  close(): Promise<void>;
}

/** Serves `dir` read-only on 127.0.0.1 (port 0: any free one); nothing outside `dir` is reachable. */
export function serveFolder(dir: string, port = 0): Promise<StaticServer> {
  const root = path.resolve(dir);
  const server = http.createServer(async (req, res) => {
    const rel = decodeURIComponent(new URL(req.url ?? '/', 'http://127.0.0.1').pathname).replace(/^\/+/, '') || 'index.html';
    const file = path.resolve(root, rel);
    const body = file.startsWith(root + path.sep) ? await fs.readFile(file).catch(() => null) : null;
    res.writeHead(body ? 200 : 404, { 'content-type': body ? (TYPES[path.extname(file)] ?? 'application/octet-stream') : 'text/plain' });
    res.end(body ?? 'not found');
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: bound } = server.address() as { port: number };
      // a browser's keep-alive connections would hold close() open as long as its page stays
      const close = () => new Promise<void>((done) => (server.close(() => done()), server.closeAllConnections()));
      resolve({ url: `http://127.0.0.1:${bound}/`, close });
    });
  });
}
