import { useSettingsStore } from '../stores/settingsStore';

/** The setting that pauses the game while the code editor has focus (usePauseWhileEditing honours it). */
export function PauseWhileEditingSetting() {
  const on = useSettingsStore((s) => s.pauseWhileEditing);
  const set = useSettingsStore((s) => s.setPauseWhileEditing);
  return (
    <label className="pause-while-editing" title="Pause the game while you type in the editor; it resumes when you leave the editor">
      <input type="checkbox" data-testid="pause-while-editing" checked={on} onChange={(e) => set(e.target.checked)} /> pause while editing
    </label>
  );
}
