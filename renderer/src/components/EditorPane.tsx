import { useEffect, useRef } from 'react';
import { registerEditorCommands } from '../editor/commands';
import { monaco } from '../editor/monaco';
import { useEditorStore } from '../stores/editorStore';
import { useProjectStore } from '../stores/projectStore';
import { standingDiagnostics, useReloadLogStore } from '../stores/reloadLogStore';
import type { Severity } from '../../../electron/shared/contract';

const SEVERITY: Record<Severity, monaco.MarkerSeverity> = {
  error: monaco.MarkerSeverity.Error,
  warning: monaco.MarkerSeverity.Warning,
  note: monaco.MarkerSeverity.Info,
};

function languageOf(path: string): string {
  if (/\.(c|h)$/i.test(path)) return 'c';
  if (/\.json$/i.test(path)) return 'json';
  return 'plaintext';
}

const uriOf = (path: string) => monaco.Uri.file(path);

/**
 * The Monaco editor over the open tabs: one model per tab (so undo history and scroll survive a
 * tab switch), diagnostics as markers on every model, and jumps from the log.
 */
export function EditorPane() {
  const host = useRef<HTMLDivElement>(null);
  const editorRef = useRef<monaco.editor.IStandaloneCodeEditor | null>(null);
  const applyingLoad = useRef(false);
  const applied = useRef(new Map<string, number>()); // path -> loadSeq shown in its model
  const viewStates = useRef(new Map<string, monaco.editor.ICodeEditorViewState | null>());
  const tabs = useEditorStore((s) => s.tabs);
  const active = useEditorStore((s) => s.active);
  const reveal = useEditorStore((s) => s.reveal);
  const events = useReloadLogStore((s) => s.events);
  const projectRoot = useProjectStore((s) => s.project?.root);
  // Markers follow the open files and what they loaded, not every keystroke (Monaco moves them with edits).
  const markerKey = tabs.map((t) => `${t.path}#${t.loadSeq}`).join('|');

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
      fixedOverflowWidgets: true,
    });
    // F8 in the file at hand (the stock "next in files" cannot switch Kiln's tabs).
    editor.addCommand(monaco.KeyCode.F8, () => editor.trigger('kiln', 'editor.action.marker.next', null));
    editor.addCommand(monaco.KeyMod.Shift | monaco.KeyCode.F8, () => editor.trigger('kiln', 'editor.action.marker.prev', null));
    const subs = [
      editor.onDidChangeModelContent(() => {
        if (applyingLoad.current) return;
        const model = editor.getModel();
        const path = model?.uri.path;
        if (model && path) useEditorStore.getState().edited(path.replace(/^\//, ''), model.getValue());
      }),
      editor.onDidChangeCursorPosition((e) => useEditorStore.getState().setCursor(e.position.lineNumber, e.position.column)),
    ];
    editorRef.current = editor;
    const nextProblem = (backwards = false) => {
      editor.focus();
      editor.trigger('kiln', backwards ? 'editor.action.marker.prev' : 'editor.action.marker.next', null);
    };
    registerEditorCommands({ focus: () => editor.focus(), nextProblem });
    // F8 from outside the editor (the log, the game) still goes to the next problem.
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'F8' || e.ctrlKey || e.altKey || e.metaKey || host.current?.contains(e.target as Node)) return;
      e.preventDefault();
      nextProblem(e.shiftKey);
    };
    window.addEventListener('keydown', onKey);
    return () => {
      window.removeEventListener('keydown', onKey);
      registerEditorCommands(null);
      for (const s of subs) s.dispose();
      editor.dispose();
      for (const m of monaco.editor.getModels()) m.dispose();
      applied.current.clear();
      editorRef.current = null;
    };
  }, []);

  // Keep one model per tab: create new ones, apply text loaded from outside, drop closed ones.
  useEffect(() => {
    const open = new Set(tabs.map((t) => uriOf(t.path).toString()));
    for (const model of monaco.editor.getModels()) {
      if (!open.has(model.uri.toString())) {
        applied.current.delete(model.uri.path.replace(/^\//, ''));
        model.dispose();
      }
    }
    applyingLoad.current = true;
    try {
      for (const tab of tabs) {
        let model = monaco.editor.getModel(uriOf(tab.path));
        if (!model) {
          model = monaco.editor.createModel(tab.content, languageOf(tab.path), uriOf(tab.path));
          applied.current.set(tab.path, tab.loadSeq);
        } else if (applied.current.get(tab.path) !== tab.loadSeq) {
          applied.current.set(tab.path, tab.loadSeq);
          // pushEditOperations keeps undo: a reload from disk can be undone like any edit.
          if (model.getValue() !== tab.content) model.pushEditOperations([], [{ range: model.getFullModelRange(), text: tab.content }], () => null);
        }
      }
    } finally {
      applyingLoad.current = false;
    }
  }, [tabs]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor) return;
    const current = editor.getModel();
    if (current) viewStates.current.set(current.uri.path.replace(/^\//, ''), editor.saveViewState());
    const model = active ? monaco.editor.getModel(uriOf(active)) : null;
    const readOnly = tabs.find((t) => t.path === active)?.readOnly === true;
    editor.updateOptions({ readOnly, readOnlyMessage: { value: "kiln.h is Kiln's plugin header: read-only here (it lives outside your project)" } });
    if (model === current) return;
    editor.setModel(model);
    if (active && model) {
      const state = viewStates.current.get(active);
      if (state) editor.restoreViewState(state);
      // setModel moves the cursor without a cursor event: the header's Ln/Col must follow the new tab.
      const at = editor.getPosition();
      if (at) useEditorStore.getState().setCursor(at.lineNumber, at.column);
      editor.focus();
    }
  }, [active, tabs]);

  // Another project: its files' scroll and cursor start fresh (after the save of the old file's state above), even where a path is the same.
  useEffect(() => viewStates.current.clear(), [projectRoot]);

  useEffect(() => {
    for (const tab of tabs) {
      const model = monaco.editor.getModel(uriOf(tab.path));
      if (!model) continue;
      monaco.editor.setModelMarkers(
        model,
        'kiln',
        standingDiagnostics(events, tab.path).map((d) => ({
          severity: SEVERITY[d.severity],
          message: d.message,
          source: 'compiler',
          startLineNumber: d.line,
          startColumn: d.column,
          endLineNumber: d.endLine ?? d.line,
          // Without an end column, mark to the end of the line so the squiggle is visible.
          endColumn: d.endColumn ?? (d.line <= model.getLineCount() ? model.getLineMaxColumn(d.line) : d.column + 1),
        })),
      );
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [events, markerKey]);

  useEffect(() => {
    const editor = editorRef.current;
    if (!editor || !reveal || reveal.path !== active) return;
    const position = { lineNumber: reveal.line, column: reveal.column };
    editor.setPosition(position);
    editor.revealPositionInCenter(position);
    editor.focus();
  }, [reveal, active]);

  return <div className="editor-host" data-testid="editor" ref={host} />;
}
