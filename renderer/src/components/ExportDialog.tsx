import { useState } from 'react';
import type { ExportReport, ExportTarget } from '../../../electron/shared/contract';
import { kiln } from '../api';
import { messageOf } from '../app/actions';
import { useExportStore } from '../stores/exportStore';
import { useProjectStore } from '../stores/projectStore';
import { Modal } from './Modal';

const kb = (bytes: number) => `${(bytes / 1024).toFixed(1)} KB`;
const TARGETS: { value: ExportTarget; label: string; note: string }[] = [
  { value: 'web', label: 'Web page', note: 'index.html + game.wasm: serve the folder with any static web server' },
  { value: 'native', label: 'Standalone program (Linux)', note: 'a program with SDL2 and its files in one folder to zip and send' },
];

/** Export the game: the target, a folder (empty: <project>/export/<target>), then where it went and how big. */
export function ExportDialog() {
  const initial = useExportStore((s) => s.target);
  const root = useProjectStore((s) => s.project?.root ?? '');
  const [target, setTarget] = useState<ExportTarget>(initial ?? 'web');
  const [dir, setDir] = useState('');
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ExportReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  if (!initial) return null;
  const close = () => !busy && useExportStore.getState().close();

  const run = async () => {
    setBusy(true);
    setError(null);
    setReport(null);
    try {
      setReport(await kiln().invoke('project.export', { target, ...(dir.trim() ? { dir: dir.trim() } : {}) }));
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Modal title="Export the game" testId="export-dialog" onClose={close}>
      <form
        className="modal-form"
        onSubmit={(e) => {
          e.preventDefault();
          void run();
        }}
      >
        {TARGETS.map((t) => (
          <label key={t.value} className="modal-field" title={t.note}>
            <span>
              <input type="radio" name="export-target" data-testid={`export-target-${t.value}`} checked={target === t.value} disabled={busy} onChange={() => setTarget(t.value)} /> {t.label}
            </span>
          </label>
        ))}
        <label className="modal-field">
          <span>Folder (a full path; empty or an earlier export)</span>
          <input data-testid="export-dir" placeholder={`${root}/export/${target}`} value={dir} spellCheck={false} disabled={busy} onChange={(e) => setDir(e.target.value)} />
        </label>
        {report && (
          <p data-testid="export-result" role="status">
            Exported to {report.dir}: {kb(report.totalBytes)} in {report.files.length} files.
          </p>
        )}
        {error && (
          <div className="modal-error" role="alert" data-testid="export-error">
            {error}
          </div>
        )}
        <div className="modal-buttons">
          <button type="submit" className="primary" data-testid="export-submit" disabled={busy}>
            {busy ? 'Exporting…' : 'Export'}
          </button>
          <button type="button" onClick={close} disabled={busy}>
            Close
          </button>
        </div>
      </form>
    </Modal>
  );
}
