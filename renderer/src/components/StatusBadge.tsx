import type { ReloadState } from '../../../electron/shared/contract';
import { useSessionStore } from '../stores/sessionStore';

/** A glyph that repeats the word, so the state reads without colour too. */
const GLYPH: Record<ReloadState, string> = { waiting: '…', building: '⚙', loading: '⇅', ok: '✓', error: '✗' };

/** What the reload engine is doing, in words (and a colour that only repeats them). */
export function StatusBadge() {
  const status = useSessionStore((s) => s.status);
  const parts: string[] = [status.state];
  if (status.plugin) parts.push(status.version != null ? `${status.plugin} v${status.version}` : status.plugin);
  return (
    <div className="status-row">
      <span
        className={`status-badge state-${status.state}`}
        data-testid="reload-status"
        data-state={status.state}
        data-version={status.version ?? undefined}
        data-plugin={status.plugin}
        role="status"
        title={status.message}
      >
        <span aria-hidden="true">{GLYPH[status.state]} </span>
        {parts.join(' · ')}
      </span>
      <span className="status-message" title={status.message}>
        {status.message}
      </span>
    </div>
  );
}
