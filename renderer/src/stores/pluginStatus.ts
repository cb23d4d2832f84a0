import type { ConfigProblem, ReloadEvent, ReloadState, ReloadStatus } from '../../../electron/shared/contract';
import { isLoadedOutcome } from './reloadLogStore';

/** One row of the status pill's hover list: a plugin (or kiln.json) and how it stands. */
export interface PluginState {
  /** The plugin's name, or 'kiln.json' for a refused project file. */
  name: string;
  state: ReloadState;
  version: number | null;
  message: string;
}

/** Worse first: an error anywhere outranks work in progress, which outranks "not built yet", which outranks ok. */
const RANK: Record<ReloadState, number> = { error: 4, building: 3, loading: 3, waiting: 2, ok: 1 };

/**
 * How each plugin stands: its newest status from the back end when one was heard, else its newest reload
 * log entry (loaded → ok, anything else → error), else waiting. A refused kiln.json is a row of its own.
 */
export function pluginStates(plugins: string[], live: Record<string, ReloadStatus>, events: ReloadEvent[], configProblem?: ConfigProblem): PluginState[] {
  const rows: PluginState[] = plugins.map((name) => {
    const status = live[name];
    if (status) return { name, state: status.state, version: status.version ?? null, message: status.message };
    const last = events.find((e) => e.plugin === name); // events are newest first
    if (last) return { name, state: isLoadedOutcome(last.outcome) ? 'ok' : 'error', version: last.version, message: last.message };
    return { name, state: 'waiting', version: null, message: 'not built yet' };
  });
  if (configProblem) rows.unshift({ name: 'kiln.json', state: 'error', version: null, message: configProblem.message });
  return rows;
}

/** The row the pill shows: the worst state (the first such row on a tie), or null with no rows. */
export function worstState(rows: PluginState[]): PluginState | null {
  let worst: PluginState | null = null;
  for (const row of rows) if (!worst || RANK[row.state] > RANK[worst.state]) worst = row;
  return worst;
}
