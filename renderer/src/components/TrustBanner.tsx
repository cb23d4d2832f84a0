import { useState } from 'react';
import { kiln } from '../api';
import { messageOf } from '../app/actions';
import { useProjectStore } from '../stores/projectStore';

/** Building a project runs its code: a project Kiln did not create waits for the user's word. */
export function TrustBanner() {
  const project = useProjectStore((s) => s.project);
  const [error, setError] = useState<string | null>(null);
  if (!project || project.trusted !== false) return null;
  return (
    <div className="banner trust-banner" role="alert" data-testid="trust-banner">
      <span>
        <b>{project.name}</b> ({project.root}) is not trusted yet. Building it runs its code and its kiln.json flags on this machine.
        {error && <span className="editor-error"> {error}</span>}
      </span>
      <button
        type="button"
        className="primary"
        data-testid="trust-project"
        onClick={async () => {
          try {
            useProjectStore.getState().setProject(await kiln().invoke('project.trust', { trust: true }));
          } catch (err) {
            setError(messageOf(err));
          }
        }}
      >
        Trust and run it
      </button>
    </div>
  );
}
