import { closeTab } from '../app/actions';
import { isDirty, useEditorStore } from '../stores/editorStore';

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/** Open files as tabs; a dot marks unsaved changes, × (or a middle click) closes. */
export function TabBar() {
  const tabs = useEditorStore((s) => s.tabs);
  const active = useEditorStore((s) => s.active);
  const activate = useEditorStore((s) => s.activate);

  function onKeyDown(e: React.KeyboardEvent, index: number) {
    const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
    if (!step || tabs.length === 0) return;
    e.preventDefault();
    const next = tabs[(index + step + tabs.length) % tabs.length];
    activate(next.path);
    document.querySelector<HTMLElement>(`.tab[data-path="${CSS.escape(next.path)}"] .tab-label`)?.focus();
  }

  return (
    <div className="tab-bar" role="tablist" aria-label="Open files">
      {tabs.length === 0 && <span className="tab-bar-empty">open a file from the list</span>}
      {tabs.map((t, i) => {
        const dirty = isDirty(t);
        const selected = t.path === active;
        return (
          <div
            key={t.path}
            className={`tab${selected ? ' active' : ''}${dirty ? ' dirty' : ''}`}
            data-testid="editor-tab"
            data-path={t.path}
            data-dirty={dirty ? 'true' : 'false'}
            onAuxClick={(e) => {
              if (e.button === 1) closeTab(t.path);
            }}
          >
            <button
              type="button"
              role="tab"
              className="tab-label"
              aria-selected={selected}
              tabIndex={selected ? 0 : -1}
              title={dirty ? `${t.path} — unsaved changes` : t.path}
              onClick={() => activate(t.path)}
              onKeyDown={(e) => onKeyDown(e, i)}
            >
              {baseName(t.path)}
              {dirty && (
                <span className="dirty-marker" aria-label="unsaved changes">
                  {' '}●
                </span>
              )}
            </button>
            <button type="button" className="tab-close" aria-label={`Close ${t.path}`} title={`Close ${t.path}`} onClick={() => closeTab(t.path)}>
              ×
            </button>
          </div>
        );
      })}
    </div>
  );
}
