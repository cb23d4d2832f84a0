import { useSessionStore } from '../stores/sessionStore';

/** One small line about the game runner process: state, pid, restarts. */
export function RunnerLine() {
  const runner = useSessionStore((s) => s.runner);
  if (!runner) return <div className="runner-line">runner: asking the back end…</div>;
  return (
    <div className={`runner-line runner-${runner.state}`} data-testid="runner-line" data-runner-state={runner.state} title={runner.message}>
      runner: {runner.state}
      {runner.pid != null && ` · pid ${runner.pid}`}
      {` · ${runner.restarts} restart${runner.restarts === 1 ? '' : 's'}`}
      {runner.message && ` · ${runner.message}`}
    </div>
  );
}
