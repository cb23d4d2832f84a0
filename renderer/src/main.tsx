import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installShortcuts } from './app/shortcuts';
import { startApp } from './app/startup';
import { App } from './components/App';
import { GameWindow } from './components/GameWindow';
import { isGameOnlyView } from './app/gameWindow';
import './styles.css';

installShortcuts();
startApp();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    {isGameOnlyView() ? <GameWindow /> : <App />}
  </StrictMode>,
);
