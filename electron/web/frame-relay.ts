/**
 * The web shell's frame relay, the shell's side: starts frame-relay-process as a process of its own with a Unix
 * socket for runners (in a private 0700 folder) and an HTTP port for pages' frame streams. Runners get the socket's path in their
 * init message (RunnerConfig.frameSocket); pages find the port in index.html's `kiln-frames` meta tag.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fork, type ChildProcess } from 'node:child_process';
import { RELAY_NODE_FLAGS } from '../core/back-end-launch';
import type { MainToRelay, RelayConfig, RelayToMain } from './frame-relay-protocol';

export interface FrameRelay {
  /** Where runners connect (give it to RunnerConfig.frameSocket). */
  socketPath: string;
  /** The pages' frame stream port on 127.0.0.1. */
  port: number;
  /** The relay process (it ends when the shell's IPC channel closes, a killed shell included). */
  pid: number;
  /** Pages from these origins may connect (the editor server's, once it listens). */
  allowOrigins(origins: string[]): void;
  close(): Promise<void>;
}

/** `bundle` (KilnPaths.frameRelayScript: the web shell, the bench), else the TypeScript source through tsx (tests). */
function startProcess(bundle: string | undefined): ChildProcess {
  const script = bundle ?? path.join(__dirname, 'frame-relay-process.ts');
  return fork(script, [], {
    execArgv: bundle ? [...RELAY_NODE_FLAGS] : ['--import', 'tsx', ...RELAY_NODE_FLAGS],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'], // its warnings (a refused page, a bad runner stream) in the shell's output
    serialization: 'json',
  });
}

export async function startFrameRelay(options: { token: string; maxBufferedBytes: number; bundle?: string }): Promise<FrameRelay> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-frames-')); // 0700: only this user's runners connect
  const socketPath = path.join(dir, 'frames.sock');
  const child = startProcess(options.bundle);
  const send = (msg: MainToRelay) => {
    if (child.connected) child.send(msg);
  };
  const config: RelayConfig = { socketPath, token: options.token, maxBufferedBytes: options.maxBufferedBytes };
  const port = await new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code, signal) => reject(new Error(`the frame relay process exited (${signal ?? code}) before it was ready`)));
    child.on('message', (msg: RelayToMain) => {
      if (msg.type === 'ready') resolve(msg.port);
    });
    send({ type: 'start', config });
  });
  child.removeAllListeners('exit');
  child.on('error', (err) => console.warn(`kiln web: frame relay process failed: ${err.message}`));
  child.on('exit', (code, signal) => {
    if (!closing) console.warn(`kiln web: the frame relay process ended (${signal ?? code}); game frames go through the back end's WebSocket now`);
  });
  let closing = false;
  return {
    socketPath,
    port,
    pid: child.pid ?? 0,
    allowOrigins: (origins) => send({ type: 'allow-origins', origins }),
    close: async () => {
      closing = true;
      if (child.exitCode === null && child.signalCode === null) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        send({ type: 'close' });
        await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
        child.kill('SIGKILL');
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
