import { useReloadLogStore } from '../stores/reloadLogStore';
import { clockTime } from './time';

/** What the game printed with log_info()/log_warn(), newest first. */
export function GameLog() {
  const messages = useReloadLogStore((s) => s.gameLog);
  return (
    <section className="game-log" aria-label="Game log">
      <div className="pane-title">game log</div>
      <ol>
        {messages.length === 0 && <li className="empty">nothing logged yet</li>}
        {messages.map((m) => (
          <li key={m.seq} className={`level-${m.level}`} data-level={m.level}>
            <time>{clockTime(m.at)}</time> <span className="level">{m.level}</span> {m.text}
          </li>
        ))}
      </ol>
    </section>
  );
}
