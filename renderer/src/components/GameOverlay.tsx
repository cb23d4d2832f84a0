import { useMemo } from 'react';
import type { CrashRecord, ReloadEvent } from '../../../electron/shared/contract';
import { jumpTo } from '../app/actions';
import { crashCause, crashState, crashTitle, crashVersions, crashWhere, rolledBack } from '../app/crashText';
import { diagnosticLine } from '../app/logText';
import { CrashSiteLink } from './CrashSiteLink';
import { standingProblem, useReloadLogStore } from '../stores/reloadLogStore';
import { useSessionStore } from '../stores/sessionStore';

/** The overlay's title for a problem: a compile error, a crash (from its record), Kiln's own failure, or the outcome in words. */
export function problemTitle(problem: ReloadEvent): string {
  if (problem.crash) return crashTitle(problem.plugin, problem.crash);
  if (problem.outcome === 'compile-error') return `Compile error in ${problem.plugin}`;
  if (problem.outcome === 'internal-error') return `Kiln failed while reloading ${problem.plugin}`;
  return `${problem.plugin}: ${problem.outcome.replace(/-/g, ' ')}`;
}

/** "running v1", "paused" (a crash with nothing earlier to go back to) or "not running". */
export function runningText(problem: ReloadEvent): string {
  // A crash names the version that runs now; the event's own version may be the one that crashed.
  const version = problem.crash ? problem.crash.runningVersion : problem.version;
  if (version != null) return `running v${version}`;
  return problem.crash ? 'paused' : 'not running';
}

/** The crash's facts, one row each, as the record gives them. */
export function CrashFacts({ crash: c }: { crash: CrashRecord }) {
  return (
    <dl
      className="crash-facts"
      data-testid="crash-facts"
      data-kind={c.kind}
      data-callback={c.callback}
      data-signal={c.signal ?? undefined}
      data-crashed-version={c.crashedVersion}
      data-running-version={c.runningVersion ?? undefined}
      data-state={c.state}
    >
      <dt>in</dt>
      <dd>{crashWhere(c)}</dd>
      <dt>what</dt>
      <dd data-testid="crash-cause">{crashCause(c)}</dd>
      {c.address && (
        <>
          <dt>address</dt>
          <dd>{c.address}</dd>
        </>
      )}
      {c.file && c.line ? (
        <>
          <dt>line</dt>
          <dd>
            <CrashSiteLink crash={c} />
          </dd>
        </>
      ) : null}
      <dt>versions</dt>
      <dd>{crashVersions(c)}</dd>
      <dt>state</dt>
      <dd>{crashState(c)}</dd>
    </dl>
  );
}

/**
 * Vite-style overlay over the game for the problem that stands: a compile error (first message,
 * click to jump), a crash (its record's fields), or Kiln's own failure. Dismissible; a good reload of that plugin clears it.
 */
export function GameOverlay() {
  const events = useReloadLogStore((s) => s.events);
  const dismissed = useSessionStore((s) => s.dismissedProblem);
  const dismiss = useSessionStore((s) => s.dismissProblem);
  const problem = useMemo(() => standingProblem(events), [events]);
  if (!problem || problem.id === dismissed) return null;
  return <ProblemOverlay problem={problem} onDismiss={() => dismiss(problem.id)} />;
}

export function ProblemOverlay({ problem, onDismiss }: { problem: ReloadEvent; onDismiss: () => void }) {
  const crash = problem.crash;
  const first = problem.diagnostics.find((d) => d.severity === 'error') ?? problem.diagnostics[0];
  const more = problem.diagnostics.filter((d) => d.severity === 'error').length - 1;

  return (
    <div
      className={`game-problem outcome-${problem.outcome}`}
      role="alert"
      data-testid="game-overlay"
      data-outcome={problem.outcome}
      data-kind={crash?.kind}
      data-rolled-back={crash ? String(rolledBack(crash)) : undefined}
    >
      <div className="game-problem-head">
        <b>{problemTitle(problem)}</b>
        <span className="muted"> — {runningText(problem)}</span>
        <button type="button" className="game-problem-close" aria-label="Dismiss" title="Dismiss (it comes back on the next problem)" onClick={onDismiss}>
          ×
        </button>
      </div>
      {crash && <CrashFacts crash={crash} />}
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
