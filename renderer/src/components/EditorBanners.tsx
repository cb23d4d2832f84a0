import { closeTab, saveFile } from '../app/actions';
import { discardDrafts, restoreDrafts } from '../app/drafts';
import { useDraftStore } from '../stores/draftStore';
import { activeTab, useEditorStore } from '../stores/editorStore';

/** Choices the editor needs from the user: unsaved work from a previous page, a file changed on disk. */
export function EditorBanners() {
  const offered = useDraftStore((s) => s.offered);
  const tab = useEditorStore(activeTab);
  const resolve = useEditorStore((s) => s.resolveConflict);
  return (
    <>
      {offered.length > 0 && (
        <div className="banner" role="alert" data-testid="draft-offer">
          <span>
            Unsaved changes from your last session: <b>{offered.map((d) => d.path).join(', ')}</b>
          </span>
          <button type="button" className="primary" onClick={() => void restoreDrafts()}>
            Restore
          </button>
          <button type="button" onClick={() => void discardDrafts()}>
            Discard
          </button>
        </div>
      )}
      {tab?.diskConflict !== undefined && (
        <div className="banner" role="alert" data-testid="disk-conflict">
          <span>
            <b>{tab.path}</b> changed on disk while you were editing it.
          </span>
          <button type="button" className="primary" onClick={() => resolve(tab.path, 'disk')}>
            Load the disk version
          </button>
          <button type="button" onClick={() => resolve(tab.path, 'mine')}>
            Keep my changes
          </button>
        </div>
      )}
      {tab?.deletedOnDisk && (
        <div className="banner" role="alert" data-testid="disk-removed">
          <span>
            <b>{tab.path}</b> was deleted or renamed on disk. Its text is kept here.
          </span>
          <button type="button" className="primary" onClick={() => void saveFile(tab.path)}>
            Save it again
          </button>
          <button type="button" onClick={() => closeTab(tab.path)}>
            Close the tab
          </button>
        </div>
      )}
    </>
  );
}
