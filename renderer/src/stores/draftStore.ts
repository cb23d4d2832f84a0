import { create } from 'zustand';

/** An unsaved buffer kept from an earlier page: its text and the disk text it was edited from. */
export interface Draft {
  path: string;
  content: string;
}

/** Drafts found at start that differ from disk, waiting for the user to restore or discard them. */
interface DraftStore {
  offered: Draft[];
  offer(drafts: Draft[]): void;
  clear(): void;
}

export const useDraftStore = create<DraftStore>()((set) => ({
  offered: [],
  offer: (offered) => set({ offered }),
  clear: () => set({ offered: [] }),
}));
