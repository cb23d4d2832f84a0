import { create } from 'zustand';
import type { Diagnostic, GameLogMessage, ReloadEvent, ReloadOutcome } from '../../../electron/shared/contract';

const MAX_EVENTS = 500;
const MAX_GAME_LOG = 500;

/** Every reload (newest first) and what the game logged (newest first). */
interface ReloadLogStore {
  events: ReloadEvent[];
  gameLog: GameLogMessage[];
  setHistory(events: ReloadEvent[]): void;
  append(event: ReloadEvent): void;
  appendGameLog(message: GameLogMessage): void;
}

export const useReloadLogStore = create<ReloadLogStore>()((set, get) => ({
  events: [],
  gameLog: [],
  setHistory: (events) =>
    set({ events: [...events].sort((a, b) => b.at - a.at || b.id - a.id).slice(0, MAX_EVENTS) }),
  append: (event) => {
    // A resync after a reconnect may deliver an event the history already held.
    const rest = get().events.filter((e) => e.id !== event.id);
    set({ events: [event, ...rest].slice(0, MAX_EVENTS) });
  },
  appendGameLog: (message) => set({ gameLog: [message, ...get().gameLog].slice(0, MAX_GAME_LOG) }),
}));

const LOADED: ReloadOutcome[] = ['ok', 'state-migrated', 'state-reset', 'runner-restarted'];

/** True when the outcome means new code is running. */
export function isLoadedOutcome(outcome: ReloadOutcome): boolean {
  return LOADED.includes(outcome);
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
