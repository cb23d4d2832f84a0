import { useEffect, useState } from 'react';
import { STATE_HEX_MAX, type PluginState, type StateField } from '../../../electron/shared/contract';
import { STATE_READ_EVERY_MS, useStateInspectorStore, type StateInspectorStore } from '../stores/stateInspectorStore';
import { formatValue, hexLines } from './stateFormat';

/** Reads the state every STATE_READ_EVERY_MS while the panel is open and the page is visible; nothing otherwise. */
function useLiveState(open: boolean): void {
  const [visible, setVisible] = useState(() => typeof document === 'undefined' || !document.hidden);
  useEffect(() => {
    const onChange = () => setVisible(!document.hidden);
    document.addEventListener('visibilitychange', onChange);
    return () => document.removeEventListener('visibilitychange', onChange);
  }, []);
  useEffect(() => {
    if (!open || !visible) return;
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const tick = async () => {
      const started = performance.now();
      await useStateInspectorStore.getState().read();
      // the next read is due one period after this one started: one in flight at a time, never a queue
      if (!stopped) timer = setTimeout(tick, Math.max(0, STATE_READ_EVERY_MS - (performance.now() - started)));
    };
    void tick();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [open, visible]);
}

/** What the panel shows, as props: the view renders from these alone (the store's data, without its actions). */
export type StateInspectorViewProps = Pick<StateInspectorStore, 'open' | 'state' | 'readError' | 'reads' | 'editing' | 'editError' | 'expanded'>;
type Edit = Pick<StateInspectorViewProps, 'editing' | 'editError' | 'expanded'>;

/** One element's value: click (or Enter) to edit, Enter writes, Escape cancels; a refusal shows under it. */
function Value({ plugin, field, index, label, editing, editError }: { plugin: string; field: StateField; index: number; label: string } & Edit) {
  const value = field.values[index];
  const shown = value === undefined ? '…' : formatValue(field.type, value);
  const isEditing = editing?.plugin === plugin && editing.field === field.name && editing.index === index;
  const [text, setText] = useState(shown);
  const { startEdit, cancelEdit, commitEdit } = useStateInspectorStore.getState();
  if (!isEditing) {
    const begin = () => {
      setText(shown);
      startEdit({ plugin, field: field.name, index });
    };
    return (
      <span
        className={`state-value type-${field.type}`}
        data-field={label}
        data-value={shown}
        role="button"
        tabIndex={0}
        title={`${field.type} at offset ${field.offset}: click to change`}
        onClick={begin}
        onKeyDown={(e) => e.key === 'Enter' && begin()}
      >
        {shown}
      </span>
    );
  }
  return (
    <span className="state-editing">
      <input
        className="state-edit"
        data-testid="state-edit"
        data-field={label}
        aria-label={`New value of ${label}`}
        aria-invalid={editError ? true : undefined}
        value={text}
        autoFocus
        spellCheck={false}
        onFocus={(e) => e.currentTarget.select()}
        onChange={(e) => setText(e.currentTarget.value)}
        onBlur={() => cancelEdit()}
        onKeyDown={(e) => {
          e.stopPropagation(); // typing here is not for the game
          if (e.key === 'Enter') void commitEdit(field, text);
          else if (e.key === 'Escape') cancelEdit();
        }}
      />
      {editError && (
        <span className="state-error" data-testid="state-error" role="alert">
          {editError}
        </span>
      )}
    </span>
  );
}

function FieldRows({ plugin, field, edit }: { plugin: string; field: StateField; edit: Edit }) {
  const key = `${plugin}.${field.name}`;
  const expanded = !!edit.expanded[key];
  if (field.count === 1) {
    return (
      <tr className="state-field">
        <td className="state-name">{field.name}</td>
        <td className="state-type">{field.type}</td>
        <td>
          <Value plugin={plugin} field={field} index={0} label={key} {...edit} />
        </td>
      </tr>
    );
  }
  const preview = field.values.slice(0, 6).map((v) => formatValue(field.type, v)).join(', ');
  return (
    <>
      <tr className="state-field state-array">
        <td className="state-name">
          <button
            className="state-expand"
            data-testid="state-expand"
            data-field={key}
            aria-expanded={expanded}
            onClick={() => useStateInspectorStore.getState().toggleExpanded(key)}
          >
            {expanded ? '▾' : '▸'} {field.name}
          </button>
        </td>
        <td className="state-type">
          {field.type}[{field.count}]
        </td>
        <td className="state-preview">{expanded ? '' : `[${preview}${field.count > 6 ? ', …' : ''}]`}</td>
      </tr>
      {expanded &&
        field.values.map((_, i) => (
          <tr key={i} className="state-field state-element">
            <td className="state-name">[{i}]</td>
            <td />
            <td>
              <Value plugin={plugin} field={field} index={i} label={`${key}[${i}]`} {...edit} />
            </td>
          </tr>
        ))}
      {expanded && field.count > field.values.length && (
        <tr className="state-field state-element">
          <td colSpan={3} className="state-note">
            … {field.count - field.values.length} more not shown
          </td>
        </tr>
      )}
    </>
  );
}

function PluginBlock({ p, edit }: { p: PluginState; edit: Edit }) {
  return (
    <div className="state-plugin" data-plugin={p.plugin}>
      <div className="state-plugin-title">
        <strong>{p.plugin}</strong> v{p.version} · {p.size} bytes{p.paused ? ' · paused' : ''}
      </div>
      {p.fields ? (
        <table className="state-fields">
          <tbody>
            {p.fields.map((f) => (
              <FieldRows key={f.name} plugin={p.plugin} field={f} edit={edit} />
            ))}
          </tbody>
        </table>
      ) : (
        <>
          <div className="state-hint" data-testid="state-hint">
            No KILN_FIELD table: list the state struct&apos;s fields with KILN_FIELD and pass them to KILN_PLUGIN(.fields = …,
            .field_count = …) to see and edit them by name.
          </div>
          <pre className="state-hex" data-testid="state-hex">
            {hexLines(p.hex ?? '').join('\n')}
            {p.size > STATE_HEX_MAX ? `\n(the first ${STATE_HEX_MAX} of ${p.size} bytes)` : ''}
          </pre>
        </>
      )}
    </div>
  );
}

/** Every plugin's state, live: fields with their values (click to change), or the bytes of a table-less block. */
export function StateInspector() {
  const open = useStateInspectorStore((s) => s.open);
  const state = useStateInspectorStore((s) => s.state);
  const readError = useStateInspectorStore((s) => s.readError);
  const reads = useStateInspectorStore((s) => s.reads);
  const editing = useStateInspectorStore((s) => s.editing);
  const editError = useStateInspectorStore((s) => s.editError);
  const expanded = useStateInspectorStore((s) => s.expanded);
  useLiveState(open);
  return <StateInspectorView {...{ open, state, readError, reads, editing, editError, expanded }} />;
}

export function StateInspectorView({ open, state, readError, reads, editing, editError, expanded }: StateInspectorViewProps) {
  const edit: Edit = { editing, editError, expanded };
  return (
    <section className={`state-inspector${open ? ' open' : ''}`} data-testid="state-inspector" data-open={open} data-reads={reads} aria-label="State inspector">
      <button
        className="pane-title state-toggle"
        data-testid="state-inspector-toggle"
        aria-expanded={open}
        title={open ? 'Hide the state inspector (stops reading the state)' : 'Show every plugin’s state, live'}
        onClick={() => useStateInspectorStore.getState().setOpen(!open)}
      >
        {open ? '▾' : '▸'} state{state && open ? <span className="count">frame {state.frame}</span> : null}
      </button>
      {open && (
        <div className="state-body">
          {readError && <div className="state-read-error">{readError}</div>}
          {state && state.plugins.length === 0 && <div className="empty">no plugin is running</div>}
          {state?.plugins.map((p) => <PluginBlock key={p.plugin} p={p} edit={edit} />)}
        </div>
      )}
    </section>
  );
}
