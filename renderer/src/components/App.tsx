import { useEffect } from 'react';
import { saveCurrentFile } from '../app/actions';
import { ConnectionBanner } from './ConnectionBanner';
import { EditorHeader } from './EditorHeader';
import { EditorPane } from './EditorPane';
import { FileList } from './FileList';
import { GameLog } from './GameLog';
import { GameView } from './GameView';
import { ReloadLog } from './ReloadLog';
import { RunnerLine } from './RunnerLine';
import { StatusBadge } from './StatusBadge';

/** Ctrl+S / Cmd+S anywhere in the page saves (Monaco handles it itself while it has focus). */
function useSaveShortcut() {
  useEffect(() => {
    const onKeyDown = (e: KeyboardEvent) => {
      if (e.defaultPrevented) return;
      if ((e.ctrlKey || e.metaKey) && !e.altKey && !e.shiftKey && e.code === 'KeyS') {
        e.preventDefault();
        void saveCurrentFile();
      }
    };
    window.addEventListener('keydown', onKeyDown);
    return () => window.removeEventListener('keydown', onKeyDown);
  }, []);
}

/** Files on the left, code in the middle, the running game and its reload log on the right. */
export function App() {
  useSaveShortcut();
  return (
    <div className="app">
      <ConnectionBanner />
      <div className="columns">
        <FileList />
        <main className="centre">
          <EditorHeader />
          <EditorPane />
          <div className="console">
            <RunnerLine />
            <GameLog />
          </div>
        </main>
        <aside className="side">
          <StatusBadge />
          <GameView />
          <ReloadLog />
        </aside>
      </div>
    </div>
  );
}
