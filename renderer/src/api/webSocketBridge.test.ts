import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { encodeFrameHeader, type ReloadStatus } from '../../../electron/shared/contract';
import { createWebSocketBridge } from './webSocketBridge';

/** A stand-in for the browser WebSocket: records what the bridge sends, lets the test play the server. */
class FakeSocket {
  static OPEN = 1;
  static all: FakeSocket[] = [];
  readyState = 0;
  binaryType = 'blob';
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onclose: (() => void) | null = null;
  onmessage: ((e: { data: unknown }) => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(text: string) {
    this.sent.push(text);
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  drop() {
    this.readyState = 3;
    this.onclose?.();
  }
  reply(msg: unknown) {
    this.onmessage?.({ data: typeof msg === 'string' || msg instanceof ArrayBuffer ? msg : JSON.stringify(msg) });
  }
}

beforeEach(() => {
  FakeSocket.all = [];
  vi.useFakeTimers();
  vi.stubGlobal('WebSocket', FakeSocket);
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

describe('web socket bridge', () => {
  it('sends requests queued before the socket opens and resolves them by id', async () => {
    const bridge = createWebSocketBridge('ws://test/ws');
    const ws = FakeSocket.all[0];
    expect(ws.binaryType).toBe('arraybuffer');
    const pending = bridge.api.invoke('file.read', { path: 'pong.c' });
    expect(ws.sent).toHaveLength(0);
    ws.open();
    const sent = JSON.parse(ws.sent[0]);
    expect(sent).toMatchObject({ method: 'file.read', params: { path: 'pong.c' } });
    ws.reply({ id: sent.id, ok: true, result: { path: 'pong.c', content: 'x' } });
    await expect(pending).resolves.toEqual({ path: 'pong.c', content: 'x' });
    expect(bridge.connection()).toBe('connected');
  });

  it('rejects with the server error message', async () => {
    const bridge = createWebSocketBridge('ws://test/ws');
    const ws = FakeSocket.all[0];
    ws.open();
    const pending = bridge.api.invoke('file.read', { path: '../etc/passwd' });
    ws.reply({ id: JSON.parse(ws.sent[0]).id, ok: false, error: 'path escapes the project' });
    await expect(pending).rejects.toThrow('path escapes the project');
  });

  it('dispatches events to listeners of that event only', () => {
    const bridge = createWebSocketBridge('ws://test/ws');
    const ws = FakeSocket.all[0];
    ws.open();
    const statuses: ReloadStatus[] = [];
    const runner = vi.fn();
    bridge.api.on('status', (s) => statuses.push(s));
    const off = bridge.api.on('runner', runner);
    off();
    ws.reply({ event: 'status', payload: { state: 'building', message: 'compiling' } });
    ws.reply({ event: 'runner', payload: { state: 'running', restarts: 0, message: '' } });
    expect(statuses).toEqual([{ state: 'building', message: 'compiling' }]);
    expect(runner).not.toHaveBeenCalled();
  });

  it('decodes binary frames', () => {
    const bridge = createWebSocketBridge('ws://test/ws');
    const ws = FakeSocket.all[0];
    ws.open();
    const frames: { width: number; height: number; frame: number; first: number }[] = [];
    bridge.api.onFrame((f) => frames.push({ width: f.width, height: f.height, frame: f.frame, first: f.pixels[0] }));
    const data = new Uint8Array(16 + 2 * 1 * 4);
    data.set(encodeFrameHeader(2, 1, 7));
    data[16] = 200;
    ws.reply(data.buffer);
    ws.reply(new ArrayBuffer(3)); // not a frame: ignored
    expect(frames).toEqual([{ width: 2, height: 1, frame: 7, first: 200 }]);
  });

  it('reports a drop, fails what was in flight, and reconnects with backoff', async () => {
    const bridge = createWebSocketBridge('ws://test/ws');
    const states: string[] = [];
    bridge.onConnection((s) => states.push(s));
    FakeSocket.all[0].open();
    const inFlight = bridge.api.invoke('status.get', {});
    FakeSocket.all[0].drop();
    await expect(inFlight).rejects.toThrow(/disconnected/);
    expect(bridge.connection()).toBe('disconnected');
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(300);
    expect(FakeSocket.all).toHaveLength(2);
    FakeSocket.all[1].open();
    expect(states).toEqual(['connected', 'disconnected', 'connected']);
  });
});
