import { create } from 'zustand';

/** UI state that commands from outside a component (the Electron menu) need to reach. */
interface UiStore {
  /** The file list's "new …" form that is open, if any. */
  creating: 'plugin' | 'file' | null;
  /** The New project / Open project dialog that is open, if any. */
  projectDialog: 'new' | 'open' | null;
  setCreating(creating: 'plugin' | 'file' | null): void;
  setProjectDialog(dialog: 'new' | 'open' | null): void;
}

export const useUiStore = create<UiStore>()((set) => ({
  creating: null,
  projectDialog: null,
  setCreating: (creating) => set({ creating }),
  setProjectDialog: (projectDialog) => set({ projectDialog }),
}));
