import { create } from 'zustand';

/** A request to move the editor's cursor; `seq` makes repeated jumps to the same place count. */
export interface RevealRequest {
  path: string;
  line: number;
  column: number;
  seq: number;
}

/**
 * One open file. `content` is the truth a save sends; Monaco shows it and reports edits back.
 * `savedContent` is what the back end last confirmed on disk, so "dirty" follows from the two.
 */
export interface Tab {
  path: string;
  content: string;
  savedContent: string;
  /** Bumped when the text is replaced from outside Monaco (disk, a restored draft), so the editor applies it exactly then. */
  loadSeq: number;
  /** The file changed on disk while this tab had unsaved edits: the disk's text, until the user chooses. */
  diskConflict?: string;
  /** The file was deleted or renamed away outside the editor; the buffer is kept until saved or closed. */
  deletedOnDisk?: boolean;
  /** Kiln's own header (kiln.h) opened from go to definition: shown, never edited or saved. */
  readOnly?: boolean;
}

export function isDirty(tab: Tab): boolean {
  return tab.content !== tab.savedContent || tab.deletedOnDisk === true;
}

interface EditorStore {
  tabs: Tab[];
  active: string | null;
  /** Paths being saved right now. */
  saving: string[];
  error: string | null;
  reveal: RevealRequest | null;
  /** Cursor of the active editor, for the "Ln 3, Col 7" line. */
  cursor: { line: number; column: number };
  /** Open a tab with text from disk (or replace its text when it is already open) and make it active. */
  opened(path: string, content: string): void;
  /** Replace a tab's text, keeping what disk holds as its saved text (a restored draft). */
  restored(path: string, savedContent: string, content: string): void;
  activate(path: string): void;
  close(path: string): void;
  edited(path: string, content: string): void;
  saved(path: string, content: string): void;
  /** The file changed on disk outside the editor. */
  changedOnDisk(path: string, content: string): void;
  resolveConflict(path: string, choice: 'disk' | 'mine'): void;
  removedOnDisk(path: string): void;
  renamed(from: string, to: string): void;
  setSaving(path: string, saving: boolean): void;
  setError(error: string | null): void;
  revealAt(path: string, line: number, column: number): void;
  setCursor(line: number, column: number): void;
}

function replaceTab(tabs: Tab[], path: string, change: (t: Tab) => Tab): Tab[] {
  return tabs.map((t) => (t.path === path ? change(t) : t));
}

export const useEditorStore = create<EditorStore>()((set, get) => ({
  tabs: [],
  active: null,
  saving: [],
  error: null,
  reveal: null,
  cursor: { line: 1, column: 1 },
  opened: (path, content) => {
    const { tabs } = get();
    const existing = tabs.find((t) => t.path === path);
    const tab: Tab = { path, content, savedContent: content, loadSeq: (existing?.loadSeq ?? 0) + 1 };
    set({ tabs: existing ? replaceTab(tabs, path, () => tab) : [...tabs, tab], active: path, error: null });
  },
  restored: (path, savedContent, content) => {
    const { tabs } = get();
    const existing = tabs.find((t) => t.path === path);
    const tab: Tab = { path, content, savedContent, loadSeq: (existing?.loadSeq ?? 0) + 1 };
    set({ tabs: existing ? replaceTab(tabs, path, () => tab) : [...tabs, tab] });
    if (!get().active) set({ active: path });
  },
  activate: (path) => {
    if (get().tabs.some((t) => t.path === path)) set({ active: path });
  },
  close: (path) => {
    const { tabs, active } = get();
    const index = tabs.findIndex((t) => t.path === path);
    if (index < 0) return;
    const rest = tabs.filter((t) => t.path !== path);
    const next = active === path ? (rest[Math.min(index, rest.length - 1)]?.path ?? null) : active;
    set({ tabs: rest, active: next });
  },
  edited: (path, content) => set({ tabs: replaceTab(get().tabs, path, (t) => ({ ...t, content })) }),
  saved: (path, content) =>
    set({ tabs: replaceTab(get().tabs, path, (t) => ({ ...t, savedContent: content, diskConflict: undefined, deletedOnDisk: undefined })), error: null }),
  changedOnDisk: (path, content) =>
    set({
      tabs: replaceTab(get().tabs, path, (t) => {
        if (t.content === content) return { ...t, savedContent: content, diskConflict: undefined, deletedOnDisk: undefined };
        if (!isDirty(t)) return { ...t, content, savedContent: content, loadSeq: t.loadSeq + 1, diskConflict: undefined, deletedOnDisk: undefined };
        return { ...t, diskConflict: content };
      }),
    }),
  resolveConflict: (path, choice) =>
    set({
      tabs: replaceTab(get().tabs, path, (t) => {
        if (t.diskConflict === undefined) return t;
        if (choice === 'disk') return { ...t, content: t.diskConflict, savedContent: t.diskConflict, loadSeq: t.loadSeq + 1, diskConflict: undefined };
        // Keep mine: the buffer stays, now measured against what disk really holds.
        return { ...t, savedContent: t.diskConflict, diskConflict: undefined };
      }),
    }),
  removedOnDisk: (path) => set({ tabs: replaceTab(get().tabs, path, (t) => ({ ...t, deletedOnDisk: true, diskConflict: undefined })) }),
  renamed: (from, to) => {
    const { tabs, active } = get();
    set({
      tabs: replaceTab(tabs, from, (t) => ({ ...t, path: to, loadSeq: t.loadSeq + 1, deletedOnDisk: undefined })),
      active: active === from ? to : active,
    });
  },
  setSaving: (path, saving) => {
    const rest = get().saving.filter((p) => p !== path);
    set({ saving: saving ? [...rest, path] : rest });
  },
  setError: (error) => set({ error }),
  revealAt: (path, line, column) => set({ reveal: { path, line, column, seq: (get().reveal?.seq ?? 0) + 1 } }),
  setCursor: (line, column) => set({ cursor: { line, column } }),
}));

/** The active tab, if any. */
export function activeTab(state: { tabs: Tab[]; active: string | null }): Tab | undefined {
  return state.tabs.find((t) => t.path === state.active);
}
