/** What the numbers were measured on: cores, CPU, compilers, commit. Printed and stored with the results. */
import { execFileSync } from 'node:child_process';
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
