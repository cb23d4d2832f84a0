import { useState } from 'react';
import { pauseGame, playFromHere, replayToNow, seekTo, seeksSettled, stepFrames } from '../app/timeline';
import { useSessionStore } from '../stores/sessionStore';

const mb = (bytes: number) => (bytes / (1024 * 1024)).toFixed(bytes < 1024 * 1024 ? 2 : 1);

/**
 * Under the game: the last seconds of play, kept by the runner. Drag back and the game shows that frame
 * (restored, drawn with the code loaded now); save while back there and the new code draws it; "Replay to
 * now" runs the recorded input from there with the new code. Crash rollbacks are marks on the track.
 * Keys while it has focus: , and . step a frame back and forward.
 */
export function Timeline() {
  const session = useSessionStore((s) => s.session);
  const [dragging, setDragging] = useState<number | null>(null);
  const t = session?.timeline;
  if (!session || !t) return null;
  if (!t.enabled) {
    return (
      <div className="timeline off" data-testid="timeline" data-enabled="false">
        <span className="muted">timeline off (kiln.json "history": {'{'} "memoryMb": 0 {'}'})</span>
      </div>
    );
  }
  const paused = session.paused;
  const value = dragging ?? t.cursor;
  const span = Math.max(1, t.last - t.first);
  const perFrame = t.frames > 0 ? t.seconds / t.frames : 1 / 60;
  const back = (t.last - value) * perFrame;
  const canReplay = paused && t.cursor < t.inputLast;

  const onSlide = (frame: number) => {
    setDragging(frame);
    void seekTo(frame); // pauses on the first one
  };
  // The thumb stays where it was let go until the runner shows that frame (not back at a seek still answering).
  const letGo = () => void seeksSettled().then(() => setDragging(null));

  return (
    <div
      className={`timeline${t.scrubbed ? ' scrubbed' : ''}`}
      data-testid="timeline"
      data-enabled="true"
      data-first={t.first}
      data-last={t.last}
      data-cursor={t.cursor}
      data-scrubbed={t.scrubbed ? 'true' : 'false'}
      data-crashes={t.crashes.join(',')}
      role="group"
      aria-label="Timeline: the last seconds of play"
      onKeyDown={(e) => {
        if (e.ctrlKey || e.metaKey || e.altKey) return;
        if (e.key === ',' || e.key === '.') {
          e.preventDefault();
          void stepFrames(e.key === ',' ? -1 : 1);
        }
      }}
    >
      <button
        type="button"
        data-testid="timeline-play"
        title={paused ? 'Play on from the shown frame (the frames after it are replaced)' : 'Pause'}
        onClick={() => void (paused ? playFromHere() : pauseGame())}
      >
        {paused ? '▶' : '❚❚'}
      </button>
      <button type="button" data-testid="timeline-back" title="One frame back (,)" disabled={t.frames === 0 || value <= t.first} onClick={() => void stepFrames(-1)}>
        ◀
      </button>
      <div className="timeline-track">
        <input
          type="range"
          data-testid="timeline-slider"
          aria-label="Shown frame"
          min={t.first}
          max={Math.max(t.first, t.last)}
          step={1}
          value={value}
          disabled={t.frames === 0}
          onChange={(e) => onSlide(Number(e.target.value))}
          onPointerUp={letGo}
          onBlur={letGo}
          onKeyUp={letGo}
        />
        {t.crashes.map((f) => (
          <span
            key={f}
            className="timeline-crash"
            data-testid="timeline-crash"
            data-frame={f}
            title={`crash rolled back at frame ${f}: click to see the frame before it`}
            style={{ left: `${((f - t.first) / span) * 100}%` }}
            onClick={() => void seekTo(Math.max(t.first, f - 1))}
          />
        ))}
      </div>
      <button type="button" data-testid="timeline-forward" title="One frame forward (.)" disabled={t.frames === 0 || value >= t.inputLast} onClick={() => void stepFrames(1)}>
        ▶|
      </button>
      <button
        type="button"
        data-testid="timeline-replay"
        disabled={!canReplay}
        title="Run the recorded input from the shown frame to the newest again, with the code loaded now"
        onClick={() => void replayToNow()}
      >
        Replay to now
      </button>
      <span className="timeline-label muted" data-testid="timeline-label" title={`${t.frames} frames (${t.seconds.toFixed(1)} s) kept in ${mb(t.bytes)} of ${mb(t.budgetBytes)} MB`}>
        {t.frames === 0 ? 'no frames kept yet' : `frame ${value}${t.scrubbed || dragging !== null ? ` · −${back.toFixed(1)} s` : ''} · ${t.seconds.toFixed(0)} s kept`}
      </span>
    </div>
  );
}
