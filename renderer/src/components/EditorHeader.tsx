import { saveCurrentFile } from '../app/actions';
import { useEditorStore } from '../stores/editorStore';

/** File name with its unsaved marker, the save button, and the last open/save error. */
export function EditorHeader() {
  const path = useEditorStore((s) => s.path);
  const dirty = useEditorStore((s) => s.dirty);
  const saving = useEditorStore((s) => s.saving);
  const error = useEditorStore((s) => s.error);
  return (
    <div className="editor-header">
      <span className="editor-file" data-dirty={dirty ? 'true' : 'false'} title={dirty ? 'unsaved changes' : 'saved'}>
        {path ?? 'no file open'}
        {dirty && <span className="dirty-marker" aria-label="unsaved changes"> ●</span>}
      </span>
      {error && (
        <span className="editor-error" role="alert">
          {error}
        </span>
      )}
      <button
        type="button"
        className="save-button"
        data-testid="save-button"
        disabled={!path || saving}
        onClick={() => void saveCurrentFile()}
        title="Save (Ctrl+S)"
      >
        {saving ? 'Saving…' : 'Save'}
      </button>
    </div>
  );
}
