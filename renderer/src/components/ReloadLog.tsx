import { useMemo, useState } from 'react';
import { reloadOutcomes } from '../../../electron/shared/contract';
import { logAsText } from '../app/logText';
import { useProjectStore } from '../stores/projectStore';
import { logItems, useReloadLogStore, type OutcomeFilter } from '../stores/reloadLogStore';
import { GameLogLine, ReloadLogEntry } from './ReloadLogEntry';

async function copyText(text: string): Promise<void> {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    // No clipboard permission (some embedders): the old way still works from a click.
    const area = document.createElement('textarea');
    area.value = text;
    document.body.append(area);
    area.select();
    document.execCommand('copy');
    area.remove();
  }
}

/** Every reload, newest first, with the game's own messages between them; filters and "copy as text". */
export function ReloadLog() {
  const events = useReloadLogStore((s) => s.events);
  const gameLog = useReloadLogStore((s) => s.gameLog);
  const filter = useReloadLogStore((s) => s.filter);
  const setFilter = useReloadLogStore((s) => s.setFilter);
  const project = useProjectStore((s) => s.project);
  const [copied, setCopied] = useState(false);
  const items = useMemo(() => logItems(events, gameLog, filter), [events, gameLog, filter]);
  // The count is of the reloads the filter lets through; "of N" says some are hidden.
  const shown = items.filter((i) => i.kind === 'reload').length;
  const plugins = useMemo(() => {
    const names = new Set<string>(project?.plugins.map((p) => p.name) ?? []);
    for (const e of events) names.add(e.plugin);
    return [...names].sort();
  }, [project, events]);

  return (
    <section className="reload-log" data-testid="reload-log" aria-label="Reload log">
      <div className="pane-title log-title">
        <span>
          reload log{' '}
          <span className="count" data-testid="log-count" data-shown={shown} data-total={events.length} title={shown < events.length ? `${shown} of ${events.length} reloads match the filter` : undefined}>
            {shown < events.length ? `${shown} of ${events.length}` : events.length}
          </span>
        </span>
        <select aria-label="Show plugin" data-testid="log-filter-plugin" value={filter.plugin} onChange={(e) => setFilter({ plugin: e.target.value })}>
          <option value="">all plugins</option>
          {plugins.map((p) => (
            <option key={p} value={p}>
              {p}
            </option>
          ))}
        </select>
        <select aria-label="Show outcome" data-testid="log-filter-outcome" value={filter.outcome} onChange={(e) => setFilter({ outcome: e.target.value as OutcomeFilter })}>
          <option value="all">all outcomes</option>
          <option value="good">loaded</option>
          <option value="failed">failed</option>
          {reloadOutcomes.map((o) => (
            <option key={o} value={o}>
              {o}
            </option>
          ))}
        </select>
        <label title="Show what the plugins logged (log_info / log_warn) between reloads">
          <input type="checkbox" data-testid="log-filter-game" checked={filter.gameLog} onChange={(e) => setFilter({ gameLog: e.target.checked })} /> game log
        </label>
        <button
          type="button"
          data-testid="copy-log"
          title="Copy the entries shown as plain text"
          onClick={async () => {
            await copyText(logAsText(items));
            setCopied(true);
            setTimeout(() => setCopied(false), 1500);
          }}
        >
          {copied ? 'copied ✓' : 'copy as text'}
        </button>
      </div>
      <ol>
        {events.length === 0 && <li className="empty">no reloads yet — edit the code and press Ctrl+S</li>}
        {events.length > 0 && items.length === 0 && <li className="empty">nothing matches the filter</li>}
        {items.map((item) =>
          item.kind === 'reload' ? <ReloadLogEntry key={`r${item.event.id}`} event={item.event} /> : <GameLogLine key={`g${item.message.seq}`} message={item.message} />,
        )}
      </ol>
    </section>
  );
}
