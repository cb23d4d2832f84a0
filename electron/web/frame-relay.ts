/**
 * The web shell's frame relay, main-thread side: starts frame-relay-worker on its own thread with a Unix socket
 * for runners (in a private 0700 folder) and a WebSocket port for pages. Runners get the socket's path in their
 * init message (RunnerConfig.frameSocket); pages find the port in index.html's `kiln-frames` meta tag.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import type { MainToRelay, RelayToMain, RelayWorkerData } from './frame-relay-protocol';

export interface FrameRelay {
  /** Where runners connect (give it to RunnerConfig.frameSocket). */
  socketPath: string;
  /** The pages' frame WebSocket port on 127.0.0.1. */
  port: number;
  /** Pages from these origins may connect (the editor server's, once it listens). */
  allowOrigins(origins: string[]): void;
  close(): Promise<void>;
}

/** The bundled worker next to this file (dist/web), or the TypeScript source through tsx's require hook (tests). */
function startWorker(data: RelayWorkerData): Worker {
  const js = path.join(__dirname, 'frame-relay-worker.js');
  if (existsSync(js)) return new Worker(js, { workerData: data });
  const ts = path.join(__dirname, 'frame-relay-worker.ts');
  return new Worker(`require('tsx/cjs'); require(${JSON.stringify(ts)});`, { eval: true, workerData: data });
}

export async function startFrameRelay(options: { token: string; maxBufferedBytes: number }): Promise<FrameRelay> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kiln-frames-')); // 0700: only this user's runners connect
  const socketPath = path.join(dir, 'frames.sock');
  const worker = startWorker({ socketPath, token: options.token, maxBufferedBytes: options.maxBufferedBytes });
  const port = await new Promise<number>((resolve, reject) => {
    worker.once('error', reject);
    worker.once('exit', (code) => reject(new Error(`the frame relay thread exited (${code}) before it was ready`)));
    worker.on('message', (msg: RelayToMain) => {
      if (msg.type === 'ready') resolve(msg.port);
    });
  });
  worker.on('error', (err) => console.warn(`kiln web: frame relay thread failed: ${err.message}`));
  const send = (msg: MainToRelay) => worker.postMessage(msg);
  return {
    socketPath,
    port,
    allowOrigins: (origins) => send({ type: 'allow-origins', origins }),
    close: async () => {
      const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
      send({ type: 'close' });
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      await worker.terminate();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
