import { Volume2, VolumeX } from 'lucide-react';
import { useSoundStore } from '../audio/soundStore';
import { useSettingsStore } from '../stores/settingsStore';

/** The game's mute toggle (remembered); its data attributes say what the page's player has started. */
export function SoundToggle() {
  const muted = useSettingsStore((s) => s.muted);
  const setMuted = useSettingsStore((s) => s.setMuted);
  const stats = useSoundStore((s) => s.stats);
  const waiting = stats.context === 'none' || stats.context === 'suspended';
  const title = muted
    ? 'Sound is off: click to hear the game'
    : stats.context === 'none'
      ? 'Sound is on; it starts with your first click or key in the editor (the browser asks for a gesture)'
      : 'Mute the game';
  return (
    <button
      type="button"
      data-testid="sound-toggle"
      aria-pressed={muted}
      title={title}
      data-started={stats.started}
      data-plays={stats.plays}
      data-tones={stats.tones}
      data-musics={stats.musics}
      data-skipped={stats.skipped}
      data-reads={stats.reads}
      data-errors={stats.errors}
      data-music={stats.music}
      data-last-seconds={stats.lastSeconds}
      data-context={stats.context}
      className={muted ? 'sound-toggle muted' : waiting ? 'sound-toggle waiting' : 'sound-toggle'}
      onClick={() => setMuted(!muted)}
    >
      {muted ? <VolumeX size={14} aria-hidden /> : <Volume2 size={14} aria-hidden />}
      {muted ? 'Muted' : 'Sound'}
    </button>
  );
}
