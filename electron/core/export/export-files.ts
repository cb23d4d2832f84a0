/** What both exports share: the typed failure, the output folder and the size report. */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { ExportFile, ExportProblem, ExportReport, ExportTarget } from '../../shared/contract';
import type { KilnPaths } from '../paths';
import type { Project } from '../project';

/** An export that could not be made; `problems` say which plugin, which symbol or line, and what to do. */
export class ExportError extends Error {
  constructor(
    readonly problems: ExportProblem[],
    summary = problems.map(describeProblem).join('\n'),
  ) {
    super(summary);
  }
}

/** One problem as a line for a terminal or the log: "pong: undefined symbol fork — ...". */
export function describeProblem(p: ExportProblem): string {
  const where = p.file ? ` (${p.file}${p.line ? `:${p.line}${p.column ? `:${p.column}` : ''}` : ''})` : '';
  return `${p.plugin ?? 'export'}${p.symbol ? `: ${p.symbol}` : ''}${where}: ${p.message}`;
}

export interface ExportRequest {
  project: Project;
  paths: KilnPaths;
  /** The folder to write; created, and emptied of a previous export of the same kind. */
  outDir: string;
}

/** Where an export goes when the user names no folder: <project>/export/<target>. */
export function defaultExportDir(project: Project, target: ExportTarget): string {
  return path.join(project.root, 'export', target);
}

/** An empty folder to export into. A folder that holds anything but a previous export is refused, never wiped. */
export async function prepareOutDir(outDir: string, marker: string): Promise<void> {
  const entries = await fs.readdir(outDir).catch(() => null);
  if (entries && entries.length && !entries.includes(marker)) {
    throw new ExportError([{ message: `${outDir} is not empty and holds no earlier Kiln export: choose an empty or new folder` }]);
  }
  await fs.rm(outDir, { recursive: true, force: true });
  await fs.mkdir(outDir, { recursive: true });
}

/** Every file of the export with its size, and the total: what the log and the CLI report. */
export async function describeExport(target: ExportTarget, dir: string, started: number): Promise<ExportReport> {
  const files: ExportFile[] = [];
  const walk = async (rel: string) => {
    for (const entry of await fs.readdir(path.join(dir, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.isDirectory()) await walk(name);
      else files.push({ path: name, bytes: (await fs.stat(path.join(dir, name))).size });
    }
  };
  await walk('');
  files.sort((a, b) => a.path.localeCompare(b.path));
  return { target, dir, files, totalBytes: files.reduce((n, f) => n + f.bytes, 0), ms: Math.round(performance.now() - started) };
}

/** The project's asset files (everything but sources, kiln.json, .kiln/ and export/): copied beside the game. */
export async function copyAssets(project: Project, outDir: string): Promise<string[]> {
  const copied: string[] = [];
  const skip = /\.(c|h|zig|o|so|dll|d)$/i;
  const walk = async (rel: string) => {
    for (const entry of await fs.readdir(path.join(project.root, rel), { withFileTypes: true })) {
      const name = rel ? `${rel}/${entry.name}` : entry.name;
      if (entry.name.startsWith('.') || (!rel && (entry.name === 'export' || entry.name === 'kiln.json'))) continue;
      if (entry.isDirectory()) await walk(name);
      else if (entry.isFile() && !skip.test(entry.name)) {
        await fs.mkdir(path.dirname(path.join(outDir, 'assets', name)), { recursive: true });
        await fs.copyFile(path.join(project.root, name), path.join(outDir, 'assets', name));
        copied.push(name);
      }
    }
  };
  await walk('');
  return copied;
}
