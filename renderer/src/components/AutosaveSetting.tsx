import { useSettingsStore } from '../stores/settingsStore';

/** Autosave on/off and its delay, stored with the other settings. */
export function AutosaveSetting() {
  const autosave = useSettingsStore((s) => s.autosave);
  const delay = useSettingsStore((s) => s.autosaveDelayMs);
  const setAutosave = useSettingsStore((s) => s.setAutosave);
  const setDelay = useSettingsStore((s) => s.setAutosaveDelay);
  return (
    <span className="autosave" title="Save by itself after a pause in typing">
      <label>
        <input type="checkbox" data-testid="autosave-toggle" checked={autosave} onChange={(e) => setAutosave(e.target.checked)} /> autosave
      </label>
      {autosave && (
        <label>
          after{' '}
          <input
            type="number"
            data-testid="autosave-delay"
            aria-label="Autosave delay in milliseconds"
            min={100}
            max={60000}
            step={100}
            defaultValue={delay}
            onBlur={(e) => setDelay(Number(e.target.value))}
            onKeyDown={(e) => {
              if (e.key === 'Enter') setDelay(Number(e.currentTarget.value));
            }}
          />{' '}
          ms
        </label>
      )}
    </span>
  );
}
