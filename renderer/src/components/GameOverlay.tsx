import { useMemo } from 'react';
import { jumpTo } from '../app/actions';
import { diagnosticLine } from '../app/logText';
import { parseCrash, standingProblem, useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';

/**
 * Vite-style overlay over the game for the problem that stands: a compile error (first message,
 * click to jump) or a crash rolled back. Dismissible; a good reload of that plugin clears it.
 */
export function GameOverlay() {
  const events = useReloadLogStore((s) => s.events);
  const dismissed = useSessionStore((s) => s.dismissedProblem);
  const dismiss = useSessionStore((s) => s.dismissProblem);
  const problem = useMemo(() => standingProblem(events), [events]);
  if (!problem || problem.id === dismissed) return null;

  const crash = problem.outcome === 'crash-rolled-back' ? parseCrash(problem.message) : null;
  const first = problem.diagnostics.find((d) => d.severity === 'error') ?? problem.diagnostics[0];
  const more = problem.diagnostics.filter((d) => d.severity === 'error').length - 1;
  const title =
    problem.outcome === 'compile-error'
      ? `Compile error in ${problem.plugin}`
      : problem.outcome === 'crash-rolled-back'
        ? `${problem.plugin} crashed${crash?.goodVersion != null ? ' and was rolled back' : ''}`
        : `${problem.plugin}: ${problem.outcome.replace(/-/g, ' ')}`;
  // A crash names the version it went back to; the event's own version may still be the one that crashed.
  const runningVersion = crash ? crash.goodVersion : problem.version;
  const running = runningVersion != null ? `running v${runningVersion}` : crash ? 'paused' : 'not running';

  return (
    <div className={`game-problem outcome-${problem.outcome}`} role="alert" data-testid="game-overlay" data-outcome={problem.outcome}>
      <div className="game-problem-head">
        <b>{title}</b>
        <span className="muted"> — {running}</span>
        <button
          type="button"
          className="game-problem-close"
          aria-label="Dismiss"
          title="Dismiss (it comes back on the next problem)"
          onClick={() => dismiss(problem.id)}
        >
          ×
        </button>
      </div>
      {crash && (
        <dl className="crash-facts" data-testid="crash-facts">
          <dt>signal</dt>
          <dd data-signal={crash.signal}>{crash.signal}</dd>
          <dt>in</dt>
          <dd>{crash.callback}()</dd>
          <dt>versions</dt>
          <dd>
            v{crash.badVersion} crashed{crash.goodVersion != null ? ` → back on v${crash.goodVersion}` : ' → paused, no earlier version'}
          </dd>
        </dl>
      )}
      {first ? (
        <button type="button" className="game-problem-message" title="Show in the editor" onClick={() => void jumpTo(first.file, first.line, first.column)}>
          {diagnosticLine(first)}
          {more > 0 && <span className="muted"> (+{more} more)</span>}
        </button>
      ) : (
        !crash && <div className="game-problem-message">{problem.message}</div>
      )}
    </div>
  );
}
