/**
 * clangd's diagnostics of unsaved buffers as Monaco markers of their own owner ('clangd'), beside the
 * build's ('kiln', which stays the authority and is what the reload log shows). The rule for overlap: on a
 * line where the last build has a marker, clangd's markers are hidden, so one problem is never shown twice
 * (their wordings differ: tcc's "'x' undeclared" vs clangd's "Use of undeclared identifier 'x'").
 */
import type { LanguageDiagnostics, Severity } from '../../../../electron/shared/contract';
import { monaco } from '../monaco';
import { sentVersion } from './sync';

export const CLANGD_OWNER = 'clangd';
const BUILD_OWNER = 'kiln';

const SEVERITY: Record<Severity, monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  note: monaco.MarkerSeverity.Info,
};

const latest = new Map<string, LanguageDiagnostics>();
/** Per path: the build's marker lines the clangd markers were last filtered against. */
const filteredAgainst = new Map<string, string>();

function buildLines(model: monaco.editor.ITextModel): Set<number> {
  return new Set(monaco.editor.getModelMarkers({ resource: model.uri, owner: BUILD_OWNER }).map((m) => m.startLineNumber));
}

function apply(path: string): void {
  const model = monaco.editor.getModel(monaco.Uri.file(path));
  const d = latest.get(path);
  if (!model || !d) return;
  const built = buildLines(model);
  filteredAgainst.set(path, [...built].join(','));
  const lines = model.getLineCount();
  monaco.editor.setModelMarkers(
    model,
    CLANGD_OWNER,
    d.diagnostics
      .filter((x) => !built.has(x.line) && x.line <= lines)
      .map((x) => ({
        severity: SEVERITY[x.severity],
        message: x.message,
        source: 'clangd',
        startLineNumber: x.line,
        startColumn: x.column,
        endLineNumber: x.endLine ?? x.line,
        // clangd marks a point for some errors: widen it to one character so the squiggle shows.
        endColumn: Math.max(x.endColumn ?? x.column + 1, (x.endLine ?? x.line) === x.line ? x.column + 1 : 1),
      })),
  );
}

/** A diagnostics event: shown when it is about the text the back end has now (older ones are superseded). */
export function showDiagnostics(d: LanguageDiagnostics): void {
  if (sentVersion(d.path) !== d.version) return;
  latest.set(d.path, d);
  apply(d.path);
}

/** Re-filter when a build's markers change (a save's build finished). */
export function watchBuildMarkers(): monaco.IDisposable {
  return monaco.editor.onDidChangeMarkers((uris) => {
    for (const uri of uris) {
      const path = uri.path.replace(/^\//, '');
      const model = monaco.editor.getModel(uri);
      if (!model || !latest.has(path)) continue;
      if ([...buildLines(model)].join(',') !== filteredAgainst.get(path)) apply(path);
    }
  });
}

export function forgetDiagnostics(path: string): void {
  latest.delete(path);
  filteredAgainst.delete(path);
}
