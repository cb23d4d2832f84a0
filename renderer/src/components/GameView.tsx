import { useEffect, useRef, useState } from 'react';
import { keyCodeFromDom, type Frame } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { useSessionStore } from '../stores/sessionStore';
import { useProjectStore } from '../stores/projectStore';

/** Largest whole-number scale that fits, so pixels stay square and sharp. */
function wholeScale(boxW: number, boxH: number, w: number, h: number): number {
  return Math.max(1, Math.floor(Math.min(boxW / w, boxH / h)));
}

/**
 * The game's canvas. Frames bypass React: the newest one waits in a ref and is drawn once per
 * animation frame; older ones are dropped. Keys go to the game only while the canvas has focus.
 */
export function GameView() {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const held = useRef(new Set<number>());
  const [focused, setFocused] = useState(false);
  const [hasFrame, setHasFrame] = useState(false);
  const [box, setBox] = useState({ width: 0, height: 0 });
  const frameSize = useSessionStore((s) => s.frameSize);
  const status = useSessionStore((s) => s.status);
  const project = useProjectStore((s) => s.project);
  const size = frameSize ?? { width: project?.width ?? 320, height: project?.height ?? 180 };

  useEffect(() => {
    const canvas = canvasRef.current!;
    const ctx = canvas.getContext('2d', { alpha: false })!;
    let newest: Frame | null = null;
    let raf = 0;
    let first = true;
    const draw = () => {
      raf = requestAnimationFrame(draw);
      const frame = newest;
      if (!frame) return;
      newest = null;
      if (canvas.width !== frame.width || canvas.height !== frame.height) {
        canvas.width = frame.width;
        canvas.height = frame.height;
        useSessionStore.getState().setFrameSize(frame.width, frame.height);
      }
      const { buffer, byteOffset, byteLength } = frame.pixels;
      const pixels = new Uint8ClampedArray(buffer as ArrayBuffer, byteOffset, byteLength);
      ctx.putImageData(new ImageData(pixels, frame.width, frame.height), 0, 0);
      if (first) {
        first = false;
        setHasFrame(true);
      }
    };
    raf = requestAnimationFrame(draw);
    const unsubscribe = kiln().onFrame((frame) => {
      newest = frame;
    });
    return () => {
      unsubscribe();
      cancelAnimationFrame(raf);
    };
  }, []);

  // Before the first frame, size the canvas from the project; afterwards frames set it.
  useEffect(() => {
    const canvas = canvasRef.current!;
    if (canvas.width !== size.width) canvas.width = size.width;
    if (canvas.height !== size.height) canvas.height = size.height;
  }, [size.width, size.height]);

  useEffect(() => {
    const el = boxRef.current!;
    const ro = new ResizeObserver(([entry]) => {
      const { width, height } = entry.contentRect;
      setBox({ width, height });
    });
    ro.observe(el);
    return () => ro.disconnect();
  }, []);

  function send(key: number, down: boolean) {
    kiln()
      .invoke('game.input', { key, down })
      .catch(() => {}); // input is best effort; a dropped key is released on blur anyway
  }

  function onKeyDown(e: React.KeyboardEvent) {
    if (e.ctrlKey || e.metaKey || e.altKey) return; // shortcuts (Ctrl+S) belong to the editor
    const key = keyCodeFromDom(e.code);
    if (key == null) return;
    e.preventDefault();
    if (e.repeat || held.current.has(key)) return;
    held.current.add(key);
    send(key, true);
  }

  function onKeyUp(e: React.KeyboardEvent) {
    const key = keyCodeFromDom(e.code);
    if (key == null) return;
    e.preventDefault();
    if (!held.current.delete(key)) return;
    send(key, false);
  }

  function onBlur() {
    setFocused(false);
    for (const key of held.current) send(key, false);
    held.current.clear();
  }

  const scale = box.width > 0 ? wholeScale(box.width, box.height, size.width, size.height) : 1;
  return (
    <div className="game-view">
      <div className="game-box" ref={boxRef}>
        <div className="game-stage" style={{ width: size.width * scale, height: size.height * scale }}>
          <canvas
            ref={canvasRef}
            data-testid="game-canvas"
            className={focused ? 'game-canvas focused' : 'game-canvas'}
            tabIndex={0}
            aria-label="Game: click to play, W/S or arrow keys"
            style={{ width: size.width * scale, height: size.height * scale }}
            onMouseDown={(e) => {
              e.preventDefault();
              e.currentTarget.focus();
            }}
            onFocus={() => setFocused(true)}
            onBlur={onBlur}
            onKeyDown={onKeyDown}
            onKeyUp={onKeyUp}
          />
          {!hasFrame && <div className="game-overlay waiting">waiting for the game…</div>}
          {status.state === 'error' && (
            <div className="game-overlay error" role="alert">
              {status.message}
            </div>
          )}
        </div>
      </div>
      <div className={focused ? 'focus-hint playing' : 'focus-hint'}>
        {focused ? 'playing — keys go to the game (click elsewhere to stop)' : 'click the game to play — W/S or ↑/↓'}
      </div>
    </div>
  );
}
