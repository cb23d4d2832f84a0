/**
 * The game log's owner: numbers every line the game printed or logged and folds repeats, so a log call in
 * `update` shows as one entry with a count ("×60") instead of flooding the panel. A repeat of one of the last
 * few distinct lines (same plugin, source, level and text) updates that entry: the UI receives the entry again
 * with the same `id` and a higher `count`, at most every `updateEveryMs` per entry.
 */
import type { GameLogMessage } from '../shared/contract';

/** How many recent distinct lines a repeat may fold into: a printf and a log_printf in the same update alternate. */
export const FOLD_WINDOW = 8;
/** Emits of a growing entry are spaced this far apart (the count is exact whenever it is sent). */
export const UPDATE_EVERY_MS = 250;

interface Folded {
  key: string;
  entry: GameLogMessage;
  /** When the entry was last sent; a timer is pending while the count sent is behind. */
  sentAt: number;
  sentCount: number;
  timer?: NodeJS.Timeout;
}

export interface GameLogOptions {
  updateEveryMs?: number;
  window?: number;
  now?: () => number;
}

export class GameLog {
  private nextId = 1;
  private recent: Folded[] = [];
  private readonly updateEveryMs: number;
  private readonly window: number;
  private readonly now: () => number;

  constructor(
    private readonly send: (message: GameLogMessage) => void,
    options: GameLogOptions = {},
  ) {
    this.updateEveryMs = options.updateEveryMs ?? UPDATE_EVERY_MS;
    this.window = options.window ?? FOLD_WINDOW;
    this.now = options.now ?? Date.now;
  }

  /** A line from the runner or the back end; `id` and `count` are this class's to set. */
  add(message: GameLogMessage): void {
    const key = JSON.stringify([message.plugin ?? '', message.source ?? 'log', message.level, message.text]);
    const folded = this.recent.find((f) => f.key === key);
    if (!folded) {
      const entry: GameLogMessage = { ...message, id: this.nextId++, count: 1 };
      this.recent.unshift({ key, entry, sentAt: this.now(), sentCount: 1 });
      for (const old of this.recent.splice(this.window)) this.flush(old);
      this.send(entry);
      return;
    }
    folded.entry = { ...folded.entry, at: message.at, count: (folded.entry.count ?? 1) + 1 };
    if (folded.timer) return;
    const wait = folded.sentAt + this.updateEveryMs - this.now();
    if (wait <= 0) this.flush(folded);
    else folded.timer = setTimeout(() => this.flush(folded), wait);
  }

  /** Sends the entry if its count moved since it was last sent. */
  private flush(folded: Folded): void {
    if (folded.timer) clearTimeout(folded.timer);
    folded.timer = undefined;
    if (folded.entry.count === folded.sentCount) return;
    folded.sentAt = this.now();
    folded.sentCount = folded.entry.count ?? 1;
    this.send(folded.entry);
  }

  /** A new project or a restarted game: nothing folds into what came before. */
  reset(): void {
    for (const f of this.recent) this.flush(f);
    this.recent = [];
  }

  close(): void {
    for (const f of this.recent) if (f.timer) clearTimeout(f.timer);
    this.recent = [];
  }
}
