import { describe, expect, it } from 'vitest';
import { parseGccJson, parseTextDiagnostics } from './diagnostics';

describe('compiler diagnostics', () => {
  it('reads GCC JSON, notes included', () => {
    const json = JSON.stringify([
      {
        kind: 'error',
        message: "'y' undeclared",
        locations: [{ caret: { file: 'pong.c', line: 12, column: 9 }, finish: { file: 'pong.c', line: 12, column: 9 } }],
        children: [{ kind: 'note', message: 'each undeclared identifier is reported only once', locations: [{ caret: { file: 'pong.c', line: 12, column: 9 } }] }],
      },
    ]);
    expect(parseGccJson(json)).toEqual([
      { file: 'pong.c', line: 12, column: 9, endLine: 12, endColumn: 10, severity: 'error', message: "'y' undeclared" },
      { file: 'pong.c', line: 12, column: 9, endLine: undefined, endColumn: undefined, severity: 'note', message: 'each undeclared identifier is reported only once' },
    ]);
  });

  it('says when GCC printed no JSON', () => {
    expect(parseGccJson('')).toEqual([]);
    expect(parseGccJson('cc1: fatal error: pong.c: No such file')).toBeNull();
  });

  it('reads tcc lines, which have no column', () => {
    const text = 'In file included from /p/pong.c:1:\n/p/pong.c:2: error: include file \'x.h\' not found\n/p/w.c:7: warning: implicit declaration of function \'h\'';
    expect(parseTextDiagnostics(text)).toEqual([
      { file: '/p/pong.c', line: 2, column: 1, severity: 'error', message: "include file 'x.h' not found" },
      { file: '/p/w.c', line: 7, column: 1, severity: 'warning', message: "implicit declaration of function 'h'" },
    ]);
  });

  it('reads clang lines with columns and fatal errors', () => {
    expect(parseTextDiagnostics('pong.c:3:14: fatal error: \'nope.h\' file not found')).toEqual([
      { file: 'pong.c', line: 3, column: 14, severity: 'error', message: "'nope.h' file not found" },
    ]);
  });
});
