import { openFile } from '../app/actions';
import { useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';

/** The project's files; clicking one opens it in the editor. */
export function FileList() {
  const project = useProjectStore((s) => s.project);
  const error = useProjectStore((s) => s.error);
  const openPath = useEditorStore((s) => s.path);
  const dirty = useEditorStore((s) => s.dirty);

  function open(path: string) {
    if (path === openPath) return;
    if (dirty && !window.confirm(`${openPath} has unsaved changes. Discard them?`)) return;
    void openFile(path);
  }

  return (
    <nav className="file-list" aria-label="Project files">
      <div className="pane-title" title={project?.root}>
        {project?.name ?? 'project'}
      </div>
      {error && !project && <div className="file-list-error">{error}</div>}
      <ul data-testid="file-list">
        {project?.files.map((f) => (
          <li key={f.path}>
            <button
              type="button"
              className={f.path === openPath ? 'file active' : 'file'}
              aria-current={f.path === openPath ? 'true' : undefined}
              data-path={f.path}
              data-kind={f.kind}
              title={f.path}
              onClick={() => open(f.path)}
            >
              {f.path}
              {f.path === openPath && dirty && <span className="dirty-marker"> ●</span>}
            </button>
          </li>
        ))}
      </ul>
    </nav>
  );
}
