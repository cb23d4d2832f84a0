import { useEffect, useRef } from 'react';
import { kiln } from '../api';
import { useSessionStore } from '../stores/sessionStore';
import { useSettingsStore } from '../stores/settingsStore';
import { SoundPlayer, type SoundStats } from './player';
import { useSoundStore } from './soundStore';

function base64Bytes(b64: string): ArrayBuffer {
  const text = atob(b64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes.buffer;
}

declare global {
  interface Window {
    /** The sound player's counters (read-only use: e2e tests and the benchmark). */
    kilnSound?: SoundStats;
  }
}

/** Plays the sounds frames bring; renders nothing. Mounted once, in the editor window (a pop-out stays silent). */
export function GameSound() {
  const player = useRef<SoundPlayer | null>(null);
  const paused = useSessionStore((s) => s.session?.paused ?? false);
  const muted = useSettingsStore((s) => s.muted);

  useEffect(() => {
    const p = new SoundPlayer(
      (path) => kiln().invoke('sound.read', { path }).then((file) => base64Bytes(file.base64)),
      (stats) => useSoundStore.getState().set(stats),
    );
    player.current = p;
    window.kilnSound = p.stats;
    p.setMuted(useSettingsStore.getState().muted);
    p.setPaused(useSessionStore.getState().session?.paused ?? false);
    // Chromium lets an AudioContext start only after a user gesture in the page.
    const gesture = () => p.unlock();
    window.addEventListener('pointerdown', gesture, true);
    window.addEventListener('keydown', gesture, true);
    const offs = [
      kiln().onFrame((frame) => {
        if (frame.sounds) p.play(frame.sounds, frame.soundsAt ?? 0);
      }),
      kiln().on('file-changed', ({ path }) => p.forget(path)),
      kiln().on('file-removed', ({ path }) => p.forget(path)),
      kiln().on('project-switched', () => p.play([{ kind: 'music-stop' }], 0)),
    ];
    return () => {
      window.removeEventListener('pointerdown', gesture, true);
      window.removeEventListener('keydown', gesture, true);
      for (const off of offs) off();
      p.close();
      player.current = null;
    };
  }, []);

  useEffect(() => player.current?.setPaused(paused), [paused]);
  useEffect(() => player.current?.setMuted(muted), [muted]);
  return null;
}
