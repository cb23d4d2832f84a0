/**
 * Hostile input at both transports: the WebSocket of the web shell and the dispatch that Electron's
 * ipcMain handler calls. Every malformed or oversized message gets a clear refusal; the back end keeps
 * serving and nothing is written outside the project.
 */
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { KilnBackend } from '../core/backend';
import { closeTestBackends, copyExample, openTestBackend, testPaths } from '../core/test-support';
import { requestMethods, type ServerMessage } from '../shared/contract';
import { startWebShell, type WebShell } from './server';

let outside: string;
let backend: KilnBackend;
let shell: WebShell;

beforeAll(async () => {
  // The project sits alone in a folder of its own, so anything written outside it would show.
  outside = mkdtempSync(path.join(os.tmpdir(), 'kiln-fuzz-outside-'));
  const dir = path.join(outside, 'project');
  renameSync(copyExample('pong', 'kiln-fuzz-'), dir);
  ({ backend } = await openTestBackend(dir));
  shell = await startWebShell({ backend, rendererDir: testPaths.rendererDir });
});

afterAll(async () => {
  await shell?.close();
  await closeTestBackends();
  rmSync(outside, { recursive: true, force: true });
});

/** Deterministic generator of nasty values (mulberry32), so a failure can be replayed. */
function rng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NASTY_STRINGS = ['', '../../../etc/passwd', '/etc/passwd', 'C:\\\\Windows\\\\win.ini', 'pong.c\u0000.txt', '.kiln/state/pong.state', '..', '.', 'a'.repeat(5000), '%2e%2e/%2e%2e/x.c', '\u202e\u0000\uffff', 'kiln.json', 'x/../../y.c', '__proto__', 'constructor'];

function nastyValue(r: () => number, depth = 0): unknown {
  const pick = Math.floor(r() * 10);
  switch (pick) {
    case 0: return NASTY_STRINGS[Math.floor(r() * NASTY_STRINGS.length)];
    case 1: return Math.floor(r() * 2 ** 40) * (r() < 0.5 ? -1 : 1);
    case 2: return r() < 0.5 ? null : r() < 0.5;
    case 3: return depth > 3 ? {} : { path: nastyValue(r, depth + 1), content: nastyValue(r, depth + 1), extra: nastyValue(r, depth + 1) };
    case 4: return depth > 3 ? [] : [nastyValue(r, depth + 1), nastyValue(r, depth + 1)];
    case 5: return { key: Math.floor(r() * 2000) - 500, down: nastyValue(r, depth + 1) };
    case 6: return { action: NASTY_STRINGS[Math.floor(r() * NASTY_STRINGS.length)] };
    case 7: return { __proto__: { polluted: true }, path: 'pong.c' };
    case 8: return 1.5e308;
    default: return { name: nastyValue(r, depth + 1) };
  }
}

function nastyMessage(r: () => number): string {
  const kind = Math.floor(r() * 6);
  const method = r() < 0.7 ? requestMethods[Math.floor(r() * requestMethods.length)] : NASTY_STRINGS[Math.floor(r() * NASTY_STRINGS.length)];
  switch (kind) {
    case 0: return '{"id": 1, "method": ';
    case 1: return JSON.stringify(nastyValue(r));
    case 2: return JSON.stringify({ id: 'one', method, params: nastyValue(r) });
    case 3: return JSON.stringify({ id: 7, method, params: nastyValue(r), extra: true });
    default: return JSON.stringify({ id: 7, method, params: nastyValue(r) });
  }
}

function open(): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`ws://127.0.0.1:${shell.port}/ws`, { headers: { origin: `http://127.0.0.1:${shell.port}`, cookie: `kiln_token=${shell.token}` } });
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

function nextReply(ws: WebSocket): Promise<ServerMessage> {
  return new Promise((resolve) => {
    const on = (data: WebSocket.RawData, binary: boolean) => {
      if (binary) return;
      const msg = JSON.parse(data.toString()) as ServerMessage;
      if ('event' in msg) return;
      ws.off('message', on);
      resolve(msg);
    };
    ws.on('message', on);
  });
}

function filesOutside(): string[] {
  return readdirSync(outside).filter((f) => f !== 'project');
}

describe('fuzzing the WebSocket transport', () => {
  it('answers 300 malformed messages, one by one, with a reason and keeps serving', async () => {
    const r = rng(20261121);
    const ws = await open();
    let refused = 0;
    for (let i = 0; i < 300; i++) {
      const text = nastyMessage(r);
      const reply = nextReply(ws);
      ws.send(text);
      const msg = await reply;
      expect('ok' in msg).toBe(true);
      if ('ok' in msg && !msg.ok) {
        refused++;
        expect(msg.error.length).toBeGreaterThan(5);
        expect(msg.error).not.toMatch(/^internal error/);
      }
    }
    expect(refused).toBeGreaterThan(250);
    const alive = nextReply(ws);
    ws.send(JSON.stringify({ id: 99, method: 'project.get', params: {} }));
    expect(await alive).toMatchObject({ id: 99, ok: true });
    ws.close();
    expect(filesOutside()).toEqual([]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('closes a socket that sends an oversized message, and serves the next one', async () => {
    const ws = await open();
    const closed = new Promise<number>((resolve) => ws.once('close', (code) => resolve(code)));
    ws.send(JSON.stringify({ id: 1, method: 'file.save', params: { path: 'pong.c', content: 'x'.repeat(9 * 1024 * 1024) } }));
    expect(await closed).toBe(1009); // message too big
    const again = await open();
    const reply = nextReply(again);
    again.send(JSON.stringify({ id: 2, method: 'file.save', params: { path: 'pong.c', content: 'x'.repeat(5 * 1024 * 1024) } }));
    expect(await reply).toMatchObject({ id: 2, ok: false, error: expect.stringMatching(/over 4 MiB/) });
    again.close();
  });
});

describe('fuzzing the dispatch behind Electron IPC', () => {
  it('refuses every malformed call with a reason and never throws', async () => {
    const r = rng(7);
    for (let i = 0; i < 300; i++) {
      const method = r() < 0.7 ? requestMethods[Math.floor(r() * requestMethods.length)] : nastyValue(r);
      const reply = await backend.dispatch(method, nastyValue(r));
      if (!reply.ok) {
        expect(reply.error.length).toBeGreaterThan(5);
        expect(reply.error).not.toMatch(/^internal error/);
      }
    }
    expect(await backend.dispatch('project.get', {})).toMatchObject({ ok: true });
    expect(filesOutside()).toEqual([]);
  });
});
