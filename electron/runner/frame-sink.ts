/**
 * Frames to the web shell's frame relay over a Unix socket (RunnerLimits.frameSocket), so they never wait on the
 * back end's event loop. Each frame is [u32 length][16-byte frame header][RGBA pixels]; the relay answers each
 * with one byte (the runner's in-flight count). Until connected, or after the relay goes away, write() returns
 * false and the caller sends the frame to the back end as before.
 */
import net from 'node:net';
import { encodeFrameHeader, FRAME_HEADER_BYTES } from '../shared/contract';

export interface FrameSink {
  /** false: not connected (send the frame the other way). */
  write(frame: number, width: number, height: number, pixels: Uint8Array): boolean;
}

export function connectFrameSink(socketPath: string, onAcks: (count: number) => void, onGone: (why: string) => void): FrameSink {
  let connected = false;
  const socket = net.connect(socketPath);
  socket.setNoDelay(true);
  socket.on('connect', () => (connected = true));
  socket.on('data', (acks: Buffer) => onAcks(acks.length));
  const gone = (why: string) => {
    if (!connected && why === 'closed') return;
    connected = false;
    onGone(why);
  };
  socket.on('error', (err) => gone(err.message));
  socket.on('close', () => gone('closed'));
  return {
    write(frame, width, height, pixels) {
      if (!connected) return false;
      const head = Buffer.allocUnsafe(4 + FRAME_HEADER_BYTES);
      head.writeUInt32LE(FRAME_HEADER_BYTES + pixels.length, 0);
      head.set(encodeFrameHeader(width, height, frame), 4);
      socket.cork();
      socket.write(head);
      socket.write(pixels);
      socket.uncork();
      return true;
    },
  };
}
