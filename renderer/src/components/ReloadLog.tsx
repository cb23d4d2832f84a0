import { useReloadLogStore } from '../stores/reloadLogStore';
import { ReloadLogEntry } from './ReloadLogEntry';

/** Every reload, newest first. */
export function ReloadLog() {
  const events = useReloadLogStore((s) => s.events);
  return (
    <section className="reload-log" data-testid="reload-log" aria-label="Reload log">
      <div className="pane-title">
        reload log <span className="count">{events.length}</span>
      </div>
      <ol>
        {events.length === 0 && <li className="empty">no reloads yet — edit the code and press Ctrl+S</li>}
        {events.map((e) => (
          <ReloadLogEntry key={e.id} event={e} />
        ))}
      </ol>
    </section>
  );
}
