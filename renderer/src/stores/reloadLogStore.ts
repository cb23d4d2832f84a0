import { create } from 'zustand';
import { loadedOutcomes, RELOAD_HISTORY_LIMIT, type Diagnostic, type GameLogMessage, type ReloadEvent, type ReloadOutcome } from '../../../electron/shared/contract';

const MAX_GAME_LOG = 500;

/** A game log message with a number that stays its key in lists. */
export interface GameLogEntry extends GameLogMessage {
  seq: number;
}

/** Which entries the reload log shows: 'good' and 'failed' group outcomes, or one outcome exactly. */
export type OutcomeFilter = 'all' | 'good' | 'failed' | ReloadOutcome;

export interface LogFilter {
  plugin: string; // '' for every plugin
  outcome: OutcomeFilter;
  /** Interleave what the plugins logged. */
  gameLog: boolean;
}

/** Every reload (newest first), what the game logged (newest first), and the panel's filter. */
interface ReloadLogStore {
  events: ReloadEvent[];
  gameLog: GameLogEntry[];
  filter: LogFilter;
  setHistory(events: ReloadEvent[]): void;
  append(event: ReloadEvent): void;
  appendGameLog(message: GameLogMessage): void;
  setFilter(filter: Partial<LogFilter>): void;
}

let gameLogSeq = 0;

/**
 * By when it happened, not when it was reported: a crash in the first frame of new code is
 * reported before that reload's own event (which waits for the first frame), yet it is the newer news.
 */
function newestFirst(a: ReloadEvent, b: ReloadEvent): number {
  return b.at - a.at || b.id - a.id;
}

export const useReloadLogStore = create<ReloadLogStore>()((set, get) => ({
  events: [],
  gameLog: [],
  filter: { plugin: '', outcome: 'all', gameLog: true },
  setHistory: (events) => {
    // Keep live events that arrived before the history answer.
    const byId = new Map<number, ReloadEvent>();
    for (const e of [...events, ...get().events]) byId.set(e.id, e);
    set({ events: [...byId.values()].sort(newestFirst).slice(0, RELOAD_HISTORY_LIMIT) });
  },
  append: (event) => {
    // A resync after a reconnect may deliver an event the history already held.
    const rest = get().events.filter((e) => e.id !== event.id);
    set({ events: [event, ...rest].sort(newestFirst).slice(0, RELOAD_HISTORY_LIMIT) });
  },
  appendGameLog: (message) => {
    // A repeat folded by the back end comes again with its entry's id and a higher count: it replaces that entry, on top.
    const rest = message.id === undefined ? get().gameLog : get().gameLog.filter((m) => m.id !== message.id);
    set({ gameLog: [{ ...message, seq: ++gameLogSeq }, ...rest].slice(0, MAX_GAME_LOG) });
  },
  setFilter: (filter) => set({ filter: { ...get().filter, ...filter } }),
}));

const LOADED: ReadonlySet<ReloadOutcome> = new Set(loadedOutcomes);

/** True when the outcome means new code is running. */
export function isLoadedOutcome(outcome: ReloadOutcome): boolean {
  return LOADED.has(outcome);
}

/**
 * The diagnostics that still stand for a file: those of the newest event of each plugin that
 * either carried diagnostics or loaded cleanly (a clean load clears them).
 */
export function standingDiagnostics(events: ReloadEvent[], file: string): Diagnostic[] {
  const decided = new Set<string>();
  const out: Diagnostic[] = [];
  for (const e of events) {
    if (decided.has(e.plugin)) continue;
    if (e.diagnostics.length > 0) {
      decided.add(e.plugin);
      out.push(...e.diagnostics.filter((d) => d.file === file));
    } else if (isLoadedOutcome(e.outcome)) {
      decided.add(e.plugin);
    }
  }
  return out;
}

/**
 * The problem to show over the game: the newest event among each plugin's latest one, when that
 * latest event failed (a compile error, a load error, a crash). A good reload of the plugin clears it.
 */
export function standingProblem(events: ReloadEvent[]): ReloadEvent | null {
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.plugin)) continue;
    seen.add(e.plugin);
    if (!isLoadedOutcome(e.outcome)) return e;
  }
  return null;
}

export function outcomeMatches(outcome: ReloadOutcome, filter: OutcomeFilter): boolean {
  if (filter === 'all') return true;
  if (filter === 'good') return isLoadedOutcome(outcome);
  if (filter === 'failed') return !isLoadedOutcome(outcome);
  return outcome === filter;
}

export type LogItem = { kind: 'reload'; at: number; event: ReloadEvent } | { kind: 'game'; at: number; message: GameLogEntry };

/** Reloads and (when asked) game messages, newest first, as the filter lets through. */
export function logItems(events: ReloadEvent[], gameLog: GameLogEntry[], filter: LogFilter): LogItem[] {
  const items: LogItem[] = events
    .filter((e) => (!filter.plugin || e.plugin === filter.plugin) && outcomeMatches(e.outcome, filter.outcome))
    .map((event) => ({ kind: 'reload', at: event.at, event }));
  // Game messages carry no plugin, so a plugin or outcome filter hides them rather than guess.
  if (filter.gameLog && !filter.plugin && filter.outcome === 'all') {
    for (const message of gameLog) items.push({ kind: 'game', at: message.at, message });
  }
  return items.sort((a, b) => b.at - a.at);
}
