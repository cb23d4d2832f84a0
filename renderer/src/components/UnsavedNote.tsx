/** Before a project switch: where unsaved buffers go (the back end keeps them as that project's drafts). */
export function UnsavedNote({ paths }: { paths: string[] }) {
  if (paths.length === 0) return null;
  return (
    <p className="modal-note" data-testid="unsaved-note">
      Unsaved changes in <b>{paths.join(', ')}</b> are kept: they are offered back when you open this project again.
    </p>
  );
}
