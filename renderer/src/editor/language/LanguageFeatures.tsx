/**
 * Mounts the C language features once: Monaco providers, buffer sync with the back end's language
 * server, its diagnostics as markers, and the one notice of where the features come from.
 */
import { useEffect, useState } from 'react';
import { getBridge } from '../../api';
import { forgetDiagnostics, showDiagnostics, watchBuildMarkers } from './markers';
import { registerLanguageProviders } from './providers';
import { resyncAll, startDocumentSync } from './sync';
import { monaco } from '../monaco';

export function LanguageFeatures() {
  const [notice, setNotice] = useState<string | null>(null);
  useEffect(() => {
    const bridge = getBridge();
    const providers = registerLanguageProviders();
    const markers = watchBuildMarkers();
    const sync = startDocumentSync((status) => {
      if (status.notice) setNotice(status.notice);
    });
    const disposed = monaco.editor.onWillDisposeModel((m) => forgetDiagnostics(m.uri.path.replace(/^\//, '')));
    const offDiagnostics = bridge.api.on('language-diagnostics', showDiagnostics);
    const offSwitch = bridge.api.on('project-switched', () => resyncAll());
    let dropped = false;
    const offConnection = bridge.onConnection((state) => {
      if (state === 'disconnected') dropped = true;
      if (state === 'connected' && dropped) {
        dropped = false;
        resyncAll(); // the back end may be a new one: it has none of the buffers
      }
    });
    return () => {
      offConnection();
      offSwitch();
      offDiagnostics();
      disposed.dispose();
      sync.dispose();
      markers.dispose();
      providers.dispose();
    };
  }, []);
  if (!notice) return null;
  return (
    <div className="banner" role="status" data-testid="language-notice">
      <span>{notice}</span>
      <button type="button" onClick={() => setNotice(null)}>
        OK
      </button>
    </div>
  );
}
