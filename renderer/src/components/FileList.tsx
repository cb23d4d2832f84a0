import { useState } from 'react';
import { getBridge } from '../api';
import { createFile, createPlugin, deleteFile, openFile, renameFile } from '../app/actions';
import { isDirty, useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { useUiStore } from '../stores/uiStore';
import { NameForm } from './NameForm';

// The desktop menu's accelerators; a browser keeps Ctrl+Shift+N (incognito) and Ctrl+O for itself.
const desktop = () => getBridge().kind === 'electron';

/** The project's files: click to open; new plugin / new file; rename and delete on each row. */
export function FileList() {
  const project = useProjectStore((s) => s.project);
  const error = useProjectStore((s) => s.error);
  const active = useEditorStore((s) => s.active);
  const dirtyPaths = useEditorStore((s) => s.tabs.filter(isDirty).map((t) => t.path).join('\n'));
  const creating = useUiStore((s) => s.creating);
  const setCreating = useUiStore((s) => s.setCreating);
  const setProjectDialog = useUiStore((s) => s.setProjectDialog);
  const [renaming, setRenaming] = useState<string | null>(null);
  const dirty = new Set(dirtyPaths.split('\n'));

  return (
    <nav className="file-list" aria-label="Project files">
      <div className="pane-title" title={project?.root}>
        {project?.name ?? 'project'}
      </div>
      <div className="file-actions project-actions">
        <button
          type="button"
          data-testid="new-project"
          title={`New game project from a template${desktop() ? ' (Ctrl+Shift+N)' : ''}`}
          onClick={() => setProjectDialog('new')}
        >
          New project…
        </button>
        <button type="button" data-testid="open-project" title="Open another project: a folder, or one opened before" onClick={() => setProjectDialog('open')}>
          Open project…
        </button>
      </div>
      <div className="file-actions">
        <button type="button" data-testid="new-plugin" title="New plugin from the template: it builds and runs at once" onClick={() => setCreating('plugin')}>
          + plugin
        </button>
        <button type="button" data-testid="new-file" title="New file (a header, a second source)" onClick={() => setCreating('file')}>
          + file
        </button>
      </div>
      {creating && (
        <NameForm
          label={creating === 'plugin' ? 'New plugin name' : 'New file path'}
          placeholder={creating === 'plugin' ? 'e.g. stars' : 'e.g. util.h'}
          submitText="Create"
          pattern={creating === 'plugin' ? '^[A-Za-z_][A-Za-z0-9_-]{0,63}$' : undefined}
          hint={creating === 'plugin' ? 'letters, digits, _ and -, starting with a letter' : undefined}
          onSubmit={async (name) => {
            const ok = creating === 'plugin' ? await createPlugin(name) : await createFile(name);
            if (ok) setCreating(null);
          }}
          onCancel={() => setCreating(null)}
        />
      )}
      {error && !project && <div className="file-list-error">{error}</div>}
      <ul data-testid="file-list">
        {project?.files.map((f) =>
          renaming === f.path ? (
            <li key={f.path}>
              <NameForm
                label={`Rename ${f.path} to`}
                initial={f.path}
                submitText="Rename"
                onSubmit={async (to) => {
                  if (to === f.path || (await renameFile(f.path, to))) setRenaming(null);
                }}
                onCancel={() => setRenaming(null)}
              />
            </li>
          ) : (
            <li key={f.path} className="file-row">
              <button
                type="button"
                className={f.path === active ? 'file active' : 'file'}
                aria-current={f.path === active ? 'true' : undefined}
                data-path={f.path}
                data-kind={f.kind}
                title={f.path}
                onClick={() => void openFile(f.path)}
              >
                {f.path}
                {dirty.has(f.path) && <span className="dirty-marker" aria-label="unsaved changes"> ●</span>}
              </button>
              <span className="row-actions">
                <button type="button" aria-label={`Rename ${f.path}`} title={`Rename ${f.path}`} data-testid="rename-file" onClick={() => setRenaming(f.path)}>
                  ✎
                </button>
                <button type="button" aria-label={`Delete ${f.path}`} title={`Delete ${f.path}`} data-testid="delete-file" onClick={() => void deleteFile(f.path)}>
                  🗑
                </button>
              </span>
            </li>
          ),
        )}
      </ul>
    </nav>
  );
}
