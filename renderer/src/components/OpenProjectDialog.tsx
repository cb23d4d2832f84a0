import { useEffect, useState } from 'react';
import type { RecentProject } from '../../../electron/shared/contract';
import { messageOf } from '../app/actions';
import { openProject, recentProjects, unsavedPaths } from '../app/projects';
import { useProjectStore } from '../stores/projectStore';
import { Modal } from './Modal';
import { timeAgo } from './time';
import { UnsavedNote } from './UnsavedNote';

/** Open another project: a folder's absolute path, or one of the projects opened before. */
export function OpenProjectDialog({ onClose }: { onClose(): void }) {
  const currentRoot = useProjectStore((s) => s.project?.root);
  const [dir, setDir] = useState('');
  const [recent, setRecent] = useState<RecentProject[] | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [unsaved] = useState(unsavedPaths);

  useEffect(() => {
    let live = true;
    recentProjects().then(
      (list) => live && setRecent(list),
      (err) => live && (setRecent([]), setError(`could not read the recent projects: ${messageOf(err)}`)),
    );
    return () => {
      live = false;
    };
  }, []);

  const open = async (folder: string) => {
    if (!folder.trim() || busy) return;
    setBusy(true);
    setError(null);
    const refusal = await openProject(folder);
    setBusy(false);
    if (refusal) setError(refusal);
    else onClose();
  };

  const now = Date.now();
  return (
    <Modal title="Open project" testId="open-project-dialog" onClose={() => !busy && onClose()}>
      <form
        className="modal-form"
        onSubmit={(e) => {
          e.preventDefault();
          void open(dir);
        }}
      >
        <label className="modal-field">
          <span>Folder (its full path, holding kiln.json)</span>
          <input
            data-testid="open-project-path"
            placeholder="/home/you/games/rocks"
            value={dir}
            spellCheck={false}
            onChange={(e) => {
              setDir(e.target.value);
              setError(null);
            }}
          />
        </label>
        <UnsavedNote paths={unsaved} />
        {error && (
          <div className="modal-error" role="alert" data-testid="project-dialog-error">
            {error}
          </div>
        )}
        <div className="modal-buttons">
          <button type="submit" className="primary" data-testid="open-project-submit" disabled={!dir.trim() || busy}>
            {busy ? 'Opening…' : 'Open'}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
      <h3>Recent projects</h3>
      {recent === null ? (
        <p className="muted">loading…</p>
      ) : recent.length === 0 ? (
        <p className="muted">none yet</p>
      ) : (
        <ul className="recent-projects" data-testid="recent-projects">
          {recent.map((p) => {
            const isOpen = p.root === currentRoot;
            return (
              <li key={p.root}>
                <button type="button" data-testid="recent-project" data-root={p.root} disabled={busy || isOpen} title={isOpen ? 'open now' : `Open ${p.root}`} onClick={() => void open(p.root)}>
                  <span className="recent-name">{p.name}</span>
                  <span className="muted">{isOpen ? 'open now' : timeAgo(p.openedAt, now)}</span>
                  <span className="recent-root">{p.root}</span>
                </button>
              </li>
            );
          })}
        </ul>
      )}
    </Modal>
  );
}
