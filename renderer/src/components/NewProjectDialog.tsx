import { useState } from 'react';
import { createProject, PROJECT_TEMPLATES, projectNameProblem, unsavedPaths, type ProjectTemplate } from '../app/projects';
import { Modal } from './Modal';
import { UnsavedNote } from './UnsavedNote';

/** New game project from a template: a name and a template; Enter creates; the back end's refusal shows here. */
export function NewProjectDialog({ onClose }: { onClose(): void }) {
  const [name, setName] = useState('');
  const [template, setTemplate] = useState<ProjectTemplate>('empty');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [unsaved] = useState(unsavedPaths);
  const problem = projectNameProblem(name);
  return (
    <Modal title="New project" testId="new-project-dialog" onClose={() => !busy && onClose()}>
      <form
        className="modal-form"
        onSubmit={async (e) => {
          e.preventDefault();
          if (problem || busy) return;
          setBusy(true);
          setError(null);
          const refusal = await createProject(name, template);
          setBusy(false);
          if (refusal) setError(refusal);
          else onClose();
        }}
      >
        <label className="modal-field">
          <span>Name</span>
          <input
            data-testid="new-project-name"
            placeholder="e.g. Space Rocks"
            value={name}
            maxLength={64}
            aria-invalid={name !== '' && problem !== null}
            onChange={(e) => {
              setName(e.target.value);
              setError(null);
            }}
          />
        </label>
        {name !== '' && problem && <div className="name-hint">{problem}</div>}
        <fieldset className="modal-choices">
          <legend>Template</legend>
          {PROJECT_TEMPLATES.map((t) => (
            <label key={t.id}>
              <input type="radio" name="template" value={t.id} data-testid={`template-${t.id}`} checked={template === t.id} onChange={() => setTemplate(t.id)} />
              <b>{t.label}</b> <span className="muted">— {t.description}</span>
            </label>
          ))}
        </fieldset>
        <p className="muted">It goes in the projects folder of Kiln's data folder, is trusted, and starts at once.</p>
        <UnsavedNote paths={unsaved} />
        {error && (
          <div className="modal-error" role="alert" data-testid="project-dialog-error">
            {error}
          </div>
        )}
        <div className="modal-buttons">
          <button type="submit" className="primary" data-testid="create-project" disabled={problem !== null || busy}>
            {busy ? 'Creating…' : 'Create'}
          </button>
          <button type="button" onClick={onClose} disabled={busy}>
            Cancel
          </button>
        </div>
      </form>
    </Modal>
  );
}
