import type { GameSession } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { useSessionStore } from '../stores/sessionStore';
import { useEditorStore } from '../stores/editorStore';

/** The timeline's requests; each answers with the session (paused, the shown frame, the kept range). */
async function run(what: string, call: () => Promise<GameSession>): Promise<void> {
  try {
    useSessionStore.getState().setSession(await call());
  } catch (err) {
    useEditorStore.getState().setError(`could not ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

// A drag asks for many frames: one seek in flight, and only the newest wanted one goes next.
let seeking: Promise<void> | null = null;
let wanted: number | null = null;

export function seekTo(frame: number): Promise<void> {
  wanted = frame;
  if (!seeking) {
    seeking = (async () => {
      try {
        while (wanted !== null) {
          const f = wanted;
          wanted = null;
          await run(`show frame ${f}`, () => kiln().invoke('history.seek', { frame: f }));
        }
      } finally {
        seeking = null;
      }
    })();
  }
  return seeking;
}

/** Resolves once every seek asked for so far has been answered (the shown frame is the last one asked for). */
export const seeksSettled = (): Promise<void> => seeking ?? Promise.resolve();

export const stepFrames = (delta: number) => run(`step ${delta > 0 ? 'forward' : 'back'}`, () => kiln().invoke('history.step', { delta }));
export const replayToNow = () => run('replay to now', () => kiln().invoke('history.replay', {}));
export const playFromHere = () => run('play', () => kiln().invoke('history.play', {}));
export const pauseGame = () => run('pause', () => kiln().invoke('game.control', { action: 'pause' }));
