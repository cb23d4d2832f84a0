import { create } from 'zustand';
import type { StateField, WorldView } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { parseValue } from './stateInspectorStore';

/** The entity inspector reads the world this often while it is shown. */
export const WORLD_READ_EVERY_MS = 200;
const OPEN_KEY = 'kiln.entityInspector.open';

export interface EntityInspectorStore {
  /** The panel is expanded (remembered across reloads of the page). */
  open: boolean;
  /** The last read, or null before the first. */
  view: WorldView | null;
  readError: string | null;
  reads: number;
  /** The component filter: its id, or -1 for every entity. */
  filter: number;
  /** The selected entity's id (decimal), or null. */
  selected: string | null;
  /** Why the last edit was refused, or null. */
  editError: string | null;
  setOpen(open: boolean): void;
  setFilter(filter: number): Promise<void>;
  select(id: string | null): Promise<void>;
  read(): Promise<void>;
  /** Parses `text` for the field's type and writes it into the selected entity's component. */
  write(component: number, field: Pick<StateField, 'name' | 'type'>, index: number, text: string): Promise<boolean>;
}

function storedOpen(): boolean {
  try {
    return globalThis.localStorage?.getItem(OPEN_KEY) === '1';
  } catch {
    return false;
  }
}

export const useEntityInspectorStore = create<EntityInspectorStore>()((set, get) => ({
  open: storedOpen(),
  view: null,
  readError: null,
  reads: 0,
  filter: -1,
  selected: null,
  editError: null,
  setOpen(open) {
    try {
      globalThis.localStorage?.setItem(OPEN_KEY, open ? '1' : '0');
    } catch {
      /* private mode: not remembered */
    }
    set({ open });
  },
  async setFilter(filter) {
    set({ filter });
    await get().read();
  },
  async select(selected) {
    set({ selected, editError: null });
    await get().read();
  },
  async read() {
    const { filter, selected } = get();
    try {
      const view = await kiln().invoke('world.read', { with: filter, ...(selected ? { selected } : {}) });
      set((s) => ({ view, readError: null, reads: s.reads + 1 }));
    } catch (err) {
      set({ readError: (err as Error).message });
    }
  },
  async write(component, field, index, text) {
    const entity = get().selected;
    if (!entity) return false;
    const parsed = parseValue(field, text);
    if ('reason' in parsed) {
      set({ editError: parsed.reason });
      return false;
    }
    try {
      const result = await kiln().invoke('world.write', { entity, component, field: field.name, index, value: parsed.value });
      set({ editError: result.ok ? null : result.reason });
      await get().read(); // show the written value now, not at the next tick
      return result.ok;
    } catch (err) {
      set({ editError: (err as Error).message });
      return false;
    }
  },
}));
