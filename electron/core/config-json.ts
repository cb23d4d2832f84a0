/**
 * kiln.json's text to JSON, with every refusal located: a syntax error or a field that fails the
 * schema is reported as line:column of kiln.json (a Diagnostic the editor marks), never "position 41".
 */
import { findNodeAtLocation, parse, parseTree, printParseErrorCode, type ParseError } from 'jsonc-parser';
import type { Diagnostic } from '../shared/contract';

/** 1-based line and column of a character offset (columns count UTF-16 units, as Monaco does). */
export function lineColumnAt(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, Math.max(0, Math.min(offset, text.length)));
  const lastBreak = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastBreak };
}

function diagnosticAt(text: string, offset: number, length: number, message: string): Diagnostic {
  const start = lineColumnAt(text, offset);
  const end = lineColumnAt(text, offset + Math.max(1, length));
  return { file: 'kiln.json', line: start.line, column: start.column, endLine: end.line, endColumn: end.column, severity: 'error', message };
}

/** jsonc-parser's code in words: CommaExpected → "comma expected". */
function syntaxWords(error: ParseError): string {
  return printParseErrorCode(error.error)
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
}

export type ConfigJson = { ok: true; json: unknown } | { ok: false; diagnostic: Diagnostic };

/** Strict JSON (no comments, no trailing commas: kiln.json is read by other tools too), located on failure. */
export function parseConfigJson(text: string): ConfigJson {
  const errors: ParseError[] = [];
  const json = parse(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length === 0) return { ok: true, json };
  const first = errors[0];
  return { ok: false, diagnostic: diagnosticAt(text, first.offset, first.length, `not valid JSON: ${syntaxWords(first)}`) };
}

/** Where a schema issue's path points in the text (the value, or the nearest parent that exists). */
export function locateField(text: string, fieldPath: ReadonlyArray<PropertyKey>, message: string): Diagnostic {
  const root = parseTree(text);
  const segments = fieldPath.filter((p): p is string | number => typeof p === 'string' || typeof p === 'number');
  for (let n = segments.length; root && n >= 0; n--) {
    const node = findNodeAtLocation(root, segments.slice(0, n));
    // A missing field is marked on its parent object's opening brace.
    if (node) return diagnosticAt(text, node.offset, n === 0 ? 1 : node.length, message);
  }
  return diagnosticAt(text, 0, 1, message);
}
