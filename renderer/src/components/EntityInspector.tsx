import { useEffect, useState } from 'react';
import type { StateField, WorldComponent, WorldView } from '../../../electron/shared/contract';
import { useEntityInspectorStore, WORLD_READ_EVERY_MS } from '../stores/entityInspectorStore';
import { formatValue } from './stateFormat';

/** Reads the world every WORLD_READ_EVERY_MS while the panel is open; one read in flight at a time. */
function useLiveWorld(open: boolean): void {
  useEffect(() => {
    if (!open) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const started = performance.now();
      if (!document.hidden) await useEntityInspectorStore.getState().read();
      if (!stopped) timer = setTimeout(tick, Math.max(0, WORLD_READ_EVERY_MS - (performance.now() - started)));
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [open]);
}

/** One element of a component field: shows the live value; focus, type and Enter writes it (Escape leaves). */
function FieldValue({ component, name, field, index }: { component: number; name: string; field: StateField; index: number }) {
  const live = field.values[index];
  const shown = live === undefined ? '' : formatValue(field.type, live);
  const [text, setText] = useState<string | null>(null);
  const label = `${name}.${field.name}${field.count > 1 ? `[${index}]` : ''}`;
  return (
    <input
      className={`state-edit type-${field.type}`}
      data-testid="entity-field"
      data-field={label}
      data-value={shown}
      aria-label={label}
      spellCheck={false}
      value={text ?? shown}
      onFocus={(e) => {
        setText(shown);
        e.currentTarget.select();
      }}
      onBlur={() => setText(null)}
      onChange={(e) => setText(e.currentTarget.value)}
      onKeyDown={async (e) => {
        e.stopPropagation(); // typing here is not for the game
        if (e.key === 'Escape') e.currentTarget.blur();
        if (e.key !== 'Enter' || text === null) return;
        const input = e.currentTarget;
        if (await useEntityInspectorStore.getState().write(component, field, index, text)) input.blur();
      }}
    />
  );
}

function Selected({ view, editError }: { view: WorldView; editError: string | null }) {
  const s = view.selected;
  if (!s) return <div className="empty">select an entity to see its components</div>;
  const byId = new Map<number, WorldComponent>(view.components.map((c) => [c.id, c]));
  return (
    <div className="entity-selected" data-testid="entity-selected" data-entity={s.id}>
      <div className="state-plugin-title">
        <strong>entity {s.index}</strong> · generation {s.generation}
      </div>
      {editError && (
        <div className="state-error" data-testid="entity-error" role="alert">
          {editError}
        </div>
      )}
      {s.values.map((v) => {
        const c = byId.get(v.component);
        const name = c?.name ?? `#${v.component}`;
        return (
          <table key={v.component} className="state-fields" data-component={name}>
            <tbody>
              <tr>
                <th colSpan={3} className="state-name">
                  {name} <span className="state-type">{c ? `· ${c.owner}` : ''}</span>
                </th>
              </tr>
              {v.fields.map((f) =>
                Array.from({ length: Math.min(f.count, 16) }, (_, i) => (
                  <tr key={`${f.name}.${i}`} className="state-field">
                    <td className="state-name">{f.count > 1 ? `${f.name}[${i}]` : f.name}</td>
                    <td className="state-type">{f.type}</td>
                    <td>
                      <FieldValue component={v.component} name={name} field={f} index={i} />
                    </td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        );
      })}
    </div>
  );
}

/** The world's entities, live: a filter by component, the list, and the selected entity's components (editable). */
export function EntityInspector() {
  const { open, view, readError, reads, filter, selected, editError } = useEntityInspectorStore();
  useLiveWorld(open);
  const store = useEntityInspectorStore.getState();
  const names = new Map((view?.components ?? []).map((c) => [c.id, c.name]));
  return (
    <section className={`state-inspector entity-inspector${open ? ' open' : ''}`} data-testid="entity-inspector" data-open={open} data-reads={reads} aria-label="Entity inspector">
      <button
        className="pane-title state-toggle"
        data-testid="entity-inspector-toggle"
        aria-expanded={open}
        title={open ? 'Hide the entity inspector' : 'Show the world’s entities, live'}
        onClick={() => store.setOpen(!open)}
      >
        {open ? '▾' : '▸'} entities{' '}
        {view && open ? (
          <span className="count" data-testid="entity-count">
            {view.entities}
          </span>
        ) : null}
      </button>
      {open && (
        <div className="state-body">
          {readError && <div className="state-read-error">{readError}</div>}
          {view && view.components.length === 0 && <div className="empty">no world: no plugin declares KILN_SYSTEM(...)</div>}
          {view && view.components.length > 0 && (
            <>
              <label className="entity-filter">
                with{' '}
                <select data-testid="entity-filter" value={filter} onChange={(e) => void store.setFilter(Number(e.currentTarget.value))}>
                  <option value={-1}>any component ({view.entities})</option>
                  {view.components.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name} ({c.count})
                    </option>
                  ))}
                </select>
              </label>
              <ul className="entity-list" data-testid="entity-list">
                {view.list.map((e) => (
                  <li key={e.id}>
                    <button
                      className={e.id === selected ? 'selected' : ''}
                      data-testid="entity-row"
                      data-entity={e.id}
                      aria-pressed={e.id === selected}
                      onClick={() => void store.select(e.id === selected ? null : e.id)}
                    >
                      #{e.index} <span className="state-type">{e.components.map((c) => names.get(c) ?? c).join(' ')}</span>
                    </button>
                  </li>
                ))}
                {view.matching > view.list.length && <li className="state-note">… {view.matching - view.list.length} more</li>}
              </ul>
              <Selected view={view} editError={editError} />
            </>
          )}
        </div>
      )}
    </section>
  );
}
