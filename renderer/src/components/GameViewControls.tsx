import { Maximize, SquareArrowOutUpRight } from 'lucide-react';
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
      {/* Icons drawn by the page (SVG): ⛶ and ⧉ were empty boxes where no installed font has them (Debian's Chromium here). */}
      <button type="button" className="icon-button" data-testid="game-fullscreen" aria-label="Full screen" title={withShortcut('Full screen (double-click the game too; Esc leaves)', 'fullscreen')} onClick={toggleGameFullscreen}>
        <Maximize size={14} aria-hidden />
      </button>
      <button type="button" className="icon-button" data-testid="game-popout" aria-label="Pop out" title="Open the game in its own window (for a second monitor)" onClick={openGameWindow}>
        <SquareArrowOutUpRight size={14} aria-hidden />
      </button>
    </span>
  );
}
