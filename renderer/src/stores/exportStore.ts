import { create } from 'zustand';
import type { ExportTarget } from '../../../electron/shared/contract';

/** The export dialog: open or not, and for which target (the toolbar button and the menu open it). */
interface ExportStore {
  target: ExportTarget | null;
  open(target: ExportTarget): void;
  close(): void;
}

export const useExportStore = create<ExportStore>()((set) => ({
  target: null,
  open: (target) => set({ target }),
  close: () => set({ target: null }),
}));
