/**
 * Frames straight to the Electron renderer over MessagePorts the main process hands the runner (one per window),
 * so they never wait on the back end's event loop (the main process, busy spawning compilers during a reload).
 * Each port's page answers every frame with one ack message; a window that falls MAX_IN_FLIGHT behind gets fewer
 * frames, never a growing queue. A frame with sounds always goes (they must not vanish).
 */
import { encodeFrameParts, type Frame } from '../shared/contract';

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

export function portFrameSink(maxInFlight: number): PortFrameSink {
  const inFlight = new Map<FramePortMain, number>();
  return {
    add(port) {
      inFlight.set(port, 0);
      port.on('message', () => inFlight.has(port) && inFlight.set(port, Math.max(0, inFlight.get(port)! - 1)));
      port.on('close', () => inFlight.delete(port)); // the window closed, or the main process replaced the port
      port.start();
    },
    write(frame, force) {
      if (!inFlight.size) return false;
      const keep = force || !!frame.sounds?.length;
      let bytes: Uint8Array | null = null;
      for (const [port, n] of inFlight) {
        if (!keep && n >= maxInFlight) continue;
        bytes ??= Buffer.concat(encodeFrameParts(frame));
        port.postMessage(bytes);
        inFlight.set(port, n + 1);
      }
      return true;
    },
    get ports() {
      return inFlight.size;
    },
  };
}
