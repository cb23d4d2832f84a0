import { useEffect } from 'react';
import { gameControl } from './actions';
import { useSessionStore } from '../stores/sessionStore';
import { useSettingsStore } from '../stores/settingsStore';

/** True when focus is inside the code editor (Monaco keeps it in a textarea under the editor's element). */
function editorHasFocus(): boolean {
  return !!document.activeElement?.closest('[data-testid="editor"]');
}

/**
 * The "pause the game while the editor has focus" setting: pauses a running game when the editor gains focus
 * and resumes it when focus leaves, but only a pause it made itself (a pause the user chose stays).
 */
export function usePauseWhileEditing(): void {
  const enabled = useSettingsStore((s) => s.pauseWhileEditing);
  useEffect(() => {
    if (!enabled) return;
    let pausedByUs = false;
    const sync = () => {
      const paused = useSessionStore.getState().session?.paused ?? false;
      if (editorHasFocus()) {
        if (!paused && !pausedByUs) {
          pausedByUs = true;
          void gameControl('pause');
        }
      } else if (pausedByUs) {
        pausedByUs = false;
        if (paused) void gameControl('resume');
      }
    };
    // focusout fires before the next element has focus: look once it has settled
    const later = () => setTimeout(sync, 0);
    document.addEventListener('focusin', later);
    document.addEventListener('focusout', later);
    sync();
    return () => {
      document.removeEventListener('focusin', later);
      document.removeEventListener('focusout', later);
      if (pausedByUs && useSessionStore.getState().session?.paused) void gameControl('resume');
    };
  }, [enabled]);
}
