/**
 * The window Kiln creates, as data: the security settings (checked by a test) and the remembered
 * size and position. Imports only Electron's types, so it is testable without the Electron binary.
 */
import type { BrowserWindowConstructorOptions, Rectangle } from 'electron';
import { readJson, writeJsonAtomic } from '../core/user-data';
import { GAME_WINDOW_QUERY } from '../shared/contract';
import path from 'node:path';

export interface WindowState {
  bounds: Partial<Rectangle>;
  maximized: boolean;
}

const DEFAULT_STATE: WindowState = { bounds: { width: 1440, height: 900 }, maximized: false };

export function kilnWindowOptions(preload: string, state: WindowState, title: string): BrowserWindowConstructorOptions {
  return {
    ...DEFAULT_STATE.bounds,
    ...state.bounds,
    minWidth: 960,
    minHeight: 600,
    backgroundColor: '#1e1e1e',
    title,
    show: false, // shown once ready, so there is no white flash
    webPreferences: {
      preload,
      sandbox: true,
      contextIsolation: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
    },
  };
}

/** The game's pop-out window: the editor window's security settings, sized for the game at 2×. */
export function gameWindowOptions(preload: string, width: number, height: number, title: string): BrowserWindowConstructorOptions {
  return { ...kilnWindowOptions(preload, { bounds: { width, height }, maximized: false }, title), minWidth: 160, minHeight: 90, backgroundColor: '#000000', useContentSize: true };
}

/** loadFile's query for the pop-out (the renderer shows only the game). */
export const gameWindowQuery: Record<string, string> = { ...GAME_WINDOW_QUERY };

/** Only Kiln's own page may be shown: any navigation elsewhere is refused, new windows are denied. */
export function isAllowedNavigation(url: string, rendererIndex: string): boolean {
  try {
    const target = new URL(url);
    return target.protocol === 'file:' && path.resolve(decodeURIComponent(target.pathname)) === path.resolve(rendererIndex);
  } catch {
    return false;
  }
}

export function windowStateFile(userData: string): string {
  return path.join(userData, 'window-state.json');
}

export async function loadWindowState(userData: string): Promise<WindowState> {
  const saved = await readJson<Partial<WindowState>>(windowStateFile(userData), {});
  const b = saved.bounds ?? {};
  const sane = (n: unknown, min: number) => typeof n === 'number' && Number.isFinite(n) && n >= min;
  return {
    bounds: {
      ...(sane(b.width, 400) && sane(b.height, 300) ? { width: b.width, height: b.height } : DEFAULT_STATE.bounds),
      ...(typeof b.x === 'number' && typeof b.y === 'number' ? { x: b.x, y: b.y } : {}),
    },
    maximized: saved.maximized === true,
  };
}

export function saveWindowState(userData: string, state: WindowState): Promise<void> {
  return writeJsonAtomic(windowStateFile(userData), state);
}
