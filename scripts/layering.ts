/**
 * The layering rules of Kiln's sources, checked from their imports (read with the TypeScript compiler
 * API, so comments and strings never count). electron/layering.test.ts runs it on the checkout.
 *   - electron/core and electron/shared never import Electron;
 *   - electron/shared imports nothing but zod (and its own files): it runs in every process;
 *   - renderer code never imports Node (node:*, built-ins) nor electron/core|runner|web|electron-main;
 *   - the runner protocol (HostToRunner, RunnerToHost) is declared in one module, and the runner and
 *     the back end both import it from there.
 */
import { builtinModules } from 'node:module';
import path from 'node:path';
import ts from 'typescript';

export interface ImportRef {
  /** The module as written: 'zod', 'node:fs', '../shared/contract'. */
  specifier: string;
  /** For a relative import, the file it resolves to (root-relative, posix), or its normalised path if absent. */
  target: string | null;
  /** Names it imports (`import { A as B }` gives A); empty for side-effect and namespace imports. */
  names: string[];
  line: number;
}

export interface Violation {
  file: string;
  line: number;
  rule: string;
  message: string;
}

const SOURCE = /\.(ts|tsx|mts|cts)$/;
const PROTOCOL_TYPES = ['HostToRunner', 'RunnerToHost'];
const NODE_BUILTINS = new Set(builtinModules.flatMap((m) => [m, m.split('/')[0]]));

/** Files the rules apply to (root-relative posix paths): app sources, not build tooling. */
export function isCheckedSource(file: string): boolean {
  if (!SOURCE.test(file) || file.endsWith('.d.ts')) return false;
  if (!file.startsWith('electron/') && !file.startsWith('renderer/')) return false;
  if (/(^|\/)node_modules\//.test(file) || /(^|\/)dist\//.test(file)) return false;
  return !/(^|\/)(vite|vitest)\.config\.[cm]?ts$/.test(file); // tooling that runs in Node, not renderer code
}

function resolveRelative(from: string, specifier: string, files: ReadonlySet<string>): string {
  const base = path.posix.normalize(path.posix.join(path.posix.dirname(from), specifier));
  const candidates = [base, ...['.ts', '.tsx', '.mts', '.d.ts', '/index.ts', '/index.tsx'].map((ext) => base + ext)];
  return candidates.find((c) => files.has(c)) ?? base;
}

/** Every import, export-from, require() and import() of one file. */
export function importsOf(file: string, text: string, files: ReadonlySet<string>): ImportRef[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true, file.endsWith('x') ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const refs: ImportRef[] = [];
  const add = (spec: ts.Expression | undefined, names: string[], at: ts.Node) => {
    if (!spec || !ts.isStringLiteralLike(spec)) return;
    const specifier = spec.text;
    const target = specifier.startsWith('.') ? resolveRelative(file, specifier, files) : null;
    refs.push({ specifier, target, names, line: source.getLineAndCharacterOfPosition(at.getStart()).line + 1 });
  };
  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const bindings = node.importClause?.namedBindings;
      const names = bindings && ts.isNamedImports(bindings) ? bindings.elements.map((e) => (e.propertyName ?? e.name).text) : [];
      add(node.moduleSpecifier, names, node);
    } else if (ts.isExportDeclaration(node)) {
      const names = node.exportClause && ts.isNamedExports(node.exportClause) ? node.exportClause.elements.map((e) => (e.propertyName ?? e.name).text) : [];
      add(node.moduleSpecifier, names, node);
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      add(node.moduleReference.expression, [], node);
    } else if (ts.isCallExpression(node) && (node.expression.kind === ts.SyntaxKind.ImportKeyword || (ts.isIdentifier(node.expression) && node.expression.text === 'require'))) {
      add(node.arguments[0], [], node);
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      add(node.argument.literal as ts.Expression, node.qualifier && ts.isIdentifier(node.qualifier) ? [node.qualifier.text] : [], node);
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return refs;
}

/** Exported type aliases and interfaces a file declares. */
function exportedTypes(file: string, text: string): string[] {
  const source = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  const names: string[] = [];
  for (const st of source.statements) {
    if ((ts.isTypeAliasDeclaration(st) || ts.isInterfaceDeclaration(st)) && st.modifiers?.some((m) => m.kind === ts.SyntaxKind.ExportKeyword)) names.push(st.name.text);
  }
  return names;
}

const isElectron = (s: string) => s === 'electron' || s.startsWith('electron/');
const isNode = (s: string) => s.startsWith('node:') || NODE_BUILTINS.has(s) || NODE_BUILTINS.has(s.split('/')[0]);
const isZod = (s: string) => s === 'zod' || s.startsWith('zod/');
const under = (file: string, dir: string) => file.startsWith(`${dir}/`);

/** Check every rule on a set of files (root-relative posix path -> text); returns what breaks them. */
export function checkLayering(sources: ReadonlyMap<string, string>): Violation[] {
  const files = new Set(sources.keys());
  const violations: Violation[] = [];
  const imports = new Map<string, ImportRef[]>();
  for (const [file, text] of sources) if (isCheckedSource(file)) imports.set(file, importsOf(file, text, files));

  for (const [file, refs] of imports) {
    for (const ref of refs) {
      const v = (rule: string, message: string) => violations.push({ file, line: ref.line, rule, message });
      if ((under(file, 'electron/core') || under(file, 'electron/shared')) && isElectron(ref.specifier)) {
        v('no-electron', `${file} imports '${ref.specifier}': electron/core and electron/shared run without Electron (the web shell, the CLI, tests) — pass what you need in from electron/electron-main`);
      }
      if (under(file, 'electron/shared') && !isZod(ref.specifier) && !(ref.target && under(ref.target, 'electron/shared'))) {
        v('shared-only-zod', `${file} imports '${ref.specifier}': electron/shared runs in every process (browser included) and may import only zod and its own files`);
      }
      if (under(file, 'renderer')) {
        if (isNode(ref.specifier)) v('renderer-no-node', `${file} imports '${ref.specifier}': renderer code runs in a browser — ask the back end through the contract instead`);
        else if (isElectron(ref.specifier)) v('renderer-no-node', `${file} imports '${ref.specifier}': the renderer reaches Electron only through the preload API`);
        const into = ref.target ? ['electron/core', 'electron/runner', 'electron/web', 'electron/electron-main'].find((d) => under(ref.target!, d) || ref.target === d) : undefined;
        if (into) v('renderer-no-backend', `${file} imports '${ref.specifier}' from ${into}: the renderer may import only electron/shared (the contract)`);
      }
    }
  }

  // The runner protocol: one declaring module, imported from there by both sides.
  const declaring = [...sources].filter(([file, text]) => isCheckedSource(file) && exportedTypes(file, text).some((n) => PROTOCOL_TYPES.includes(n))).map(([file]) => file);
  if (declaring.length !== 1) {
    const where = declaring.length ? declaring.join(', ') : 'no file';
    for (const file of declaring.length ? declaring : ['electron']) {
      violations.push({ file, line: 1, rule: 'one-runner-protocol', message: `the runner protocol (${PROTOCOL_TYPES.join(', ')}) must be declared in exactly one module; found in ${where}` });
    }
  } else {
    const [protocol] = declaring;
    const sides = { 'electron/runner': false, 'electron/core': false };
    for (const [file, refs] of imports) {
      for (const ref of refs) {
        if (!ref.names.some((n) => PROTOCOL_TYPES.includes(n))) continue;
        if (ref.target !== protocol) {
          violations.push({ file, line: ref.line, rule: 'one-runner-protocol', message: `${file} imports the runner protocol from '${ref.specifier}', not from ${protocol} where both sides must take it` });
          continue;
        }
        for (const side of Object.keys(sides) as Array<keyof typeof sides>) if (under(file, side)) sides[side] = true;
      }
    }
    for (const [side, found] of Object.entries(sides)) {
      if (!found) violations.push({ file: protocol, line: 1, rule: 'one-runner-protocol', message: `no file in ${side} imports the runner protocol from ${protocol}: the runner and the back end must share it` });
    }
  }
  return violations;
}
