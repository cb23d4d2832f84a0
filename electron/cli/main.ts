/**
 * The headless CLI (`npx kiln ...`):
 *   kiln run <project> --headless   build, run the game loop, rebuild on change; one JSON line per ReloadEvent
 *   kiln build <project>            build every plugin once; diagnostics as file:line:col; exit 1 on errors
 */
import { Command } from 'commander';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { KilnBackend } from '../core/backend';
import { compile, findCompilerFor } from '../core/compiler';
import { nodeRunnerLauncher } from '../core/node-runner-launcher';
import { checkBuilt, findKilnRoot, kilnPaths } from '../core/paths';
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
    const backend = await KilnBackend.open({ projectDir, paths, launcher: nodeRunnerLauncher(paths.runnerScript), trustProject });
    if (!backend.isTrusted) fail(untrustedMessage(projectDir));
    backend.on('reload', (event) => process.stdout.write(`${JSON.stringify(event)}\n`));
    backend.on('runner', (info) => process.stderr.write(`runner: ${info.message}\n`));
    backend.on('game-log', (m) => process.stderr.write(`[${m.level}] ${m.text}\n`));
    await backend.start(); // the back end watches the project and rebuilds on change
    const stop = async () => {
      await backend.stop();
      process.exit(0);
    };
    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);
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
      });
      for (const d of result.diagnostics) {
        const file = path.isAbsolute(d.file) && d.file.startsWith(project.root) ? project.relative(d.file) : d.file;
        console.log(`${file}:${d.line}:${d.column}: ${d.severity}: ${d.message}`);
      }
      if (result.ok) console.error(`built ${plugin.name} -> ${path.relative(process.cwd(), output) || output} in ${result.ms.toFixed(1)} ms with ${compiler.command.join(' ')}`);
      else errors += 1;
    }
    process.exit(errors ? 1 : 0);
  });

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
