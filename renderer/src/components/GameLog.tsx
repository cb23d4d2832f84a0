import type { GameLogMessage } from '../../../electron/shared/contract';
import { useReloadLogStore } from '../stores/reloadLogStore';
import { clockTime } from './time';

/** Who printed a line, for lines printed to stdout/stderr (log_info() lines already start with the plugin's name). */
export function GameLogSource({ message: m }: { message: GameLogMessage }) {
  if (!m.source || m.source === 'log') return null;
  return (
    <span className={`game-log-source source-${m.source}`} data-testid="game-log-source">
      {m.plugin ? `${m.plugin} ${m.source}` : m.source}
    </span>
  );
}

/** "×60": the same line came this many times in a row (the back end folds repeats into one entry). */
export function GameLogCount({ count }: { count?: number }) {
  if (!count || count < 2) return null;
  return (
    <span className="game-log-count" data-testid="game-log-count" title={`${count} times in a row`}>
      ×{count}
    </span>
  );
}

/** What the game printed (printf, stderr) or logged (log_info(), log_printf()...), newest first. */
export function GameLog() {
  const messages = useReloadLogStore((s) => s.gameLog);
  return (
    <section className="game-log" aria-label="Game log">
      <div className="pane-title">game log</div>
      <ol>
        {messages.length === 0 && <li className="empty">nothing logged yet</li>}
        {messages.map((m) => (
          <li key={m.seq} className={`level-${m.level}`} data-testid="game-log-line" data-level={m.level} data-plugin={m.plugin ?? ''} data-source={m.source ?? 'log'}>
            <time>{clockTime(m.at)}</time> <span className="level">{m.level}</span> <GameLogSource message={m} /> {m.text} <GameLogCount count={m.count} />
          </li>
        ))}
      </ol>
    </section>
  );
}
