/**
 * Saves arrive faster than builds finish: per plugin, at most one build runs and one waits.
 * A newer request replaces the waiting one (the newest source wins) and is counted as folded.
 */
import type { ReloadTrigger } from '../shared/contract';

export interface BuildRequest {
  plugin: string;
  trigger: ReloadTrigger;
  /** performance-clock epoch ms when the trigger reached the back end */
  at: number;
}

export interface QueuedBuild extends BuildRequest {
  /** How many earlier requests this one absorbed. */
  savesFolded: number;
}

interface Slot {
  running: Promise<void> | null;
  pending: QueuedBuild | null;
}

export class BuildQueue {
  private readonly slots = new Map<string, Slot>();
  private idleWaiters: Array<() => void> = [];

  constructor(private readonly runBuild: (build: QueuedBuild) => Promise<void>) {}

  enqueue(req: BuildRequest): void {
    const slot = this.slots.get(req.plugin) ?? { running: null, pending: null };
    this.slots.set(req.plugin, slot);
    const folded = slot.pending ? slot.pending.savesFolded + 1 : 0;
    slot.pending = { ...req, savesFolded: folded };
    if (!slot.running) this.pump(req.plugin, slot);
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
      if (this.isIdle()) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        waiters.forEach((w) => w());
      }
      return;
    }
    slot.pending = null;
    slot.running = this.runBuild(next)
      .catch(() => undefined) // runBuild reports its own failures; the queue must keep going
      .then(() => this.pump(plugin, slot));
  }
}
