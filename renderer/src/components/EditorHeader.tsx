import { saveActiveFile } from '../app/actions';
import { withShortcut } from '../app/shortcuts';
import { activeTab, isDirty, useEditorStore } from '../stores/editorStore';
import { AutosaveSetting } from './AutosaveSetting';

/** File path with its unsaved marker, the cursor position, autosave, the save button, and the last error. */
export function EditorHeader() {
  const tab = useEditorStore(activeTab);
  const saving = useEditorStore((s) => (s.active ? s.saving.includes(s.active) : false));
  const error = useEditorStore((s) => s.error);
  const cursor = useEditorStore((s) => s.cursor);
  const setError = useEditorStore((s) => s.setError);
  const dirty = tab ? isDirty(tab) : false;
  return (
    <div className="editor-header">
      <span className="editor-file" data-dirty={dirty ? 'true' : 'false'} title={dirty ? 'unsaved changes' : 'saved'}>
        {tab?.path ?? 'no file open'}
        {dirty && <span className="dirty-marker" aria-label="unsaved changes"> ●</span>}
      </span>
      {tab && (
        <span className="cursor-position" data-testid="cursor-position" data-line={cursor.line} data-column={cursor.column}>
          Ln {cursor.line}, Col {cursor.column}
        </span>
      )}
      {error ? (
        <span className="editor-error" role="alert">
          {error}
          <button type="button" className="link-button" aria-label="Dismiss the error" onClick={() => setError(null)}>
            ×
          </button>
        </span>
      ) : (
        <span className="spacer" />
      )}
      <AutosaveSetting />
      <button
        type="button"
        className="save-button"
        data-testid="save-button"
        disabled={!tab || saving}
        onClick={() => void saveActiveFile()}
        title={`${withShortcut('Save', 'save')} · ${withShortcut('save all', 'saveAll')}`}
      >
        {saving ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}
