/** One entry for both shells and the CLI: export a project for the web or as a standalone program. */
import type { ExportReport, ExportTarget } from '../../shared/contract';
import type { KilnPaths } from '../paths';
import type { Project } from '../project';
import { defaultExportDir } from './export-files';
import { exportNative } from './native-export';
import { exportWeb } from './web-export';

export { defaultExportDir, describeProblem, ExportError } from './export-files';

export function exportGame(opts: { project: Project; paths: KilnPaths; target: ExportTarget; dir?: string }): Promise<ExportReport> {
  const req = { project: opts.project, paths: opts.paths, outDir: opts.dir ?? defaultExportDir(opts.project, opts.target) };
  return opts.target === 'web' ? exportWeb(req) : exportNative(req);
}

/** "pong exported for the web to /x/export/web: 19.0 KB in 3 files (game.wasm 13.9 KB)" — the log's line. */
export function describeReport(name: string, r: ExportReport): string {
  const kb = (n: number) => `${(n / 1024).toFixed(1)} KB`;
  const main = r.files.find((f) => f.path === 'game.wasm' || f.path === 'libkiln.so');
  const where = r.target === 'web' ? 'for the web' : 'as a standalone program';
  return `${name} exported ${where} to ${r.dir}: ${kb(r.totalBytes)} in ${r.files.length} files${main ? ` (${main.path} ${kb(main.bytes)})` : ''}, ${(r.ms / 1000).toFixed(1)} s`;
}
