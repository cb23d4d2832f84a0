import { useEffect, useState } from 'react';
import { useProjectStore } from '../stores/projectStore';
import { GameView } from './GameView';

/** The pop-out: only the game, filling its window (keys and the mouse go to the same session). */
export function GameWindow() {
  const [height, setHeight] = useState(window.innerHeight);
  const name = useProjectStore((s) => s.project?.name);
  useEffect(() => {
    const resize = () => setHeight(window.innerHeight);
    window.addEventListener('resize', resize);
    return () => window.removeEventListener('resize', resize);
  }, []);
  useEffect(() => {
    document.title = name ? `${name} — Kiln game` : 'Kiln game';
  }, [name]);
  return (
    <div className="game-window" data-testid="game-window">
      <GameView height={height} gameOnly />
    </div>
  );
}
