import {
  decodeFrame,
  eventNames,
  type ClientMessage,
  type EventName,
  type EventPayloads,
  type Frame,
  type KilnApi,
  type RequestMethod,
  type RequestParams,
  type RequestResult,
  type ServerMessage,
} from '../../../electron/shared/contract';
import { FrameDeltaDecoder, LengthPrefixedReader } from '../../../electron/shared/frame-codec';
import type { Bridge, ConnectionState } from './bridge';

interface Pending {
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
}

const BACKOFF_MS = [250, 500, 1000, 2000, 4000];

/**
 * The web shell's transport: one WebSocket for requests, events and binary frames, reopened when it drops; and,
 * when the page names a frame relay, a second one that only carries frames (they skip the back end's event loop).
 */
export function createWebSocketBridge(url: string = defaultSocketUrl(), framesUrl: string | null = frameRelayUrl()): Bridge {
  let socket: WebSocket | null = null;
  let state: ConnectionState = 'connecting';
  let attempt = 0;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  const outbox: string[] = [];
  const eventListeners = new Map<EventName, Set<(payload: never) => void>>();
  const frameListeners = new Set<(frame: Frame) => void>();
  const connectionListeners = new Set<(state: ConnectionState) => void>();

  function setState(next: ConnectionState): void {
    if (next === state) return;
    state = next;
    for (const l of connectionListeners) l(next);
  }

  function open(): void {
    const ws = new WebSocket(url);
    ws.binaryType = 'arraybuffer';
    socket = ws;
    ws.onopen = () => {
      attempt = 0;
      for (const text of outbox.splice(0)) ws.send(text);
      setState('connected');
    };
    ws.onmessage = (e: MessageEvent) => {
      if (typeof e.data === 'string') onText(e.data);
      else if (e.data instanceof ArrayBuffer) onBinary(e.data);
    };
    ws.onclose = () => {
      if (socket !== ws) return;
      socket = null;
      // A request sent on a dead socket will never be answered; fail it now rather than hang.
      for (const [, p] of pending) p.reject(new Error('disconnected from the Kiln back end'));
      pending.clear();
      outbox.length = 0;
      setState('disconnected');
      const delay = BACKOFF_MS[Math.min(attempt, BACKOFF_MS.length - 1)];
      attempt++;
      setTimeout(open, delay);
    };
  }

  function onText(text: string): void {
    let msg: ServerMessage;
    try {
      msg = JSON.parse(text) as ServerMessage;
    } catch {
      console.warn('kiln: ignoring a message that is not JSON');
      return;
    }
    if ('event' in msg) {
      if (!eventNames.includes(msg.event)) return;
      for (const l of eventListeners.get(msg.event) ?? []) l(msg.payload as never);
      return;
    }
    const p = pending.get(msg.id);
    if (!p) return;
    pending.delete(msg.id);
    if (msg.ok) p.resolve(msg.result);
    else p.reject(new Error(msg.error));
  }

  function onBinary(data: ArrayBuffer): void {
    const frame = decodeFrame(data);
    if (frame) emitFrame(frame);
  }
  function emitFrame(frame: Frame): void {
    for (const l of frameListeners) l(frame);
  }

  const api: KilnApi = {
    invoke<M extends RequestMethod>(method: M, params: RequestParams<M>): Promise<RequestResult<M>> {
      const id = nextId++;
      const message: ClientMessage = { id, method, params };
      const text = JSON.stringify(message);
      return new Promise<RequestResult<M>>((resolve, reject) => {
        pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
        if (socket && socket.readyState === WebSocket.OPEN) socket.send(text);
        else outbox.push(text);
      });
    },
    on<E extends EventName>(event: E, listener: (payload: EventPayloads[E]) => void) {
      let set = eventListeners.get(event);
      if (!set) eventListeners.set(event, (set = new Set()));
      const l = listener as (payload: never) => void;
      set.add(l);
      return () => set.delete(l);
    },
    onFrame(listener) {
      frameListeners.add(listener);
      return () => frameListeners.delete(listener);
    },
  };

  let framesAttempt = 0;
  /**
   * The relay's frame stream: one long GET whose body is [u32 length][frame] ... (see frame-relay-process.ts for why
   * not a WebSocket), each frame a change to the one before (shared/frame-codec.ts). A frame that does not decode
   * ends the stream: the next one starts from a full frame.
   */
  async function readFrames(relay: string): Promise<void> {
    const res = await fetch(relay, { credentials: 'include', cache: 'no-store' });
    if (!res.ok || !res.body) throw new Error(`frame stream refused: ${res.status}`);
    framesAttempt = 0;
    const reader = res.body.getReader();
    // In place: a frame costs the page only what changed, not a new 230 KB buffer to fill and collect (its main
    // thread with pong: 157-184 instead of 230-250 ms a second). Listeners get pixels good until the next frame,
    // as the contract says (GameView draws only the newest).
    const decoder = new FrameDeltaDecoder(true);
    const messages = new LengthPrefixedReader();
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      for (const message of messages.push(value)) {
        const frame = decoder.decode(message);
        if (!frame) {
          await reader.cancel();
          throw new Error('a frame on the frame stream did not decode');
        }
        emitFrame(frame);
      }
    }
  }
  function openFrames(relay: string): void {
    readFrames(relay)
      .catch(() => undefined) // refused, or the shell went away: try again after a pause
      .finally(() => {
        const delay = BACKOFF_MS[Math.min(framesAttempt, BACKOFF_MS.length - 1)];
        framesAttempt++;
        setTimeout(() => openFrames(relay), delay);
      });
  }

  open();
  if (framesUrl) openFrames(framesUrl);
  return {
    kind: 'web',
    api,
    connection: () => state,
    onConnection(listener) {
      connectionListeners.add(listener);
      return () => connectionListeners.delete(listener);
    },
  };
}

function defaultSocketUrl(): string {
  return (location.protocol === 'https:' ? 'wss' : 'ws') + '://' + location.host + '/ws';
}

/** The web shell's frame relay, named by index.html's `kiln-frames` meta tag (its port on this host). */
function frameRelayUrl(): string | null {
  if (typeof document === 'undefined') return null;
  const port = document.querySelector('meta[name="kiln-frames"]')?.getAttribute('content');
  return port && /^\d+$/.test(port) ? `${location.protocol}//${location.hostname}:${port}/frames` : null;
}
