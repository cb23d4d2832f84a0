import { kiln } from '../api';
import { useEditorStore } from '../stores/editorStore';

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Open a project file in the editor (replacing the current buffer). */
export async function openFile(path: string): Promise<void> {
  try {
    const { content } = await kiln().invoke('file.read', { path });
    useEditorStore.getState().loaded(path, content);
  } catch (err) {
    useEditorStore.getState().setError(`could not open ${path}: ${messageOf(err)}`);
  }
}

/** Save the open buffer; the back end rebuilds whatever plugin uses it. */
export async function saveCurrentFile(): Promise<void> {
  const { path, content } = useEditorStore.getState();
  if (!path) return;
  const editor = useEditorStore.getState();
  editor.setSaving(true);
  try {
    await kiln().invoke('file.save', { path, content });
    useEditorStore.getState().saved(content);
  } catch (err) {
    useEditorStore.getState().setError(`could not save ${path}: ${messageOf(err)}`);
  } finally {
    useEditorStore.getState().setSaving(false);
  }
}

/** Show a file at a line/column, opening it first if another file is open. */
export async function jumpTo(file: string, line: number, column: number): Promise<void> {
  if (useEditorStore.getState().path !== file) {
    if (useEditorStore.getState().dirty && !window.confirm('The open file has unsaved changes. Discard them?')) return;
    await openFile(file);
  }
  useEditorStore.getState().revealAt(line, column);
}
