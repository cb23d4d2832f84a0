import { useEffect, useMemo, useRef } from 'react';
import { monaco } from '../editor/monaco';
import { saveCurrentFile } from '../app/actions';
import { useEditorStore } from '../stores/editorStore';
import { standingDiagnostics, useReloadLogStore } from '../stores/reloadLogStore';
import type { Severity } from '../../../electron/shared/contract';

const SEVERITY: Record<Severity, monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  note: monaco.MarkerSeverity.Info,
};

function languageOf(path: string): string {
  return /\.(c|h)$/i.test(path) ? 'c' : 'plaintext';
}

/** The Monaco editor over the one open buffer, with save, diagnostics as markers, and jumps. */
export function EditorPane() {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const applyingLoad = useRef(false);
  const path = useEditorStore((s) => s.path);
  const loadSeq = useEditorStore((s) => s.loadSeq);
  const reveal = useEditorStore((s) => s.reveal);
  const events = useReloadLogStore((s) => s.events);
  const diagnostics = useMemo(() => (path ? standingDiagnostics(events, path) : []), [events, path]);

  useEffect(() => {
    const editor = monaco.editor.create(host.current!, {
      model: null,
      theme: 'vs-dark',
      automaticLayout: true,
      fontSize: 13,
      minimap: { enabled: false },
      scrollBeyondLastLine: false,
      tabSize: 4,
      insertSpaces: true,
      renderWhitespace: 'none',
      wordWrap: 'on',
    });
    editor.addCommand(monaco.KeyMod.CtrlCmd | monaco.KeyCode.KeyS, () => void saveCurrentFile());
    const sub = editor.onDidChangeModelContent(() => {
      if (applyingLoad.current) return;
      const model = editor.getModel();
      if (model) useEditorStore.getState().edited(model.getValue());
    });
    editorRef.current = editor;
    return () => {
      sub.dispose();
      editor.dispose();
      for (const m of monaco.editor.getModels()) m.dispose();
      editorRef.current = null;
    };
  }, []);

  // A file came from disk: show exactly its content (once per load, not on every keystroke).
  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !path) return;
    const { content } = useEditorStore.getState();
    const uri = monaco.Uri.file(path);
    let model = monaco.editor.getModel(uri);
    if (!model) model = monaco.editor.createModel(content, languageOf(path), uri);
    applyingLoad.current = true;
    try {
      if (model.getValue() !== content) model.setValue(content);
      if (editor.getModel() !== model) editor.setModel(model);
    } finally {
      applyingLoad.current = false;
    }
  }, [path, loadSeq]);

  useEffect(() => {
    const model = editorRef.current?.getModel();
    if (!model) return;
    monaco.editor.setModelMarkers(
      model,
      'kiln',
      diagnostics.map((d) => ({
        severity: SEVERITY[d.severity],
        message: d.message,
        startLineNumber: d.line,
        startColumn: d.column,
        endLineNumber: d.endLine ?? d.line,
        // Without an end column, mark to the end of the line so the squiggle is visible.
        endColumn: d.endColumn ?? (d.line <= model.getLineCount() ? model.getLineMaxColumn(d.line) : d.column + 1),
      })),
    );
  }, [diagnostics, loadSeq]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !reveal) return;
    const position = { lineNumber: reveal.line, column: reveal.column };
    editor.setPosition(position);
    editor.revealPositionInCenter(position);
    editor.focus();
  }, [reveal]);

  return <div className="editor-host" data-testid="editor" ref={host} />;
}
