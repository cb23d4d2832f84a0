/**
 * The headless CLI (`npx kiln ...`):
 *   kiln run <project> --headless   build, run the game loop, rebuild on change; one JSON line per ReloadEvent
 *   kiln build <project>            build every plugin once; diagnostics as file:line:col; exit 1 on errors
 *   kiln export <project> --web <dir> | --native <dir>   the game as a web page or a standalone program
 */
import { Command } from 'commander';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnBackend } from '../core/backend';
import { compile, findCompilerFor, killCompilers } from '../core/compiler';
import { nodeRunnerLauncher } from '../core/node-runner-launcher';
import { checkBuilt, findKilnRoot, kilnPaths } from '../core/paths';
import { describeProblem, describeReport, ExportError, exportGame } from '../core/export/export-game';
import { serveFolder } from '../core/export/static-server';
import { Project } from '../core/project';
import { TrustStore } from '../core/trust';
import { defaultDataDir } from '../core/user-data';
import readline from 'node:readline/promises';

const paths = kilnPaths(findKilnRoot(__dirname));
const program = new Command().name('kiln').description('Kiln: live-reloading native game plugins');

program
  .command('run')
  .argument('[project]', 'project folder', paths.defaultProject)
  .option('--headless', 'run without a window (the only mode of the CLI for now)', false)
  .option('--trust', 'trust this project: build and run its code without asking (remembered)', false)
  .description('build and run a project; rebuild and hot-reload when a source changes')
  .action(async (projectDir: string, opts: { trust: boolean }) => {
    const problems = checkBuilt(paths);
    if (problems.length) fail(`Kiln is not built:\n  ${problems.join('\n  ')}`);
    const trustProject = opts.trust || (await askTrust(projectDir));
    const backend = await KilnBackend.open({ projectDir, paths, launcher: nodeRunnerLauncher(paths.runnerScript), trustProject, runner: { sound: false } });
    if (!backend.isTrusted) fail(untrustedMessage(projectDir));
    // Handlers before anything starts: Ctrl+C during the first build must still stop the runner and compilers.
    stopOnSignals(() => backend.stop());
    backend.on('reload', (event) => out.write(`${JSON.stringify(event)}\n`));
    backend.on('runner', (info) => err.write(`runner: ${info.message}\n`));
    backend.on('game-log', (m) => err.write(`[${m.level}] ${m.text}\n`));
    await backend.start(); // the back end watches the project and rebuilds on change
  });

program
  .command('build')
  .argument('[project]', 'project folder', paths.defaultProject)
  .option('--trust', 'trust this project: build its code without asking (remembered)', false)
  .description('build every plugin once; exit non-zero on errors')
  .action(async (projectDir: string, opts: { trust: boolean }) => {
    const project = await Project.open(projectDir);
    const trust = new TrustStore(defaultDataDir(), [path.join(paths.root, 'plugins')]);
    if (opts.trust || (!(await trust.isTrusted(project.root)) && (await askTrust(projectDir)))) await trust.trust(project.root);
    if (!(await trust.isTrusted(project.root))) fail(untrustedMessage(projectDir));
    const outDir = path.join(project.workDir, 'build');
    await fs.mkdir(outDir, { recursive: true });
    // The compiler is in its own process group, so Ctrl+C must be passed on; an interrupted build is a failed one.
    stopOnSignals(async () => void killCompilers(), 130);
    let errors = 0;
    for (const plugin of project.config.plugins) {
      const compiler = await findCompilerFor(plugin.sources, project.config.build.compiler);
      const output = path.join(outDir, `${plugin.name}${process.platform === 'win32' ? '.dll' : '.so'}`);
      const result = await compile({
        compiler,
        sources: plugin.sources.map((s) => project.resolve(s)),
        output,
        includeDirs: [paths.includeDir, project.root],
        profile: project.config.build.profile,
        extraFlags: project.config.build.flags,
        cwd: project.root,
        limits: { timeLimitSeconds: project.config.build.timeLimitSeconds, memoryLimitMb: project.config.build.memoryLimitMb },
      });
      for (const d of result.diagnostics) {
        const file = path.isAbsolute(d.file) && d.file.startsWith(project.root) ? project.relative(d.file) : d.file;
        out.write(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}\n`);
      }
      if (result.ok) err.write(`built ${plugin.name} -> ${path.relative(process.cwd(), output) || output} in ${result.ms.toFixed(1)} ms with ${compiler.command.join(' ')}\n`);
      else errors += 1;
    }
    process.exit(errors ? 1 : 0);
  });

program
  .command('export')
  .argument('[project]', 'project folder', paths.defaultProject)
  .option('--web [dir]', 'a web page: index.html + game.wasm (default dir: <project>/export/web)')
  .option('--native [dir]', 'a standalone program with SDL2 (default dir: <project>/export/native)')
  .option('--serve', 'then serve the web export on 127.0.0.1 to try it in a browser (Ctrl+C stops)', false)
  .option('--trust', 'trust this project: build its code without asking (remembered)', false)
  .description('export the game for the web and/or as a standalone program; prints where and how big')
  .action(async (projectDir: string, opts: { web?: string | true; native?: string | true; serve: boolean; trust: boolean }) => {
    if (!opts.web && !opts.native) fail('say what to export: --web [dir] and/or --native [dir]');
    const project = await Project.open(projectDir);
    const trust = new TrustStore(defaultDataDir(), [path.join(paths.root, 'plugins')]);
    if (opts.trust || (!(await trust.isTrusted(project.root)) && (await askTrust(projectDir)))) await trust.trust(project.root);
    if (!(await trust.isTrusted(project.root))) fail(untrustedMessage(projectDir));
    stopOnSignals(async () => void killCompilers(), 130);
    let failed = false;
    let served = '';
    for (const target of ['web', 'native'] as const) {
      const dir = opts[target];
      if (!dir) continue;
      try {
        const report = await exportGame({ project, paths, target, dir: dir === true ? undefined : path.resolve(dir) });
        out.write(`${describeReport(project.config.name, report)}\n`);
        for (const f of report.files) out.write(`  ${f.path}  ${f.bytes} bytes\n`);
        if (target === 'web' && opts.serve) served = report.dir;
      } catch (e) {
        if (!(e instanceof ExportError)) throw e;
        failed = true;
        for (const p of e.problems) err.write(`kiln: ${target} export failed: ${describeProblem(p)}\n`);
      }
    }
    if (failed || !served) process.exit(failed ? 1 : 0);
    const site = await serveFolder(served);
    out.write(`Playing at ${site.url} (Ctrl+C stops)\n`);
  });

/**
 * stdout/stderr that may be pipes whose reader is gone (`kiln run | jq` stopped with Ctrl+C ends jq too):
 * a write then fails with EPIPE, which must stop Kiln quietly (like `head` closing a pipe), never crash it
 * with an unhandled 'error' and leave the runner and compilers behind.
 */
const out = guardedStream(process.stdout);
const err = guardedStream(process.stderr);
let onReaderGone: () => void = () => process.exit(0);

function guardedStream(stream: NodeJS.WriteStream): { write(text: string): void } {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    closed = true;
    if (e.code === 'EPIPE' || e.code === 'ERR_STREAM_DESTROYED') onReaderGone();
  });
  return {
    write(text: string) {
      if (!closed && !stream.destroyed) stream.write(text);
    },
  };
}

/** Ctrl+C, SIGTERM, SIGHUP or the output's reader going away: stop once, then exit; a second Ctrl+C exits at once. */
function stopOnSignals(stop: () => Promise<void>, exitCode = 0): void {
  let stopping = false;
  const shutdown = (why: 'signal' | 'reader-gone') => {
    if (stopping) {
      if (why === 'signal') process.exit(130); // a second Ctrl+C: compilers still die, process exit kills their groups
      return;
    }
    stopping = true;
    // A hung stop must not keep the terminal: exit anyway after a while.
    setTimeout(() => process.exit(exitCode), 10_000).unref();
    void stop()
      .catch((e) => err.write(`kiln: stopping failed: ${(e as Error).message}\n`))
      .finally(() => process.exit(exitCode));
  };
  onReaderGone = () => shutdown('reader-gone');
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => shutdown('signal'));
}

function untrustedMessage(dir: string): string {
  return `${dir} is not trusted: building it runs its code (and its kiln.json compiler flags). If you trust it, run again with --trust`;
}

/** On a terminal, ask once; elsewhere (CI, scripts) never assume trust. */
async function askTrust(dir: string): Promise<boolean> {
  const project = await Project.open(dir);
  const store = new TrustStore(defaultDataDir(), [path.join(paths.root, 'plugins')]);
  if (await store.isTrusted(project.root)) return false; // already trusted: nothing to ask
  if (!process.stdin.isTTY) return false;
  const rl = readline.createInterface({ input: process.stdin, output: process.stderr });
  const answer = await rl.question(`Kiln: building ${project.root} runs its code. Trust this project? [y/N] `);
  rl.close();
  return /^y(es)?$/i.test(answer.trim());
}

function fail(message: string): never {
  console.error(`kiln: ${message}`);
  process.exit(1);
}

program.parseAsync().catch((err) => fail((err as Error).message + (os.EOL === '\n' ? '' : '')));
