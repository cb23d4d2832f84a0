#!/usr/bin/env node
/**
 * Generates electron/core/lsp/kiln-header.generated.json from plugins/include/kiln.h: the short-name functions,
 * the constants (enum members, #define values) and the macros, each with the comment the header gives it.
 * It is what completion and hover offer where clangd is missing, so it must never be a hand-kept list:
 * `npm run build` runs this, and kiln-header.test.ts fails when the committed file is out of date.
 *
 *   node scripts/kiln-header-data.mjs           write the JSON
 *   node scripts/kiln-header-data.mjs --print   print it (the test compares)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
export const headerPath = path.join(root, 'plugins', 'include', 'kiln.h');
export const outputPath = path.join(root, 'electron', 'core', 'lsp', 'kiln-header.generated.json');

/** The text of a comment ending on the line just above `index` (a `//` line or a one-line or block comment). */
function commentAbove(lines, index) {
  const prev = (lines[index - 1] ?? '').trim();
  if (prev.startsWith('//')) return prev.replace(/^\/\/\s?/, '').trim();
  if (!prev.endsWith('*/')) return undefined;
  let start = index - 1;
  while (start > 0 && !lines[start].includes('/*')) start--;
  return cleanComment(lines.slice(start, index).join('\n'));
}

function cleanComment(text) {
  return text
    .replace(/^\s*\/\*+/, '')
    .replace(/\*+\/\s*$/, '')
    .split('\n')
    .map((l) => l.replace(/^\s*\*\s?/, '').trim())
    .filter(Boolean)
    .join(' ');
}

/** A trailing comment on the same line: `int x; /* why *\/` or `// why`. */
function trailingComment(line) {
  const block = /\/\*(.*?)\*\/\s*$/.exec(line);
  if (block) return block[1].trim();
  const slash = /\/\/(.*)$/.exec(line);
  return slash ? slash[1].trim() : undefined;
}

export function parseKilnHeader(text) {
  const lines = text.split('\n');
  const symbols = [];
  const seen = new Set();
  const add = (s) => {
    if (seen.has(s.name) || s.name.endsWith('_')) return; // names ending in _ are the header's internals
    seen.add(s.name);
    symbols.push(Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)));
  };
  let enumDoc;
  let inEnum = false;
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const fn = /^static inline ([\w\s*]+?)\s*\b(\w+)\(([^)]*)\)\s*\{/.exec(line);
    if (fn) {
      const returns = fn[1].trim();
      const star = fn[1].trimEnd().endsWith('*') ? '' : ' ';
      add({ name: fn[2], kind: 'function', signature: `${returns}${star}${fn[2]}(${fn[3]})`, params: fn[3] === 'void' ? [] : fn[3].split(',').map((p) => p.trim()), doc: commentAbove(lines, i) });
      continue;
    }
    const define = /^#define (\w+)(\([^)]*\))?\s*(.*)$/.exec(line);
    if (define && !/_H$/.test(define[1])) {
      const value = define[3].replace(/\\$/, '').replace(/\/\*.*\*\/|\/\/.*$/, '').trim();
      const isMacro = Boolean(define[2]);
      add({ name: define[1], kind: isMacro ? 'macro' : 'constant', signature: `#define ${define[1]}${define[2] ?? ''}${isMacro ? '' : ` ${value}`}`.trim(), doc: commentAbove(lines, i) ?? trailingComment(line) });
      continue;
    }
    const enumStart = /^enum (\w+)\s*\{(.*)$/.exec(line);
    if (enumStart) {
      inEnum = true;
      enumDoc = commentAbove(lines, i);
      add({ name: `enum ${enumStart[1]}`, kind: 'type', signature: `enum ${enumStart[1]}`, doc: enumDoc });
    }
    if (inEnum) {
      const body = (enumStart ? enumStart[2] : line).replace(/\/\*.*?\*\//g, '');
      for (const member of body.split(',')) {
        const m = /^\s*([A-Z][A-Z0-9_]*)\s*(?:=\s*([^,}]+))?/.exec(member);
        if (m) add({ name: m[1], kind: 'constant', signature: m[2] ? `${m[1]} = ${m[2].trim()}` : m[1], doc: enumDoc });
      }
      if (line.includes('}')) inEnum = false;
      continue;
    }
    const type = /^typedef (?:struct (\w+) \{|[\w\s]+?\b(\w+);)/.exec(line);
    if (type) add({ name: type[1] ?? type[2], kind: 'type', signature: line.replace(/\s*\{\s*$/, '').replace(/\/\*.*$/, '').trim(), doc: commentAbove(lines, i) ?? trailingComment(line) });
  }
  return { header: 'kiln.h', symbols };
}

export function generate() {
  return `${JSON.stringify(parseKilnHeader(readFileSync(headerPath, 'utf8')), null, 1)}\n`;
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  if (process.argv.includes('--print')) process.stdout.write(generate());
  else writeFileSync(outputPath, generate());
}
