/**
 * Finding a C compiler and running it: discovery order, flags per compiler family, diagnostics.
 * Order: the project's setting, $KILN_CC, $CC, tcc (fastest), cc, gcc, clang, zig cc.
 */
import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import type { Diagnostic } from '../shared/contract';
import { parseGccJson, parseTextDiagnostics } from './diagnostics';

const execFileAsync = promisify(execFile);

export type CompilerFamily = 'tcc' | 'gcc' | 'clang' | 'zig';

export interface Compiler {
  family: CompilerFamily;
  /** argv prefix, e.g. ['tcc'] or ['zig', 'cc'] */
  command: string[];
  version: string;
  /** Where the choice came from, for the log: "kiln.json", "$KILN_CC", "found on PATH". */
  source: string;
}

export class CompilerNotFoundError extends Error {}

const candidates: string[][] = [['tcc'], ['cc'], ['gcc'], ['clang'], ['zig', 'cc']];

async function probe(command: string[]): Promise<{ family: CompilerFamily; version: string } | null> {
  const [exe, ...pre] = command;
  const tries = [[...pre, '--version'], [...pre, '-v']];
  for (const args of tries) {
    try {
      const { stdout, stderr } = await execFileAsync(exe, args, { timeout: 5000 });
      const text = `${stdout}\n${stderr}`;
      const firstLine = text.trim().split('\n')[0] ?? '';
      if (/tcc version/i.test(text)) return { family: 'tcc', version: firstLine };
      if (command.includes('zig') || /zig/i.test(exe)) return { family: 'zig', version: firstLine };
      if (/clang/i.test(text)) return { family: 'clang', version: firstLine };
      if (/gcc|Free Software Foundation/i.test(text)) return { family: 'gcc', version: firstLine };
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (e.code === 'ENOENT') return null;
      const text = `${e.stdout ?? ''}\n${e.stderr ?? ''}`;
      if (/tcc version/i.test(text)) return { family: 'tcc', version: text.trim().split('\n')[0] };
    }
  }
  return null;
}

/** Split a compiler setting like "zig cc" or "/opt/tcc/bin/tcc" into argv. */
function splitCommand(setting: string): string[] {
  return setting.trim().split(/\s+/).filter(Boolean);
}

const cache = new Map<string, Compiler>();

export async function findCompiler(projectSetting: string | undefined, env: NodeJS.ProcessEnv = process.env): Promise<Compiler> {
  const explicit: Array<[string | undefined, string]> = [
    [projectSetting, 'kiln.json build.compiler'],
    [env.KILN_CC, '$KILN_CC'],
    [env.CC, '$CC'],
  ];
  for (const [setting, source] of explicit) {
    if (!setting) continue;
    const key = `${source}:${setting}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const command = splitCommand(setting);
    const found = await probe(command);
    if (!found) {
      throw new CompilerNotFoundError(
        `compiler "${setting}" from ${source} was not found or did not run — install it, or change ${source}`,
      );
    }
    const compiler = { ...found, command, source };
    cache.set(key, compiler);
    return compiler;
  }
  for (const command of candidates) {
    const key = `path:${command.join(' ')}`;
    const hit = cache.get(key);
    if (hit) return hit;
    const found = await probe(command);
    if (found) {
      const compiler = { ...found, command, source: 'found on PATH' };
      cache.set(key, compiler);
      return compiler;
    }
  }
  throw new CompilerNotFoundError(
    'no C compiler found (looked for tcc, cc, gcc, clang, zig cc) — install one (Debian: apt-get install tcc gcc), ' +
      'or set "build": { "compiler": "..." } in kiln.json',
  );
}

export interface CompileRequest {
  compiler: Compiler;
  sources: string[]; // absolute
  output: string; // absolute
  includeDirs: string[];
  profile: 'fast' | 'optimised';
  extraFlags: string[];
  cwd: string;
}

export interface CompileResult {
  ok: boolean;
  ms: number;
  flags: string[];
  diagnostics: RawDiagnostic[];
  /** Raw compiler output, for messages the parser did not recognise. */
  output: string;
}

/** A diagnostic with the file path as the compiler printed it (mapped to the project later). */
export type RawDiagnostic = Diagnostic;

export function compilerFlags(compiler: Compiler, profile: 'fast' | 'optimised'): string[] {
  switch (compiler.family) {
    case 'tcc':
      return ['-shared', '-fPIC', '-g', '-Wall'];
    case 'gcc':
      return ['-std=gnu11', '-shared', '-fPIC', profile === 'fast' ? '-O0' : '-O2', '-g', '-Wall', '-fdiagnostics-format=json'];
    case 'clang':
    case 'zig':
      return ['-std=gnu11', '-shared', '-fPIC', profile === 'fast' ? '-O0' : '-O2', '-g', '-Wall', '-fno-color-diagnostics', '-fno-caret-diagnostics'];
  }
}

export async function compile(req: CompileRequest): Promise<CompileResult> {
  const flags = [...compilerFlags(req.compiler, req.profile), ...req.extraFlags];
  const [exe, ...pre] = req.compiler.command;
  const args = [...pre, ...flags, ...req.includeDirs.flatMap((d) => ['-I', d]), '-o', req.output, ...req.sources];
  const started = performance.now();
  const { code, stdout, stderr } = await run(exe, args, req.cwd);
  const ms = performance.now() - started;
  const output = `${stdout}${stderr}`;
  const diagnostics =
    req.compiler.family === 'gcc' ? parseGccJson(stderr) ?? parseTextDiagnostics(output) : parseTextDiagnostics(output);
  if (code !== 0 && !diagnostics.some((d) => d.severity === 'error')) {
    // The compiler failed without a message we could place: keep its words anyway.
    diagnostics.push({ file: req.sources[0], line: 1, column: 1, severity: 'error', message: output.trim() || `compiler exited with code ${code}` });
  }
  return { ok: code === 0, ms, flags, diagnostics, output };
}

function run(exe: string, args: string[], cwd: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(exe, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, LC_ALL: 'C' } });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (err) => resolve({ code: -1, stdout, stderr: `${stderr}${err.message}` }));
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}
