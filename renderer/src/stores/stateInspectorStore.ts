import { create } from 'zustand';
import type { GameState, StateField, StateWriteResult } from '../../../electron/shared/contract';
import { kiln } from '../api';

/** The inspector reads every plugin's state this often while it is shown (≥ 10 times a second). */
export const STATE_READ_EVERY_MS = 100;
const OPEN_KEY = 'kiln.stateInspector.open';

/** Which element of which field the user is editing. */
export interface EditTarget {
  plugin: string;
  field: string;
  index: number;
}

export interface StateInspectorStore {
  /** The panel is expanded (remembered across reloads of the page). */
  open: boolean;
  /** The last read, or null before the first. */
  state: GameState | null;
  /** Why the last read failed (the runner restarting), or null. */
  readError: string | null;
  /** Reads done since the page opened (tests and the panel's title tell refreshes by it). */
  reads: number;
  editing: EditTarget | null;
  /** Why the entry being edited was refused, shown under it. */
  editError: string | null;
  /** Arrays the user expanded, as "plugin.field". */
  expanded: Record<string, boolean>;
  setOpen(open: boolean): void;
  read(): Promise<void>;
  startEdit(target: EditTarget): void;
  cancelEdit(): void;
  /** Parses `text` for the field's type and writes it; refusals (a parse or libkiln's) stay in editError. */
  commitEdit(field: StateField, text: string): Promise<void>;
  toggleExpanded(key: string): void;
}

function storedOpen(): boolean {
  try {
    return globalThis.localStorage?.getItem(OPEN_KEY) === '1';
  } catch {
    return false;
  }
}

/** The text a user typed as the field's value, or the reason it is not one. */
export function parseValue(field: Pick<StateField, 'type' | 'name'>, text: string): { value: number | boolean } | { reason: string } {
  const t = text.trim();
  if (field.type === 'bool') {
    if (/^(true|1)$/i.test(t)) return { value: true };
    if (/^(false|0)$/i.test(t)) return { value: false };
    return { reason: `${field.name} is a bool: type true or false` };
  }
  const n = t === '' ? NaN : Number(t);
  if (!Number.isFinite(n)) return { reason: `"${t}" is not a number` };
  return { value: n };
}

export const useStateInspectorStore = create<StateInspectorStore>()((set, get) => ({
  open: storedOpen(),
  state: null,
  readError: null,
  reads: 0,
  editing: null,
  editError: null,
  expanded: {},
  setOpen(open) {
    try {
      globalThis.localStorage?.setItem(OPEN_KEY, open ? '1' : '0');
    } catch {
      /* private mode: not remembered */
    }
    set({ open });
  },
  async read() {
    try {
      const state = await kiln().invoke('state.read', {});
      // A reply that comes after the panel closed is dropped: a closed inspector reads nothing (on a busy machine the
      // last read's answer could land after the close and count as one more read).
      if (get().open) set((s) => ({ state, readError: null, reads: s.reads + 1 }));
    } catch (err) {
      if (get().open) set({ readError: (err as Error).message });
    }
  },
  startEdit: (editing) => set({ editing, editError: null }),
  cancelEdit: () => set({ editing: null, editError: null }),
  async commitEdit(field, text) {
    const target = get().editing;
    if (!target) return;
    const parsed = parseValue(field, text);
    if ('reason' in parsed) return set({ editError: parsed.reason });
    let result: StateWriteResult;
    try {
      result = await kiln().invoke('state.write', { ...target, value: parsed.value });
    } catch (err) {
      result = { ok: false, reason: (err as Error).message };
    }
    if (get().editing !== target) return; // the user moved on meanwhile
    if (!result.ok) return set({ editError: result.reason });
    set({ editing: null, editError: null });
    await get().read(); // show the written value now, not at the next tick
  },
  toggleExpanded: (key) => set((s) => ({ expanded: { ...s.expanded, [key]: !s.expanded[key] } })),
}));
