/**
 * Frames to the web shell's frame relay over a Unix socket (RunnerLimits.frameSocket), so they never wait on the
 * back end's event loop. Each frame is [u32 length][16-byte frame header][RGBA pixels][sounds]; the relay answers each
 * with one byte (the runner's in-flight count). Until connected, or after the relay goes away, write() returns
 * false and the caller sends the frame to the back end as before.
 */
import net from 'node:net';
import { encodeFrameParts, type Frame } from '../shared/contract';

export interface FrameSink {
  /** false: not connected (send the frame the other way). */
  write(frame: Frame): boolean;
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
    write(frame) {
      if (!connected) return false;
      const parts = encodeFrameParts(frame);
      const length = Buffer.allocUnsafe(4);
      length.writeUInt32LE(parts.reduce((n, p) => n + p.length, 0), 0);
      socket.cork();
      socket.write(length);
      for (const part of parts) socket.write(part);
      socket.uncork();
      return true;
    },
  };
}
