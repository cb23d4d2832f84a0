/** The web shell with a real back end, runner and compiler: who gets in, and what a request may do. */
import { readFileSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KilnBackend } from '../core/backend';
import { closeTestBackends, copyExample, openTestBackend, testPaths } from '../core/test-support';
import { decodeFrame, type ServerMessage } from '../shared/contract';
import { startWebShell, type WebShell } from './server';

let backend: KilnBackend;
let shell: WebShell;
let dir: string;

beforeAll(async () => {
  ({ backend, dir } = await openTestBackend(copyExample('pong', 'kiln-web-')));
  shell = await startWebShell({ backend, rendererDir: testPaths.rendererDir });
});

afterAll(async () => {
  await shell?.close();
  await closeTestBackends();
});

function get(pathname: string, headers: Record<string, string> = {}): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: '127.0.0.1', port: shell.port, path: pathname, headers: { host: `127.0.0.1:${shell.port}`, ...headers } }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
  });
}

function connect(headers: Record<string, string>): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws`, { headers });
    ws.once('open', () => resolve(ws));
    ws.once('unexpected-response', (_req, res) => reject(new Error(`refused with ${res.statusCode}`)));
    ws.once('error', reject);
  });
}

const goodHeaders = () => ({ origin: `http://127.0.0.1:${shell.port}`, cookie: `kiln_token=${shell.token}` });

function call(ws: WebSocket, id: number, method: string, params: unknown): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const onMessage = (data: WebSocket.RawData, binary: boolean) => {
      if (binary) return;
      const msg = JSON.parse(data.toString()) as ServerMessage;
      if ('id' in msg && msg.id === id) {
        ws.off('message', onMessage);
        resolve(msg);
      }
    };
    ws.on('message', onMessage);
    ws.send(JSON.stringify({ id, method, params }));
  });
}

describe('web shell: the door', () => {
  it('refuses a request without the token, and says what to do', async () => {
    const res = await get('/');
    expect(res.status).toBe(401);
    expect(res.body).toMatch(/Kiln editor: <url>/);
    expect((await get('/?token=wrong')).status).toBe(403);
  });

  it('trades the token in the URL for an HttpOnly cookie', async () => {
    const res = await get(`/?token=${shell.token}`);
    expect(res.status).toBe(303);
    expect(String(res.headers['set-cookie'])).toMatch(/kiln_token=.*HttpOnly; SameSite=Strict/);
    const page = await get('/', { cookie: `kiln_token=${shell.token}` });
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toMatch(/default-src 'self'/);
  });

  it('refuses a foreign Host header (DNS rebinding)', async () => {
    expect((await get(`/?token=${shell.token}`, { host: 'evil.example:80' })).status).toBe(421);
  });

  it('refuses a WebSocket from another origin or without the token', async () => {
    await expect(connect({ origin: 'http://evil.example', cookie: `kiln_token=${shell.token}` })).rejects.toThrow(/403/);
    await expect(connect({ origin: `http://127.0.0.1:${shell.port}` })).rejects.toThrow(/401/);
    await expect(connect({ origin: `http://127.0.0.1:${shell.port}`, cookie: 'kiln_token=wrong' })).rejects.toThrow(/403/);
  });
});

describe('web shell: requests', () => {
  it('answers bad requests with a reason and keeps the connection', async () => {
    const ws = await connect(goodHeaders());
    expect(await call(ws, 1, 'no.such.method', {})).toMatchObject({ ok: false, error: expect.stringMatching(/unknown request/) });
    expect(await call(ws, 2, 'file.read', { path: 42 })).toMatchObject({ ok: false, error: expect.stringMatching(/bad file.read request: path/) });
    expect(await call(ws, 3, 'file.save', { path: '../../etc/evil.c', content: 'x' })).toMatchObject({ ok: false, error: expect.stringMatching(/outside the project/) });
    expect(await call(ws, 4, 'file.read', { path: 'pong.c' })).toMatchObject({ ok: true });
    ws.close();
  });

  it('streams binary frames of the running game', async () => {
    const ws = await connect(goodHeaders());
    const frame = await new Promise<ReturnType<typeof decodeFrame>>((resolve) => {
      ws.on('message', (data, binary) => {
        if (binary) resolve(decodeFrame(new Uint8Array(data as Buffer)));
      });
    });
    expect(frame).toMatchObject({ width: 320, height: 180 });
    ws.close();
  });

  it('saves, rebuilds and reloads: the reload event says version 2 with timings', async () => {
    const ws = await connect(goodHeaders());
    const reload = new Promise<ServerMessage>((resolve) => {
      ws.on('message', (data, binary) => {
        if (binary) return;
        const msg = JSON.parse(data.toString()) as ServerMessage;
        if ('event' in msg && msg.event === 'reload') resolve(msg);
      });
    });
    const source = readFileSync(path.join(dir, 'pong.c'), 'utf8').replace(/#define BALL_COLOR \S+/, '#define BALL_COLOR 0x00FF00FF');
    expect(await call(ws, 1, 'file.save', { path: 'pong.c', content: source })).toMatchObject({ ok: true, result: { rebuilding: ['pong'] } });
    const event = (await reload) as { payload: { version: number; outcome: string; timings: { compileMs: number; firstFrameMs: number } } };
    expect(event.payload).toMatchObject({ version: 2, outcome: 'ok' });
    expect(event.payload.timings.compileMs).toBeGreaterThan(0);
    expect(event.payload.timings.firstFrameMs).toBeGreaterThan(0);
    ws.close();
  });
});
