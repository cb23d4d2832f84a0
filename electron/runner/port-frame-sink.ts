/**
 * Frames straight to the Electron renderer over MessagePorts the main process hands the runner (one per window),
 * so they never wait on the back end's event loop (the main process, busy spawning compilers during a reload).
 * Each port's page answers every frame with one ack message; a window that falls MAX_IN_FLIGHT behind gets fewer
 * frames, never a growing queue. A frame with sounds always goes (they must not vanish). Each port's frames are
 * changes to the last frame sent on it (shared/frame-codec.ts): a few hundred bytes for pong where a whole frame was
 * 230 KB to copy between processes; an ack of FRAME_ACK_RESET (the window could not decode one) sends the next whole.
 */
import { FRAME_ACK_RESET, type Frame } from '../shared/contract';
import { FrameDeltaEncoder, rawFrame, type FrameOps } from '../shared/frame-codec';

/** The part of Electron's MessagePortMain the runner uses (a utilityProcess gets them in its 'message' event's ports). */
export interface FramePortMain {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): unknown;
  on(event: 'close', listener: () => void): unknown;
  start(): void;
  close(): void;
}

export interface PortFrameSink {
  add(port: FramePortMain): void;
  /** false: no window is connected (send the frame the other way). */
  write(frame: Frame, force: boolean): boolean;
  readonly ports: number;
}

export function portFrameSink(maxInFlight: number, ops: FrameOps): PortFrameSink {
  const inFlight = new Map<FramePortMain, number>();
  const encoders = new Map<FramePortMain, FrameDeltaEncoder>();
  return {
    add(port) {
      inFlight.set(port, 0);
      encoders.set(port, new FrameDeltaEncoder(ops));
      port.on('message', (e) => {
        if (!inFlight.has(port)) return;
        inFlight.set(port, Math.max(0, inFlight.get(port)! - 1));
        if (e.data === FRAME_ACK_RESET) encoders.get(port)!.reset();
      });
      port.on('close', () => {
        inFlight.delete(port); // the window closed, or the main process replaced the port
        encoders.delete(port);
      });
      port.start();
    },
    write(frame, force) {
      if (!inFlight.size) return false;
      const keep = force || !!frame.sounds?.length;
      const raw = rawFrame(frame);
      for (const [port, n] of inFlight) {
        if (!keep && n >= maxInFlight) continue;
        port.postMessage(encoders.get(port)!.encode(raw).subarray(4)); // a message has its length: no prefix
        inFlight.set(port, n + 1);
      }
      return true;
    },
    get ports() {
      return inFlight.size;
    },
  };
}
