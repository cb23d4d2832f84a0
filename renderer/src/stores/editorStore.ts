import { create } from 'zustand';

/** A request to move the editor's cursor; `seq` makes repeated jumps to the same place count. */
export interface RevealRequest {
  line: number;
  column: number;
  seq: number;
}

/**
 * The one open buffer. `content` is the truth the save sends; Monaco shows it and reports edits back.
 * `savedContent` is what the back end last confirmed on disk, so `dirty` follows from the two.
 */
interface EditorStore {
  path: string | null;
  content: string;
  savedContent: string;
  dirty: boolean;
  /** Bumped when a file is (re)loaded from disk, so the editor replaces its text exactly then. */
  loadSeq: number;
  saving: boolean;
  error: string | null;
  reveal: RevealRequest | null;
  loaded(path: string, content: string): void;
  edited(content: string): void;
  saved(content: string): void;
  setSaving(saving: boolean): void;
  setError(error: string | null): void;
  revealAt(line: number, column: number): void;
}

export const useEditorStore = create<EditorStore>()((set, get) => ({
  path: null,
  content: '',
  savedContent: '',
  dirty: false,
  loadSeq: 0,
  saving: false,
  error: null,
  reveal: null,
  loaded: (path, content) =>
    set({ path, content, savedContent: content, dirty: false, loadSeq: get().loadSeq + 1, error: null }),
  edited: (content) => set({ content, dirty: content !== get().savedContent }),
  saved: (content) => set({ savedContent: content, dirty: get().content !== content, error: null }),
  setSaving: (saving) => set({ saving }),
  setError: (error) => set({ error }),
  revealAt: (line, column) => set({ reveal: { line, column, seq: (get().reveal?.seq ?? 0) + 1 } }),
}));
