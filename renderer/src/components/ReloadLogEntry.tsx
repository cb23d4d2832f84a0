import { memo } from 'react';
import type { Diagnostic, ReloadEvent } from '../../../electron/shared/contract';
import { jumpTo } from '../app/actions';
import { isLoadedOutcome } from '../stores/reloadLogStore';
import { clockTime, millis } from './time';

/** `pong.c:42:5 error: expected ';' before '}'` — the form compilers and editors agree on. */
export function diagnosticLine(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.column} ${d.severity}: ${d.message}`;
}

function timingsText(e: ReloadEvent): string {
  const t = e.timings;
  const parts: string[] = [];
  if (t.compileMs != null) parts.push(`compile ${millis(t.compileMs)}`);
  if (t.loadMs != null) parts.push(`load ${millis(t.loadMs)}`);
  if (t.firstFrameMs != null) parts.push(`first frame ${millis(t.firstFrameMs)}`);
  if (t.totalMs != null) parts.push(`total ${millis(t.totalMs)}`);
  return parts.join(' · ');
}

/** One reload: when, which plugin and version, why, how it went, how long each phase took, and what the compiler said. */
export const ReloadLogEntry = memo(function ReloadLogEntry({ event: e }: { event: ReloadEvent }) {
  const good = isLoadedOutcome(e.outcome);
  const timings = timingsText(e);
  return (
    <li
      className={`reload-entry ${good ? 'good' : 'bad'}`}
      data-testid="reload-log-entry"
      data-outcome={e.outcome}
      data-version={e.version ?? undefined}
      data-plugin={e.plugin}
      data-trigger={e.trigger}
    >
      <div className="reload-entry-head">
        <time dateTime={new Date(e.at).toISOString()}>{clockTime(e.at)}</time>
        <span className="plugin">{e.plugin}</span>
        <span className="version">{e.version != null ? `v${e.version}` : 'no version'}</span>
        <span className="trigger">{e.trigger}</span>
        <span className={`outcome outcome-${e.outcome}`}>{e.outcome}</span>
        {e.compiler && <span className="compiler">{e.compiler}</span>}
        {e.savesFolded ? <span className="folded">{e.savesFolded} saves folded</span> : null}
      </div>
      {timings && <div className="timings">{timings}</div>}
      {e.message && <div className="reload-message">{e.message}</div>}
      {e.diagnostics.length > 0 && (
        <ul className="diagnostics">
          {e.diagnostics.map((d, i) => (
            <li key={i}>
              <button
                type="button"
                className={`diagnostic severity-${d.severity}`}
                data-severity={d.severity}
                title="Show in the editor"
                onClick={() => void jumpTo(d.file, d.line, d.column)}
              >
                {diagnosticLine(d)}
              </button>
            </li>
          ))}
        </ul>
      )}
    </li>
  );
});
