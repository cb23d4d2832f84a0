import { create } from 'zustand';

/** Sizes in CSS pixels of the panes a splitter can move. */
export interface PaneSizes {
  files: number; // file list width
  side: number; // game + reload log column width
  game: number; // game view height
  console: number; // console height under the editor
}

export interface Settings {
  autosave: boolean;
  /** Save this long after the last keystroke when autosave is on. */
  autosaveDelayMs: number;
  panes: PaneSizes;
}

export const DEFAULT_SETTINGS: Settings = {
  autosave: false,
  autosaveDelayMs: 1000,
  panes: { files: 150, side: 664, game: 368, console: 110 },
};

export const PANE_LIMITS: Record<keyof PaneSizes, { min: number; max: number }> = {
  files: { min: 110, max: 400 },
  side: { min: 340, max: 1100 },
  game: { min: 120, max: 900 },
  console: { min: 48, max: 500 },
};

const KEY = 'kiln.settings';

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

/** Settings from storage, with anything missing or out of range replaced by its default. */
export function parseSettings(text: string | null): Settings {
  let raw: Partial<Settings> = {};
  try {
    raw = text ? (JSON.parse(text) as Partial<Settings>) : {};
  } catch {
    raw = {};
  }
  const panes = { ...DEFAULT_SETTINGS.panes };
  for (const k of Object.keys(panes) as (keyof PaneSizes)[]) {
    const v = raw.panes?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) panes[k] = clamp(Math.round(v), PANE_LIMITS[k].min, PANE_LIMITS[k].max);
  }
  const delay = raw.autosaveDelayMs;
  return {
    autosave: typeof raw.autosave === 'boolean' ? raw.autosave : DEFAULT_SETTINGS.autosave,
    autosaveDelayMs: typeof delay === 'number' && Number.isFinite(delay) ? clamp(Math.round(delay), 100, 60_000) : DEFAULT_SETTINGS.autosaveDelayMs,
    panes,
  };
}

function load(): Settings {
  try {
    return parseSettings(localStorage.getItem(KEY));
  } catch {
    return DEFAULT_SETTINGS;
  }
}

interface SettingsStore extends Settings {
  setAutosave(on: boolean): void;
  setAutosaveDelay(ms: number): void;
  setPane(pane: keyof PaneSizes, size: number): void;
}

/** The user's editor settings, kept in localStorage so they survive a restart. */
export const useSettingsStore = create<SettingsStore>()((set, get) => {
  const persist = () => {
    const { autosave, autosaveDelayMs, panes } = get();
    try {
      localStorage.setItem(KEY, JSON.stringify({ autosave, autosaveDelayMs, panes }));
    } catch {
      // storage full or disabled: settings last for this session only
    }
  };
  return {
    ...load(),
    setAutosave: (autosave) => {
      set({ autosave });
      persist();
    },
    setAutosaveDelay: (ms) => {
      set({ autosaveDelayMs: parseSettings(JSON.stringify({ autosaveDelayMs: ms })).autosaveDelayMs });
      persist();
    },
    setPane: (pane, size) => {
      const { min, max } = PANE_LIMITS[pane];
      set({ panes: { ...get().panes, [pane]: clamp(Math.round(size), min, max) } });
      persist();
    },
  };
});
