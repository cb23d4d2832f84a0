import { useEffect, useRef, useState } from 'react';
import { keyCodeFromDom, type Frame } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { useSessionStore } from '../stores/sessionStore';
import { useProjectStore } from '../stores/projectStore';
import { editorCommands } from '../editor/commands';
import { GameOverlay } from './GameOverlay';
import { Timeline } from './Timeline';
import { fitScale, sharpScale } from './gameScale';
import { useSettingsStore } from '../stores/settingsStore';
import { toggleGameFullscreen } from '../app/gameWindow';
import { usePauseWhileEditing } from '../app/pauseWhileEditing';
import { useGamepads } from '../app/gamepads';

/** Over the game while a loop records or replays, so nobody mistakes the replay for live play. */
function LoopBadge() {
  const loop = useSessionStore((s) => s.session?.loop ?? 'off');
  const seconds = useSessionStore((s) => s.session?.loopSeconds ?? 0);
  const paused = useSessionStore((s) => s.session?.paused ?? false);
  if (loop === 'off' && !paused) return null;
  const text = loop === 'recording' ? `● REC ${seconds.toFixed(1)} s` : loop === 'replaying' ? `⟳ LOOP ${seconds.toFixed(1)} s` : '❚❚ PAUSED';
  return (
    <div className={`game-badge badge-${loop === 'off' ? 'paused' : loop}`} aria-hidden="true">
      {text}
    </div>
  );
}

/** DOM mouse buttons bit set (1 left, 2 right, 4 middle) is what the contract wants too. */
function send<M extends 'game.input' | 'game.mouse'>(method: M, params: M extends 'game.input' ? { key: number; down: boolean } : { x: number; y: number; buttons: number }) {
  // Input is best effort: a dropped key is released on blur anyway.
  (kiln().invoke as (m: string, p: unknown) => Promise<unknown>)(method, params).catch(() => {});
}

/**
 * The game's canvas. Frames bypass React: each is drawn as it arrives on a low-latency canvas (or, where the
 * browser has none, the newest waits for the next animation frame); older ones are dropped. Keys and the mouse go
 * to the game only while it has focus.
 */
export function GameView({ height, gameOnly = false }: { height: number; gameOnly?: boolean }) {
  const canvasRef = useRef<HTMLCanvasElement>(null);
  const boxRef = useRef<HTMLDivElement>(null);
  const held = useRef(new Set<number>());
  const mouse = useRef<{ x: number; y: number; buttons: number; sent: string; raf: number }>({ x: 0, y: 0, buttons: 0, sent: '', raf: 0 });
  const [focused, setFocused] = useState(false);
  const [hasFrame, setHasFrame] = useState(false);
  const [box, setBox] = useState({ width: 0, height: 0 });
  const [fullscreen, setFullscreen] = useState(false);
  const scaling = useSettingsStore((s) => s.gameScaling);
  const frameSize = useSessionStore((s) => s.frameSize);
  const project = useProjectStore((s) => s.project);
  const size = frameSize ?? { width: project?.width ?? 320, height: project?.height ?? 180 };
  usePauseWhileEditing(); // the setting: the game waits while the editor has focus
  useGamepads(focused); // pads reach the game while it has focus, like keys

  useEffect(() => {
    const canvas = canvasRef.current!;
    // desynchronized: Chromium's low-latency canvas. What is drawn goes to the display compositor at the end of the
    // task that drew it, without waiting for the page's next animation frame and its commit (docs/PLATFORM.md,
    // "A low-latency game canvas").
    const ctx = canvas.getContext('2d', { alpha: false, desynchronized: true })!;
    const lowLatency = ctx.getContextAttributes?.().desynchronized === true;
    let newest: Frame | null = null;
    let raf = 0;
    let queued = false;
    let first = true;
    const draw = () => {
      const frame = newest;
      if (!frame || document.hidden) return; // a hidden page draws the newest frame when it is shown again
      newest = null;
      if (canvas.width !== frame.width || canvas.height !== frame.height) {
        canvas.width = frame.width;
        canvas.height = frame.height;
        useSessionStore.getState().setFrameSize(frame.width, frame.height);
      }
      const { buffer, byteOffset, byteLength } = frame.pixels;
      const pixels = new Uint8ClampedArray(buffer as ArrayBuffer, byteOffset, byteLength);
      ctx.putImageData(new ImageData(pixels, frame.width, frame.height), 0, 0);
      // Which runner frame is on screen, for tests that compare pictures of known frames (a DOM write, no render).
      canvas.dataset.frame = String(frame.frame);
      if (first) {
        first = false;
        setHasFrame(true);
      }
    };
    // Low latency: a frame is drawn once the frames that came in the same read are decoded (a microtask), so a burst
    // draws only its newest. Otherwise the newest frame waits for the next animation frame, where the page's own
    // commit would make it wait anyway.
    const drawLoop = () => {
      raf = requestAnimationFrame(drawLoop);
      draw();
    };
    const drawSoon = () => {
      if (queued) return;
      queued = true;
      queueMicrotask(() => {
        queued = false;
        draw();
      });
    };
    if (!lowLatency) raf = requestAnimationFrame(drawLoop);
    const unsubscribe = kiln().onFrame((frame) => {
      newest = frame;
      if (lowLatency) drawSoon();
    });
    const shown = () => {
      if (lowLatency && !document.hidden) drawSoon();
    };
    document.addEventListener('visibilitychange', shown);
    return () => {
      unsubscribe();
      document.removeEventListener('visibilitychange', shown);
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

  useEffect(() => {
    const changed = () => setFullscreen(document.fullscreenElement === boxRef.current);
    document.addEventListener('fullscreenchange', changed);
    return () => document.removeEventListener('fullscreenchange', changed);
  }, []);

  const scale = box.width <= 0 ? 1 : scaling === 'fit' ? fitScale(box.width, box.height, size.width, size.height) : sharpScale(box.width, box.height, size.width, size.height, window.devicePixelRatio);

  function onKeyDown(e: React.KeyboardEvent) {
    if (e.ctrlKey || e.metaKey || e.altKey) return; // shortcuts (Ctrl+S) belong to the editor
    if (e.key === 'Escape') {
      e.preventDefault();
      if (document.fullscreenElement) return void document.exitFullscreen(); // Escape leaves full screen first
      // The way out of the game without the mouse: back to the code (blur releases held keys).
      const editor = editorCommands();
      if (editor) editor.focus();
      else (e.currentTarget as HTMLElement).blur();
      return;
    }
    const key = keyCodeFromDom(e.code);
    if (key == null) return;
    e.preventDefault();
    if (e.repeat || held.current.has(key)) return;
    held.current.add(key);
    send('game.input', { key, down: true });
  }

  function onKeyUp(e: React.KeyboardEvent) {
    const key = keyCodeFromDom(e.code);
    if (key == null) return;
    e.preventDefault();
    if (!held.current.delete(key)) return;
    send('game.input', { key, down: false });
  }

  function onBlur() {
    setFocused(false);
    for (const key of held.current) send('game.input', { key, down: false });
    held.current.clear();
    if (mouse.current.buttons) {
      mouse.current.buttons = 0;
      flushMouse();
    }
  }

  function flushMouse() {
    const m = mouse.current;
    m.raf = 0;
    const key = `${m.x},${m.y},${m.buttons}`;
    if (key === m.sent) return;
    m.sent = key;
    send('game.mouse', { x: m.x, y: m.y, buttons: m.buttons });
  }

  /** Pointer position in framebuffer pixels; moves are sent at most once per animation frame. */
  function onMouse(e: React.MouseEvent<HTMLCanvasElement>, immediate: boolean) {
    if (document.activeElement !== e.currentTarget) return;
    const rect = e.currentTarget.getBoundingClientRect();
    const m = mouse.current;
    m.x = Math.floor(((e.clientX - rect.left) / rect.width) * size.width);
    m.y = Math.floor(((e.clientY - rect.top) / rect.height) * size.height);
    m.buttons = e.buttons & 7;
    if (immediate) {
      if (m.raf) cancelAnimationFrame(m.raf);
      flushMouse();
    } else if (!m.raf) {
      m.raf = requestAnimationFrame(flushMouse);
    }
  }

  return (
    <div className="game-view">
      <div className={fullscreen ? 'game-box fullscreen' : 'game-box'} ref={boxRef} style={{ height }} data-testid="game-box" data-fullscreen={fullscreen} data-scaling={scaling}>
        <div className="game-stage" style={{ width: size.width * scale, height: size.height * scale }} data-scale={scale}>
          <canvas
            ref={canvasRef}
            data-testid="game-canvas"
            className={focused ? 'game-canvas focused' : 'game-canvas'}
            tabIndex={0}
            aria-label="Game: click or Tab here to play; keys and the mouse then go to the game"
            style={{ width: size.width * scale, height: size.height * scale }}
            onMouseDown={(e) => {
              e.preventDefault();
              const wasFocused = document.activeElement === e.currentTarget;
              e.currentTarget.focus();
              // The click that gives focus is not a click in the game.
              if (wasFocused) onMouse(e, true);
            }}
            onMouseUp={(e) => onMouse(e, true)}
            onMouseMove={(e) => onMouse(e, false)}
            onContextMenu={(e) => e.preventDefault()}
            onDoubleClick={toggleGameFullscreen}
            onFocus={() => setFocused(true)}
            onBlur={onBlur}
            onKeyDown={onKeyDown}
            onKeyUp={onKeyUp}
          />
          {!hasFrame && <div className="game-overlay waiting">waiting for the game…</div>}
          <LoopBadge />
        </div>
      </div>
      {!gameOnly && <Timeline />}
      {/* Docked under the canvas, never over it: the game's HUD stays readable while it runs. */}
      {!gameOnly && <GameOverlay />}
      <div hidden={gameOnly} className={focused ? 'focus-hint playing' : 'focus-hint'} data-testid="focus-hint" data-focused={focused ? 'true' : 'false'}>
        {focused ? '● playing — keys and mouse go to the game (Esc or click outside to stop)' : 'click the game to play (keys and mouse go to it)'}
      </div>
    </div>
  );
}
