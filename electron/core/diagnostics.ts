/** Compiler output -> Diagnostic[]: GCC's JSON where it has it, text lines (tcc, clang, zig) otherwise. */
import type { Diagnostic, Severity } from '../shared/contract';

interface GccLocation {
  caret?: { file?: string; line?: number; column?: number };
  finish?: { line?: number; column?: number };
}
interface GccDiagnostic {
  kind?: string;
  message?: string;
  locations?: GccLocation[];
  children?: GccDiagnostic[];
}

function severity(kind: string | undefined): Severity {
  if (kind === 'warning') return 'warning';
  if (kind === 'note') return 'note';
  return 'error';
}

/** GCC `-fdiagnostics-format=json` prints one JSON array on stderr. Returns null when it is not there. */
export function parseGccJson(stderr: string): Diagnostic[] | null {
  const start = stderr.indexOf('[');
  if (start < 0) return stderr.trim() === '' ? [] : null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(stderr.slice(start));
  } catch {
    return null;
  }
  if (!Array.isArray(parsed)) return null;
  const out: Diagnostic[] = [];
  const visit = (d: GccDiagnostic) => {
    const caret = d.locations?.[0]?.caret;
    const finish = d.locations?.[0]?.finish;
    if (caret?.file && caret.line) {
      out.push({
        file: caret.file,
        line: caret.line,
        column: caret.column ?? 1,
        endLine: finish?.line,
        endColumn: finish?.column !== undefined ? finish.column + 1 : undefined,
        severity: severity(d.kind),
        message: d.message ?? '',
      });
    }
    d.children?.forEach(visit);
  };
  (parsed as GccDiagnostic[]).forEach(visit);
  return out;
}

// file:line:col: severity: message  (clang, zig, gcc text)   |   file:line: severity: message (tcc)
const LINE = /^(.+?):(\d+):(?:(\d+):)?\s*(fatal error|error|warning|note):\s*(.*)$/;

export function parseTextDiagnostics(text: string): Diagnostic[] {
  const out: Diagnostic[] = [];
  for (const raw of text.split('\n')) {
    const m = LINE.exec(raw.trim());
    if (!m) continue;
    const [, file, line, col, kind, message] = m;
    out.push({
      file: file.replace(/^In file included from /, ''),
      line: Number(line),
      column: col ? Number(col) : 1,
      severity: kind === 'fatal error' ? 'error' : severity(kind),
      message: message.trim(),
    });
  }
  return out;
}
