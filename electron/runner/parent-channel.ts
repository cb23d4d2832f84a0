/** The runner's line to the back end: Electron's parentPort in a utilityProcess, Node IPC otherwise. */
import type { HostToRunner, RunnerToHost } from '../core/runner-protocol';
import type { FramePortMain } from './port-frame-sink';

interface ParentPort {
  postMessage(message: unknown): void;
  on(event: 'message', listener: (e: { data: unknown; ports?: FramePortMain[] }) => void): void;
}

export interface ParentChannel {
  send(message: RunnerToHost): void;
  onMessage(listener: (message: HostToRunner) => void): void;
  onDisconnect(listener: () => void): void;
  /** Electron only: a window's frame port ('frame-port' with the port transferred beside it). */
  onFramePort(listener: (port: FramePortMain) => void): void;
}

export function parentChannel(): ParentChannel {
  const port = (process as unknown as { parentPort?: ParentPort }).parentPort;
  if (port) {
    let framePort: (port: FramePortMain) => void = (p) => p.close(); // nobody wants it yet
    return {
      send: (message) => port.postMessage(message),
      onMessage: (listener) =>
        port.on('message', (e) => {
          const msg = e.data as HostToRunner;
          if (msg.type === 'frame-port') e.ports?.forEach((p) => framePort(p));
          else listener(msg);
        }),
      onDisconnect: () => undefined, // utilityProcess children are ended by their parent
      onFramePort: (listener) => (framePort = listener),
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
    onFramePort: () => undefined, // Node IPC carries no MessagePorts: the web shell has its frame relay
  };
}
