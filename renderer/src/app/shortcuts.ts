import { cycleLoop, gameControl, reloadNow, saveActiveFile, saveAll, togglePause } from './actions';
import { toggleGameFullscreen } from './gameWindow';

/** One shortcut: what it is called in tooltips and whether a keydown is it. */
interface Shortcut {
  label: string;
  matches(e: KeyboardEvent): boolean;
  run(): void;
}

const plain = (e: KeyboardEvent) => !e.ctrlKey && !e.metaKey && !e.altKey && !e.shiftKey;
const ctrl = (e: KeyboardEvent) => (e.ctrlKey || e.metaKey) && !e.altKey;

/**
 * Keys that work wherever focus is (Monaco included). F-keys Monaco leaves alone; F8 stays Monaco's
 * "next problem". The browser's own F5 / F6 / F7 are taken over on purpose: this page is an editor.
 */
export const SHORTCUTS = {
  save: { label: 'Ctrl+S', matches: (e) => ctrl(e) && !e.shiftKey && e.code === 'KeyS', run: () => void saveActiveFile() },
  saveAll: { label: 'Ctrl+Shift+S', matches: (e) => ctrl(e) && e.shiftKey && e.code === 'KeyS', run: () => void saveAll() },
  reload: { label: 'F5', matches: (e) => plain(e) && e.key === 'F5', run: () => void reloadNow() },
  restart: { label: 'Ctrl+Shift+F5', matches: (e) => ctrl(e) && e.shiftKey && e.key === 'F5', run: () => void gameControl('restart') },
  pause: { label: 'F6', matches: (e) => plain(e) && e.key === 'F6', run: () => void togglePause() },
  step: { label: 'F7', matches: (e) => plain(e) && e.key === 'F7', run: () => void gameControl('step') },
  loop: { label: 'F9', matches: (e) => plain(e) && e.key === 'F9', run: () => void cycleLoop() },
  fullscreen: { label: 'F11', matches: (e) => plain(e) && e.key === 'F11', run: toggleGameFullscreen },
} satisfies Record<string, Shortcut>;

export type ShortcutName = keyof typeof SHORTCUTS;

/** "Pause (F6)" for a button's title. */
export function withShortcut(text: string, name: ShortcutName): string {
  return `${text} (${SHORTCUTS[name].label})`;
}

let installed = false;

/** Listen in the capture phase so Monaco and the game canvas never see these keys. */
export function installShortcuts(): void {
  if (installed) return;
  installed = true;
  window.addEventListener(
    'keydown',
    (e) => {
      for (const s of Object.values(SHORTCUTS) as Shortcut[]) {
        if (s.matches(e)) {
          e.preventDefault();
          e.stopPropagation();
          if (!e.repeat) s.run();
          return;
        }
      }
    },
    true,
  );
}
