import { useSessionStore } from '../stores/sessionStore';

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
        {parts.join(' · ')}
      </span>
      <span className="status-message" title={status.message}>
        {status.message}
      </span>
    </div>
  );
}
