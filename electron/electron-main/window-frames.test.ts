/**
 * Frames from the runner to the window over MessagePorts, without the main process (issue 16). No Electron binary
 * here: real MessagePorts from node:worker_threads stand in for MessageChannelMain's (same structured clone, same
 * asynchronous delivery), shaped like Electron's MessagePortMain on the runner's side and like the DOM's in the page.
 */
import type { MessagePortMain } from 'electron';
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { afterEach, describe, expect, it } from 'vitest';
import { ipcChannels, type Frame } from '../shared/contract';
import { portFrameSink, type FramePortMain } from '../runner/port-frame-sink';
import { createKilnApi, type FramePortLike, type IpcLike } from './preload-api';
import { windowFrames } from './window-frames';

const open: MessagePort[] = [];
afterEach(() => open.splice(0).forEach((p) => p.close()));

/** Node's port as Electron's MessagePortMain: 'message' events carry { data }. */
function asMain(port: MessagePort): MessagePortMain {
  const main = {
    postMessage: (m: unknown) => port.postMessage(m),
    on(event: string, listener: (e?: unknown) => void) {
      if (event === 'message') port.on('message', (data) => listener({ data }));
      else port.on(event, listener);
      return main;
    },
    start: () => port.start(),
    close: () => port.close(),
  };
  return main as unknown as MessagePortMain;
}

function newChannel() {
  const { port1, port2 } = new MessageChannel();
  open.push(port1, port2);
  return { port1: asMain(port1), port2: port2 as unknown as MessagePortMain };
}

const ipc = { invoke: async () => ({ ok: true }), on: () => ipc, removeListener: () => ipc } as unknown as IpcLike;
const frame = (n: number): Frame => ({ frame: n, width: 2, height: 1, pixels: new Uint8Array(8).fill(n) });
const settle = () => new Promise((r) => setTimeout(r, 30));

function fakeRunner() {
  const ports: FramePortMain[] = [];
  return { ports, postMessage: (m: unknown, transfer?: MessagePortMain[]) => m && (m as { type: string }).type === 'frame-port' && ports.push(...((transfer ?? []) as unknown as FramePortMain[])) };
}

function fakeWindow() {
  const { api, attachFramePort } = createKilnApi(ipc);
  const frames: number[] = [];
  api.onFrame((f) => frames.push(f.frame));
  let ports = 0;
  return {
    frames,
    ports: () => ports,
    postMessage(channel: string, _m: unknown, transfer?: MessagePortMain[]) {
      expect(channel).toBe(ipcChannels.framePort);
      for (const p of transfer ?? []) {
        ports++;
        attachFramePort(p as unknown as FramePortLike);
      }
    },
  };
}

describe('frames from the runner straight to the window', () => {
  it('a window connected to the runner gets its frames, decoded, and acks them', async () => {
    const wiring = windowFrames(newChannel);
    const window = fakeWindow();
    wiring.windowReady(window);
    const runner = fakeRunner();
    wiring.runnerStarted(runner);
    expect(runner.ports).toHaveLength(1);
    const sink = portFrameSink(2);
    sink.add(runner.ports[0]);
    for (let n = 1; n <= 5; n++) expect(sink.write(frame(n), false)).toBe(true);
    await settle();
    expect(window.frames).toEqual([1, 2]); // two in flight, the rest dropped until the window takes them
    for (let n = 6; n <= 7; n++) sink.write(frame(n), false);
    sink.write(frame(8), true); // a first frame of new code goes whatever the count
    await settle();
    expect(window.frames).toEqual([1, 2, 6, 7, 8]);
  });

  it('with no window the runner is told so (its frames go the other way)', () => {
    expect(portFrameSink(6).write(frame(1), false)).toBe(false);
  });

  it('a standby started later is connected to every window, and a closed window to no new runner', async () => {
    const wiring = windowFrames(newChannel);
    const a = fakeWindow();
    const b = fakeWindow();
    wiring.runnerStarted(fakeRunner());
    const closeA = wiring.windowReady(a);
    wiring.windowReady(b);
    expect([a.ports(), b.ports()]).toEqual([1, 1]);
    closeA.closed();
    const standby = fakeRunner();
    wiring.runnerStarted(standby);
    expect([a.ports(), b.ports()]).toEqual([1, 2]);
    const sink = portFrameSink(6);
    standby.ports.forEach((p) => sink.add(p));
    sink.write(frame(9), false);
    await settle();
    expect(b.frames).toEqual([9]);
    expect(a.frames).toEqual([]);
  });
});
