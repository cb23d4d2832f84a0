/**
 * Saves arrive faster than builds finish: per plugin, at most one build runs and one waits.
 * A newer request replaces the waiting one (the newest source wins) and is counted as folded, and it
 * cancels the build in flight (its signal aborts, which stops the compiler): a compiler that never
 * ends (an #include of a FIFO) cannot hold a plugin's builds back, and the newest source is built sooner.
 */
import type { ReloadTrigger } from '../shared/contract';

import type { SavedSource } from './compiler';

export interface BuildRequest {
  plugin: string;
  trigger: ReloadTrigger;
  /** performance-clock epoch ms when the trigger reached the back end */
  at: number;
  /** The save that asked for it, with its bytes (compiler.ts SavedSource). */
  saved?: SavedSource;
}

export interface QueuedBuild extends BuildRequest {
  /** How many earlier requests this one absorbed. */
  savesFolded: number;
  /** Aborted when a newer request for this plugin arrives or the queue closes: stop compiling. */
  signal: AbortSignal;
  /**
   * The build stopped because of `signal` and recorded nothing: the request that replaced it counts its
   * saves as folded, so every save is still accounted for in the log.
   */
  cancelled(): void;
}

interface Slot {
  running: Promise<void> | null;
  /** Cancels the running build. */
  cancel: AbortController | null;
  pending: (BuildRequest & { savesFolded: number }) | null;
  /** Saves carried by builds that were cancelled, for the next build to count as folded. */
  carried: number;
}

export class BuildQueue {
  private readonly slots = new Map<string, Slot>();
  private idleWaiters: Array<() => void> = [];
  private closed = false;

  constructor(private readonly runBuild: (build: QueuedBuild) => Promise<void>) {}

  enqueue(req: BuildRequest): void {
    if (this.closed) return;
    const slot = this.slots.get(req.plugin) ?? { running: null, cancel: null, pending: null, carried: 0 };
    this.slots.set(req.plugin, slot);
    const folded = slot.pending ? slot.pending.savesFolded + 1 : 0;
    slot.pending = { ...req, savesFolded: folded };
    if (!slot.running) this.pump(req.plugin, slot);
    else slot.cancel?.abort(); // the running build is out of date: stop it, the pending one follows it
  }

  /** Cancel every build and drop the waiting ones; later requests are ignored (the back end stops). */
  close(): void {
    this.closed = true;
    for (const slot of this.slots.values()) {
      slot.pending = null;
      slot.carried = 0;
      slot.cancel?.abort();
    }
  }

  /** Resolves when no build is running or waiting. */
  idle(): Promise<void> {
    if (this.isIdle()) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private isIdle(): boolean {
    for (const slot of this.slots.values()) if (slot.running || slot.pending) return false;
    return true;
  }

  private pump(plugin: string, slot: Slot): void {
    const next = slot.pending;
    if (!next) {
      slot.running = null;
      slot.cancel = null;
      if (this.isIdle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
      return;
    }
    slot.pending = null;
    const cancel = new AbortController();
    slot.cancel = cancel;
    const savesFolded = next.savesFolded + slot.carried;
    slot.carried = 0;
    const cancelled = () => {
      if (cancel.signal.aborted) slot.carried += savesFolded + 1;
    };
    let started: Promise<void>;
    try {
      started = this.runBuild({ ...next, savesFolded, signal: cancel.signal, cancelled }); // starts now, as the request arrived
    } catch (err) {
      started = Promise.reject(err);
    }
    slot.running = started
      .catch(() => undefined) // runBuild reports its own failures; the queue must keep going
      .then(() => this.pump(plugin, slot));
  }
}
