/**
 * Completion, hover and signature help for kiln.h's names where clangd is missing or given up on. The
 * names and comments come from kiln-header.generated.json, which scripts/kiln-header-data.mjs writes
 * from the header at build time (kiln-header.test.ts keeps it in step): never a hand-kept list.
 */
import type { CompletionEntry, CompletionKind, HoverInfo, SignatureInfo } from '../../shared/contract';
import data from './kiln-header.generated.json';

interface HeaderSymbol {
  name: string;
  kind: 'function' | 'constant' | 'macro' | 'type';
  signature: string;
  params?: string[];
  doc?: string;
}

const symbols = (data as { symbols: HeaderSymbol[] }).symbols;
const byName = new Map(symbols.map((s) => [s.name, s]));

/** What the user can do to get the rest (their own symbols, diagnostics as they type, go to definition). */
export const INSTALL_CLANGD = 'C completion covers kiln.h only: install clangd (apt install clangd) for your own symbols, errors as you type and go to definition';

const KIND: Record<HeaderSymbol['kind'], CompletionKind> = { function: 'function', constant: 'constant', macro: 'macro', type: 'type' };

function markdownOf(s: HeaderSymbol): string {
  return `\`\`\`c\n${s.signature}\n\`\`\`${s.doc ? `\n\n${s.doc}` : ''}\n\n*kiln.h*`;
}

/** The identifier that ends at `column` (1-based) of `line`, and where it starts. */
function wordBefore(line: string, column: number): { word: string; from: number } {
  const before = line.slice(0, column - 1);
  const m = /[A-Za-z_][A-Za-z0-9_]*$/.exec(before);
  return m ? { word: m[0], from: m.index + 1 } : { word: '', from: column };
}

function wordAt(line: string, column: number): string | null {
  const re = /[A-Za-z_][A-Za-z0-9_]*/g;
  for (let m = re.exec(line); m; m = re.exec(line)) {
    if (m.index < column && column <= m.index + m[0].length + 1) return m[0];
  }
  return null;
}

export function headerCompletion(text: string, line: number, column: number): CompletionEntry[] {
  const source = text.split('\n')[line - 1] ?? '';
  const { word, from } = wordBefore(source, column);
  return symbols
    .filter((s) => !s.name.startsWith('enum ') && s.name.startsWith(word))
    .map((s) => ({
      label: s.name,
      kind: KIND[s.kind],
      detail: s.signature,
      documentation: s.doc,
      insertText: s.kind === 'function' ? `${s.name}(${(s.params ?? []).map((p, i) => `\${${i + 1}:${p}}`).join(', ')})` : s.name,
      snippet: s.kind === 'function',
      replaceFrom: from,
      replaceTo: column,
    }));
}

export function headerHover(text: string, line: number, column: number): HoverInfo | null {
  const word = wordAt(text.split('\n')[line - 1] ?? '', column);
  const s = word ? byName.get(word) : undefined;
  return s ? { markdown: markdownOf(s) } : null;
}

/** Signature help inside the parentheses of a kiln.h function call. */
export function headerSignature(text: string, line: number, column: number): SignatureInfo | null {
  const lines = text.split('\n');
  const before = [...lines.slice(0, line - 1), (lines[line - 1] ?? '').slice(0, column - 1)].join('\n');
  let depth = 0;
  let commas = 0;
  for (let i = before.length - 1; i >= 0; i--) {
    const c = before[i];
    if (c === ')') depth++;
    else if (c === '(' && depth > 0) depth--;
    else if (c === ',' && depth === 0) commas++;
    else if (c === ';' || c === '{' || c === '}') return null;
    else if (c === '(') {
      const name = /([A-Za-z_]\w*)\s*$/.exec(before.slice(0, i))?.[1];
      const s = name ? byName.get(name) : undefined;
      if (!s || s.kind !== 'function') return null;
      const label = s.signature;
      const parameters: [number, number][] = [];
      let at = label.indexOf('(') + 1;
      for (const p of s.params ?? []) {
        const start = label.indexOf(p, at);
        parameters.push([start, start + p.length]);
        at = start + p.length;
      }
      return { signatures: [{ label, documentation: s.doc, parameters }], activeSignature: 0, activeParameter: Math.min(commas, Math.max(0, parameters.length - 1)) };
    }
  }
  return null;
}
