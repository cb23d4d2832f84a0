/** The runner's line to the back end: Electron's parentPort in a utilityProcess, Node IPC otherwise. */
import type { HostToRunner, RunnerToHost } from '../core/runner-protocol';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown }) => void): void;
}

export interface ParentChannel {
  send(message: RunnerToHost): void;
  onMessage(listener: (message: HostToRunner) => void): void;
  onDisconnect(listener: () => void): void;
}

export function parentChannel(): ParentChannel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    return {
      send: (message) => port.postMessage(message),
      onMessage: (listener) => port.on('message', (e) => listener(e.data as HostToRunner)),
      onDisconnect: () => undefined, // utilityProcess children are ended by their parent
    };
  }
  if (!process.send) {
    console.error('kiln runner: start me from the Kiln back end (no IPC channel to a parent)');
    process.exit(2);
  }
  return {
    send: (message) => {
      if (process.connected) process.send!(message);
    },
    onMessage: (listener) => process.on('message', (m) => listener(m as HostToRunner)),
    onDisconnect: (listener) => process.on('disconnect', listener),
  };
}
