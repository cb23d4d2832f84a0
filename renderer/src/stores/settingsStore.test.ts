import { describe, expect, it } from 'vitest';
import { DEFAULT_SETTINGS, PANE_LIMITS, parseSettings } from './settingsStore';

describe('settings from storage', () => {
  it('falls back to the defaults for nothing, junk, or the wrong types', () => {
    expect(parseSettings(null)).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings('{not json')).toEqual(DEFAULT_SETTINGS);
    expect(parseSettings(JSON.stringify({ autosave: 'yes', autosaveDelayMs: 'soon' }))).toEqual(DEFAULT_SETTINGS);
  });

  it('keeps what is valid and clamps pane sizes and the autosave delay', () => {
    const s = parseSettings(JSON.stringify({ autosave: true, autosaveDelayMs: 5, panes: { files: 9999, console: 200 } }));
    expect(s.autosave).toBe(true);
    expect(s.autosaveDelayMs).toBe(100);
    expect(s.panes.files).toBe(PANE_LIMITS.files.max);
    expect(s.panes.console).toBe(200);
    expect(s.panes.side).toBe(DEFAULT_SETTINGS.panes.side);
  });
});
