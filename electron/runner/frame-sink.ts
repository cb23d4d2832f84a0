/**
 * Frames to the web shell's frame relay over a Unix socket (RunnerLimits.frameSocket), so they never wait on the
 * back end's event loop. Each frame is [u32 length][frame], the frame a change to the one sent before
 * (shared/frame-codec.ts: a few hundred bytes for pong, where a 230 KB frame waited for the relay to read it); the
 * relay answers each with one byte (the runner's in-flight count). Until connected, or after the relay goes away, write() returns
 * false and the caller sends the frame to the back end as before.
 */
import net from 'node:net';
import type { Frame } from '../shared/contract';
import { FrameDeltaEncoder, rawFrame, type FrameOps } from '../shared/frame-codec';

export interface FrameSink {
  /** false: not connected (send the frame the other way). */
  write(frame: Frame): boolean;
}

export function connectFrameSink(socketPath: string, ops: FrameOps, onAcks: (count: number) => void, onGone: (why: string) => void): FrameSink {
  let connected = false;
  const encoder = new FrameDeltaEncoder(ops);
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
      socket.write(encoder.encode(rawFrame(frame)));
      return true;
    },
  };
}
