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
import { encodeFrameOps, FRAME_DELTA_MAGIC } from '../shared/frame-codec';
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
  const pictures: Uint8Array[] = [];
  api.onFrame((f) => {
    frames.push(f.frame);
    pictures.push(f.pixels);
  });
  let ports = 0;
  return {
    frames,
    pictures,
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
    const sink = portFrameSink(2, encodeFrameOps);
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
    expect(portFrameSink(6, encodeFrameOps).write(frame(1), false)).toBe(false);
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
    const sink = portFrameSink(6, encodeFrameOps);
    standby.ports.forEach((p) => sink.add(p));
    sink.write(frame(9), false);
    await settle();
    expect(b.frames).toEqual([9]);
    expect(a.frames).toEqual([]);
  });

  it('sends each window the changes to its last frame, and a window that cannot decode one gets the next whole', async () => {
    const wiring = windowFrames(newChannel);
    const window = fakeWindow();
    wiring.windowReady(window);
    const runner = fakeRunner();
    wiring.runnerStarted(runner);
    const sent: number[] = [];
    const port = runner.ports[0];
    const post = port.postMessage.bind(port);
    port.postMessage = (m: unknown) => {
      sent.push((m as Uint8Array).byteLength);
      post(m);
    };
    const sink = portFrameSink(6, encodeFrameOps);
    sink.add(port);
    // 320x180, a flat background with a square moving 3 px a frame (pong's kind of picture)
    const picture = (t: number) => {
      const px = new Uint32Array(320 * 180).fill(0xff302010);
      for (let y = 40; y < 60; y++) for (let x = 3 * t; x < 3 * t + 20; x++) px[y * 320 + x] = 0xffffffff;
      return new Uint8Array(px.buffer);
    };
    for (let t = 1; t <= 4; t++) {
      sink.write({ frame: t, width: 320, height: 180, pixels: picture(t) }, false);
      await settle();
    }
    expect(window.frames).toEqual([1, 2, 3, 4]);
    window.pictures.forEach((p, i) => expect(Buffer.from(p).equals(Buffer.from(picture(i + 1)))).toBe(true));
    expect(Math.max(...sent.slice(1))).toBeLessThan(1000); // of 230,416 bytes a whole frame takes
    // A message the window cannot decode (a change to a frame it never had): it asks for the next one whole, which
    // then needs nothing before it (without the reset it would be a change to frame 4, which the window dropped).
    const bad = new DataView(new ArrayBuffer(24)); // 'KFRD', 1x1, frame 99, no sounds, one op: SKIP 1 (of a 320x180 frame)
    bad.setUint32(0, FRAME_DELTA_MAGIC, true);
    bad.setUint16(4, 1, true);
    bad.setUint16(6, 1, true);
    bad.setUint32(8, 99, true);
    bad.setUint32(16, 1, true);
    bad.setUint32(20, 1, true);
    port.postMessage(new Uint8Array(bad.buffer));
    await settle();
    sink.write({ frame: 5, width: 320, height: 180, pixels: picture(5) }, false);
    await settle();
    expect(window.frames).toEqual([1, 2, 3, 4, 5]);
    expect(Buffer.from(window.pictures[4]).equals(Buffer.from(picture(5)))).toBe(true);
  });
});
