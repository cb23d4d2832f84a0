import { openGameWindow, toggleGameFullscreen } from '../app/gameWindow';
import { withShortcut } from '../app/shortcuts';
import { useSettingsStore } from '../stores/settingsStore';

/** How the game is shown: crisp whole-number scaling or fit (remembered), full screen, a pop-out window. */
export function GameViewControls() {
  const scaling = useSettingsStore((s) => s.gameScaling);
  const setScaling = useSettingsStore((s) => s.setGameScaling);
  const fit = scaling === 'fit';
  return (
    <span className="game-view-controls" role="group" aria-label="Game view">
      <button
        type="button"
        data-testid="game-scaling"
        data-scaling={scaling}
        aria-pressed={fit}
        title={fit ? 'Fit: the game fills the pane, keeping its aspect. Click for crisp whole-number scaling' : 'Crisp: whole-number scaling. Click to fit the pane (keeping the aspect)'}
        onClick={() => setScaling(fit ? 'sharp' : 'fit')}
      >
        {fit ? '⤢ Fit' : '▦ Crisp'}
      </button>
      <button type="button" data-testid="game-fullscreen" title={withShortcut('Full screen (double-click the game too; Esc leaves)', 'fullscreen')} onClick={toggleGameFullscreen}>
        ⛶
      </button>
      <button type="button" data-testid="game-popout" title="Open the game in its own window (for a second monitor)" onClick={openGameWindow}>
        ⧉
      </button>
    </span>
  );
}
