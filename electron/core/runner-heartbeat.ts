/**
 * The runner's heartbeat as the supervisor reads it: libkiln keeps struct kiln_heartbeat
 * (native/include/kiln_runtime.h) in a memory-mapped file, updated at every plugin call's entry and
 * exit, so a slow frame that makes progress can be told from a stuck one without asking the runner.
 */
import { closeSync, openSync, readSync, rmSync } from 'node:fs';
import { crashCallbacks, type CrashCallback } from '../shared/contract';

export interface HeartbeatRecord {
  pid: number;
  inCall: boolean;
  /** Entries + exits of plugin calls so far: moves on every call. */
  calls: bigint;
  watchdogMs: number;
  callback: CrashCallback;
  plugin: string;
  version: number;
  frame: bigint;
}

/** sizeof(struct kiln_heartbeat) and its field offsets (little-endian). */
const SIZE = 120;
const MAGIC = 'KILNBEAT';

export class Heartbeat {
  /** When `calls` was last seen to change (Date.now()). */
  movedAt = Date.now();
  private fd: number | null = null;
  private lastCalls: bigint | null = null;
  private readonly buf = Buffer.alloc(SIZE);

  constructor(readonly path: string) {}

  /** The record as it is now, or null when the runner has not written one (an older libkiln). */
  read(): HeartbeatRecord | null {
    try {
      this.fd ??= openSync(this.path, 'r');
      if (readSync(this.fd, this.buf, 0, SIZE, 0) < SIZE) return null;
    } catch {
      return null;
    }
    const b = this.buf;
    if (b.toString('latin1', 0, 8) !== MAGIC) return null;
    const plugin = b.subarray(48, 112);
    const end = plugin.indexOf(0);
    return {
      pid: b.readUInt32LE(8),
      inCall: b.readInt32LE(12) === 1,
      calls: b.readBigUInt64LE(16),
      watchdogMs: b.readInt32LE(32),
      callback: crashCallbacks[b.readInt32LE(36)] ?? 'runner',
      version: b.readInt32LE(40),
      plugin: plugin.toString('utf8', 0, end < 0 ? 64 : end),
      frame: b.readBigUInt64LE(112),
    };
  }

  /** read(), noting when the calls counter moved. */
  poll(now: number): HeartbeatRecord | null {
    const beat = this.read();
    if (beat && beat.calls !== this.lastCalls) {
      this.lastCalls = beat.calls;
      this.movedAt = now;
    }
    return beat;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
    rmSync(this.path, { force: true });
  }
}
