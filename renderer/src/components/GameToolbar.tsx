import { useState } from 'react';
import type { BuildProfile } from '../../../electron/shared/contract';
import { gameControl, loopControl, reloadNow, setProfile, togglePause } from '../app/actions';
import { withShortcut } from '../app/shortcuts';
import { useExportStore } from '../stores/exportStore';
import { useSessionStore } from '../stores/sessionStore';
import { PauseWhileEditingSetting } from './PauseWhileEditingSetting';
import { profileTooltip } from './profileTooltip';
import { SoundToggle } from './SoundToggle';
import { GameViewControls } from './GameViewControls';

/** Pause/resume, step, restart, reload now, the build profile and loop recording, each with its key in the tooltip. */
export function GameToolbar() {
  const session = useSessionStore((s) => s.session);
  const paused = session?.paused ?? false;
  const loop = session?.loop ?? 'off';
  // The choice shows at once; session updates already in flight must not flip the box back meanwhile.
  const [pendingProfile, setPendingProfile] = useState<BuildProfile | null>(null);
  const profile = pendingProfile ?? session?.profile ?? 'fast';
  const off = !session;
  return (
    <div className="game-toolbar" role="toolbar" aria-label="Game controls">
      <button type="button" data-testid="game-pause" aria-pressed={paused} disabled={off} title={withShortcut(paused ? 'Resume the game' : 'Pause the game', 'pause')} onClick={() => void togglePause()}>
        {paused ? '▶ Resume' : '❚❚ Pause'}
      </button>
      <button type="button" data-testid="game-step" disabled={off || !paused} title={withShortcut('Run one frame (while paused)', 'step')} onClick={() => void gameControl('step')}>
        ⇥ Step
      </button>
      <button
        type="button"
        data-testid="game-restart"
        disabled={off}
        title={withShortcut('Restart with fresh state (init runs again)', 'restart')}
        onClick={() => void gameControl('restart')}
      >
        ⟲ Restart
      </button>
      <button type="button" data-testid="reload-now" title={withShortcut('Rebuild and reload every plugin now', 'reload')} onClick={() => void reloadNow()}>
        ↻ Reload
      </button>
      <SoundToggle />
      <GameViewControls />
      <button type="button" data-testid="export-button" title="Export the game as a web page or a standalone program" onClick={() => useExportStore.getState().open('web')}>
        ⇪ Export
      </button>
      <span className="toolbar-gap" />
      <span className="loop-controls" role="group" aria-label="Loop recording">
        {loop === 'off' && (
          <button type="button" data-testid="loop-record" disabled={off} title={withShortcut('Record input from now, with a snapshot of the state', 'loop')} onClick={() => void loopControl('record')}>
            ● Record loop
          </button>
        )}
        {loop === 'recording' && (
          <button type="button" className="recording" data-testid="loop-play" title={withShortcut('Stop recording and play the loop', 'loop')} onClick={() => void loopControl('play')}>
            ▶ Play loop
          </button>
        )}
        {loop !== 'off' && (
          <button type="button" data-testid="loop-stop" title={withShortcut('Stop: back to live play', 'loop')} onClick={() => void loopControl('stop')}>
            ■ Stop
          </button>
        )}
      </span>
      <label className="profile-toggle" data-testid="profile-toggle-label" title={profileTooltip(session?.profileBuilds)}>
        <input
          type="checkbox"
          data-testid="profile-toggle"
          disabled={off}
          checked={profile === 'optimised'}
          onChange={async (e) => {
            const next = e.target.checked ? 'optimised' : 'fast';
            setPendingProfile(next);
            await setProfile(next);
            setPendingProfile(null);
          }}
        />{' '}
        optimised
      </label>
      <PauseWhileEditingSetting />
    </div>
  );
}
