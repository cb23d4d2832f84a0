import type { GameSession } from '../../../electron/shared/contract';
import { useSessionStore } from '../stores/sessionStore';

const SPARK_W = 90;
const SPARK_H = 18;

/** Points of a frame-time sparkline, scaled to the worst frame shown (the number beside it says how long that was). */
export function sparklinePoints(times: number[], width = SPARK_W, height = SPARK_H): string {
  if (times.length === 0) return '';
  const top = Math.max(0.05, ...times) * 1.15;
  const dx = times.length > 1 ? width / (times.length - 1) : 0;
  return times.map((t, i) => `${(i * dx).toFixed(1)},${(height - (Math.min(t, top) / top) * height).toFixed(1)}`).join(' ');
}

function LoopState({ session }: { session: GameSession }) {
  if (session.loop === 'off') return null;
  const text = session.loop === 'recording' ? `● recording loop ${session.loopSeconds.toFixed(1)} s` : `⟳ replaying ${session.loopSeconds.toFixed(1)} s loop`;
  return (
    <span className={`loop-state loop-${session.loop}`} data-testid="loop-state" data-loop={session.loop}>
      {text}
    </span>
  );
}

/** FPS, a frame-time sparkline, the frame counter, pause and loop state, and each plugin's version. */
export function SessionBar() {
  const session = useSessionStore((s) => s.session);
  if (!session) return <div className="session-bar muted">no game session yet</div>;
  const worst = session.frameTimes.length ? Math.max(...session.frameTimes) : 0;
  return (
    <div className="session-bar" data-testid="session-bar" data-paused={session.paused ? 'true' : 'false'} data-frame={session.frame} data-loop={session.loop}>
      <span className="fps" data-testid="fps" data-fps={session.fps}>
        {session.paused ? 'paused' : `${Math.round(session.fps)} fps`}
      </span>
      <svg className="sparkline" data-testid="frame-sparkline" width={SPARK_W} height={SPARK_H} role="img" aria-label={`frame times, worst ${worst.toFixed(1)} ms`}>
        <polyline points={sparklinePoints(session.frameTimes)} />
      </svg>
      <span className="muted" title="time the game code took per frame (update + draw), worst of the last second">
        {worst.toFixed(worst < 10 ? 2 : 0)} ms
      </span>
      <span className="muted" title="frame counter of the runner">
        frame {session.frame}
      </span>
      <LoopState session={session} />
      <span className="versions" data-testid="plugin-versions">
        {Object.entries(session.versions).map(([name, v]) => (
          <span key={name} className="plugin-version" data-plugin={name} data-version={v ?? ''}>
            {name} {v != null ? `v${v}` : '—'}
          </span>
        ))}
      </span>
    </div>
  );
}
