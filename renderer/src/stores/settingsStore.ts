import { create } from 'zustand';
import { GAME_CHROME, sharpScale } from '../components/gameScale';

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
  /** Pause the game while the code editor has focus (resumed when it loses focus). Off by default. */
  pauseWhileEditing: boolean;
  panes: PaneSizes;
  /** The game's sound is off (the toolbar's mute toggle). */
  muted: boolean;
  /** How the game fills its pane: sharp whole-number scaling, or fit (fill the pane, keep the aspect). */
  gameScaling: GameScaling;
}

export const gameScalings = ['sharp', 'fit'] as const;
export type GameScaling = (typeof gameScalings)[number];

export const PANE_LIMITS: Record<keyof PaneSizes, { min: number; max: number }> = {
  files: { min: 110, max: 400 },
  side: { min: 340, max: 1100 },
  game: { min: 120, max: 900 },
  console: { min: 48, max: 500 },
};

/** The editor keeps at least this much width in the default layout: room for ~75 columns of code. */
export const EDITOR_ROOM = 600;
const FILES_DEFAULT = 130;
const SPLITTERS = 8;

/**
 * The first layout for a window of this size: the editor keeps EDITOR_ROOM, the game column is as wide as
 * the game's sharp scale there needs (for Kiln's default 320×180 game), and the game row is tall enough for
 * that scale and at least 2× (so widening the column later grows the game). 1280×720 → editor 644 px, game 1.5× (480×270).
 */
export function defaultPanes(viewWidth = 1280, viewHeight = 720): PaneSizes {
  const game = { width: 320, height: 180 };
  const boxW = viewWidth - FILES_DEFAULT - SPLITTERS - EDITOR_ROOM - GAME_CHROME.width;
  const boxH = Math.round(viewHeight * 0.55);
  const scale = sharpScale(boxW, boxH, game.width, game.height);
  const limit = (k: keyof PaneSizes, v: number) => clamp(Math.round(v), PANE_LIMITS[k].min, PANE_LIMITS[k].max);
  return {
    files: FILES_DEFAULT,
    side: limit('side', game.width * scale + GAME_CHROME.width),
    game: limit('game', Math.max(game.height * 2, game.height * scale) + GAME_CHROME.height),
    console: limit('console', viewHeight * 0.22),
  };
}

export const DEFAULT_SETTINGS: Settings = {
  autosave: false,
  autosaveDelayMs: 1000,
  pauseWhileEditing: false,
  panes: defaultPanes(),
  muted: false,
  gameScaling: 'sharp',
};


const KEY = 'kiln.settings';

function clamp(v: number, min: number, max: number): number {
  return Math.min(max, Math.max(min, v));
}

/** Settings from storage, with anything missing or out of range replaced by its default. */
export function parseSettings(text: string | null, defaults: Settings = DEFAULT_SETTINGS): Settings {
  let raw: Partial<Settings> = {};
  try {
    raw = text ? (JSON.parse(text) as Partial<Settings>) : {};
  } catch {
    raw = {};
  }
  const panes = { ...defaults.panes };
  for (const k of Object.keys(panes) as (keyof PaneSizes)[]) {
    const v = raw.panes?.[k];
    if (typeof v === 'number' && Number.isFinite(v)) panes[k] = clamp(Math.round(v), PANE_LIMITS[k].min, PANE_LIMITS[k].max);
  }
  const delay = raw.autosaveDelayMs;
  return {
    autosave: typeof raw.autosave === 'boolean' ? raw.autosave : defaults.autosave,
    autosaveDelayMs: typeof delay === 'number' && Number.isFinite(delay) ? clamp(Math.round(delay), 100, 60_000) : defaults.autosaveDelayMs,
    pauseWhileEditing: typeof raw.pauseWhileEditing === 'boolean' ? raw.pauseWhileEditing : defaults.pauseWhileEditing,
    panes,
    muted: typeof raw.muted === 'boolean' ? raw.muted : defaults.muted,
    gameScaling: gameScalings.includes(raw.gameScaling as GameScaling) ? (raw.gameScaling as GameScaling) : defaults.gameScaling,
  };
}

function load(): Settings {
  // Panes never moved by the user start from the window's own size.
  const defaults = typeof window === 'undefined' ? DEFAULT_SETTINGS : { ...DEFAULT_SETTINGS, panes: defaultPanes(window.innerWidth, window.innerHeight) };
  try {
    return parseSettings(localStorage.getItem(KEY), defaults);
  } catch {
    return defaults;
  }
}

interface SettingsStore extends Settings {
  setAutosave(on: boolean): void;
  setAutosaveDelay(ms: number): void;
  setPauseWhileEditing(on: boolean): void;
  setPane(pane: keyof PaneSizes, size: number): void;
  setMuted(on: boolean): void;
  setGameScaling(scaling: GameScaling): void;
}

/** The user's editor settings, kept in localStorage so they survive a restart. */
export const useSettingsStore = create<SettingsStore>()((set, get) => {
  const persist = () => {
    const { autosave, autosaveDelayMs, pauseWhileEditing, panes, muted, gameScaling } = get();
    try {
      localStorage.setItem(KEY, JSON.stringify({ autosave, autosaveDelayMs, pauseWhileEditing, panes, muted, gameScaling }));
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
    setPauseWhileEditing: (pauseWhileEditing) => {
      set({ pauseWhileEditing });
      persist();
    },
    setMuted: (muted) => {
      set({ muted });
      persist();
    },
    setGameScaling: (gameScaling) => {
      set({ gameScaling });
      persist();
    },
    setPane: (pane, size) => {
      const { min, max } = PANE_LIMITS[pane];
      set({ panes: { ...get().panes, [pane]: clamp(Math.round(size), min, max) } });
      persist();
    },
  };
});
