import { useSessionStore } from '../stores/sessionStore';

/** Says plainly when the back end cannot be reached (the bridge keeps retrying meanwhile). */
export function ConnectionBanner() {
  const connection = useSessionStore((s) => s.connection);
  if (connection === 'connected') return null;
  return (
    <div className={`connection-banner ${connection}`} role="alert" data-connection={connection}>
      {connection === 'disconnected' ? 'disconnected from the Kiln back end — reconnecting…' : 'connecting…'}
    </div>
  );
}
