/**
 * kiln.h in the editor: it lives in Kiln's plugins/include, outside the project, so it opens read-only in
 * a tab named "@kiln/kiln.h" (never saved: saveFile skips read-only tabs), its text fetched with language.header.
 */
import type { SourceLocation } from '../../../../electron/shared/contract';
import { kiln } from '../../api';
import { jumpTo, messageOf } from '../../app/actions';
import { useEditorStore } from '../../stores/editorStore';

/** The tab path prefix of Kiln's own headers; no project file is named like this (it is not a valid folder to Kiln's templates). */
export const READ_ONLY_PREFIX = '@kiln/';

export async function openKilnHeader(name: string, line: number, column: number): Promise<void> {
  const path = `${READ_ONLY_PREFIX}${name}`;
  const store = useEditorStore.getState();
  if (!store.tabs.some((t) => t.path === path)) {
    try {
      const { content } = await kiln().invoke('language.header', { name });
      useEditorStore.getState().opened(path, content);
      useEditorStore.setState((s) => ({ tabs: s.tabs.map((t) => (t.path === path ? { ...t, readOnly: true } : t)) }));
    } catch (err) {
      useEditorStore.getState().setError(`could not open ${name}: ${messageOf(err)}`);
      return;
    }
  }
  useEditorStore.getState().activate(path);
  useEditorStore.getState().revealAt(path, line, column);
}

/** Go to a definition: the user's file at the line, or Kiln's header read-only. */
export function openLocation(at: SourceLocation): Promise<void> {
  return at.where === 'kiln-include' ? openKilnHeader(at.path, at.line, at.column) : jumpTo(at.path, at.line, at.column);
}
