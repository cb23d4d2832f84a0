import { isDirty, useEditorStore } from '../stores/editorStore';
import { useSettingsStore } from '../stores/settingsStore';
import { saveAll } from './actions';

let started = false;

/** When autosave is on, save every dirty tab once typing has paused for the configured delay. */
export function startAutosave(): void {
  if (started) return;
  started = true;
  let timer: ReturnType<typeof setTimeout> | null = null;
  const schedule = () => {
    if (timer) clearTimeout(timer);
    timer = null;
    const { autosave, autosaveDelayMs } = useSettingsStore.getState();
    if (!autosave || !useEditorStore.getState().tabs.some(isDirty)) return;
    timer = setTimeout(() => {
      timer = null;
      void saveAll();
    }, autosaveDelayMs);
  };
  useEditorStore.subscribe((s, prev) => {
    if (s.tabs !== prev.tabs) schedule();
  });
  useSettingsStore.subscribe((s, prev) => {
    if (s.autosave !== prev.autosave || s.autosaveDelayMs !== prev.autosaveDelayMs) schedule();
  });
}
