import { memo } from 'react';
import type { ReloadEvent } from '../../../electron/shared/contract';
import { jumpTo } from '../app/actions';
import { crashLine } from '../app/crashText';
import { CrashSiteLink } from './CrashSiteLink';
import { diagnosticLine, timingsText } from '../app/logText';
import type { GameLogEntry } from '../stores/reloadLogStore';
import { GameLogCount, GameLogSource } from './GameLog';
import { isLoadedOutcome } from '../stores/reloadLogStore';
import { clockTime } from './time';

export { diagnosticLine };

/** One reload: when, which plugin and version, why, how it went, how long each phase took, what crashed, and what the compiler said. */
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
        <span className={`outcome outcome-${e.outcome}`} title={e.outcome === 'internal-error' ? 'Kiln itself failed (a bug in Kiln, not in your game)' : undefined}>
          {e.outcome}
        </span>
        {e.compiler && (
          <span className="compiler" title={e.flags?.join(' ')}>
            {e.compiler}
            {e.flags?.some((f) => /^-O[1-3s]$/.test(f)) ? ` ${e.flags.find((f) => /^-O[1-3s]$/.test(f))}` : ''}
          </span>
        )}
        {e.savesFolded ? <span className="folded">{e.savesFolded} saves folded</span> : null}
      </div>
      {timings && <div className="timings">{timings}</div>}
      {e.crash && (
        <div
          className="crash-line"
          data-testid="crash-record"
          data-kind={e.crash.kind}
          data-callback={e.crash.callback}
          data-crashed-version={e.crash.crashedVersion}
          data-running-version={e.crash.runningVersion ?? undefined}
          data-state={e.crash.state}
        >
          {crashLine(e.crash)}
        </div>
      )}
      {e.crash && <CrashSiteLink crash={e.crash} />}
      {e.message && <div className="reload-message">{e.message}</div>}
      {e.world?.map((m) => (
        <div key={m.component} className="timings" data-testid="world-migration" data-component={m.component} data-entities={m.entities}>
          world: {m.component} migrated for {m.entities} entities in {m.ms} ms — {m.detail}
        </div>
      ))}
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

/** A line the game logged, shown between reloads. */
export const GameLogLine = memo(function GameLogLine({ message: m }: { message: GameLogEntry }) {
  return (
    <li className={`game-log-line level-${m.level}`} data-testid="game-log-entry" data-level={m.level} data-plugin={m.plugin ?? ''} data-source={m.source ?? 'log'}>
      <time>{clockTime(m.at)}</time> <span className="level">game {m.level}</span> <GameLogSource message={m} /> {m.text} <GameLogCount count={m.count} />
    </li>
  );
});
