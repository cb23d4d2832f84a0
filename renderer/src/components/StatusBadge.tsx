import { useMemo } from 'react';
import type { ReloadState } from '../../../electron/shared/contract';
import { pluginStates, worstState, type PluginState } from '../stores/pluginStatus';
import { useProjectStore } from '../stores/projectStore';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';

/** A glyph that repeats the word, so the state reads without colour too. */
const GLYPH: Record<ReloadState, string> = { waiting: '…', building: '⚙', loading: '⇅', ok: '✓', error: '✗' };

function label(row: PluginState): string {
  return row.version != null ? `${row.name} v${row.version}` : row.name;
}

/**
 * The worst state across the project's plugins, in words (and a colour that only repeats them); hovering
 * or focusing it lists every plugin's own state, so "ok" never hides a broken plugin next to a good one.
 */
export function StatusBadge() {
  const status = useSessionStore((s) => s.status);
  const live = useSessionStore((s) => s.pluginStatus);
  const events = useReloadLogStore((s) => s.events);
  const project = useProjectStore((s) => s.project);
  const rows = useMemo(() => pluginStates(project?.plugins.map((p) => p.name) ?? [], live, events, project?.configProblem), [project, live, events]);
  // Before the project is known, the back end's newest status is all there is.
  const worst = worstState(rows) ?? { name: status.plugin ?? '', state: status.state, version: status.version ?? null, message: status.message };
  const broken = rows.filter((r) => r.state === 'error').length;
  const parts: string[] = [worst.state];
  if (worst.name) parts.push(label(worst));
  if (broken > 1) parts.push(`${broken} with errors`);
  return (
    <div className="status-row">
      <span className="status-pill" tabIndex={rows.length ? 0 : -1} aria-describedby={rows.length ? 'status-plugins' : undefined}>
        <span
          className={`status-badge state-${worst.state}`}
          data-testid="reload-status"
          data-state={worst.state}
          data-version={worst.version ?? undefined}
          data-plugin={worst.name || undefined}
          role="status"
        >
          <span aria-hidden="true">{GLYPH[worst.state]} </span>
          {parts.join(' · ')}
        </span>
        {rows.length > 0 && (
          <ul className="status-plugins" id="status-plugins" role="tooltip" data-testid="status-plugins">
            {rows.map((r) => (
              <li key={r.name} className={`state-${r.state}`} data-plugin={r.name} data-state={r.state}>
                <span className="status-plugin-state">
                  {GLYPH[r.state]} {r.state}
                </span>{' '}
                <b>{label(r)}</b> <span className="muted">{r.message}</span>
              </li>
            ))}
          </ul>
        )}
      </span>
      <span className="status-message" title={worst.message}>
        {worst.message}
      </span>
    </div>
  );
}
