import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { installShortcuts } from './app/shortcuts';
import { startApp } from './app/startup';
import { App } from './components/App';
import './styles.css';

installShortcuts();
startApp();
createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App />
  </StrictMode>,
);
