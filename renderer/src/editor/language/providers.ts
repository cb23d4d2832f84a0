/**
 * Monaco's C providers over the contract's language.* requests: completion (with Kiln's snippets),
 * hover, signature help and go to definition (F12), plus the opener that makes a definition in another
 * file open its tab (Monaco alone only moves within the current model).
 */
import type { CompletionEntry, CompletionKind, RequestParams, SourceLocation } from '../../../../electron/shared/contract';
import { kiln } from '../../api';
import { monaco } from '../monaco';
import { openLocation, READ_ONLY_PREFIX } from './kilnHeader';
import { kilnSnippets } from './snippets';
import { flush, isCBuffer, pathOf, resyncAll } from './sync';

const KIND: Record<CompletionKind, monaco.languages.CompletionItemKind> = {
  function: monaco.languages.CompletionItemKind.Function,
  variable: monaco.languages.CompletionItemKind.Variable,
  field: monaco.languages.CompletionItemKind.Field,
  constant: monaco.languages.CompletionItemKind.Constant,
  type: monaco.languages.CompletionItemKind.Struct,
  macro: monaco.languages.CompletionItemKind.Constant,
  keyword: monaco.languages.CompletionItemKind.Keyword,
  snippet: monaco.languages.CompletionItemKind.Snippet,
  text: monaco.languages.CompletionItemKind.Text,
};

/** A language request at a position of a C buffer, after the buffer's latest text reached the back end. */
async function at<M extends 'language.completion' | 'language.hover' | 'language.signature' | 'language.definition'>(
  method: M,
  model: monaco.editor.ITextModel,
  position: monaco.Position,
) {
  if (!isCBuffer(model)) return null;
  await flush(model);
  const params = { path: pathOf(model), line: position.lineNumber, column: position.column } as RequestParams<M>;
  try {
    return await kiln().invoke(method, params);
  } catch (err) {
    // A new back end (reconnect, restart) does not know the buffers yet: send them again for the next try.
    if (/is not open/.test(String(err))) resyncAll();
    return null;
  }
}

function completionItem(e: CompletionEntry, model: monaco.editor.ITextModel, position: monaco.Position): monaco.languages.CompletionItem {
  const word = model.getWordUntilPosition(position);
  const range = new monaco.Range(position.lineNumber, e.replaceFrom ?? word.startColumn, position.lineNumber, Math.max(e.replaceTo ?? word.endColumn, position.column));
  return {
    label: { label: e.label, description: e.detail },
    kind: KIND[e.kind],
    detail: e.detail,
    documentation: e.documentation ? { value: e.documentation } : undefined,
    insertText: e.insertText,
    insertTextRules: e.snippet ? monaco.languages.CompletionItemInsertTextRule.InsertAsSnippet : undefined,
    sortText: e.sortText,
    filterText: e.label,
    range,
  };
}

function toMonacoLocation(l: SourceLocation): monaco.languages.Location {
  const path = l.where === 'kiln-include' ? `${READ_ONLY_PREFIX}${l.path}` : l.path;
  return { uri: monaco.Uri.file(path), range: new monaco.Range(l.line, l.column, l.line, l.column) };
}

export function registerLanguageProviders(): monaco.IDisposable {
  const subs: monaco.IDisposable[] = [
    monaco.languages.registerCompletionItemProvider('c', {
      triggerCharacters: ['.', '>'],
      provideCompletionItems: async (model, position) => {
        const result = await at('language.completion', model, position);
        const items = (result?.items ?? []).map((e) => completionItem(e, model, position));
        const word = model.getWordUntilPosition(position);
        const range = new monaco.Range(position.lineNumber, word.startColumn, position.lineNumber, word.endColumn);
        items.push(...kilnSnippets(range));
        return { suggestions: items };
      },
    }),
    monaco.languages.registerHoverProvider('c', {
      provideHover: async (model, position) => {
        const hover = await at('language.hover', model, position);
        return hover ? { contents: [{ value: hover.markdown }] } : null;
      },
    }),
    monaco.languages.registerSignatureHelpProvider('c', {
      signatureHelpTriggerCharacters: ['(', ','],
      signatureHelpRetriggerCharacters: [','],
      provideSignatureHelp: async (model, position) => {
        const help = await at('language.signature', model, position);
        if (!help) return null;
        return {
          value: {
            activeSignature: help.activeSignature,
            activeParameter: help.activeParameter,
            signatures: help.signatures.map((s) => ({
              label: s.label,
              documentation: s.documentation ? { value: s.documentation } : undefined,
              parameters: s.parameters.map((p) => ({ label: p })),
            })),
          },
          dispose: () => undefined,
        };
      },
    }),
    monaco.languages.registerDefinitionProvider('c', {
      provideDefinition: async (model, position) => {
        const found = await at('language.definition', model, position);
        return (found ?? []).map(toMonacoLocation);
      },
    }),
    // A definition in another file (or kiln.h): open its tab at the line instead of Monaco's no-op.
    monaco.editor.registerEditorOpener({
      openCodeEditor: (_source, resource, selection) => {
        if (resource.scheme !== 'file') return false;
        const path = resource.path.replace(/^\//, '');
        const line = selection ? ('startLineNumber' in selection ? selection.startLineNumber : selection.lineNumber) : 1;
        const column = selection ? ('startColumn' in selection ? selection.startColumn : selection.column) : 1;
        const where = path.startsWith(READ_ONLY_PREFIX) ? 'kiln-include' : 'project';
        void openLocation({ where, path: where === 'kiln-include' ? path.slice(READ_ONLY_PREFIX.length) : path, line, column });
        return true;
      },
    }),
  ];
  return { dispose: () => subs.forEach((s) => s.dispose()) };
}
