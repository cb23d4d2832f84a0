/**
 * The game view beyond its pane: full screen (F11, a double-click on the game, the toolbar) and a pop-out window
 * for a second monitor. Electron opens the pop-out from its main process (KilnApi.openGameWindow); the web shell
 * opens a game-only view of the same page (`?view=game`), which joins the same session as its own client.
 */
import { GAME_WINDOW_QUERY } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { useProjectStore } from '../stores/projectStore';
import { useSessionStore } from '../stores/sessionStore';

/** This page is the pop-out's game-only view. */
export function isGameOnlyView(): boolean {
  return new URLSearchParams(location.search).get('view') === GAME_WINDOW_QUERY.view;
}

function gameBox(): HTMLElement | null {
  return document.querySelector('[data-testid="game-box"]');
}

export function toggleGameFullscreen(): void {
  if (document.fullscreenElement) return void document.exitFullscreen();
  const box = gameBox();
  void box
    ?.requestFullscreen()
    // Full screen is for playing: the keys go to the game (from the toolbar's button they went to the button, and
    // Space toggled full screen off again).
    .then(() => box.querySelector<HTMLElement>('[data-testid="game-canvas"]')?.focus())
    .catch((err: Error) => console.warn(`kiln: full screen refused: ${err.message}`));
}

/** The pop-out, sized for the game at 2× (the user moves it to another monitor and resizes it). */
export function openGameWindow(): void {
  const api = kiln();
  if (api.openGameWindow) return void api.openGameWindow();
  const size = useSessionStore.getState().frameSize ?? { width: useProjectStore.getState().project?.width ?? 320, height: useProjectStore.getState().project?.height ?? 180 };
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(GAME_WINDOW_QUERY)) url.searchParams.set(k, v);
  window.open(url.toString(), 'kiln-game', `popup,width=${size.width * 2 + 16},height=${size.height * 2 + 16}`);
}
