import { create } from 'zustand';

/** UI state that commands from outside a component (the Electron menu) need to reach. */
interface UiStore {
  /** The file list's "new …" form that is open, if any. */
  creating: 'plugin' | 'file' | null;
  setCreating(creating: 'plugin' | 'file' | null): void;
}

export const useUiStore = create<UiStore>()((set) => ({
  creating: null,
  setCreating: (creating) => set({ creating }),
}));
