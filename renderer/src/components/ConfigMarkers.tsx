import { useEffect } from 'react';
import { monaco } from '../editor/monaco';
import { useProjectStore } from '../stores/projectStore';

const OWNER = 'kiln-config';
const isConfig = (model: monaco.editor.ITextModel) => model.uri.path.replace(/^\//, '') === 'kiln.json';

/**
 * A refused kiln.json marked where the back end found the problem (its own marker owner, so the
 * compiler's markers and this one never clear each other). Renders nothing.
 */
export function ConfigMarkers() {
  const diagnostic = useProjectStore((s) => s.project?.configProblem?.diagnostic);
  useEffect(() => {
    const mark = (model: monaco.editor.ITextModel) => {
      if (!isConfig(model)) return;
      const markers = diagnostic
        ? [
            {
              severity: monaco.MarkerSeverity.Error,
              message: diagnostic.message,
              source: 'kiln.json',
              startLineNumber: diagnostic.line,
              startColumn: diagnostic.column,
              endLineNumber: diagnostic.endLine ?? diagnostic.line,
              endColumn: diagnostic.endColumn ?? diagnostic.column + 1,
            },
          ]
        : [];
      monaco.editor.setModelMarkers(model, OWNER, markers);
    };
    for (const model of monaco.editor.getModels()) mark(model);
    // kiln.json opened after the problem was reported gets its marker too.
    const sub = monaco.editor.onDidCreateModel(mark);
    return () => sub.dispose();
  }, [diagnostic]);
  return null;
}
